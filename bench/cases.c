/*
** bench/cases.c — how fast the closed loop takes in work. Creates,
** locates, registers, files and dispatches N cases (default 1,000,000)
** through the domain API, 10,000 to a durable commit (SQLite
** synchronous FULL), on the real district, one report a minute of
** simulated time over about two years, as a bulk load does: writing
** behind (src/case/behind.c). Baseline, in the same run: plain prepared
** SQLite INSERTs of the same rows (a case row, its full-text entry, its
** four events and its task) into the same schema, batched the same way.
** Each is run RUNS times, the two in turn, each into a store of its own,
** and the median is reported with every run (a shared machine's disk and
** neighbours move single runs by a tenth and more). Then, on the last
** store, two more events a case (handled, check requested) and `verify`
** over the whole history.
**
** usage: bench_cases [N] [DATADIR]   (run from the repository root)
** Prints `name: value` lines, the ratios last.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "area/area.h"
#include "case/case.h"
#include "category/category.h"
#include "db/migrate.h"
#include "org/org.h"
#include "bench.h"

/* CPU time of the process: the work itself, without waits for the disk */
static double
cpu_secs(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void
check(int rc, const struct cg_err *e, const char *what)
{
  if (rc == CG_OK) return;
  fprintf(stderr, "bench_cases: %s: %s\n", what, e->msg);
  exit(1);
}

/* A fresh store in dir/name (NAME.db, with no full-text index beside it:
** NAME-search.db) with the schema applied, opened with flags (besides
** DB_CREATE). */
static struct db *
fresh(const char *dir, const char *name, int flags)
{
  char path[4200];
  struct cg_err e = {0};
  struct db *db;
  snprintf(path, sizeof path, "%s/%.*s-search.db", dir,
           (int)strcspn(name, "."), name);
  remove(path);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  remove(path);
  check(db_open(&db, path, DB_CREATE | flags, &e), &e, "open");
  check(db_migrate(db, &e), &e, "migrate");
  return db;
}

/* verify's callback: count what it finds. */
static void
count_problem(const char *no, const char *problem, void *arg)
{
  ++*(int *)arg;
  fprintf(stderr, "verify: %s: %s\n", no, problem);
}

static uint64_t rng = 88172645463325252ull;
static double
uniform(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (rng >> 11) * (1.0 / 9007199254740992.0);
}

/* Categories reports are drawn from (all routed in the sample config). */
static const char *const codes[] = {
    "06010", "06011", "06012", "06013", "06017", "06028", "06034",
    "06036", "06042", "07001", "08004", "09001", "09005", "09009",
    "09010", "01037", "01001", "02014", "03005", "06050"};
#define NCODES (sizeof codes / sizeof codes[0])

/* Cases to a durable commit: a bulk load's batch. (Each commit costs an
** fsync of the WAL, 15 ms and more on the reference machine.) */
#define BATCH 10000
#define RUNS 3 /* of each, in turn; the median is reported */

static const int64_t base = 1735689600; /* 2025-01-01 */

static struct org_user op, sl, di, dh;

/* The district set up in dir/template.db: divisions, boundary,
** categories, generated grids, departments, routing, limits, calendars.
** Each run of the product starts from a copy. Returns the grid count. */
static int
make_template(const char *dir)
{
  struct cg_err e = {0};
  struct area_counts ac;
  struct db *db = fresh(dir, "template.db", 0);
  int k, ngrids;

  check(area_import_divisions(db, "data/guancheng-divisions.csv", &ac, &e), &e,
        "divisions");
  check(area_import_boundary(db, "data/zhengzhou-districts-wgs84.geojson",
                             GEO_WGS84, "410104", &e),
        &e, "boundary");
  check(category_import(db, "data/categories-gb47678.csv", NULL, &k, &e), &e,
        "categories");
  check(area_generate(db, 100, &ngrids, &e), &e, "grids");
  check(org_dept_import(db, "data/config/departments.csv", &k, &e), &e,
        "departments");
  check(case_import_routing(db, "data/config/routing.csv", &k, &e), &e,
        "routing");
  check(case_import_limits(db, "data/config/limits.csv", &k, &e), &e, "limits");
  check(case_import_calendar(dir, "data/calendar/cn-2025.csv", NULL, &k, &e),
        &e, "calendar");
  check(case_import_calendar(dir, "data/calendar/cn-2026.csv", NULL, &k, &e),
        &e, "calendar");
  check(db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", &e), &e, "checkpoint");
  db_close(db);
  return ngrids;
}

/* A store for a run: a copy of the template as dir/citygrid.db, opened
** with the case module set up on it. */
static struct db *
store_from_template(const char *dir, struct case_setup *cs)
{
  char cmd[4400];
  struct cg_err e = {0};
  struct db *db;

  snprintf(cmd, sizeof cmd,
           "cd '%s' && rm -f citygrid.db citygrid.db-wal citygrid.db-shm"
           " citygrid-search.db citygrid-search.db-wal"
           " citygrid-search.db-shm && cp template.db citygrid.db",
           dir);
  if (system(cmd) != 0) exit(1);
  snprintf(cmd, sizeof cmd, "%s/citygrid.db", dir);
  check(db_open(&db, cmd, 0, &e), &e, "open");
  check(case_setup_load(cs, dir, db, &e), &e, "setup");
  cs->env.write_behind = 1; /* a bulk load: rows written on a second thread */
  return db;
}

/* Report, register, file and dispatch n cases, BATCH to a commit; their
** numbers into nos. Wall and CPU seconds into *t, *c. */
static void
run_citygrid(struct case_setup *cs, long n, double (*pts)[2], char (*nos)[32],
             double *t, double *c)
{
  struct cg_err e = {0};
  double t0 = bench_secs(), c0 = cpu_secs();

  for (long i = 0; i < n; i += BATCH) {
    check(case_begin(&cs->env, &e), &e, "begin");
    for (long j = i; j < n && j < i + BATCH; j++) {
      struct case_report r;
      struct case_act a;
      int64_t at = base + j * 60;
      memset(&r, 0, sizeof r);
      r.scheme = "gb47678";
      r.kind = "matter";
      r.code = codes[j % NCODES];
      r.source = "hotline";
      r.lon = pts[j][0];
      r.lat = pts[j][1];
      r.description = "市民来电反映";
      r.at = at;
      check(case_report(&cs->env, &op, &r, nos[j], &e), &e, "report");
      memset(&a, 0, sizeof a);
      a.action = "register";
      a.at = at + 60;
      if (case_apply(&cs->env, &op, nos[j], &a, &e) != CG_OK) {
        if (e.code == CG_ECONFLICT) continue; /* a duplicate: linked */
        check(e.code, &e, "register");
      }
      a.action = "file";
      a.at = at + 120;
      check(case_apply(&cs->env, &sl, nos[j], &a, &e), &e, "file");
      a.action = "dispatch";
      a.at = at + 180;
      check(case_apply(&cs->env, &di, nos[j], &a, &e), &e, "dispatch");
    }
    check(case_commit(&cs->env, &e), &e, "commit");
  }
  *t = bench_secs() - t0;
  *c = cpu_secs() - c0;
}

/* The baseline: the same rows, plain INSERTs, same batching, into a
** store of the same schema. Wall and CPU seconds into *t, *c. */
static void
run_baseline(const char *dir, const struct area_locator *loc, long n,
             double (*pts)[2], double *t, double *c)
{
  static const char csql[] =
      "INSERT INTO cases (no, kind, scheme, category_code, source, lat,"
      " lon, grid_code, community_code, street_code, description, state,"
      " created_at, updated_at, dept_code, dispatched_at, due_at,"
      " last_seq, last_hash) VALUES (?, 'matter', 'gb47678', ?,"
      " 'hotline', ?, ?, ?, ?, ?, '市民来电反映', 'dispatched', ?, ?,"
      " NULL, ?, ?, 4, ?)";
  static const char esql[] =
      "INSERT INTO event (case_no, seq, gseq, at, actor, role, action,"
      " from_state, to_state, note, data, hash) VALUES (?, ?, ?, ?,"
      " 'op', 'operator', ?, ?, ?, '', '{}', ?)";
  static const char ssql[] = "INSERT INTO case_bigram (rowid, words)"
                             " VALUES (?, '市民 民来 来电 电反 反映 g' || ?)";
  static const char tsql[] =
      "INSERT INTO task (case_no, n, dept_code, state, dispatched_at,"
      " limit_s, due_at) VALUES (?, 1, ?, 'open', ?, 25200, ?)";
  static const char *const acts[4][3] = {{"report", "", "reported"},
                                         {"register", "reported", "registered"},
                                         {"file", "registered", "filed"},
                                         {"dispatch", "filed", "dispatched"}};
  const char *hash =
      "0f3c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f";
  struct cg_err e = {0};
  /* its full-text index written in the same transactions as the rows */
  struct db *bdb = fresh(dir, "baseline.db", DB_SEARCH);
  struct db_stmt *st;
  int64_t gseq = 0;
  double t0, c0;

  check(db_exec(bdb, "INSERT INTO department (code, name) VALUES ('hwc', 'x')",
                &e),
        &e, "dept");
  t0 = bench_secs();
  c0 = cpu_secs();
  for (long i = 0; i < n; i += BATCH) {
    check(db_begin(bdb, &e), &e, "begin");
    for (long j = i; j < n && j < i + BATCH; j++) {
      char no[32];
      struct area_place p;
      int64_t at = base + j * 60;
      area_locate(loc, pts[j][0], pts[j][1], &p);
      snprintf(no, sizeof no, "410104%08ld", j);
      db_prepare_cached(bdb, &st, csql, &e);
      db_bindf(st, "tddttttiiiit", no, codes[j % NCODES], pts[j][1], pts[j][0],
               p.code[AREA_GRID], p.code[AREA_COMMUNITY], p.code[AREA_STREET],
               at, at + 180, at + 180, at + 3600, hash);
      db_step(st, &e);
      db_finalize(st);
      db_prepare_cached(bdb, &st, ssql, &e);
      db_bindf(st, "it", db_last_id(bdb), p.code[AREA_GRID]);
      db_step(st, &e);
      db_finalize(st);
      for (int s = 0; s < 4; s++) {
        db_prepare_cached(bdb, &st, esql, &e);
        db_bindf(st, "tiiitttt", no, (int64_t)(s + 1), ++gseq, at + 60 * s,
                 acts[s][0], acts[s][1], acts[s][2], hash);
        db_step(st, &e);
        db_finalize(st);
      }
      db_prepare_cached(bdb, &st, tsql, &e);
      db_bindf(st, "ttii", no, "hwc", at + 180, at + 3600);
      if (db_step(st, &e) < 0) check(e.code, &e, "baseline insert");
      db_finalize(st);
    }
    check(db_commit(bdb, &e), &e, "commit");
  }
  *t = bench_secs() - t0;
  *c = cpu_secs() - c0;
  db_close(bdb);
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of RUNS values (sorts a copy). */
static double
median(const double *v)
{
  double s[RUNS];
  memcpy(s, v, sizeof s);
  qsort(s, RUNS, sizeof s[0], cmp_double);
  return s[RUNS / 2];
}

int
main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  const char *dir = argc > 2 ? argv[2] : "bench-data";
  struct cg_err e = {0};
  struct case_setup cs;
  double(*pts)[2], b[4], t0, t_city[RUNS], c_city[RUNS], t_base[RUNS],
      c_base[RUNS], t_more, t_verify;
  char(*nos)[32], cmd[4300];
  struct db *db = NULL;
  struct db_stmt *st;
  int ngrids;

  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0) return 1;
  ngrids = make_template(dir);
  snprintf(op.login, sizeof op.login, "op");
  op.role = ROLE_OPERATOR;
  snprintf(sl.login, sizeof sl.login, "sl");
  sl.role = ROLE_SHIFT_LEADER;
  snprintf(di.login, sizeof di.login, "di");
  di.role = ROLE_DISPATCHER;
  dh.role = ROLE_DEPARTMENT;
  snprintf(dh.login, sizeof dh.login, "dept");

  /* random points in the district: rejection sampling on its bbox */
  db = store_from_template(dir, &cs);
  check(db_prepare(db, &st,
                   "SELECT min_lon, min_lat, max_lon, max_lat FROM"
                   " area WHERE level = 'district'",
                   &e),
        &e, "bbox");
  db_step(st, &e);
  for (int i = 0; i < 4; i++)
    b[i] = db_col_double(st, i);
  db_finalize(st);
  pts = malloc(n * sizeof *pts);
  nos = malloc(n * sizeof *nos);
  for (long i = 0; i < n;) {
    struct area_place p;
    double lon = b[0] + uniform() * (b[2] - b[0]);
    double lat = b[1] + uniform() * (b[3] - b[1]);
    if (!area_locate(cs.loc, lon, lat, &p)) continue;
    pts[i][0] = lon;
    pts[i++][1] = lat;
  }

  /* the product and the baseline in turn, RUNS times each; the last
  ** product store stays for what follows */
  for (int run = 0; run < RUNS; run++) {
    if (run > 0) {
      case_setup_release(&cs);
      db_close(db);
      db = store_from_template(dir, &cs);
    }
    run_citygrid(&cs, n, pts, nos, &t_city[run], &c_city[run]);
    run_baseline(dir, cs.loc, n, pts, &t_base[run], &c_base[run]);
  }

  /* two more events a case: handled, check requested; each case is read
  ** back first, so writing behind would only make the two threads wait
  ** for each other */
  cs.env.write_behind = 0;
  static const char dept_sql[] = "SELECT dept_code FROM task WHERE case_no = ?";
  t0 = bench_secs();
  for (long i = 0; i < n; i += BATCH) {
    check(case_begin(&cs.env, &e), &e, "begin");
    for (long j = i; j < n && j < i + BATCH; j++) {
      struct case_act a;
      memset(&a, 0, sizeof a);
      a.action = "handle";
      a.note = "已处置";
      a.at = base + j * 60 + 3000;
      /* department staff act only on their own department's tasks */
      db_prepare_cached(db, &st, dept_sql, &e);
      db_bindf(st, "t", nos[j]);
      dh.dept[0] = 0;
      if (db_step(st, &e) == DB_ROW)
        snprintf(dh.dept, sizeof dh.dept, "%s", db_col_text(st, 0));
      db_finalize(st);
      if (!dh.dept[0]) continue; /* a duplicate: never dispatched */
      check(case_apply(&cs.env, &dh, nos[j], &a, &e), &e, "handle");
      a.action = "check_request";
      a.at += 60;
      check(case_apply(&cs.env, &op, nos[j], &a, &e), &e, "check_request");
    }
    check(case_commit(&cs.env, &e), &e, "commit");
  }
  t_more = bench_secs() - t0;

  {
    int64_t events, cases;
    char head[65];
    int problems = 0;
    double tc = median(t_city), tb = median(t_base);
    t0 = bench_secs();
    check(case_verify(db, count_problem, &problems, &events, &cases, head, &e),
          &e, "verify");
    t_verify = bench_secs() - t0;
    printf("cases.n: %ld\n", n);
    printf("cases.grids: %d\n", ngrids);
    printf("cases.runs: %d\n", RUNS);
    for (int run = 0; run < RUNS; run++) {
      printf("cases.citygrid.run%d.per_s: %.0f\n", run + 1, n / t_city[run]);
      printf("cases.baseline_sqlite_insert.run%d.per_s: %.0f\n", run + 1,
             n / t_base[run]);
    }
    printf("cases.citygrid.s: %.2f\n", tc);
    printf("cases.citygrid.per_s: %.0f\n", n / tc);
    printf("cases.citygrid.cpu_s: %.2f\n", median(c_city));
    printf("cases.baseline_sqlite_insert.s: %.2f\n", tb);
    printf("cases.baseline_sqlite_insert.per_s: %.0f\n", n / tb);
    printf("cases.baseline_sqlite_insert.cpu_s: %.2f\n", median(c_base));
    printf("cases.handle_and_check_request.per_s: %.0f\n", n / t_more);
    printf("verify.events: %lld\n", (long long)events);
    printf("verify.problems: %d\n", problems);
    printf("verify.s: %.2f\n", t_verify);
    printf("verify.events_per_s: %.0f\n", events / t_verify);
    printf("cases.ratio.citygrid_time_over_baseline: %.2f\n", tc / tb);
  }
  case_setup_release(&cs);
  db_close(db);
  free(pts);
  free(nos);
  return 0;
}
