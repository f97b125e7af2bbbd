/*
** setup.c — a case environment from a data directory: citygrid.conf, the
** holiday calendars kept in DIR/calendar/, the locator and the district's
** code. The CLI builds one per command; the server one at start-up, and
** it loads the working calendar again when a file is added to
** DIR/calendar (the next year's holidays are published each winter).
*/
#include "case_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The calendar files of DIR/calendar (named *.csv, not starting with a
** dot), at most 64, in name order — the order they load in — into names
** (each malloc'd; the caller frees them). Returns how many. */
static int
calendar_names(const char *data_dir, char *names[64])
{
  char dir[4200];
  struct dirent *d;
  int n = 0;
  DIR *dh;

  snprintf(dir, sizeof dir, "%s/calendar", data_dir);
  if (!(dh = opendir(dir))) return 0; /* none: plain weekdays */
  while ((d = readdir(dh)) && n < 64) {
    size_t len = strlen(d->d_name);
    if (len > 4 && strcmp(d->d_name + len - 4, ".csv") == 0 &&
        d->d_name[0] != '.' && (names[n] = strdup(d->d_name)))
      n++;
  }
  closedir(dh);
  qsort(names, (size_t)n, sizeof names[0], cmp_str);
  return n;
}

/* Load every calendar file of DIR/calendar but `except` (NULL: none) into
** cal, in name order. */
static int
load_calendars(struct cal *cal, const char *data_dir, const char *except,
               struct cg_err *e)
{
  char path[4500], *names[64];
  int n = calendar_names(data_dir, names), rc = CG_OK;

  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/calendar/%s", data_dir, names[i]);
    if (rc == CG_OK && (!except || strcmp(names[i], except) != 0))
      rc = cal_load(cal, path, NULL, e);
    free(names[i]);
  }
  return rc;
}

/* A working calendar from the setup's hours and the files of its
** DIR/calendar into *out (caller frees it with cal_free()); CG_OK or why
** not. */
static int
calendar_new(struct case_setup *s, struct cal **out, struct cg_err *e)
{
  struct cal *cal = cal_new();
  int rc;

  *out = NULL;
  if (!cal) return cg_fail(e, CG_ENOMEM, "out of memory");
  if ((rc = cal_set_hours(cal, s->conf.work_hours, e)) != CG_OK ||
      (rc = cal_set_utc_offset(cal, s->conf.utc_offset, e)) != CG_OK) {
    if (e) cg_err_prefix(e, "%s/citygrid.conf", s->data_dir);
    cal_free(cal);
    return rc;
  }
  if ((rc = load_calendars(cal, s->data_dir, NULL, e)) != CG_OK) {
    cal_free(cal);
    return rc;
  }
  *out = cal;
  return CG_OK;
}

/* When DIR/calendar last changed (a file renamed into it, or out), in
** nanoseconds; 0 if there is none. */
static int64_t
calendar_stamp(const char *data_dir)
{
  char dir[4200];
  struct stat st;
  snprintf(dir, sizeof dir, "%s/calendar", data_dir);
  if (stat(dir, &st) != 0) return 0;
  return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* A calendar or a locator replaced, kept until the setup is released. */
struct case_retired {
  struct cal *cal;          /* one of them */
  struct area_locator *loc; /* ... */
  struct case_retired *next;
};

/* Keep what was replaced (under the lock of the one replaced). */
static void
retire(struct case_setup *s, struct case_retired *r, struct cal *cal,
       struct area_locator *loc)
{
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  r->cal = cal;
  r->loc = loc;
  pthread_mutex_lock(&mu);
  r->next = s->retired;
  s->retired = r;
  pthread_mutex_unlock(&mu);
}

int
case_setup_reload_calendar(struct case_setup *s, struct cg_err *e)
{
  struct case_retired *old = malloc(sizeof *old);
  struct cal *cal;
  int rc;

  if (!old) return cg_fail(e, CG_ENOMEM, "out of memory");
  pthread_mutex_lock(&s->cal_mu);
  s->cal_stamp = calendar_stamp(s->data_dir);
  if ((rc = calendar_new(s, &cal, e)) != CG_OK) {
    pthread_mutex_unlock(&s->cal_mu);
    free(old);
    return rc;
  }
  retire(s, old, s->cal, NULL);
  __atomic_store_n(&s->cal, cal, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&s->cal_mu);
  return CG_OK;
}

/* The store's counter of changes to the areas (migration 0013), or -1. */
static int64_t
areas_version(struct db *db)
{
  int64_t v = -1;
  db_query_int(db, &v, -1, NULL,
               "SELECT value FROM counter WHERE name = 'areas'", "");
  return v;
}

/* The district's code in the store into buf (8 bytes), "000000" if none;
** CG_OK or the store's error (buf "000000"). */
static int
district_code(struct db *db, char *buf, struct cg_err *e)
{
  struct db_stmt *st;
  int rc;
  snprintf(buf, 8, "000000");
  if ((rc = db_prepare(db, &st,
                       "SELECT code FROM area WHERE level ="
                       " 'district'",
                       e)) != CG_OK)
    return rc;
  if (db_step(st, e) == DB_ROW && db_col_text(st, 0))
    snprintf(buf, 8, "%s", db_col_text(st, 0));
  db_finalize(st);
  return CG_OK;
}

/* Is a look due — a second since *checked_ms (monotonic), and no other
** thread looking? Then 1, with mu held and *checked_ms moved on; the
** caller looks and unlocks. */
static int
look_due(int64_t *checked_ms, pthread_mutex_t *mu)
{
  struct timespec t;
  int64_t now;

  clock_gettime(CLOCK_MONOTONIC, &t);
  now = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
  if (now - __atomic_load_n(checked_ms, __ATOMIC_RELAXED) < 1000 ||
      pthread_mutex_trylock(mu) != 0)
    return 0;
  __atomic_store_n(checked_ms, now, __ATOMIC_RELAXED);
  return 1;
}

const struct area_locator *
case_setup_loc(struct case_setup *s, struct db *db)
{
  /* the counter asked once a second, by one thread, which also loads */
  if (look_due(&s->loc_checked_ms, &s->loc_mu)) {
    int64_t v = areas_version(db);
    if (v >= 0 && v != s->areas) {
      struct case_retired *old = malloc(sizeof *old);
      struct area_locator *loc = NULL;
      char district[8];
      /* (only this thread, holding loc_mu, moves s->code) */
      int first = strcmp(s->code, "000000") == 0;
      s->areas = v; /* areas that fail to load are not tried again */
      district_code(db, district, NULL);
      if (old && (first || strcmp(district, s->code) == 0) &&
          area_locator_load(db, &loc, NULL) == CG_OK) {
        if (first) { /* the code first, then the areas it goes with */
          memcpy(s->first, district, sizeof s->first);
          __atomic_store_n(&s->code, s->first, __ATOMIC_RELEASE);
        }
        retire(s, old, NULL, s->loc);
        __atomic_store_n(&s->loc, loc, __ATOMIC_RELEASE);
      } else {
        free(old);
      }
    }
    pthread_mutex_unlock(&s->loc_mu);
  }
  return __atomic_load_n(&s->loc, __ATOMIC_ACQUIRE);
}

const char *
case_setup_district(struct case_setup *s)
{
  return __atomic_load_n(&s->code, __ATOMIC_ACQUIRE);
}

void
case_setup_env_now(struct case_setup *s, struct case_env *env, struct db *db)
{
  env->cal = case_setup_cal(s);
  env->loc = case_setup_loc(s, db);
  env->district = case_setup_district(s);
}

const struct cal *
case_setup_cal(struct case_setup *s)
{
  /* a look at the directory once a second, by one thread */
  if (look_due(&s->cal_checked_ms, &s->cal_mu)) {
    int64_t stamp = calendar_stamp(s->data_dir);
    int changed = stamp != s->cal_stamp;
    s->cal_stamp = stamp; /* a file that fails to load is not tried again */
    pthread_mutex_unlock(&s->cal_mu);
    if (changed) case_setup_reload_calendar(s, NULL);
  }
  return __atomic_load_n(&s->cal, __ATOMIC_ACQUIRE);
}

int
case_setup_load(struct case_setup *s, const char *data_dir, struct db *db,
                struct cg_err *e)
{
  char path[4200];
  int rc;

  memset(s, 0, sizeof *s);
  s->code = s->district;
  snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
  conf_init(&s->conf);
  snprintf(path, sizeof path, "%s/citygrid.conf", data_dir);
  if ((rc = conf_load(&s->conf, path, e)) != CG_OK) return rc;
  pthread_mutex_init(&s->cal_mu, NULL);
  pthread_mutex_init(&s->loc_mu, NULL);
  s->cal_stamp = calendar_stamp(data_dir);
  s->areas = areas_version(db);
  if ((rc = calendar_new(s, &s->cal, e)) != CG_OK) {
    case_setup_release(s);
    return rc;
  }
  if ((rc = district_code(db, s->district, e)) != CG_OK) {
    case_setup_release(s);
    return rc;
  }
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
  while (s->retired) {
    struct case_retired *next = s->retired->next;
    cal_free(s->retired->cal);
    area_locator_free(s->retired->loc);
    free(s->retired);
    s->retired = next;
  }
  case_cache_free(s->cache);
  s->loc = NULL;
  s->cal = NULL;
  s->cache = NULL;
}

static int
day_json(void *arg, int y, int m, int d, int work, const char *name)
{
  char date[16];
  snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
  return json_array_append_new(
      arg, json_pack("{s:s, s:s, s:s}", "date", date, "kind",
                     work ? "workday" : "holiday", "name", name));
}

json_t *
case_calendar_json(const struct case_setup *s, const struct cal *cal, int y)
{
  char *names[64];
  json_t *files = json_array(), *days = json_array();
  int n = calendar_names(s->data_dir, names);

  for (int i = 0; i < n; i++) {
    json_array_append_new(files, json_string(names[i]));
    free(names[i]);
  }
  cal_each_listed(cal, y, day_json, days);
  return json_pack("{s:i, s:s, s:i, s:o, s:o}", "year", y, "hours",
                   s->conf.work_hours, "utc_offset", cal_utc_offset(cal),
                   "files", files, "days", days);
}

int
case_calendar_year(const struct cal *cal, const char *s, int *y,
                   struct cg_err *e)
{
  char *end;
  long n;

  if (!s) {
    *y = cal_local_year(cal, (int64_t)time(NULL));
    return CG_OK;
  }
  n = strtol(s, &end, 10);
  if (*end || end == s || n < 1970 || n > 2999)
    return cg_fail(e, CG_EINVAL,
                   "year is a year from 1970 to 2999, not '%.20s'", s);
  *y = (int)n;
  return CG_OK;
}

static int
day_csv(void *arg, int y, int m, int d, int work, const char *name)
{
  const char *kind = work ? "workday" : "holiday";
  /* names are free text: quoted when they hold what CSV quotes */
  if (strpbrk(name, ",\"\r\n")) {
    fprintf(arg, "%04d-%02d-%02d,%s,\"", y, m, d, kind);
    for (const char *p = name; *p; p++) {
      if (*p == '"') fputc('"', arg);
      fputc(*p, arg);
    }
    return fputs("\"\n", arg) < 0;
  }
  return fprintf(arg, "%04d-%02d-%02d,%s,%s\n", y, m, d, kind, name) < 0;
}

int
case_calendar_csv(const struct cal *cal, int y, FILE *out, struct cg_err *e)
{
  if (fputs("date,kind,name\n", out) < 0 ||
      cal_each_listed(cal, y, day_csv, out))
    return cg_fail(e, CG_EIO, "cannot write the calendar");
  return CG_OK;
}

/* case_import_calendar(), by one thread at a time. */
static int
import_calendar(const char *data_dir, const char *path, const char *name,
                int *n, struct cg_err *e)
{
  const char *base = name                 ? name
                     : strrchr(path, '/') ? strrchr(path, '/') + 1
                                          : path;
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
    if (len < 5 || strcmp(base + len - 4, ".csv") || base[0] == '.' ||
        strchr(base, '/')) {
      cal_free(cal);
      return cg_fail(e, CG_EINVAL,
                     "a calendar file's name must end in '.csv', and "
                     "neither start with '.' nor hold '/': '%.100s'",
                     base);
    }
  }
  /* the others first (less the one being replaced), then this one: a
  ** date given twice across files is refused here, not at start-up */
  rc = load_calendars(cal, data_dir, base, e);
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
  rc = ferror(in) || ferror(out) || fflush(out) != 0 || fsync(fileno(out));
  fclose(in);
  if (fclose(out) != 0 || rc || rename(tmp, dest) != 0) {
    remove(tmp);
    return cg_fail(e, CG_EIO, "cannot copy '%s' to '%s'", path, dir);
  }
  return CG_OK;
}

int
case_import_calendar(const char *data_dir, const char *path, const char *name,
                     int *n, struct cg_err *e)
{
  /* two at once (the page and the command, two administrators) could each
  ** pass the check against the other files and leave a date given twice,
  ** which no server would then start with: they take turns, by a lock on
  ** a file of the directory */
  char dir[4200], lock[4300];
  int fd, rc;

  snprintf(dir, sizeof dir, "%s/calendar", data_dir);
  snprintf(lock, sizeof lock, "%s/.lock", dir);
  if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
      (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
    return cg_fail(e, CG_EIO, "cannot lock '%s': %s", lock, strerror(errno));
  while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
    ;
  rc = rc != 0
           ? cg_fail(e, CG_EIO, "cannot lock '%s': %s", lock, strerror(errno))
           : import_calendar(data_dir, path, name, n, e);
  close(fd); /* (and the lock with it) */
  return rc;
}
