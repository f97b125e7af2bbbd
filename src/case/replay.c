/*
** replay.c — replaying a real 311 workload (data/sample-cases.csv) as
** cases of this district, so that demos and load tests run on real
** patterns of categories, places and times. Foreign categories map onto
** ours through a mapping file; positions move from the file's bounding box
** onto the district's; times shift so that the newest report is two hours
** old. Each case then runs the path its status implies, through
** case_report() and case_apply() like any other case, with a variety of
** returns, wrong dispatches, extensions, suspensions and rework chosen
** from its id, so that the demo holds cases in every state. The whole
** replay is one transaction.
*/
#include "case_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"

struct mapping {
  char from[96];
  char scheme[16], kind[16], code[16];
};

/* Read the category mapping file into a new array (caller frees). */
static int
load_map(const char *path, struct mapping **out, int *n, struct cg_err *e)
{
  FILE *f = fopen(path, "rb");
  struct mapping *m = NULL;
  struct csv c;
  int r, cap = 0, idx[4], rc = CG_OK;
  static const char *const cols[] = {"category", "scheme", "kind", "code"};

  *out = NULL;
  *n = 0;
  if (!f) return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  if (csv_init(&c, f, path, e) != CG_OK) {
    fclose(f);
    return CG_ENOMEM;
  }
  if ((r = csv_read(&c, e)) <= 0) {
    rc = r == 0 ? cg_fail(e, CG_EINVAL, "%s: empty file", path) : CG_EINVAL;
    goto out;
  }
  for (int i = 0; i < 4; i++)
    if ((idx[i] = csv_column(&c, cols[i])) < 0) {
      rc = cg_fail(e, CG_EINVAL, "%s:1: no column '%s'", path, cols[i]);
      goto out;
    }
  while ((r = csv_read(&c, e)) == 1) {
    if (c.nfield == 1 && !c.field[0][0]) continue;
    if (c.nfield != 4) {
      rc = cg_fail(e, CG_EINVAL, "%s:%ld: %d fields, expected 4", path, c.line,
                   c.nfield);
      goto out;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      if (!(m = realloc(m, cap * sizeof *m))) abort();
    }
    snprintf(m[*n].from, sizeof m[*n].from, "%s", c.field[idx[0]]);
    snprintf(m[*n].scheme, sizeof m[*n].scheme, "%s", c.field[idx[1]]);
    snprintf(m[*n].kind, sizeof m[*n].kind, "%s", c.field[idx[2]]);
    snprintf(m[*n].code, sizeof m[*n].code, "%s", c.field[idx[3]]);
    (*n)++;
  }
  if (r < 0) rc = CG_EINVAL;
out:
  csv_release(&c);
  fclose(f);
  if (rc != CG_OK) {
    free(m);
    *n = 0;
    return rc;
  }
  *out = m;
  return CG_OK;
}

/* Parse "YYYY-MM-DDTHH:MM:SSZ" (or with fractional seconds); 0 if empty,
** -1 if malformed. */
static int64_t
iso_time(const char *s)
{
  struct tm tm;
  int n = 0;
  if (!*s) return 0;
  memset(&tm, 0, sizeof tm);
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
             &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (int64_t)timegm(&tm);
}

/* One row of the workload. */
struct row {
  char id[32], category[96], status[32];
  int64_t opened, closed;
  double lat, lon;
  long line;
};

/* Read the next row; 1 a row, 0 the end, -1 an error. */
static int
read_row(struct csv *c, const int *idx, const char *path, struct row *r,
         struct cg_err *e)
{
  int rc;
  char *end1, *end2;

  while ((rc = csv_read(c, e)) == 1 && c->nfield == 1 && !c->field[0][0])
    ;
  if (rc <= 0) return rc;
  if (c->nfield != 7)
    return cg_fail(e, CG_EINVAL, "%s:%ld: %d fields, expected 7", path, c->line,
                   c->nfield),
           -1;
  r->line = c->line;
  snprintf(r->id, sizeof r->id, "%s", c->field[idx[0]]);
  snprintf(r->category, sizeof r->category, "%s", c->field[idx[1]]);
  snprintf(r->status, sizeof r->status, "%s", c->field[idx[4]]);
  r->opened = iso_time(c->field[idx[2]]);
  r->closed = iso_time(c->field[idx[3]]);
  r->lat = strtod(c->field[idx[5]], &end1);
  r->lon = strtod(c->field[idx[6]], &end2);
  if (r->opened <= 0 || r->closed < 0 || *end1 || *end2 || !*c->field[idx[5]] ||
      (r->closed && r->closed < r->opened))
    return cg_fail(e, CG_EINVAL, "%s:%ld: bad time or position", path, c->line),
           -1;
  return 1;
}

/* The replay's actors: one per role, the department one re-pointed at the
** department of the task at hand. */
struct cast {
  struct org_user op, shift, disp, grid, dept;
};

static void
cast_init(struct cast *c)
{
  memset(c, 0, sizeof *c);
  snprintf(c->op.login, sizeof c->op.login, "replay-operator");
  c->op.role = ROLE_OPERATOR;
  snprintf(c->shift.login, sizeof c->shift.login, "replay-shift");
  c->shift.role = ROLE_SHIFT_LEADER;
  snprintf(c->disp.login, sizeof c->disp.login, "replay-dispatcher");
  c->disp.role = ROLE_DISPATCHER;
  snprintf(c->grid.login, sizeof c->grid.login, "replay-gridworker");
  c->grid.role = ROLE_GRID_WORKER;
  snprintf(c->dept.login, sizeof c->dept.login, "replay-department");
  c->dept.role = ROLE_DEPARTMENT;
}

/* A text value of case `no`'s column (a fixed, known query). */
static void
case_text(struct case_env *env, const char *sql, const char *no, char *buf,
          size_t n)
{
  struct db *db = env->db;
  struct db_stmt *st;
  buf[0] = 0;
  if (case_flush(env, NULL) != CG_OK) return;
  if (db_prepare_cached(db, &st, sql, NULL) != CG_OK) return;
  db_bindf(st, "t", no);
  if (db_step(st, NULL) == DB_ROW && db_col_text(st, 0))
    snprintf(buf, n, "%s", db_col_text(st, 0));
  db_finalize(st);
}

/* Drive one action; on failure the message names the case. */
static int
act(struct case_env *env, const struct org_user *who, const char *no,
    const char *action, int64_t at, const char *note, struct case_act *extra,
    struct cg_err *e)
{
  struct case_act a;
  int rc;
  if (extra)
    a = *extra;
  else
    memset(&a, 0, sizeof a);
  a.action = action;
  a.at = at;
  a.note = note ? note : a.note;
  if ((rc = case_apply(env, who, no, &a, e)) != CG_OK)
    cg_err_prefix(e, "replaying '%s' on case '%s'", action, no);
  return rc;
}

/* Dispatch-to-handle part of a path, with the variety h picks. */
static int
work(struct case_env *env, struct cast *c, const char *no, unsigned h,
     int64_t t, int64_t step, struct cg_err *e)
{
  static const char dept_sql[] = "SELECT dept_code FROM cases WHERE no = ?";
  static const char other_sql[] =
      "SELECT code FROM department WHERE code <> ? AND active = 1"
      " ORDER BY code";
  char dept[32], other[32];
  struct case_act x;
  int rc;

  if ((rc = act(env, &c->disp, no, "dispatch", t, NULL, NULL, e))) return rc;
  case_text(env, dept_sql, no, dept, sizeof dept);
  snprintf(c->dept.dept, sizeof c->dept.dept, "%s", dept);
  t += step;
  switch (h % 10) {
  case 1: /* the wrong department: returned, re-dispatched elsewhere */
    if ((rc = act(env, &c->dept, no, "return_request", t, "不属于本单位职责",
                  NULL, e)) ||
        (rc = act(env, &c->disp, no, "return_approve", t + step / 4, NULL, NULL,
                  e)))
      return rc;
    case_text(env, other_sql, dept, other, sizeof other);
    {
      const char *d[1] = {other};
      memset(&x, 0, sizeof x);
      x.depts = d;
      x.ndepts = 1;
      if ((rc =
               act(env, &c->disp, no, "dispatch", t + step / 2, "改派", &x, e)))
        return rc;
    }
    snprintf(c->dept.dept, sizeof c->dept.dept, "%s", other);
    break;
  case 2: /* more time asked and granted */
    memset(&x, 0, sizeof x);
    x.hours = 8;
    if ((rc = act(env, &c->dept, no, "extend_request", t, "需协调多部门", &x,
                  e)) ||
        (rc = act(env, &c->disp, no, "extend_approve", t + step / 4, NULL, NULL,
                  e)))
      return rc;
    break;
  case 5: /* tried to give it back without cause */
    if ((rc = act(env, &c->dept, no, "return_request", t, "非本单位职责", NULL,
                  e)) ||
        (rc = act(env, &c->disp, no, "return_refuse", t + step / 4,
                  "属于本单位职责", NULL, e)))
      return rc;
    break;
  case 6: /* parked for a while */
    if ((rc = act(env, &c->dept, no, "suspend_request", t, "需列入年度计划",
                  NULL, e)) ||
        (rc = act(env, &c->disp, no, "suspend_approve", t + step / 4, NULL,
                  NULL, e)) ||
        (rc = act(env, &c->disp, no, "resume", t + step / 2, NULL, NULL, e)))
      return rc;
    break;
  }
  return CG_OK;
}

/* Run the path a row's status implies. */
static int
drive(struct case_env *env, struct cast *c, const char *no, const struct row *r,
      int64_t shift, int64_t now, int *closed, struct cg_err *e)
{
  unsigned h = 0;
  int64_t t0 = r->opened + shift, t1, step;
  int rc;

  for (const char *p = r->id; *p; p++)
    h = h * 31 + (unsigned char)*p;
  if (h % 10 == 9) { /* checked on site before registration */
    struct case_act x = {0};
    x.pass = 1;
    if ((rc =
             act(env, &c->op, no, "verify_request", t0 + 300, NULL, NULL, e)) ||
        (rc = act(env, &c->grid, no, "verify", t0 + 900, "情况属实", &x, e)))
      return rc;
  }
  if (strcmp(r->status, "Open") == 0) {
    switch (h % 7) {
    case 0:
      return CG_OK; /* waiting for intake */
    case 1:
      return act(env, &c->op, no, "reject", t0 + 600, "不属于受理范围", NULL,
                 e);
    case 2:
      return h % 10 == 9 ? CG_OK
                         : act(env, &c->op, no, "verify_request", t0 + 600,
                               NULL, NULL, e);
    }
    if ((rc = act(env, &c->op, no, "register", t0 + 600, NULL, NULL, e)) ||
        h % 7 == 3)
      return rc;
    if ((rc = act(env, &c->shift, no, "file", t0 + 1200, NULL, NULL, e)) ||
        h % 7 == 4)
      return rc;
    if (h % 7 == 5)
      return act(env, &c->shift, no, "void", t0 + 1500, "重复立案", NULL, e);
    return act(env, &c->disp, no, "dispatch", t0 + 1800, NULL, NULL, e);
  }
  t1 = r->closed ? r->closed + shift : now;
  if (t1 > now) t1 = now;
  step = (t1 - t0) / 12 > 60 ? (t1 - t0) / 12 : 60;
  if ((rc = act(env, &c->op, no, "register", t0 + step / 4, NULL, NULL, e)) ||
      (rc = act(env, &c->shift, no, "file", t0 + step / 2, NULL, NULL, e)) ||
      (rc = work(env, c, no, h, t0 + step, step, e)))
    return rc;
  if (!r->closed) { /* in progress: where it stands now */
    struct case_act x = {0};
    switch (h % 6) {
    case 0:
      if ((rc = act(env, &c->dept, no, "suspend_request", t0 + 5 * step,
                    "待统一整治", NULL, e)))
        return rc;
      return act(env, &c->disp, no, "suspend_approve", t0 + 6 * step, NULL,
                 NULL, e);
    case 1:
      return act(env, &c->shift, no, "defer", t0 + 5 * step, "待规划实施", NULL,
                 e);
    case 5:
      return CG_OK; /* at the department */
    }
    if ((rc = act(env, &c->dept, no, "handle", t0 + 5 * step, "已处置", NULL,
                  e)) ||
        h % 6 == 2)
      return rc;
    if ((rc = act(env, &c->op, no, "check_request", t0 + 6 * step, NULL, NULL,
                  e)) ||
        h % 6 == 3)
      return rc;
    x.pass = 1;
    return act(env, &c->grid, no, "check", t0 + 7 * step, "已整改", &x, e);
  }
  /* closed: handled, checked (failed once or twice for some), closed */
  for (int round = 0;; round++) {
    struct case_act x = {0};
    int64_t t = t0 + (5 + 2 * round) * step;
    x.pass = !((h % 10 == 3 && round < 1) || (h % 10 == 4 && round < 2));
    if ((rc = act(env, &c->dept, no, "handle", t, "已处置", NULL, e)) ||
        (rc = act(env, &c->op, no, "check_request", t + step / 2, NULL, NULL,
                  e)) ||
        (rc = act(env, &c->grid, no, "check", t + step,
                  x.pass ? "已整改" : "未整改到位", &x, e)))
      return rc;
    if (x.pass) break;
  }
  if ((rc = act(env, &c->shift, no, "close", t1, NULL, NULL, e))) return rc;
  (*closed)++;
  if (h % 10 == 7 || h % 10 == 8) {
    struct case_act x = {0};
    x.rating = h % 10 == 7 ? "satisfied" : "basic";
    return act(env, &c->op, no, "rate", t1 + 600, "电话回访", &x, e);
  }
  return CG_OK;
}

int
case_replay(struct case_env *env, const char *path, const char *map, int fit,
            struct case_replay_stats *st, struct cg_err *e)
{
  static const char *const cols[] = {
      "id", "category", "opened_at", "closed_at", "status", "lat", "lon"};
  double fb[4] = {1e9, 1e9, -1e9, -1e9}, db[4]; /* min lon/lat, max lon/lat */
  struct mapping *m = NULL;
  struct cast cast;
  struct csv c;
  struct row r;
  int64_t newest = 0, shift, now = case_now(env);
  int nm = 0, idx[7], rc, k = 0;
  FILE *f;

  memset(st, 0, sizeof *st);
  if (!env->loc)
    return cg_fail(e, CG_EINVAL,
                   "the district has no grids yet: run "
                   "'citygrid grid generate' first");
  if ((rc = load_map(map, &m, &nm, e)) != CG_OK) return rc;
  {
    struct db_stmt *q;
    if ((rc = db_prepare(env->db, &q,
                         "SELECT min_lon, min_lat, max_lon,"
                         " max_lat FROM area WHERE level = 'district'",
                         e))) {
      free(m);
      return rc;
    }
    rc = db_step(q, e) == DB_ROW ? CG_OK : CG_ENOTFOUND;
    for (int i = 0; i < 4 && rc == CG_OK; i++)
      db[i] = db_col_double(q, i);
    db_finalize(q);
    if (rc != CG_OK) {
      free(m);
      return cg_fail(e, CG_EINVAL, "no district boundary in the store");
    }
  }
  if (!(f = fopen(path, "rb"))) {
    free(m);
    return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  }
  cast_init(&cast);
  /* two passes: the file's extent and newest time, then the cases */
  for (int pass = 0; pass < 2 && rc == CG_OK; pass++) {
    rewind(f);
    if (csv_init(&c, f, path, e) != CG_OK) break;
    if (csv_read(&c, e) <= 0) {
      rc = cg_fail(e, CG_EINVAL, "%s: empty file", path);
      csv_release(&c);
      break;
    }
    for (int i = 0; i < 7; i++)
      if ((idx[i] = csv_column(&c, cols[i])) < 0)
        rc = cg_fail(e, CG_EINVAL, "%s:1: no column '%s'", path, cols[i]);
    shift = (now - 7200) - newest;
    if (pass == 1 && rc == CG_OK) rc = case_begin(env, e);
    while (rc == CG_OK && (k = read_row(&c, idx, path, &r, e)) == 1) {
      struct case_report rep;
      const struct mapping *mp = NULL;
      struct area_place p;
      char no[32];
      double lon, lat;

      if (pass == 0) {
        fb[0] = fmin(fb[0], r.lon);
        fb[1] = fmin(fb[1], r.lat);
        fb[2] = fmax(fb[2], r.lon);
        fb[3] = fmax(fb[3], r.lat);
        if (r.opened > newest) newest = r.opened;
        continue;
      }
      st->read++;
      for (int i = 0; i < nm; i++)
        if (strcmp(m[i].from, r.category) == 0) mp = &m[i];
      if (!mp) {
        st->skipped++;
        continue;
      }
      lon = r.lon;
      lat = r.lat;
      if (fit) { /* the file's extent onto the district's; pull inward */
        lon = db[0] +
              (r.lon - fb[0]) / fmax(fb[2] - fb[0], 1e-9) * (db[2] - db[0]);
        lat = db[1] +
              (r.lat - fb[1]) / fmax(fb[3] - fb[1], 1e-9) * (db[3] - db[1]);
        for (int i = 0; i < 40 && !area_locate(env->loc, lon, lat, &p); i++) {
          lon = (db[0] + db[2]) / 2 + 0.9 * (lon - (db[0] + db[2]) / 2);
          lat = (db[1] + db[3]) / 2 + 0.9 * (lat - (db[1] + db[3]) / 2);
        }
      }
      if (!area_locate(env->loc, lon, lat, &p)) {
        st->outside++;
        continue;
      }
      memset(&rep, 0, sizeof rep);
      rep.scheme = mp->scheme;
      rep.kind = mp->kind;
      rep.code = mp->code;
      rep.source = "hotline";
      rep.lat = lat;
      rep.lon = lon;
      rep.description = r.category;
      rep.at = r.opened + shift;
      if ((rc = case_report(env, &cast.op, &rep, no, e)) != CG_OK) {
        cg_err_prefix(e, "%s:%ld", path, r.line);
        break;
      }
      st->created++;
      {
        char state[32];
        case_text(env, "SELECT state FROM cases WHERE no = ?", no, state,
                  sizeof state);
        if (strcmp(state, "reported") != 0) continue; /* a duplicate */
      }
      rc = drive(env, &cast, no, &r, shift, now, &st->closed, e);
    }
    if (rc == CG_OK && k < 0) rc = CG_EINVAL;
    csv_release(&c);
  }
  fclose(f);
  free(m);
  if (rc == CG_OK && env->in_tx) rc = case_commit(env, e);
  if (rc != CG_OK) {
    if (env->in_tx) case_rollback(env);
    memset(st, 0, sizeof *st);
  }
  return rc;
}
