/*
** setup.c — a case environment from a data directory: citygrid.conf, the
** holiday calendars kept in DIR/calendar/, the locator and the district's
** code. The CLI builds one per command; the server one at start-up.
*/
#include "case_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every .csv file of DIR/calendar into cal, in name order. */
static int
load_calendars(struct cal *cal, const char *data_dir, struct cg_err *e)
{
  char dir[4200], path[4500];
  char *names[64];
  int n = 0, rc = CG_OK;
  struct dirent *d;
  DIR *dh;

  snprintf(dir, sizeof dir, "%s/calendar", data_dir);
  if (!(dh = opendir(dir))) return CG_OK; /* none: plain weekdays */
  while ((d = readdir(dh)) && n < 64) {
    size_t len = strlen(d->d_name);
    if (len > 4 && strcmp(d->d_name + len - 4, ".csv") == 0)
      names[n++] = strdup(d->d_name);
  }
  closedir(dh);
  qsort(names, n, sizeof names[0], cmp_str);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (rc == CG_OK) rc = cal_load(cal, path, NULL, e);
    free(names[i]);
  }
  return rc;
}

int
case_setup_load(struct case_setup *s, const char *data_dir, struct db *db,
                struct cg_err *e)
{
  char path[4200];
  struct db_stmt *st;
  int rc;

  memset(s, 0, sizeof *s);
  snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
  conf_init(&s->conf);
  snprintf(path, sizeof path, "%s/citygrid.conf", data_dir);
  if ((rc = conf_load(&s->conf, path, e)) != CG_OK) return rc;
  if (!(s->cal = cal_new())) return cg_fail(e, CG_ENOMEM, "out of memory");
  if ((rc = cal_set_hours(s->cal, s->conf.work_hours, e)) != CG_OK ||
      (rc = cal_set_utc_offset(s->cal, s->conf.utc_offset, e)) != CG_OK ||
      (rc = load_calendars(s->cal, data_dir, e)) != CG_OK) {
    if (e) cg_err_prefix(e, "%s", path);
    case_setup_release(s);
    return rc;
  }
  if ((rc = db_prepare(db, &st,
                       "SELECT code FROM area WHERE level ="
                       " 'district'",
                       e)) != CG_OK) {
    case_setup_release(s);
    return rc;
  }
  if (db_step(st, e) == DB_ROW)
    snprintf(s->district, sizeof s->district, "%s", db_col_text(st, 0));
  db_finalize(st);
  if (!*s->district) snprintf(s->district, sizeof s->district, "000000");
  if (area_locator_load(db, &s->loc, e) != CG_OK) {
    if (e && e->code != CG_ENOTFOUND) {
      case_setup_release(s);
      return e->code;
    }
    s->loc = NULL; /* no areas yet: every report is outside */
  }
  case_env_init(&s->env, db, s->loc, s->cal, s->data_dir, s->district);
  s->env.dup_radius_m = s->conf.dup_radius_m;
  s->env.dup_window_s = (int64_t)(s->conf.dup_window_h * 3600);
  memcpy(s->env.escalate_pct, s->conf.escalate_pct, sizeof s->env.escalate_pct);
  s->env.nescalate = s->conf.nescalate;
  return CG_OK;
}

void
case_setup_release(struct case_setup *s)
{
  case_env_release(&s->env);
  area_locator_free(s->loc);
  cal_free(s->cal);
  case_cache_free(s->cache);
  s->loc = NULL;
  s->cal = NULL;
  s->cache = NULL;
}

int
case_import_calendar(const char *data_dir, const char *path, int *n,
                     struct cg_err *e)
{
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  char dir[4200], dest[4500], tmp[4600], buf[65536];
  struct cal *cal = cal_new();
  FILE *in = NULL, *out = NULL;
  size_t k;
  int rc;

  *n = 0;
  if (!cal) return cg_fail(e, CG_ENOMEM, "out of memory");
  snprintf(dir, sizeof dir, "%s/calendar", data_dir);
  snprintf(dest, sizeof dest, "%s/%s", dir, base);
  {
    size_t len = strlen(base);
    if (len < 5 || strcmp(base + len - 4, ".csv") || base[0] == '.') {
      cal_free(cal);
      return cg_fail(e, CG_EINVAL,
                     "a calendar file's name must end in "
                     "'.csv': '%s'",
                     base);
    }
  }
  /* the others first (less the one being replaced), then this one: a
  ** date given twice across files is refused here, not at start-up */
  {
    DIR *dh = opendir(dir);
    struct dirent *d;
    rc = CG_OK;
    while (dh && (d = readdir(dh)) && rc == CG_OK) {
      size_t len = strlen(d->d_name);
      char other[4500];
      if (len <= 4 || strcmp(d->d_name + len - 4, ".csv") ||
          strcmp(d->d_name, base) == 0)
        continue;
      snprintf(other, sizeof other, "%s/%s", dir, d->d_name);
      rc = cal_load(cal, other, NULL, e);
    }
    if (dh) closedir(dh);
  }
  if (rc == CG_OK) rc = cal_load(cal, path, n, e);
  cal_free(cal);
  if (rc != CG_OK) return rc;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return cg_fail(e, CG_EIO, "cannot create '%s'", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", dest);
  if (!(in = fopen(path, "rb")) || !(out = fopen(tmp, "wb"))) {
    if (in) fclose(in);
    return cg_fail(e, CG_EIO, "cannot copy '%s' to '%s'", path, dir);
  }
  while ((k = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, k, out) != k) break;
  rc = ferror(in) || ferror(out);
  fclose(in);
  if (fclose(out) != 0 || rc || rename(tmp, dest) != 0) {
    remove(tmp);
    return cg_fail(e, CG_EIO, "cannot copy '%s' to '%s'", path, dir);
  }
  return CG_OK;
}
