/*
** bench/report.c — the weekly bulletin over a big history. N cases
** (default 10,000,000) over two years (2025 and 2026) on the real district
** are written straight into the cases and event tables with prepared
** INSERTs — the case module would take hours for that many, and what is
** measured here is the evaluation — each with the events of its path
** (about 9 a case: patrol or public reports, rejections, voids, rework,
** extensions, suspensions, deferrals, late handling, a few left open),
** with empty hashes (nothing here verifies the chain). Then, through the
** product's code: the refresh that counts the whole history (timed), an
** incremental refresh after 1,000 more cases (timed), and the bulletin of
** the last full week, 2026-W52, built as citygrid report weekly builds it
** (timed, best of 5). Baseline, in the same run: a plain SQLite GROUP BY
** over a covering index on cases for the same counts (cases dispatched in
** the week and the week before, by street and by department: dispatched,
** deferred, closed, closed on time, rework, extension, open past due).
**
** usage: bench_report [N] [DATADIR]   (run from the repository root)
** Prints `name: value` lines, the ratios last.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "area/area.h"
#include "case/case.h"
#include "category/category.h"
#include "db/migrate.h"
#include "eval/eval.h"
#include "org/org.h"
#include "bench.h"

static void
check(int rc, const struct cg_err *e, const char *what)
{
  if (rc == CG_OK) return;
  fprintf(stderr, "bench_report: %s: %s\n", what, e->msg);
  exit(1);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t
next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static double
uniform(void)
{
  return (next() >> 11) * (1.0 / 9007199254740992.0);
}

/* Categories drawn from, with the department routing gives each. */
static const char *const codes[] = {"06010", "06011", "06012", "06017",
                                    "06028", "07001", "08004", "09001",
                                    "09005", "09009", "01001", "02014"};
#define NCODES (int)(sizeof codes / sizeof codes[0])
static char depts[NCODES][32];

struct grid {
  char code[16];
  double lat, lon;
};
static struct grid *grids;
static int ngrids;

/* What the generator writes with. */
struct gen {
  struct db *db;
  struct db_stmt *ev, *cs;
  int64_t gseq;
  int seq;
  const char *no;
  struct cg_err e;
};

static void
ev(struct gen *g, const char *action, const char *from, const char *to,
   int64_t at, const char *actor, const char *role, const char *data)
{
  db_bind_int(g->ev, 1, ++g->gseq);
  db_bind_text(g->ev, 2, g->no);
  db_bind_int(g->ev, 3, ++g->seq);
  db_bind_int(g->ev, 4, at);
  db_bind_text(g->ev, 5, actor);
  db_bind_text(g->ev, 6, role);
  db_bind_text(g->ev, 7, action);
  db_bind_text(g->ev, 8, from);
  db_bind_text(g->ev, 9, to);
  db_bind_text(g->ev, 10, data);
  if (db_step(g->ev, &g->e) < 0) check(CG_EDB, &g->e, "event");
  db_reset(g->ev);
}

/* One case reported at t on local day `day` with daily number k. */
static void
one_case(struct gen *g, int64_t t, const char *daystr, long k)
{
  char no[32], gw[16], data[160];
  const struct grid *gr = &grids[next() % ngrids];
  int c = (int)(next() % NCODES), pub = uniform() < 0.2;
  double u = uniform();
  const char *state, *dept = depts[c];
  int64_t at = t, disp = 0, due = 0, closed = 0;
  int on_time = -1, rework = 0, extend = 0, susp = 0, deferred = 0, late = 0;
  static const char *const ops[] = {"op1", "op2", "op3", "op4", "op5"};
  static const char *const sls[] = {"sl1", "sl2", "sl3"};
  static const char *const dis[] = {"di1", "di2", "di3"};
  const char *op = ops[next() % 5], *sl = sls[next() % 3],
             *di = dis[next() % 3];
  char dh[40];

  snprintf(no, sizeof no, "410104%.8s%07d", daystr, (int)(k % 10000000));
  snprintf(gw, sizeof gw, "gw%.3s", gr->code + 6);
  snprintf(dh, sizeof dh, "d_%s", dept);
  g->no = no;
  g->seq = 0;
#define STEP(m) (at += (int64_t)(60 * (m)))
  if (pub) {
    ev(g, "report", "", "reported", at, "citizen", "public", "{}");
    ev(g, "verify_request", "reported", "verifying", STEP(20), op, "operator",
       "{}");
    ev(g, "verify", "verifying", "verified", STEP(40 + 60 * uniform()), gw,
       "grid_worker", "{\"pass\":true}");
  } else {
    ev(g, "report", "", "reported", at, gw, "grid_worker", "{}");
  }
  if (u < 0.03) { /* not accepted */
    ev(g, "reject", pub ? "verified" : "reported", "rejected", STEP(10), op,
       "operator", "{}");
    state = "rejected";
    goto write;
  }
  ev(g, "register", pub ? "verified" : "reported", "registered", STEP(10), op,
     "operator", "{}");
  if (u < 0.05) {
    ev(g, "void", "registered", "void", STEP(20), sl, "shift_leader", "{}");
    state = "void";
    goto write;
  }
  ev(g, "file", "registered", "filed", STEP(15 + 60 * uniform()), sl,
     "shift_leader", "{}");
  snprintf(data, sizeof data, "{\"depts\":[\"%s\"]}", dept);
  ev(g, "dispatch", "filed", "dispatched", STEP(10 + 60 * uniform()), di,
     "dispatcher", data);
  disp = at;
  due = at + 4 * 3600;
  if (u < 0.06) { /* 缓办 */
    deferred = 1;
    ev(g, "defer", "dispatched", "deferred", STEP(30), sl, "shift_leader",
       "{}");
    ev(g, "undefer", "deferred", "dispatched", STEP(600), sl, "shift_leader",
       "{}");
    due += 600 * 60;
  } else if (u < 0.08) { /* 挂账 */
    susp = 1;
    ev(g, "suspend_request", "dispatched", "dispatched", STEP(30), dh,
       "department", "{}");
    ev(g, "suspend_approve", "dispatched", "suspended", STEP(20), di,
       "dispatcher", "{}");
    if (uniform() < 0.3) { /* still parked */
      state = "suspended";
      goto write;
    }
    ev(g, "resume", "suspended", "dispatched", STEP(1440), di, "dispatcher",
       "{}");
    due += 1490 * 60;
  } else if (u < 0.11) { /* 延期 */
    extend = 1;
    ev(g, "extend_request", "dispatched", "dispatched", STEP(60), dh,
       "department", "{}");
    ev(g, "extend_approve", "dispatched", "dispatched", STEP(20), di,
       "dispatcher", "{}");
    due += 4 * 3600;
  }
  if (u > 0.995) { /* never handled: open, past due */
    state = "dispatched";
    goto write;
  }
  late = uniform() < 0.08;
  STEP(late ? 60 * 5 : 30 + 150 * uniform());
  snprintf(data, sizeof data, "{\"dept\":\"%s\",\"on_time\":%s,\"task\":1}",
           dept, at <= due ? "true" : "false");
  ev(g, "handle", "dispatched", "handled", at, dh, "department", data);
  late = at > due;
  ev(g, "check_request", "handled", "checking", STEP(10 + 40 * uniform()), op,
     "operator", "{}");
  if (u > 0.11 && u < 0.16) { /* 返工 */
    rework = 1;
    ev(g, "check", "checking", "dispatched", STEP(30 + 60 * uniform()), gw,
       "grid_worker", "{\"pass\":false}");
    snprintf(data, sizeof data, "{\"dept\":\"%s\",\"on_time\":true,\"task\":2}",
             dept);
    ev(g, "handle", "dispatched", "handled", STEP(120), dh, "department", data);
    ev(g, "check_request", "handled", "checking", STEP(20), op, "operator",
       "{}");
  }
  ev(g, "check", "checking", "checked", STEP(30 + 90 * uniform()), gw,
     "grid_worker", "{\"pass\":true}");
  on_time = !late;
  snprintf(data, sizeof data, "{\"on_time\":%s}", late ? "false" : "true");
  ev(g, "close", "checked", "closed", STEP(10 + 60 * uniform()), sl,
     "shift_leader", data);
  closed = at;
  state = "closed";
  if (uniform() < 0.1)
    ev(g, "rate", "closed", "closed", STEP(1440), "op1", "operator",
       uniform() < 0.9 ? "{\"rating\":\"satisfied\"}"
                       : "{\"rating\":\"unsatisfied\"}");
#undef STEP
write : {
  char street[10], community[13];
  struct db_stmt *s = g->cs;
  snprintf(street, sizeof street, "%.9s", gr->code);
  snprintf(community, sizeof community, "%.12s", gr->code);
  db_bindf(s, "tttttddttt", no, "matter", "gb47678", codes[c],
           pub ? "public" : "patrol", gr->lat, gr->lon, gr->code, community,
           street);
  db_bind_text(s, 11, pub ? "citizen" : gw);
  db_bind_text(s, 12, disp ? dept : NULL);
  db_bind_text(s, 13, state);
  db_bind_int(s, 14, t);
  db_bind_int(s, 15, at);
  if (disp)
    db_bind_int(s, 16, disp);
  else
    db_bind_null(s, 16);
  if (due)
    db_bind_int(s, 17, due);
  else
    db_bind_null(s, 17);
  if (closed)
    db_bind_int(s, 18, closed);
  else
    db_bind_null(s, 18);
  if (on_time >= 0)
    db_bind_int(s, 19, on_time);
  else
    db_bind_null(s, 19);
  db_bind_int(s, 20, rework);
  db_bind_int(s, 21, extend);
  db_bind_int(s, 22, susp);
  db_bind_int(s, 23, deferred);
  db_bind_int(s, 24, g->seq);
  if (db_step(s, &g->e) < 0) check(CG_EDB, &g->e, "case");
  db_reset(s);
}
}

/* Write n cases reported from day `from` (local day number) over `days`. */
static void
generate(struct gen *g, long n, int64_t from, int days, int utc)
{
  double per_day = (double)n / days;
  long made = 0;
  struct cg_err e = {0};
  /* a case's row is written after its events, in the same transaction */
  check(db_begin(g->db, &e), &e, "begin");
  check(db_exec(g->db, "PRAGMA defer_foreign_keys = ON", &e), &e, "pragma");
  for (int d = 0; d < days && made < n; d++) {
    long today = (long)((d + 1) * per_day) - (long)(d * per_day);
    int y, m, dd;
    char daystr[16];
    eval_day_date(from + d, &y, &m, &dd);
    snprintf(daystr, sizeof daystr, "%04d%02d%02d", y, m, dd);
    for (long k = 1; k <= today && made < n; k++, made++) {
      /* reported between 08:00 and 18:00 local */
      int64_t t = (from + d) * 86400 - utc + 8 * 3600 +
                  (int64_t)(uniform() * 10 * 3600);
      one_case(g, t, daystr, k);
    }
    if (d % 30 == 29) {
      check(db_commit(g->db, &e), &e, "commit");
      check(db_begin(g->db, &e), &e, "begin");
      check(db_exec(g->db, "PRAGMA defer_foreign_keys = ON", &e), &e, "pragma");
    }
  }
  check(db_commit(g->db, &e), &e, "commit");
}

/* The baseline: the same cohort counts by a plain GROUP BY. */
static double
baseline(struct db *db, const struct eval_period *p, const char *col,
         int64_t at, int64_t *rows)
{
  static char sql[1024];
  struct db_stmt *st;
  struct cg_err e = {0};
  double t0 = bench_secs();
  snprintf(sql, sizeof sql,
           "SELECT %s, count(*), sum(deferred), sum(state = 'closed' AND"
           " deferred = 0), sum(state = 'closed' AND deferred = 0 AND"
           " on_time = 1), sum(state = 'closed' AND deferred = 0 AND"
           " n_rework > 0), sum(state = 'closed' AND deferred = 0 AND"
           " n_extend > 0), sum(deferred = 0 AND state IN ('dispatched',"
           " 'handled', 'checking', 'checked') AND due_at < ?) FROM cases"
           " WHERE dispatched_at >= ? AND dispatched_at < ? GROUP BY %s",
           col, col);
  check(db_prepare(db, &st, sql, &e), &e, "baseline");
  db_bindf(st, "iii", at, p->start, p->end);
  while (db_step(st, &e) == DB_ROW)
    *rows += db_col_int(st, 1);
  db_finalize(st);
  return bench_secs() - t0;
}

int
main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  const char *dir = argc > 2 ? argv[2] : "bench-data";
  struct cg_err e = {0};
  struct case_setup cs;
  struct area_counts ac;
  struct eval_refresh_stats rs;
  struct eval_period week, prev;
  struct gen g;
  struct db *db;
  struct db_stmt *st;
  double t0, t_gen, t_full, t_inc, t_bul = 1e9, t_base = 1e9, t_index;
  int64_t at, events = 0, base_rows = 0;
  int k, segs, utc;
  char cmd[4300], path[4200];

  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0) return 1;
  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  check(db_open(&db, path, DB_CREATE, &e), &e, "open");
  check(db_migrate(db, &e), &e, "migrate");
  check(area_import_divisions(db, "data/guancheng-divisions.csv", &ac, &e), &e,
        "divisions");
  check(area_import_boundary(db, "data/zhengzhou-districts-wgs84.geojson",
                             GEO_WGS84, "410104", &e),
        &e, "boundary");
  check(category_import(db, "data/categories-gb47678.csv", NULL, &k, &e), &e,
        "categories");
  check(area_generate(db, 100, &k, &e), &e, "grids");
  check(org_dept_import(db, "data/config/departments.csv", &k, &e), &e,
        "departments");
  check(case_import_routing(db, "data/config/routing.csv", &k, &e), &e,
        "routing");
  check(case_import_limits(db, "data/config/limits.csv", &k, &e), &e, "limits");
  check(case_import_calendar(dir, "data/calendar/cn-2025.csv", NULL, &k, &e),
        &e, "calendar");
  check(case_import_calendar(dir, "data/calendar/cn-2026.csv", NULL, &k, &e),
        &e, "calendar");
  check(eval_generate_segments(db, 1000, &segs, &e), &e, "segments");
  check(case_setup_load(&cs, dir, db, &e), &e, "setup");
  utc = cal_utc_offset(cs.cal);
  /* the grids cases fall in; the department of each category */
  check(db_prepare(db, &st,
                   "SELECT code, (min_lat + max_lat) / 2, (min_lon + max_lon)"
                   " / 2 FROM area WHERE level = 'grid' ORDER BY code",
                   &e),
        &e, "grids");
  while (db_step(st, &e) == DB_ROW) {
    grids = realloc(grids, (ngrids + 1) * sizeof *grids);
    snprintf(grids[ngrids].code, 16, "%s", db_col_text(st, 0));
    grids[ngrids].lat = db_col_double(st, 1);
    grids[ngrids].lon = db_col_double(st, 2);
    ngrids++;
  }
  db_finalize(st);
  for (int c = 0; c < NCODES; c++) {
    check(db_prepare(db, &st,
                     "SELECT dept_code FROM routing WHERE scheme = 'gb47678'"
                     " AND kind = 'matter' AND substr(?, 1,"
                     " length(code_prefix)) = code_prefix ORDER BY"
                     " length(code_prefix) DESC LIMIT 1",
                     &e),
          &e, "routing");
    db_bindf(st, "t", codes[c]);
    snprintf(depts[c], 32, "%s",
             db_step(st, &e) == DB_ROW ? db_col_text(st, 0) : "cgj");
    db_finalize(st);
  }
  /* people: a grid worker per street (for 漏报), the centre's staff */
  check(db_prepare(db, &st,
                   "SELECT code FROM area WHERE level = 'street' ORDER BY code",
                   &e),
        &e, "streets");
  while (db_step(st, &e) == DB_ROW) {
    struct org_user u = {0};
    snprintf(u.login, sizeof u.login, "gw%.3s", db_col_text(st, 0) + 6);
    snprintf(u.name, sizeof u.name, "网格员%s", u.login);
    snprintf(u.scope, sizeof u.scope, "%s", db_col_text(st, 0));
    u.role = ROLE_GRID_WORKER;
    check(org_user_add(db, &u, &e), &e, "user");
  }
  db_finalize(st);
  {
    static const struct {
      const char *login;
      int role;
    } staff[] = {{"op1", ROLE_OPERATOR},     {"op2", ROLE_OPERATOR},
                 {"op3", ROLE_OPERATOR},     {"op4", ROLE_OPERATOR},
                 {"op5", ROLE_OPERATOR},     {"sl1", ROLE_SHIFT_LEADER},
                 {"sl2", ROLE_SHIFT_LEADER}, {"sl3", ROLE_SHIFT_LEADER},
                 {"di1", ROLE_DISPATCHER},   {"di2", ROLE_DISPATCHER},
                 {"di3", ROLE_DISPATCHER}};
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
      struct org_user u = {0};
      snprintf(u.login, sizeof u.login, "%s", staff[i].login);
      snprintf(u.name, sizeof u.name, "%s", staff[i].login);
      u.role = staff[i].role;
      check(org_user_add(db, &u, &e), &e, "user");
    }
  }

  /* the history, written with plain SQL (see the top of this file) */
  memset(&g, 0, sizeof g);
  g.db = db;
  check(db_exec(db, "PRAGMA synchronous = OFF", &e), &e, "pragma");
  check(db_prepare(db, &g.ev,
                   "INSERT INTO event (gseq, case_no, seq, at, actor, role,"
                   " action, from_state, to_state, note, data, hash)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, '')",
                   &e),
        &e, "prepare");
  check(db_prepare(db, &g.cs,
                   "INSERT INTO cases (no, kind, scheme, category_code, source,"
                   " lat, lon, grid_code, community_code, street_code,"
                   " reporter_login, dept_code, state, created_at, updated_at,"
                   " dispatched_at, due_at, closed_at, on_time, n_rework,"
                   " n_extend, n_suspend, deferred, last_seq) VALUES (?, ?, ?,"
                   " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?, ?)",
                   &e),
        &e, "prepare");
  t0 = bench_secs();
  generate(&g, n, eval_day_from_date(2025, 1, 1), 730, utc);
  t_gen = bench_secs() - t0;
  check(db_exec(db, "PRAGMA synchronous = FULL", &e), &e, "pragma");
  check(db_query_int(db, &events, 0, &e, "SELECT count(*) FROM event", ""), &e,
        "count");

  /* the product's refresh: the whole history, then 1,000 more cases */
  t0 = bench_secs();
  check(eval_refresh(&cs.env, 0, &rs, &e), &e, "refresh");
  t_full = bench_secs() - t0;
  check(db_exec(db, "PRAGMA synchronous = OFF", &e), &e, "pragma");
  generate(&g, 1000, eval_day_from_date(2027, 1, 1), 1, utc);
  check(db_exec(db, "PRAGMA synchronous = FULL", &e), &e, "pragma");
  t0 = bench_secs();
  check(eval_refresh(&cs.env, 0, &rs, &e), &e, "refresh");
  t_inc = bench_secs() - t0;

  /* the bulletin of 2026-W52, made at the start of 2027 */
  check(eval_period_parse("week", "2026-W52", NULL, utc, &week, &e), &e,
        "week");
  eval_period_prev(&week, utc, &prev);
  at = eval_day_from_date(2027, 1, 1) * 86400 - utc;
  for (int i = 0; i < 5; i++) {
    json_t *b;
    t0 = bench_secs();
    b = eval_bulletin(&cs.env, &week, at, 50, &e);
    if (bench_secs() - t0 < t_bul) t_bul = bench_secs() - t0;
    if (!b) check(CG_EINTERNAL, &e, "bulletin");
    if (i == 0) {
      json_t *cur = json_object_get(json_object_get(b, "summary"), "current");
      printf("bulletin_cohort: %lld\n",
             (long long)json_integer_value(json_object_get(cur, "cohort")));
      printf("bulletin_closed: %lld\n",
             (long long)json_integer_value(json_object_get(cur, "closed")));
    }
    json_decref(b);
  }
  /* the baseline: a covering index and GROUP BY, same counts */
  t0 = bench_secs();
  check(db_exec(db,
                "CREATE INDEX bench_cover ON cases (dispatched_at,"
                " street_code, dept_code, state, deferred, on_time,"
                " n_rework, n_extend, due_at)",
                &e),
        &e, "index");
  t_index = bench_secs() - t0;
  for (int i = 0; i < 5; i++) {
    double t = 0;
    base_rows = 0;
    t += baseline(db, &week, "street_code", at, &base_rows);
    t += baseline(db, &week, "dept_code", at, &base_rows);
    t += baseline(db, &prev, "street_code", at, &base_rows);
    t += baseline(db, &prev, "dept_code", at, &base_rows);
    if (t < t_base) t_base = t;
  }

  printf("cases: %ld\n", n);
  printf("events: %lld\n", (long long)events);
  printf("generate_s: %.1f\n", t_gen);
  printf("refresh_full_s: %.1f\n", t_full);
  printf("refresh_full_events_per_s: %.0f\n", (double)events / t_full);
  printf("refresh_1000_cases_ms: %.1f\n", t_inc * 1000);
  printf("bulletin_week_ms: %.2f\n", t_bul * 1000);
  printf("baseline_index_s: %.1f\n", t_index);
  printf("baseline_rows: %lld\n", (long long)base_rows / 2);
  printf("baseline_groupby_ms: %.2f\n", t_base * 1000);
  printf("ratio_bulletin_to_baseline: %.3f\n", t_bul / t_base);
  db_finalize(g.ev);
  db_finalize(g.cs);
  case_setup_release(&cs);
  db_close(db);
  free(grids);
  return 0;
}
