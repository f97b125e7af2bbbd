/*
** cmd_import.c — `citygrid import KIND FILE`: the district's settings by
** kind (settings.h), each applied whole or not at all, and `import cases`,
** a 311 workload replayed.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "area/area.h"
#include "case/case.h"
#include "settings/settings.h"

/* Print what an area import wrote, e.g. "14 streets, 155 communities". */
static void
print_counts(const struct area_counts *c, const char *path)
{
  static const char *const plural[] = {"districts", "streets", "communities",
                                       "grids"};
  const char *sep = "";
  printf("imported ");
  for (int l = 0; l < 4; l++)
    if (c->n[l]) {
      printf("%s%d %s", sep, c->n[l],
             c->n[l] == 1 ? area_level_name(l) : plural[l]);
      sep = ", ";
    }
  printf(" from '%s'\n", path);
}

/* Replay a 311 workload, then run the escalation sweep once. */
static int
import_cases(struct cli *cli, const char *path, const char *map, int fit)
{
  struct case_replay_stats st;
  struct case_setup cs;
  struct cg_err e = {0};
  int rc, n = 0;

  if (!map) {
    cg_fail(&e, CG_EINVAL,
            "replaying cases needs --map FILE (foreign "
            "category -> scheme,kind,code)");
    return cli_fail(&e);
  }
  if (case_setup_load(&cs, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  rc = case_replay(&cs.env, path, map, fit, &st, &e);
  if (rc == CG_OK) rc = case_sweep(&cs.env, case_now(&cs.env), &n, &e);
  case_setup_release(&cs);
  if (rc != CG_OK) return cli_fail(&e);
  printf("replayed %d of %d cases from '%s' (%d closed; skipped %d with no "
         "category mapping, %d outside the district); escalated %d\n",
         st.created, st.read, path, st.closed, st.skipped, st.outside, n);
  return 0;
}

int
cmd_import(struct cli *cli, struct opts *o)
{
  const char *what = o->pos[0], *path = o->pos[1];
  const char *crs_name = opt_get(o, "crs");
  struct settings_opts so = {opt_get(o, "scheme"), GEO_WGS84,
                             opt_get(o, "code"), NULL};
  struct settings_loaded got;
  struct cg_err e = {0};

  if (strcmp(what, "cases") == 0)
    return import_cases(cli, path, opt_get(o, "map"),
                        opt_get(o, "fit") != NULL);
  if (!settings_known(what)) {
    fprintf(stderr,
            "citygrid import: unknown kind '%s' (see 'citygrid "
            "import --help')\n",
            what);
    return EXIT_USAGE;
  }
  if (crs_name && geo_crs_parse(crs_name, &so.crs, &e) != CG_OK)
    return cli_fail(&e);
  /* a calendar: a server running on the directory loads it within a
  ** second; areas: within a second too */
  if (settings_import(cli->db, cli->data_dir, what, path, &so, &got, &e) !=
      CG_OK)
    return cli_fail(&e);
  if (strcmp(what, "boundary") == 0)
    printf("imported the district boundary from '%s'\n", path);
  else if (strcmp(what, "divisions") == 0 || strcmp(what, "grids") == 0)
    print_counts(&got.areas, path);
  else
    printf("imported %d %s from '%s'\n", got.n, got.what, path);
  return 0;
}
