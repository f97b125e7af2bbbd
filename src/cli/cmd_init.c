/*
** cmd_init.c — `citygrid init`: create the data directory (database,
** attachments folder) or bring an existing one's schema up to date.
*/
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/conf.h"
#include "case/case.h"
#include "db/migrate.h"

/* mkdir -p for one path; CG_OK or CG_EIO. */
static int
make_dirs(const char *path, struct cg_err *e)
{
  char buf[4096];
  size_t n = strlen(path);

  if (n >= sizeof buf) return cg_fail(e, CG_EINVAL, "path too long");
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    buf[i] = 0;
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
      return cg_fail(e, CG_EIO, "cannot create directory '%s': %s", buf,
                     strerror(errno));
    buf[i] = path[i];
  }
  return CG_OK;
}

int
cmd_init(struct cli *cli, struct opts *o)
{
  struct cg_err e = {0};
  char sub[4200];
  struct stat sb;
  int existed = stat(cli->db_path, &sb) == 0, version;
  int64_t indexed = 0;
  struct db *sdb = NULL;

  snprintf(sub, sizeof sub, "%s/attachments", cli->data_dir);
  if (make_dirs(cli->data_dir, &e) != CG_OK || make_dirs(sub, &e) != CG_OK ||
      cli_open_store(cli, 1, &e) != CG_OK ||
      db_schema_version(cli->db, &version, &e) != CG_OK)
    return cli_fail(&e);
  /* the full-text index filled with what it lacks: every case if its file
  ** is new (migration 0022), through a connection that may write it */
  if (db_open(&sdb, cli->db_path, DB_SEARCH, &e) != CG_OK ||
      case_search_catch_up(sdb, 0, &indexed, &e) != CG_OK) {
    db_close(sdb);
    return cli_fail(&e);
  }
  db_close(sdb);
  snprintf(sub, sizeof sub, "%s/citygrid.conf", cli->data_dir);
  if (stat(sub, &sb) != 0) {
    FILE *f = fopen(sub, "w");
    if (!f || fputs(conf_default_text(), f) < 0 || fclose(f) != 0) {
      cg_fail(&e, CG_EIO, "cannot write '%s'", sub);
      return cli_fail(&e);
    }
  }
  printf("%s citygrid data in '%s' (schema version %d)\n",
         existed ? "checked" : "initialised", cli->data_dir, version);
  if (indexed > 0)
    printf("full-text index: %lld cases added\n", (long long)indexed);
  return 0;
}
