/*
** test_eval.c — the evaluation on a scripted history whose every figure is
** worked out by hand below. Fourteen cases on the real district, driven
** through the domain API with explicit times in March 2026 (weeks 10 and
** 11; working hours 08:30-12:00, 14:30-18:00; every limit 1 working hour
** but check 2 and disposal 4), covering rework (返工), extension (延期),
** suspension (挂账), deferral (缓办), a wrong dispatch (错误派遣),
** self-handled cases, a void after filing, a rejection, public reports,
** ratings and a case that crosses from week 10 into week 11. Then: every
** indicator of the district, the two streets, the department and each
** person; scores, grades, ranks and the change from week 10; counts kept
** incrementally equal to counts rebuilt; segments and red/black flags;
** bulletins as JSON, CSV, HTML and a spreadsheet whose cells are read
** back and compared with the JSON; an empty week; bad input through the
** CLI and the HTTP API; the weights and grades a score is read with and
** the periods a page offers, over HTTP.
**
** Times are local (UTC+8). "As of" is Monday 16 March 10:00.
**
** Cases (S1 = street 410104001, the grid worker gw's scope; S2 = 410104010,
** gw2's; all 暴露垃圾 06010, routed to hwc):
**  I  S1 reported Fri 6 Mar 17:00 (week 10), registered 17:10, filed 17:20,
**     dispatched Mon 9 08:40 (week 11; 50 working min after filing), then
**     handled, checked and closed on time on Mon 9.
**  A  S1 Mon 9 09:00 report .. 10:30 close, all in time; rated 满意.
**  O  S2 by gw2 Mon 9 09:00, dispatched 09:15 (due 15:45), handled 16:00
**     (late), checked 16:20, closed Tue 09:00 (100 min after the check:
**     late); rated 不满意.
**  B  S1 Tue 10 09:00; registered 11:00, filed 11:30, dispatched 14:45
**     (45 min: in time), handled 15:00, check failed 15:20 (返工), handled
**     again Wed 09:40 (before the new due 09:50), check requested 09:50,
**     checked Wed 15:00 (2 h 40 min: late), closed 15:10; on time.
**  J  S1 self-handled by gw Tue 10 09:30, approved 10:00.
**  C  S1 by the public Wed 11 09:00; verify requested 09:30, verified 10:45
**     (late), registered 11:00, filed 11:10 (漏报), dispatched to szc 11:20,
**     returned 11:40, dispatched to hwc 14:50 (错误派遣, in time), handled,
**     checked and closed by 15:30, on time.
**  K  S1 self-handled Wed 11 09:00, rejected 09:30.
**  D  S1 Thu 12 09:00, dispatched 09:30, extension of 2 h approved (延期;
**     due 18:00), handled Fri 09:00 (late), check requested Fri 10:30
**     (90 min: late), checked 10:40, closed 10:50.
**  E  S1 Thu 12 10:00, filed 10:10, dispatched 14:50 (110 min: late),
**     suspended 15:10 (挂账) and still suspended.
**  L  S1 Thu 12 10:55, registered 11:00, filed 14:45 (75 min: late),
**     voided 15:00 (作废 after filing).
**  M  S1 by the public Thu 12 11:00, rejected 11:10.
**  F  S1 Fri 13 09:00, dispatched 09:15, deferred 09:30 (缓办), resumed
**     10:00, handled, checked and closed by 11:00.
**  G  S1 Fri 13 14:30, dispatched 14:45: due Mon 16 09:15, open: overdue.
**  H  S1 Fri 13 17:00, dispatched 17:15: due Mon 16 11:45, open: not yet.
*/
#include "testutil.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/attach.h"
#include "case/case.h"
#include "eval/eval.h"

static char *dir;
static struct db *db;
static struct case_setup cs;
static struct case_env *env;
static double plat, plon, olat, olon;
static int64_t as_of;
static struct eval_period w10, w11, w12;

enum { GW, GW2, OP, SL, DI, DH, DS, PU, NUSERS };
static struct org_user users[NUSERS];

#define S1 "410104001"
#define S2 "410104010"

/* Local time on a day of March 2026. */
static int64_t
mar(int d, int hh, int mm)
{
  return cal_local_time(cs.cal, 2026, 3, d, hh * 3600 + mm * 60);
}

static void
user(int i, const char *login, int role, const char *scope, const char *dept)
{
  struct cg_err e = {0};
  struct org_user *u = &users[i];
  memset(u, 0, sizeof *u);
  snprintf(u->login, sizeof u->login, "%s", login);
  snprintf(u->name, sizeof u->name, "%s", login);
  u->role = role;
  snprintf(u->scope, sizeof u->scope, "%s", scope);
  snprintf(u->dept, sizeof u->dept, "%s", dept);
  if (org_user_add(db, u, &e) != CG_OK) fail_msg("%s", e.msg);
}

/* The centre of a full grid of a street. */
static void
point_in(const char *prefix, double *lat, double *lon)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  char like[32];
  snprintf(like, sizeof like, "%s%%", prefix);
  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT (min_lat + max_lat) / 2, (min_lon + max_lon) / 2"
                 " FROM area WHERE level = 'grid' AND code LIKE ? AND"
                 " area_m2 > 9900 ORDER BY code LIMIT 1",
                 &e),
      CG_OK);
  db_bindf(st, "t", like);
  assert_int_equal(db_step(st, &e), DB_ROW);
  *lat = db_col_double(st, 0);
  *lon = db_col_double(st, 1);
  db_finalize(st);
}

/* Report at S1's point (or S2's), as who, at a time; self: self-handled. */
static void
report(int who, int s2, int64_t at, int self, char *no)
{
  struct case_report r;
  struct case_attach a;
  struct cg_err e = {0};
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = "06010";
  r.lat = s2 ? olat : plat;
  r.lon = s2 ? olon : plon;
  r.description = "暴露垃圾";
  r.at = at;
  if (self) {
    struct attach_info info;
    assert_int_equal(attach_put(dir, tu_png, tu_png_len, 0, NULL, &info, &e),
                     CG_OK);
    memcpy(a.sha256, info.sha256, 65);
    a.stage = "after";
    r.self_handled = 1;
    r.att = &a;
    r.natt = 1;
  }
  if (case_report(env, &users[who], &r, no, &e) != CG_OK)
    fail_msg("report: %s", e.msg);
}

/* An action at a time; dept: the department to dispatch to, or NULL. */
static void
act(int who, const char *no, const char *action, int64_t at, int pass,
    const char *dept)
{
  struct case_act a;
  struct cg_err e = {0};
  const char *depts[1] = {dept};
  memset(&a, 0, sizeof a);
  a.action = action;
  a.note = "备注";
  a.pass = pass;
  a.depts = depts;
  a.ndepts = dept ? 1 : 0;
  a.hours = 2;
  a.rating = pass ? "satisfied" : "unsatisfied";
  a.at = at;
  if (case_apply(env, &users[who], no, &a, &e) != CG_OK)
    fail_msg("%s %s: %s", action, no, e.msg);
}

/* register, file, dispatch at three times. */
static void
to_dispatch(const char *no, int64_t reg, int64_t file, int64_t disp)
{
  act(OP, no, "register", reg, 1, NULL);
  act(SL, no, "file", file, 1, NULL);
  act(DI, no, "dispatch", disp, 1, NULL);
}

/* handle, check_request, check (pass), close at four times. */
static void
to_close(const char *no, int64_t h, int64_t cr, int64_t ck, int64_t cl, int gw)
{
  act(DH, no, "handle", h, 1, NULL);
  act(OP, no, "check_request", cr, 1, NULL);
  act(gw, no, "check", ck, 1, NULL);
  act(SL, no, "close", cl, 1, NULL);
}

static void
refresh(void)
{
  struct eval_refresh_stats st;
  struct cg_err e = {0};
  if (eval_refresh(env, 0, &st, &e) != CG_OK) fail_msg("refresh: %s", e.msg);
}

static int
setup(void **state)
{
  struct cg_err e = {0};
  char path[4400], no[32];
  int n;

  dir = tu_tmpdir();
  if (tu_district(dir, 100) != 0 ||
      tu_run(NULL, NULL, "--data '%s' import calendar '%s'", dir,
             tu_data("calendar/cn-2026.csv")) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/limits.csv", dir);
  tu_write(path, "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
                 "disposal,,,,,4,hours\n"
                 "intake,,,,,1,hours\n"
                 "verify,,,,,1,hours\n"
                 "register,,,,,1,hours\n"
                 "file,,,,,1,hours\n"
                 "dispatch,,,,,1,hours\n"
                 "check_request,,,,,1,hours\n"
                 "check,,,,,2,hours\n"
                 "close,,,,,1,hours\n"
                 "self_approve,,,,,4,hours\n");
  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  if (db_open(&db, path, 0, &e) != CG_OK) return -1;
  snprintf(path, sizeof path, "%s/limits.csv", dir);
  if (case_import_limits(db, path, &n, &e) != CG_OK) return -1;
  if (case_setup_load(&cs, dir, db, &e) != CG_OK) return -1;
  env = &cs.env;
  env->dup_window_s = 0; /* every report at one point is its own case */
  point_in(S1, &plat, &plon);
  point_in(S2, &olat, &olon);
  user(GW, "gw", ROLE_GRID_WORKER, S1, "");
  user(GW2, "gw2", ROLE_GRID_WORKER, S2, "");
  user(OP, "op", ROLE_OPERATOR, "", "");
  user(SL, "sl", ROLE_SHIFT_LEADER, "", "");
  user(DI, "di", ROLE_DISPATCHER, "", "");
  user(DH, "dh", ROLE_DEPARTMENT, "", "hwc");
  user(DS, "ds", ROLE_DEPARTMENT, "", "szc");
  user(PU, "pu", ROLE_PUBLIC, "", "");
  as_of = mar(16, 10, 0);
  if (eval_period_parse("week", "2026-W10", NULL, 8 * 3600, &w10, &e) ||
      eval_period_parse("week", "2026-W11", NULL, 8 * 3600, &w11, &e) ||
      eval_period_parse("week", "2026-W12", NULL, 8 * 3600, &w12, &e))
    return -1;

  /* I: crosses from week 10 into week 11 */
  report(GW, 0, mar(6, 17, 0), 0, no);
  to_dispatch(no, mar(6, 17, 10), mar(6, 17, 20), mar(9, 8, 40));
  to_close(no, mar(9, 9, 0), mar(9, 9, 10), mar(9, 9, 20), mar(9, 9, 30), GW);
  refresh(); /* counted in two steps: the rest adds to these */
  /* A */
  report(GW, 0, mar(9, 9, 0), 0, no);
  to_dispatch(no, mar(9, 9, 10), mar(9, 9, 20), mar(9, 9, 30));
  to_close(no, mar(9, 10, 0), mar(9, 10, 10), mar(9, 10, 20), mar(9, 10, 30),
           GW);
  act(OP, no, "rate", mar(10, 9, 0), 1, NULL);
  /* O */
  report(GW2, 1, mar(9, 9, 0), 0, no);
  to_dispatch(no, mar(9, 9, 5), mar(9, 9, 10), mar(9, 9, 15));
  to_close(no, mar(9, 16, 0), mar(9, 16, 10), mar(9, 16, 20), mar(10, 9, 0),
           GW2);
  act(OP, no, "rate", mar(10, 9, 10), 0, NULL);
  /* B: rework */
  report(GW, 0, mar(10, 9, 0), 0, no);
  to_dispatch(no, mar(10, 11, 0), mar(10, 11, 30), mar(10, 14, 45));
  act(DH, no, "handle", mar(10, 15, 0), 1, NULL);
  act(OP, no, "check_request", mar(10, 15, 10), 1, NULL);
  act(GW, no, "check", mar(10, 15, 20), 0, NULL);
  to_close(no, mar(11, 9, 40), mar(11, 9, 50), mar(11, 15, 0), mar(11, 15, 10),
           GW);
  /* J: self-handled, approved */
  report(GW, 0, mar(10, 9, 30), 1, no);
  act(SL, no, "self_approve", mar(10, 10, 0), 1, NULL);
  refresh();
  /* C: public report, verified late, wrong dispatch */
  report(PU, 0, mar(11, 9, 0), 0, no);
  act(OP, no, "verify_request", mar(11, 9, 30), 1, NULL);
  act(GW, no, "verify", mar(11, 10, 45), 1, NULL);
  act(OP, no, "register", mar(11, 11, 0), 1, NULL);
  act(SL, no, "file", mar(11, 11, 10), 1, NULL);
  act(DI, no, "dispatch", mar(11, 11, 20), 1, "szc");
  act(DS, no, "return_request", mar(11, 11, 30), 1, NULL);
  act(DI, no, "return_approve", mar(11, 11, 40), 1, NULL);
  act(DI, no, "dispatch", mar(11, 14, 50), 1, "hwc");
  to_close(no, mar(11, 15, 0), mar(11, 15, 10), mar(11, 15, 20),
           mar(11, 15, 30), GW);
  /* K: self-handled, rejected */
  report(GW, 0, mar(11, 9, 0), 1, no);
  act(SL, no, "self_reject", mar(11, 9, 30), 1, NULL);
  /* D: extension, late */
  report(GW, 0, mar(12, 9, 0), 0, no);
  to_dispatch(no, mar(12, 9, 10), mar(12, 9, 20), mar(12, 9, 30));
  act(DH, no, "extend_request", mar(12, 10, 0), 1, NULL);
  act(DI, no, "extend_approve", mar(12, 10, 10), 1, NULL);
  to_close(no, mar(13, 9, 0), mar(13, 10, 30), mar(13, 10, 40), mar(13, 10, 50),
           GW);
  /* E: dispatched late, suspended */
  report(GW, 0, mar(12, 10, 0), 0, no);
  to_dispatch(no, mar(12, 10, 5), mar(12, 10, 10), mar(12, 14, 50));
  act(DH, no, "suspend_request", mar(12, 15, 0), 1, NULL);
  act(DI, no, "suspend_approve", mar(12, 15, 10), 1, NULL);
  /* L: filed late, voided */
  report(GW, 0, mar(12, 10, 55), 0, no);
  act(OP, no, "register", mar(12, 11, 0), 1, NULL);
  act(SL, no, "file", mar(12, 14, 45), 1, NULL);
  act(SL, no, "void", mar(12, 15, 0), 1, NULL);
  /* M: public report rejected */
  report(PU, 0, mar(12, 11, 0), 0, no);
  act(OP, no, "reject", mar(12, 11, 10), 1, NULL);
  /* F: deferred, resumed, closed */
  report(GW, 0, mar(13, 9, 0), 0, no);
  to_dispatch(no, mar(13, 9, 5), mar(13, 9, 10), mar(13, 9, 15));
  act(SL, no, "defer", mar(13, 9, 30), 1, NULL);
  act(SL, no, "undefer", mar(13, 10, 0), 1, NULL);
  to_close(no, mar(13, 10, 30), mar(13, 10, 40), mar(13, 10, 50),
           mar(13, 11, 0), GW);
  /* G: overdue at the time of the report; H: not yet due */
  report(GW, 0, mar(13, 14, 30), 0, no);
  to_dispatch(no, mar(13, 14, 35), mar(13, 14, 40), mar(13, 14, 45));
  report(GW, 0, mar(13, 17, 0), 0, no);
  to_dispatch(no, mar(13, 17, 5), mar(13, 17, 10), mar(13, 17, 15));
  return 0;
}

static int
teardown(void **state)
{
  case_setup_release(&cs);
  db_close(db);
  tu_rmrf(dir);
  free(dir);
  return 0;
}

/* The indicators JSON of one unit of a kind over p. */
static json_t *
unit(int kind, const struct eval_period *p, const char *code)
{
  struct cg_err e = {0};
  json_t *j = eval_indicators_json(env, kind, p, code, as_of, &e), *row;
  if (!j) fail_msg("%s %s: %s", eval_kind_name(kind), code, e.msg);
  row = json_incref(json_array_get(json_object_get(j, "rows"), 0));
  json_decref(j);
  if (!row) fail_msg("no row for %s", code);
  return row;
}

/* Check figures of a row: pairs of key and expected value; NAN means
** null (no value). */
static void
check(json_t *row, const char *what, const char *const *keys,
      const double *want, int n)
{
  json_t *ind = json_object_get(row, "indicators");
  for (int i = 0; i < n; i++) {
    json_t *v = json_object_get(ind, keys[i]);
    if (!v) v = json_object_get(row, keys[i]);
    if (isnan(want[i])) {
      if (!json_is_null(v))
        fail_msg("%s %s: %g, want null", what, keys[i], json_number_value(v));
    } else if (!json_is_number(v) ||
               fabs(json_number_value(v) - want[i]) > 0.005) {
      fail_msg("%s %s: %s%g, want %g", what, keys[i],
               json_is_number(v) ? "" : "not a number: ", json_number_value(v),
               want[i]);
    }
  }
}
#define CHECK(row, what, ...)                                                  \
  do {                                                                         \
    static const char *const k_[] = {__VA_ARGS__};                             \
    check(row, what, k_, want_, (int)(sizeof k_ / sizeof k_[0]));              \
  } while (0)
#define WANT(...) static const double want_[] = {__VA_ARGS__}

static void
test_district_and_streets(void **state)
{
  json_t *r;
  {
    /* district, week 11 */
    WANT(13, 10, 76.92, 1, 10, 10, 1, 11, 8, 87.5, 1, 0, 10, 7, 6, 85.71, 4,
         57.14, 44.44, 1, 14.29, 1, 14.29, 1, 1, 1, 1, 11, 90.91, 2, 50, 90);
    r = unit(EK_DISTRICT, &w11, "410104");
    CHECK(r, "district w11", "reports", "valid_reports", "valid_report_rate",
          "missed", "missed_rate", "filed", "self_closed", "intake", "checked",
          "check_ontime_rate", "verified", "verify_ontime_rate", "cohort",
          "due", "closed", "close_rate", "ontime_closed", "ontime_close_rate",
          "handle_ontime_rate", "rework", "rework_rate", "extended",
          "extend_rate", "deferred", "suspended", "wrong_dispatched", "overdue",
          "dispatches", "dispatch_ontime_rate", "rated", "satisfaction_rate",
          "file_ontime_rate");
    json_decref(r);
  }
  {
    /* week 10 holds only I's report and filing: nothing due yet */
    WANT(1, 1, 100, 1, 1, 0, 0, NAN, NAN, NAN, 0);
    r = unit(EK_DISTRICT, &w10, "410104");
    CHECK(r, "district w10", "reports", "valid_reports", "valid_report_rate",
          "filed", "intake", "cohort", "due", "close_rate", "rework_rate",
          "satisfaction_rate", "dispatches");
    json_decref(r);
  }
  {
    /* S1: 12 reports (all but O), 9 valid; 9 filed, 1 of them missed;
    ** cohort A B C D E F G H I, F deferred; closed A B C D I, on time
    ** A B C I; G overdue: due 6 */
    WANT(12, 9, 75, 9, 11.11, 9, 1, 5, 1, 6, 83.33, 66.67, 16.67, 16.67, 100,
         80.78);
    r = unit(EK_STREET, &w11, S1);
    CHECK(r, "S1 w11", "reports", "valid_reports", "valid_report_rate", "filed",
          "missed_rate", "cohort", "deferred", "closed", "overdue", "due",
          "close_rate", "ontime_close_rate", "rework_rate", "extend_rate",
          "satisfaction_rate", "score");
    assert_string_equal(json_string_value(json_object_get(r, "grade")), "B");
    assert_int_equal(json_integer_value(json_object_get(r, "rank")), 1);
    /* week 10: filed 1, 漏报 0: (20 x 90 + 20 x 100) / 40 = 95 */
    assert_true(fabs(json_number_value(json_object_get(
                         json_object_get(r, "previous"), "score")) -
                     95) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(r, "previous"), "rank")),
                     1);
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(r, "change"), "rank")),
                     0);
    assert_true(fabs(json_number_value(json_object_get(
                         json_object_get(r, "change"), "score")) +
                     14.22) < 1e-9);
    json_decref(r);
  }
  {
    /* S2: O alone, closed late: 18 + 30 x 100 + 30 x 0 + 20 x 100 = 68 */
    WANT(1, 1, 1, 1, 100, 0, 0, 0, 68);
    r = unit(EK_STREET, &w11, S2);
    CHECK(r, "S2 w11", "reports", "cohort", "due", "closed", "close_rate",
          "ontime_close_rate", "satisfaction_rate", "rework_rate", "score");
    assert_string_equal(json_string_value(json_object_get(r, "grade")), "C");
    assert_int_equal(json_integer_value(json_object_get(r, "rank")), 2);
    assert_true(
        json_is_null(json_object_get(json_object_get(r, "previous"), "score")));
    json_decref(r);
  }
  {
    /* a street with nothing: no score, no rank, rates null */
    WANT(0, 0, NAN, NAN, NAN);
    r = unit(EK_STREET, &w11, "410104002");
    CHECK(r, "empty street", "reports", "due", "close_rate", "score", "rank");
    json_decref(r);
  }
}

static void
test_department_and_people(void **state)
{
  json_t *r;
  {
    /* hwc: everything was its in the end (C after the wrong dispatch):
    ** 10 + 30 x 6/7 + 30 x 4/9 + 30 x 6/7 = 74.76 */
    WANT(10, 1, 7, 6, 85.71, 4, 57.14, 44.44, 14.29, 14.29, 1, 2, 50, 74.76);
    r = unit(EK_DEPT, &w11, "hwc");
    CHECK(r, "hwc", "cohort", "deferred", "due", "closed", "close_rate",
          "ontime_closed", "ontime_close_rate", "handle_ontime_rate",
          "rework_rate", "extend_rate", "suspended", "rated",
          "satisfaction_rate", "score");
    assert_string_equal(json_string_value(json_object_get(r, "grade")), "C");
    json_decref(r);
  }
  {
    /* szc had C only until it was given back: nothing counts for it */
    WANT(0, 0, NAN, NAN);
    r = unit(EK_DEPT, &w11, "szc");
    CHECK(r, "szc", "cohort", "due", "close_rate", "score");
    json_decref(r);
  }
  {
    /* gw: reports A B D E F G H J K L (10), valid 8; filed in S1 9, C
    ** missed; verified C late; checks A B B' C D F I, B' late; J self.
    ** 40 x 0.8 + 20 x 8/9 + 20 x 0 + 20 x 6/7 = 66.92 */
    WANT(10, 8, 80, 1, 11.11, 1, 0, 7, 85.71, 1, 66.92);
    r = unit(EK_SUPERVISOR, &w11, "gw");
    CHECK(r, "gw", "reports", "valid_reports", "valid_report_rate", "missed",
          "missed_rate", "verified", "verify_ontime_rate", "checked",
          "check_ontime_rate", "self_closed", "score");
    assert_string_equal(json_string_value(json_object_get(r, "grade")), "C");
    json_decref(r);
  }
  {
    /* gw2: O only; no verification: 80 % renormalised to 100 */
    WANT(1, 100, 0, NAN, 100, 100);
    r = unit(EK_SUPERVISOR, &w11, "gw2");
    CHECK(r, "gw2", "reports", "valid_report_rate", "missed_rate",
          "verify_ontime_rate", "check_ontime_rate", "score");
    json_decref(r);
  }
  {
    /* op: 10 registrations and M's rejection; C's verify request in time;
    ** 8 check requests, D's late. 25 x 0 + 40 x 100 + 35 x 87.5 */
    WANT(11, 1, 100, 8, 87.5, 70.63);
    r = unit(EK_OPERATOR, &w11, "op");
    CHECK(r, "op", "intake", "verify_sent", "verify_sent_ontime_rate",
          "check_sent", "check_sent_ontime_rate", "score");
    json_decref(r);
  }
  {
    /* sl: filed 10 (L late), L voided; closes 7 (O's late).
    ** 25 x 90 + 40 x 90 + 35 x 6/7 = 88.5 */
    WANT(10, 90, 1, 90, 7, 85.71, 88.5);
    r = unit(EK_SHIFT_LEADER, &w11, "sl");
    CHECK(r, "sl", "filed", "file_ontime_rate", "file_void",
          "file_accuracy_rate", "closes", "close_ontime_rate", "score");
    assert_string_equal(json_string_value(json_object_get(r, "grade")), "B");
    json_decref(r);
  }
  {
    /* di: 11 dispatches from 'filed' (C twice), E's late, C's first
    ** wrong. 20 x 0 + 40 x 10/11 + 40 x 10/11 = 72.73 */
    WANT(11, 90.91, 1, 90.91, 72.73);
    r = unit(EK_DISPATCHER, &w11, "di");
    CHECK(r, "di", "dispatches", "dispatch_ontime_rate", "dispatch_wrong",
          "dispatch_accuracy_rate", "score");
    json_decref(r);
  }
}

/* Every fact row summed, as a fingerprint of the aggregates. */
static void
fingerprint(char *out, size_t n)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  size_t k = 0;
  assert_int_equal(db_prepare(db, &st,
                              "SELECT kind, day, unit, reports, valid_reports,"
                              " filed, cohort, c_closed, c_ontime, c_rework,"
                              " dispatch_wrong, file_void, missed FROM"
                              " eval_fact WHERE reports + valid_reports +"
                              " filed + cohort + c_closed + c_ontime +"
                              " c_rework + dispatch_wrong + file_void +"
                              " missed <> 0 ORDER BY kind, day, unit",
                              &e),
                   CG_OK);
  while (db_step(st, &e) == DB_ROW && k + 200 < n)
    for (int i = 0; i < 13; i++)
      k += snprintf(out + k, n - k, "%s%c", db_col_text(st, i),
                    i == 12 ? '\n' : ',');
  db_finalize(st);
}

static void
test_incremental_equals_rebuilt(void **state)
{
  static char a[200000], b[200000];
  struct eval_refresh_stats st;
  struct cg_err e = {0};
  refresh();
  fingerprint(a, sizeof a);
  assert_int_equal(eval_refresh(env, 1, &st, &e), CG_OK);
  assert_int_equal(st.rebuilt, 1);
  fingerprint(b, sizeof b);
  assert_string_equal(a, b);
  assert_true(strlen(a) > 100);
}

static void
test_segments_and_flags(void **state)
{
  char path[4400], line[2000], *out = NULL, *err = NULL;
  struct cg_err e = {0};
  json_t *f, *h;

  /* seg1 through S1's point, seg2 through S2's, seg3 far from both */
  snprintf(path, sizeof path, "%s/segs.geojson", dir);
  snprintf(line, sizeof line,
           "{\"type\":\"FeatureCollection\",\"features\":["
           "{\"type\":\"Feature\",\"properties\":{\"id\":\"seg1\",\"name\":"
           "\"一号路\",\"chief1\":\"张区长\"},\"geometry\":{\"type\":"
           "\"LineString\",\"coordinates\":[[%.7f,%.7f],[%.7f,%.7f]]}},"
           "{\"type\":\"Feature\",\"properties\":{\"id\":\"seg2\",\"name\":"
           "\"二号路\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
           "[[%.7f,%.7f],[%.7f,%.7f]]}},"
           "{\"type\":\"Feature\",\"properties\":{\"id\":\"riv1\",\"kind\":"
           "\"river\",\"name\":\"熊耳河\"},\"geometry\":{\"type\":"
           "\"LineString\",\"coordinates\":[[%.7f,%.7f],[%.7f,%.7f]]}}]}",
           plon - 0.0025, plat, plon + 0.0025, plat, olon - 0.0025, olat,
           olon + 0.0025, olat, plon, plat + 0.02, plon + 0.005, plat + 0.02);
  tu_write(path, line);
  assert_int_equal(
      tu_run(&out, &err, "--data '%s' import segments '%s'", dir, path), 0);
  assert_non_null(strstr(out, "imported 3 segments"));
  free(out);
  free(err);
  snprintf(path, sizeof path, "%s/flags.csv", dir);
  tu_write(path, "key,value\nflag.red,1\nflag.black,1\n");
  assert_int_equal(
      tu_run(NULL, NULL, "--data '%s' import flag-rules '%s'", dir, path), 0);
  /* a bad rule is refused whole */
  tu_write(path, "key,value\nflag.red,2\nflag.mode,lottery\n");
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' import flag-rules '%s'", dir, path), 1);
  assert_non_null(strstr(err, "flag.mode 'lottery' is not rank or threshold"));
  free(err);

  /* the import reset the counts: they are recounted with the segments */
  {
    /* seg1: S1's 12 reports on 457 m: 26/km scores 0; on time 4/6, rework
    ** 1/6; patrol not recorded. (0 + 40 x 66.67 + 20 x 83.33) / 80 */
    WANT(12, 6, 66.67, 16.67, NAN, 54.17);
    json_t *r = unit(EK_SEGMENT, &w11, "seg1");
    CHECK(r, "seg1", "reports", "due", "ontime_close_rate", "rework_rate",
          "patrol_rate", "score");
    json_decref(r);
  }
  f = eval_flags_json(env, &w11, as_of, &e);
  assert_non_null(f);
  assert_true(json_is_true(json_object_get(f, "stored")));
  assert_int_equal(json_array_size(json_object_get(f, "red")), 1);
  assert_int_equal(json_array_size(json_object_get(f, "black")), 1);
  assert_string_equal(
      json_string_value(json_object_get(
          json_array_get(json_object_get(f, "red"), 0), "segment")),
      "seg1");
  /* seg2: (20 x 90 + 40 x 0 + 20 x 100) / 80 = 47.5 */
  assert_string_equal(
      json_string_value(json_object_get(
          json_array_get(json_object_get(f, "black"), 0), "segment")),
      "seg2");
  assert_true(
      fabs(json_number_value(json_object_get(
               json_array_get(json_object_get(f, "black"), 0), "score")) -
           47.5) < 1e-9);
  /* the river section has no reports: not ranked, not flagged */
  assert_int_equal(json_array_size(json_object_get(f, "ranked")), 2);
  json_decref(f);
  h = eval_flag_history_json(db, "seg1", &e);
  assert_non_null(h);
  assert_int_equal(json_array_size(json_object_get(h, "flags")), 1);
  assert_string_equal(
      json_string_value(json_object_get(
          json_array_get(json_object_get(h, "flags"), 0), "period")),
      "2026-W11");
  json_decref(h);
  assert_null(eval_flag_history_json(db, "nope", &e));
  assert_int_equal(e.code, CG_ENOTFOUND);
  /* chiefs at three levels */
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' segment chief seg2 --level 3 --user gw2",
                          dir),
                   0);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' segment list --kind road", dir), 0);
  assert_non_null(strstr(out, "\"chief3\": \"gw2\""));
  assert_non_null(strstr(out, "\"chief1\": \"张区长\""));
  assert_null(strstr(out, "熊耳河"));
  free(out);
}

/* ---- the spreadsheet, read back ---------------------------------------------- */

/* A member of the .xlsx (a zip) as text (caller frees). */
static char *
xlsx_member(const char *path, const char *member)
{
  char cmd[4400], *buf = NULL;
  size_t len = 0;
  FILE *p, *m = open_memstream(&buf, &len);
  int c;
  snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s'", path, member);
  if (!(p = popen(cmd, "r"))) abort();
  while ((c = fgetc(p)) != EOF)
    fputc(c, m);
  pclose(p);
  fclose(m);
  return buf;
}

/* The text of element children named `name` of node, concatenated. */
static void
text_of(xmlNode *n, const char *name, char *out, size_t size)
{
  for (xmlNode *c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) {
      xmlChar *t = xmlNodeGetContent(c);
      strncat(out, (const char *)t, size - strlen(out) - 1);
      xmlFree(t);
    } else if (c->type == XML_ELEMENT_NODE) {
      text_of(c, name, out, size);
    }
  }
}

/* Column and row (0-based) of a cell reference "B12". */
static void
cell_ref(const char *r, int *col, int *row)
{
  *col = 0;
  while (*r >= 'A' && *r <= 'Z')
    *col = *col * 26 + (*r++ - 'A' + 1);
  (*col)--;
  *row = atoi(r) - 1;
}

static void
test_spreadsheet_equals_json(void **state)
{
  char path[4400], *out = NULL, *err = NULL, *json;
  json_t *b, *tables, *t;
  xmlDoc *sdoc;
  char **shared = NULL;
  int nshared = 0;
  size_t ti;

  snprintf(path, sizeof path, "%s/w11.xlsx", dir);
  assert_int_equal(tu_run(NULL, &err,
                          "--data '%s' report weekly --week 2026-W11 --format "
                          "xlsx -o '%s' --at 2026-03-16T02:00Z",
                          dir, path),
                   0);
  free(err);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' report weekly --week 2026-W11 "
                          "--at 2026-03-16T02:00Z",
                          dir),
                   0);
  b = json_loads(out, 0, NULL);
  free(out);
  assert_non_null(b);
  tables = eval_bulletin_tables(b);
  /* shared strings */
  json = xlsx_member(path, "xl/sharedStrings.xml");
  sdoc = xmlReadMemory(json, (int)strlen(json), "s.xml", NULL, 0);
  free(json);
  assert_non_null(sdoc);
  for (xmlNode *si = xmlDocGetRootElement(sdoc)->children; si; si = si->next) {
    char text[4096] = "";
    if (si->type != XML_ELEMENT_NODE || strcmp((const char *)si->name, "si"))
      continue;
    text_of(si, "t", text, sizeof text);
    shared = realloc(shared, (nshared + 1) * sizeof *shared);
    shared[nshared++] = strdup(text);
  }
  xmlFreeDoc(sdoc);
  /* one sheet per table; every cell as the JSON says */
  json_array_foreach(tables, ti, t)
  {
    char member[64], *xml;
    xmlDoc *doc;
    xmlNode *data = NULL;
    json_t *rows = json_object_get(t, "rows");
    int cells = 0, want = 0;
    snprintf(member, sizeof member, "xl/worksheets/sheet%zu.xml", ti + 1);
    xml = xlsx_member(path, member);
    doc = xmlReadMemory(xml, (int)strlen(xml), member, NULL, 0);
    free(xml);
    if (!doc) fail_msg("sheet %zu is missing or not XML", ti + 1);
    for (xmlNode *c = xmlDocGetRootElement(doc)->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE &&
          !strcmp((const char *)c->name, "sheetData"))
        data = c;
    assert_non_null(data);
    for (xmlNode *row = data->children; row; row = row->next)
      for (xmlNode *c = row->children; c; c = c->next) {
        xmlChar *ref = xmlGetProp(c, (const xmlChar *)"r");
        xmlChar *type = xmlGetProp(c, (const xmlChar *)"t");
        char v[4096] = "";
        int col, r;
        json_t *expect;
        if (c->type != XML_ELEMENT_NODE) continue;
        cell_ref((const char *)ref, &col, &r);
        text_of(c, "v", v, sizeof v);
        expect = r == 0 ? json_array_get(json_object_get(t, "columns"), col)
                        : json_array_get(json_array_get(rows, r - 1), col);
        if (type && !strcmp((const char *)type, "s")) {
          const char *s = shared[atoi(v)];
          if (json_is_string(expect))
            assert_string_equal(s, json_string_value(expect));
          else if (json_is_null(expect))
            assert_string_equal(s, "—");
          else
            fail_msg("%s %s: text '%s' where the JSON has a number", member,
                     (const char *)ref, s);
        } else {
          if (!json_is_number(expect) ||
              fabs(atof(v) - json_number_value(expect)) > 1e-9)
            fail_msg("%s %s: %s, the JSON has %g", member, (const char *)ref, v,
                     json_number_value(expect));
        }
        cells++;
        xmlFree(ref);
        xmlFree(type);
      }
    /* every cell is there but empty text, which a sheet leaves blank */
    want = (int)json_array_size(json_object_get(t, "columns"));
    for (size_t i = 0; i < json_array_size(rows); i++) {
      json_t *cell;
      size_t k;
      json_array_foreach(json_array_get(rows, i), k, cell) want +=
          !(json_is_string(cell) && !*json_string_value(cell));
    }
    assert_int_equal(cells, want);
    xmlFreeDoc(doc);
  }
  /* and the tables are the JSON's: the streets sheet's first row is S1 */
  {
    json_t *streets = json_array_get(tables, 1);
    json_t *first = json_array_get(json_object_get(streets, "rows"), 0);
    json_t *s1 = json_array_get(json_object_get(b, "streets"), 0);
    assert_string_equal(json_string_value(json_object_get(s1, "code")), S1);
    assert_int_equal(json_integer_value(json_array_get(first, 0)), 1);
    assert_string_equal(json_string_value(json_array_get(first, 1)),
                        json_string_value(json_object_get(s1, "name")));
    assert_true(fabs(json_number_value(json_array_get(first, 2)) - 80.78) <
                1e-9);
    /* the summary's 结案率 and the overdue list: G */
    assert_true(
        fabs(json_number_value(json_object_get(
                 json_object_get(json_object_get(b, "summary"), "current"),
                 "close_rate")) -
             85.71) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(b, "overdue"), "total")),
                     1);
  }
  for (int i = 0; i < nshared; i++)
    free(shared[i]);
  free(shared);
  json_decref(tables);
  json_decref(b);
}

static void
test_other_formats_and_empty_week(void **state)
{
  char *out = NULL;
  json_t *b;

  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' report weekly --week 2026-W11 --format "
                          "csv --at 2026-03-16T02:00Z",
                          dir),
                   0);
  assert_non_null(strstr(out, "街道排名\n排名,街道,综合得分,等级"));
  assert_non_null(strstr(out, "结案率,85.71,—,—"));
  free(out);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' report monthly --month 2026-03 --format "
                          "html --at 2026-03-16T02:00Z",
                          dir),
                   0);
  assert_non_null(strstr(out, "<html lang=\"zh-CN\">"));
  assert_non_null(strstr(out, "月通报"));
  assert_non_null(strstr(out, "<h2>部门排名</h2>"));
  free(out);
  /* week 12: nothing happened: an honest empty bulletin, rates null */
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' report weekly --week 2026-W12 "
                          "--at 2026-03-16T02:00Z",
                          dir),
                   0);
  b = json_loads(out, 0, NULL);
  free(out);
  assert_true(json_is_true(json_object_get(b, "empty")));
  assert_true(json_is_null(
      json_object_get(json_object_get(json_object_get(b, "summary"), "current"),
                      "close_rate")));
  assert_int_equal(
      json_integer_value(json_object_get(
          json_object_get(json_object_get(b, "summary"), "current"),
          "reports")),
      0);
  json_decref(b);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' report weekly --week 2026-W12 --format "
                          "html --at 2026-03-16T02:00Z",
                          dir),
                   0);
  assert_non_null(strstr(out, "本期无案件数据"));
  free(out);
}

static void
test_bad_input(void **state)
{
  char *err = NULL, path[4400];
  static const struct {
    const char *args, *msg;
    int status;
  } t[] = {
      {"report weekly --week 2025-W53", "2025 has 52 ISO weeks", 1},
      {"report weekly --week 2026-W99", "does not exist", 1},
      {"report weekly --month 2026-03", "takes --week", 1},
      {"report weekly", "name one period", 1},
      {"report monthly --month 2026-13", "bad month", 1},
      {"report weekly --week 2026-W11 --format pdf", "unknown format 'pdf'", 1},
      {"report weekly --week 2026-W11 --format xlsx",
       "a spreadsheet goes to a file", 1},
      {"report indicators --unit planet --week 2026-W11", "unknown unit", 1},
      {"report indicators --unit street --code 999 --week 2026-W11",
       "no street '999'", 1},
      {"report indicators --unit street --from 2026-03-10", "needs --to", 1},
      {"report yearly --week 2026-W11", "unknown report 'yearly'", 2},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    int st = tu_run(NULL, &err, "--data '%s' %s", dir, t[i].args);
    if (st != t[i].status || !strstr(err, t[i].msg))
      fail_msg("'%s': status %d, message '%s'; want %d and '%s'", t[i].args, st,
               err, t[i].status, t[i].msg);
    free(err);
  }
  /* weights that do not sum to 100 % change nothing */
  snprintf(path, sizeof path, "%s/w.csv", dir);
  tu_write(path, "formula,term,transform,weight\n"
                 "area,close_rate,rate,60\narea,missed_rate,inverse,30\n");
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' import weights '%s'", dir, path), 1);
  assert_non_null(strstr(err, "sum to 90 %, not 100 %"));
  free(err);
}

/* Rankings of the grids asked for on four threads at once, for three
** weeks: the server ranks each on a pool thread, and every reply must be
** the one the request gets alone (their sort once kept the rows and ranks
** it ordered by in statics, so that one request's sort could order by
** another's ranks, or read the rows another had freed). */
#define RANKERS 4
#define RANKINGS 8
struct ranker {
  pthread_t t;
  int port;
  const char *h;
  char url[200];
  char *alone; /* the reply to the request alone */
  int same;    /* replies equal to it */
};

static void *
ranker_main(void *arg)
{
  struct ranker *r = arg;
  for (int i = 0; i < RANKINGS; i++) {
    char *resp = NULL;
    if (tu_http_h(r->port, "GET", r->url, r->h, NULL, NULL, &resp) == 200 &&
        resp && strcmp(resp, r->alone) == 0)
      r->same++;
    free(resp);
  }
  return NULL;
}

static void
rankings_at_once(int port, const char *h)
{
  struct ranker r[RANKERS];

  for (int i = 0; i < RANKERS; i++) {
    json_t *j;
    r[i] = (struct ranker){.port = port, .h = h};
    snprintf(r[i].url, sizeof r[i].url,
             "/api/v1/indicators?unit=grid&week=2026-W%02d&at=%lld", 9 + i % 3,
             (long long)as_of);
    assert_int_equal(
        tu_http_h(port, "GET", r[i].url, h, NULL, NULL, &r[i].alone), 200);
    j = json_loads(r[i].alone, 0, NULL);
    assert_true(json_array_size(json_object_get(j, "rows")) > 1);
    json_decref(j);
  }
  for (int i = 0; i < RANKERS; i++)
    assert_int_equal(pthread_create(&r[i].t, NULL, ranker_main, &r[i]), 0);
  for (int i = 0; i < RANKERS; i++) {
    pthread_join(r[i].t, NULL);
    assert_int_equal(r[i].same, RANKINGS);
    free(r[i].alone);
  }
}

static void
test_over_http(void **state)
{
  char tok[65], h[200], url[300], *resp = NULL;
  int pid, port;
  json_t *j;

  assert_int_equal(tu_user(dir, "boss", "leader", ""), 0);
  assert_int_equal(tu_user(dir, "clerk", "dispatcher", ""), 0);
  assert_int_equal(tu_user(dir, "citizen", "public", ""), 0);
  assert_int_equal(tu_user(dir, "root", "admin", ""), 0);
  port = tu_serve_start(dir, NULL, &pid);
  assert_true(port > 0);
  assert_int_equal(tu_login(port, "boss", tok), 200);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tok);
  snprintf(url, sizeof url,
           "/api/v1/indicators?unit=street&code=%s&week=2026-W11&at=%lld", S1,
           (long long)as_of);
  assert_int_equal(tu_http_h(port, "GET", url, h, NULL, NULL, &resp), 200);
  j = json_loads(resp, 0, NULL);
  free(resp);
  assert_true(
      fabs(json_number_value(json_object_get(
               json_array_get(json_object_get(j, "rows"), 0), "score")) -
           80.78) < 1e-9);
  /* what the score is made of: the area formula's terms, heaviest first,
  ** and the grades, as configured */
  {
    static const char *const keys[] = {"close_rate", "ontime_close_rate",
                                       "filed_per_grid", "missed_rate"};
    static const char *const how[] = {"rate", "rate", "bucket:area_cases",
                                      "inverse"};
    static const double weight[] = {30, 30, 20, 20};
    json_t *terms = json_object_get(j, "terms"),
           *g = json_object_get(j, "grades");
    assert_int_equal(json_array_size(terms), 4);
    for (int i = 0; i < 4; i++) {
      json_t *t = json_array_get(terms, i);
      assert_string_equal(json_string_value(json_object_get(t, "key")),
                          keys[i]);
      assert_string_equal(json_string_value(json_object_get(t, "transform")),
                          how[i]);
      assert_true(json_number_value(json_object_get(t, "weight")) == weight[i]);
    }
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(terms, 0), "zh")),
        "结案率");
    assert_int_equal(json_array_size(g), 4);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(g, 0), "grade")), "A");
    assert_true(json_number_value(
                    json_object_get(json_array_get(g, 0), "bound")) == 90);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(g, 3), "grade")), "D");
  }
  json_decref(j);
  rankings_at_once(port, h);
  /* the periods a page offers, up to the one that holds "as of" (Monday 16
  ** March): week 12 under way, then 11 and 10, complete; for anyone */
  snprintf(url, sizeof url, "/api/v1/periods?kind=week&count=3&at=%lld",
           (long long)as_of);
  assert_int_equal(tu_http(port, "GET", url, NULL, NULL, &resp), 200);
  j = json_loads(resp, 0, NULL);
  free(resp);
  assert_string_equal(json_string_value(json_object_get(j, "today")),
                      "2026-03-16");
  {
    static const char *const keys[] = {"2026-W12", "2026-W11", "2026-W10"};
    json_t *ps = json_object_get(j, "periods");
    assert_int_equal(json_array_size(ps), 3);
    for (int i = 0; i < 3; i++) {
      json_t *p = json_array_get(ps, i);
      assert_string_equal(json_string_value(json_object_get(p, "key")),
                          keys[i]);
      assert_int_equal(json_is_true(json_object_get(p, "complete")), i > 0);
    }
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ps, 1), "from")),
        "2026-03-09");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(ps, 1), "to")),
        "2026-03-15");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(ps, 1), "start")),
        w11.start);
  }
  json_decref(j);
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/periods?kind=month&count=2&at=2026-03-16",
                           NULL, NULL, &resp),
                   200);
  assert_non_null(strstr(resp, "\"2026-02\""));
  assert_non_null(strstr(resp, "2026年3月"));
  free(resp);
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/periods?kind=quarter&count=2&at=2026-01-01",
                           NULL, NULL, &resp),
                   200);
  assert_non_null(strstr(resp, "\"2025-Q4\""));
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/periods?kind=year", NULL, NULL, &resp),
      400);
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/periods?count=521", NULL, NULL, &resp),
      400);
  free(resp);
  snprintf(url, sizeof url,
           "/api/v1/reports/weekly?week=2026-W11&format=xlsx&at=%lld",
           (long long)as_of);
  assert_int_equal(tu_http_h(port, "GET", url, h, NULL, NULL, &resp), 200);
  assert_true(resp[0] == 'P' && resp[1] == 'K'); /* a zip */
  free(resp);
  assert_int_equal(tu_http_h(port, "GET",
                             "/api/v1/reports/weekly?week=2025-W53", h, NULL,
                             NULL, &resp),
                   400);
  assert_non_null(strstr(resp, "\"code\": \"invalid\"") ||
                          strstr(resp, "\"code\":\"invalid\"")
                      ? "ok"
                      : NULL);
  free(resp);
  assert_int_equal(tu_http_h(port, "GET",
                             "/api/v1/reports/yearly?week=2026-W11", h, NULL,
                             NULL, &resp),
                   404);
  free(resp);
  assert_int_equal(tu_http_h(port, "GET", "/api/v1/segments/seg1/flags", h,
                             NULL, NULL, &resp),
                   200);
  assert_non_null(strstr(resp, "2026-W11"));
  free(resp);
  /* an administrator loads segments; a malformed body changes nothing */
  assert_int_equal(tu_login(port, "root", tok), 200);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tok);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/segments", h, NULL,
                             "{\"type\":\"FeatureCollection\",\"features\":"
                             "[{\"type\":\"Feature\",\"properties\":{\"id\":"
                             "\"riv2\",\"kind\":\"river\"},\"geometry\":"
                             "{\"type\":\"Point\",\"coordinates\":[113.7,"
                             "34.75]}}]}",
                             &resp),
                   400);
  assert_non_null(strstr(resp, "not a LineString"));
  assert_null(strstr(resp, "import-")); /* names the body, not a file */
  free(resp);
  assert_int_equal(
      tu_http_h(port, "POST", "/api/v1/segments", h, NULL,
                "{\"type\":\"FeatureCollection\",\"features\":"
                "[{\"type\":\"Feature\",\"properties\":{\"id\":"
                "\"riv2\",\"kind\":\"river\",\"name\":\"金水河\"},"
                "\"geometry\":{\"type\":\"LineString\","
                "\"coordinates\":[[113.70,34.75],[113.71,34.75]]}}]}",
                &resp),
      200);
  assert_non_null(
      strstr(resp, "\"imported\": 1") || strstr(resp, "\"imported\":1") ? "ok"
                                                                        : NULL);
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/segments?kind=river", NULL, NULL, &resp),
      200);
  assert_non_null(strstr(resp, "金水河"));
  assert_null(strstr(resp, "熊耳河")); /* rivers replaced, roads kept */
  free(resp);
  /* ... and names a section's chiefs, one level at a time */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/segments/riv2/chief", h,
                             NULL, "{\"level\":2,\"chief\":\"王河长\"}", &resp),
                   200);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/segments/riv2/chief", h,
                             NULL, "{\"level\":4,\"chief\":\"x\"}", &resp),
                   400);
  assert_non_null(strstr(resp, "chief level 4 is not 1, 2 or 3"));
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/segments/nowhere/chief", h,
                             NULL, "{\"level\":1,\"chief\":\"x\"}", &resp),
                   404);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/segments/riv2/chief", h,
                             NULL, "{\"level\":1}", &resp),
                   400);
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/segments?kind=river", NULL, NULL, &resp),
      200);
  {
    json_t *fc = json_loads(resp, 0, NULL);
    json_t *pr = json_object_get(
        json_object_get(json_array_get(json_object_get(fc, "features"), 0),
                        "properties"),
        "chief2");
    assert_string_equal(json_string_value(pr), "王河长");
    json_decref(fc);
  }
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/segments?kind=road", NULL, NULL, &resp),
      200);
  assert_non_null(strstr(resp, "seg1"));
  free(resp);
  /* people's figures are not for a dispatcher; nothing is for the public */
  assert_int_equal(tu_login(port, "clerk", tok), 200);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tok);
  assert_int_equal(tu_http_h(port, "GET",
                             "/api/v1/indicators?unit=operator&week=2026-W11",
                             h, NULL, NULL, &resp),
                   403);
  free(resp);
  assert_int_equal(tu_login(port, "citizen", tok), 200);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tok);
  assert_int_equal(tu_http_h(port, "GET",
                             "/api/v1/reports/weekly?week=2026-W11", h, NULL,
                             NULL, &resp),
                   403);
  free(resp);
  assert_int_equal(tu_serve_stop(pid), 0);
}

/* Every indicator is defined in the API reference with its formula. */
static void
test_definitions_in_the_api_reference(void **state)
{
  char path[4400], *doc;
  int n;
  const struct eval_indicator *ind = eval_indicators(&n);
  snprintf(path, sizeof path, "%s/../src/api/openapi.json",
           getenv("CG_DATA_SRC") ? getenv("CG_DATA_SRC") : "data");
  doc = tu_slurp(path);
  assert_non_null(doc);
  for (int i = 0; i < n; i++) {
    char want[600];
    snprintf(want, sizeof want, "%s (%s) = %s", ind[i].key, ind[i].zh,
             ind[i].formula);
    if (!strstr(doc, want)) fail_msg("openapi.json lacks '%s'", want);
  }
  free(doc);
}

/* 吹哨报到: a case dispatched to two departments counts for both. */
static void
test_several_departments_each_credited(void **state)
{
  static const char *const two[] = {"hwc", "szc"};
  struct eval_period w14;
  struct cg_err e = {0};
  struct case_act a;
  char z[32], y[32];
  int64_t at = cal_local_time(cs.cal, 2026, 4, 10, 9 * 3600);

  assert_int_equal(
      eval_period_parse("week", "2026-W14", NULL, 8 * 3600, &w14, &e), CG_OK);
  report(GW, 0, cal_local_time(cs.cal, 2026, 3, 30, 9 * 3600), 0, z);
  report(GW, 1, cal_local_time(cs.cal, 2026, 3, 30, 9 * 3600), 0, y);
  for (int i = 0; i < 2; i++) {
    const char *no = i ? y : z;
    int64_t t = cal_local_time(cs.cal, 2026, 3, 30, 9 * 3600 + 600);
    act(OP, no, "register", t, 1, NULL);
    act(SL, no, "file", t + 60, 1, NULL);
    memset(&a, 0, sizeof a);
    a.action = "dispatch";
    a.depts = two;
    a.ndepts = 2;
    a.at = t + 120;
    if (case_apply(env, &users[DI], no, &a, &e) != CG_OK)
      fail_msg("dispatch: %s", e.msg);
  }
  /* Z: both departments report back, then checked and closed in time;
  ** Y stays open, past its deadline by 10 April */
  {
    int64_t t = cal_local_time(cs.cal, 2026, 3, 30, 11 * 3600);
    act(DH, z, "handle", t, 1, NULL);
    act(DS, z, "handle", t + 60, 1, NULL);
    act(OP, z, "check_request", t + 120, 1, NULL);
    act(GW, z, "check", t + 180, 1, NULL);
    act(SL, z, "close", t + 240, 1, NULL);
  }
  refresh();
  for (int i = 0; i < 2; i++) {
    json_t *j = eval_indicators_json(env, EK_DEPT, &w14, two[i], at, &e), *r;
    if (!j) fail_msg("%s: %s", two[i], e.msg);
    r = json_array_get(json_object_get(j, "rows"), 0);
    {
      WANT(2, 2, 1, 50, 1);
      CHECK(r, two[i], "cohort", "due", "closed", "close_rate",
            "ontime_closed");
    }
    json_decref(j);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_district_and_streets),
      cmocka_unit_test(test_department_and_people),
      cmocka_unit_test(test_incremental_equals_rebuilt),
      cmocka_unit_test(test_segments_and_flags),
      cmocka_unit_test(test_spreadsheet_equals_json),
      cmocka_unit_test(test_other_formats_and_empty_week),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_over_http),
      cmocka_unit_test(test_definitions_in_the_api_reference),
      cmocka_unit_test(test_several_departments_each_credited),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
