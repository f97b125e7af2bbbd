/*
** test_case.c — the closed loop of a case on the real district, through
** the domain API with a clock the test controls: every action allowed for
** its role and refused for the others; full lifecycles with returns,
** wrong dispatch, extension, suspension, rework, self-handling and void;
** several departments on one case; deadlines across a weekend, a holiday,
** a make-up working day and the lunch break; escalation; counters against
** a hand-computed history; tampering found by verify; duplicates; the
** open and overdue lists read from the open cases' index; and bad input
** refused with the case and its history unchanged.
*/
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "attach/attach.h"
#include "case/case.h"
#include "case/case_int.h" /* the list's own SQL, for its query plan */

static char *dir;
static struct db *db;
static struct case_setup cs;
static struct case_env *env;
static int64_t clock_now;
static double plat, plon; /* a point in grid `pgrid` of 北下街 */
static char pgrid[16];
static double olat, olon; /* a point in another street */

static int64_t
fake_clock(void)
{
  return clock_now;
}

/* Local time in the district (UTC+8). */
static int64_t
local(int y, int m, int d, int hh, int mm)
{
  return cal_local_time(cs.cal, y, m, d, hh * 3600 + mm * 60);
}

enum { GW, GW2, OP, SL, DI, DH, DS, ST, LE, PU, PU2, AD, SY, GWG, CMG, NUSERS };
static struct org_user users[NUSERS];

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
  if (role == ROLE_SYSTEM) return; /* not a stored account */
  if (org_user_add(db, u, &e) != CG_OK) fail_msg("%s", e.msg);
}

/* A point at the centre of a full 100 m grid whose code starts with
** prefix. */
static void
point_in(const char *prefix, double *lat, double *lon, char *grid)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  char like[32];
  snprintf(like, sizeof like, "%s%%", prefix);
  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT code, (min_lat + max_lat) / 2,"
                 " (min_lon + max_lon) / 2 FROM area WHERE level = 'grid'"
                 " AND code LIKE ? AND area_m2 > 9900 ORDER BY code"
                 " LIMIT 1",
                 &e),
      CG_OK);
  db_bindf(st, "t", like);
  assert_int_equal(db_step(st, &e), DB_ROW);
  if (grid) snprintf(grid, 16, "%s", db_col_text(st, 0));
  *lat = db_col_double(st, 1);
  *lon = db_col_double(st, 2);
  db_finalize(st);
}

static int
setup(void **state)
{
  struct cg_err e = {0};
  char path[4400];
  int n;

  dir = tu_tmpdir();
  if (tu_district(dir, 100) != 0 ||
      tu_run(NULL, NULL, "--data '%s' import calendar '%s'", dir,
             tu_data("calendar/cn-2026.csv")) != 0)
    return -1;
  /* limits the tests can count on: 4 working hours to handle, 1 hour a
  ** step, 2 hours for 道路不洁 (06012) */
  snprintf(path, sizeof path, "%s/limits.csv", dir);
  tu_write(path, "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
                 "disposal,,,,,4,hours\n"
                 "disposal,gb47678,06012,,,2,hours\n"
                 "disposal,,,,2,1,hours\n"
                 "intake,,,,,1,hours\n"
                 "file,,,,,1,hours\n");
  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  if (db_open(&db, path, 0, &e) != CG_OK) return -1;
  snprintf(path, sizeof path, "%s/limits.csv", dir);
  if (case_import_limits(db, path, &n, &e) != CG_OK || n != 5) return -1;
  if (case_setup_load(&cs, dir, db, &e) != CG_OK) {
    fprintf(stderr, "%s\n", e.msg);
    return -1;
  }
  env = &cs.env;
  env->now = fake_clock;
  clock_now = local(2026, 3, 2, 9, 0); /* a Monday morning */
  point_in("410104001", &plat, &plon, pgrid);
  point_in("410104010", &olat, &olon, NULL);
  user(GW, "gw", ROLE_GRID_WORKER, "410104001", "");
  user(GW2, "gw2", ROLE_GRID_WORKER, "410104010", "");
  user(OP, "op", ROLE_OPERATOR, "", "");
  user(SL, "sl", ROLE_SHIFT_LEADER, "", "");
  user(DI, "di", ROLE_DISPATCHER, "", "");
  user(DH, "dh", ROLE_DEPARTMENT, "", "hwc");
  user(DS, "ds", ROLE_DEPARTMENT, "", "szc");
  user(ST, "st", ROLE_STREET, "410104001", "");
  user(LE, "le", ROLE_LEADER, "", "");
  user(PU, "pu", ROLE_PUBLIC, "", "");
  user(PU2, "pu2", ROLE_PUBLIC, "", "");
  user(AD, "ad", ROLE_ADMIN, "", "");
  user(SY, "system", ROLE_SYSTEM, "", "");
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

/* Report 暴露垃圾 (06010, routed to hwc) at the test point as `who`. */
static void
report_as(int who, const char *code, double lat, double lon, char *no)
{
  struct case_report r;
  struct cg_err e = {0};
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = code ? code : "06010";
  r.lat = lat;
  r.lon = lon;
  r.description = "路边暴露垃圾";
  r.reporter_name = "王先生";
  r.reporter_phone = "13800000000";
  if (case_report(env, &users[who], &r, no, &e) != CG_OK)
    fail_msg("report: %s", e.msg);
}

/* Report a matter of category `code` at lat, lon, described by text (or
** none), through the env in, as `who`; its number in no. */
static void
report_in(struct case_env *in, int who, const char *code, double lat,
          double lon, const char *text, char *no)
{
  struct case_report r;
  struct cg_err e = {0};
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = code;
  r.lat = lat;
  r.lon = lon;
  r.description = text;
  if (case_report(in, &users[who], &r, no, &e) != CG_OK)
    fail_msg("report: %s", e.msg);
}

/* Apply an action; returns the result code and leaves the message in *e. */
static int
act_full(int who, const char *no, const char *action, const char *note,
         int pass, const char *const *depts, int ndepts, int task,
         struct cg_err *e)
{
  struct case_act a;
  memset(&a, 0, sizeof a);
  a.action = action;
  a.note = note;
  a.pass = pass;
  a.depts = depts;
  a.ndepts = ndepts;
  a.task = task;
  a.hours = 4;
  a.rating = "satisfied";
  return case_apply(env, &users[who], no, &a, e);
}

static void
act(int who, const char *no, const char *action)
{
  struct cg_err e = {0};
  if (act_full(who, no, action, "备注", 1, NULL, 0, 0, &e) != CG_OK)
    fail_msg("%s as %s: %s", action, users[who].login, e.msg);
}

/* A field of the case row as text (caller frees) or integer. */
static char *
field(const char *no, const char *col)
{
  char sql[200];
  struct db_stmt *st;
  struct cg_err e = {0};
  char *out = NULL;
  snprintf(sql, sizeof sql, "SELECT %s FROM cases WHERE no = ?", col);
  assert_int_equal(db_prepare(db, &st, sql, &e), CG_OK);
  db_bindf(st, "t", no);
  if (db_step(st, &e) == DB_ROW)
    out = strdup(db_col_text(st, 0) ? db_col_text(st, 0) : "");
  db_finalize(st);
  return out;
}

static int64_t
ifield(const char *no, const char *col)
{
  char *s = field(no, col);
  int64_t v = s ? atoll(s) : -1;
  free(s);
  return v;
}

static void
assert_field(const char *no, const char *col, const char *want)
{
  char *s = field(no, col);
  if (strcmp(s, want))
    fail_msg("case %s: %s is '%s', expected '%s'", no, col, s, want);
  free(s);
}

static void
assert_state(const char *no, const char *state)
{
  char *s = field(no, "state");
  if (strcmp(s, state))
    fail_msg("case %s is '%s', expected '%s'", no, s, state);
  free(s);
}

/* Store a tiny real PNG as an attachment. */
static void
png(struct case_attach *a, const char *stage)
{
  struct attach_info info;
  struct cg_err e = {0};
  assert_int_equal(attach_put(dir, tu_png, tu_png_len, 0, NULL, &info, &e),
                   CG_OK);
  memcpy(a->sha256, info.sha256, 65);
  a->stage = stage;
}

/* Drive a new case (reported by op) to state `to`; no gets its number. */
static void
reach(const char *to, char *no)
{
  if (strcmp(to, "draft") == 0 || strcmp(to, "self_handled") == 0) {
    struct case_report r;
    struct case_attach a;
    struct cg_err e = {0};
    memset(&r, 0, sizeof r);
    r.scheme = "gb47678";
    r.kind = "matter";
    r.code = "06010";
    r.lat = plat;
    r.lon = plon;
    r.draft = to[0] == 'd';
    r.self_handled = !r.draft;
    png(&a, "after");
    r.att = &a;
    r.natt = r.self_handled;
    if (case_report(env, &users[GW], &r, no, &e) != CG_OK)
      fail_msg("%s", e.msg);
    return;
  }
  clock_now += 7200; /* no duplicates: each case a little later */
  env->dup_window_s = 0;
  report_as(OP, NULL, plat, plon, no);
  env->dup_window_s = 72 * 3600;
  if (!strcmp(to, "reported")) return;
  if (!strcmp(to, "verifying") || !strcmp(to, "verified")) {
    act(OP, no, "verify_request");
    if (!strcmp(to, "verified")) act(GW, no, "verify");
    return;
  }
  act(OP, no, "register");
  if (!strcmp(to, "registered")) return;
  act(SL, no, "file");
  if (!strcmp(to, "filed")) return;
  if (!strcmp(to, "deferred")) {
    act(SL, no, "defer");
    return;
  }
  act(DI, no, "dispatch");
  if (!strcmp(to, "dispatched")) return;
  if (!strcmp(to, "suspended")) {
    act(DH, no, "suspend_request");
    act(DI, no, "suspend_approve");
    return;
  }
  act(DH, no, "handle");
  if (!strcmp(to, "handled")) return;
  act(OP, no, "check_request");
  if (!strcmp(to, "checking")) return;
  act(GW, no, "check");
  if (!strcmp(to, "checked")) return;
  act(SL, no, "close");
}

/* For each action: a state to try it in, pre-steps, and who may. */
static const struct {
  const char *action, *state, *pre;
  int who;
} cases_table[] = {
    {"check", "checking", NULL, GW},
    {"check_request", "handled", NULL, OP},
    {"close", "checked", NULL, SL},
    {"comment", "dispatched", NULL, OP},
    {"defer", "filed", NULL, SL},
    {"dispatch", "filed", NULL, DI},
    {"escalate", "dispatched", NULL, LE},
    {"extend_approve", "dispatched", "extend_request", DI},
    {"extend_refuse", "dispatched", "extend_request", DI},
    {"extend_request", "dispatched", NULL, DH},
    {"file", "registered", NULL, SL},
    {"handle", "dispatched", NULL, DH},
    {"rate", "closed", NULL, OP},
    {"register", "reported", NULL, OP},
    {"reject", "reported", NULL, OP},
    {"resume", "suspended", NULL, DI},
    {"return_approve", "dispatched", "return_request", DI},
    {"return_refuse", "dispatched", "return_request", DI},
    {"return_request", "dispatched", NULL, DH},
    {"self_approve", "self_handled", NULL, SL},
    {"self_reject", "self_handled", NULL, SL},
    {"submit", "draft", NULL, GW},
    {"suspend_approve", "dispatched", "suspend_request", DI},
    {"suspend_refuse", "dispatched", "suspend_request", DI},
    {"suspend_request", "dispatched", NULL, DH},
    {"undefer", "deferred", NULL, SL},
    {"verify", "verifying", NULL, GW},
    {"verify_request", "reported", NULL, OP},
    {"void", "registered", NULL, SL},
};

static void
test_each_action_only_for_its_roles(void **state)
{
  int n;
  const struct case_action_info *info = case_actions(&n);

  /* the table above covers every action of the module */
  assert_int_equal(n, (int)(sizeof cases_table / sizeof cases_table[0]));
  for (int i = 0; i < n; i++) {
    char no[32];
    int64_t seq;
    assert_string_equal(info[i].name, cases_table[i].action);
    reach(cases_table[i].state, no);
    if (cases_table[i].pre) act(DH, no, cases_table[i].pre); /* requests */
    seq = ifield(no, "last_seq");
    for (int u = 0; u < NUSERS; u++) {
      struct cg_err e = {0};
      int allowed = (info[i].roles & ROLE_BIT(users[u].role)) != 0;
      if (allowed) continue;
      assert_int_equal(act_full(u, no, info[i].name, "x", 1, NULL, 0, 0, &e),
                       CG_EPERM);
      assert_non_null(strstr(e.msg, "is for"));
      assert_int_equal(ifield(no, "last_seq"), seq); /* nothing written */
    }
    {
      struct cg_err e = {0};
      if (act_full(cases_table[i].who, no, info[i].name, "理由", 1, NULL, 0, 0,
                   &e) != CG_OK)
        fail_msg("%s by %s: %s", info[i].name, users[cases_table[i].who].login,
                 e.msg);
      assert_int_equal(ifield(no, "last_seq"), seq + 1);
    }
  }
}

static void
test_refusals_name_state_and_role(void **state)
{
  struct cg_err e = {0};
  char no[32];
  int64_t seq;

  reach("reported", no);
  seq = ifield(no, "last_seq");
  assert_int_equal(act_full(SL, no, "file", NULL, 0, NULL, 0, 0, &e),
                   CG_ECONFLICT);
  assert_non_null(strstr(e.msg, "it is 'reported'; 'file' needs "
                                "'registered'"));
  assert_int_equal(act_full(GW, no, "register", NULL, 0, NULL, 0, 0, &e),
                   CG_EPERM);
  assert_non_null(strstr(e.msg, "'register' is for 'operator', not "
                                "'grid_worker'"));
  assert_int_equal(act_full(OP, no, "fly", NULL, 0, NULL, 0, 0, &e), CG_EINVAL);
  assert_int_equal(act_full(OP, "nope", "register", NULL, 0, NULL, 0, 0, &e),
                   CG_ENOTFOUND);
  /* a note is required where the loop needs a reason */
  assert_int_equal(act_full(OP, no, "reject", "", 0, NULL, 0, 0, &e),
                   CG_EINVAL);
  assert_non_null(strstr(e.msg, "needs a note"));
  assert_int_equal(ifield(no, "last_seq"), seq);
  assert_state(no, "reported");
  /* a second close */
  reach("closed", no);
  seq = ifield(no, "last_seq");
  assert_int_equal(act_full(SL, no, "close", NULL, 0, NULL, 0, 0, &e),
                   CG_ECONFLICT);
  assert_non_null(strstr(e.msg, "it is 'closed'"));
  assert_int_equal(ifield(no, "last_seq"), seq);
  /* scope: a grid worker of another street; a department not called */
  reach("verifying", no);
  assert_int_equal(act_full(GW2, no, "verify", NULL, 1, NULL, 0, 0, &e),
                   CG_EPERM);
  assert_non_null(strstr(e.msg, "outside the area of 'gw2'"));
  reach("dispatched", no);
  assert_int_equal(act_full(DS, no, "handle", "done", 0, NULL, 0, 0, &e),
                   CG_EPERM);
  assert_non_null(strstr(e.msg, "was not sent to department 'szc'"));
}

static void
test_lifecycle_return_wrong_dispatch_extension(void **state)
{
  const char *szc[] = {"szc"}, *hwc[] = {"hwc"};
  struct cg_err e = {0};
  char no[32], *due1, *due2;

  reach("dispatched", no);
  assert_field(no, "dept_code", "hwc"); /* by routing */
  /* hwc: not ours; approved; re-dispatched to szc = wrong dispatch */
  act(DH, no, "return_request");
  act(DI, no, "return_approve");
  assert_state(no, "filed");
  assert_int_equal(act_full(DI, no, "dispatch", NULL, 0, szc, 1, 0, &e), CG_OK);
  assert_int_equal(ifield(no, "n_wrong"), 1);
  assert_int_equal(ifield(no, "n_return"), 1);
  assert_field(no, "dept_code", "szc");
  /* szc asks for 4 more working hours: granted, the deadline moves */
  due1 = field(no, "due_at");
  act(DS, no, "extend_request");
  act(DI, no, "extend_approve");
  due2 = field(no, "due_at");
  assert_true(atoll(due2) > atoll(due1));
  assert_int_equal(ifield(no, "n_extend"), 1);
  act(DS, no, "handle");
  act(OP, no, "check_request");
  act(GW, no, "check");
  act(SL, no, "close");
  assert_state(no, "closed");
  free(due1);
  free(due2);
  /* a return to the same department again is not a wrong dispatch */
  reach("dispatched", no);
  act(DH, no, "return_request");
  act(DI, no, "return_approve");
  assert_int_equal(act_full(DI, no, "dispatch", NULL, 0, hwc, 1, 0, &e), CG_OK);
  assert_int_equal(ifield(no, "n_wrong"), 0);
}

static void
test_suspension_stops_the_clock(void **state)
{
  char no[32];
  int64_t due, due2;

  clock_now = local(2026, 3, 9, 9, 0); /* Monday */
  reach("dispatched", no);
  due = ifield(no, "due_at"); /* 4 working hours */
  act(DH, no, "suspend_request");
  act(DI, no, "suspend_approve");
  assert_state(no, "suspended");
  clock_now = local(2026, 3, 11, 9, 0); /* two working days later */
  act(DI, no, "resume");
  assert_state(no, "dispatched");
  due2 = ifield(no, "due_at");
  /* the deadline moved by the working time the case was parked */
  assert_int_equal(
      cal_between(cs.cal, due, due2),
      cal_between(cs.cal, local(2026, 3, 9, 11, 0), local(2026, 3, 11, 9, 0)));
  assert_int_equal(ifield(no, "n_suspend"), 1);
}

static void
test_rework_twice(void **state)
{
  char no[32];
  struct cg_err e = {0};
  struct db_stmt *st;

  reach("checking", no);
  for (int round = 0; round < 2; round++) {
    assert_int_equal(act_full(GW, no, "check", "未清理干净", 0, NULL, 0, 0, &e),
                     CG_OK);
    assert_state(no, "dispatched"); /* back to the same department */
    act(DH, no, "handle");
    act(OP, no, "check_request");
  }
  act(GW, no, "check");
  act(SL, no, "close");
  assert_int_equal(ifield(no, "n_rework"), 2);
  assert_int_equal(ifield(no, "n_wrong"), 0);
  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT group_concat(dept_code || ':'"
                 " || state || ':' || rework, ' ') FROM (SELECT * FROM task"
                 " WHERE case_no = ? ORDER BY n)",
                 &e),
      CG_OK);
  db_bindf(st, "t", no);
  assert_int_equal(db_step(st, &e), DB_ROW);
  assert_string_equal(db_col_text(st, 0),
                      "hwc:reworked:0 hwc:reworked:1 hwc:handled:1");
  db_finalize(st);
}

static void
test_self_handled_and_void(void **state)
{
  char no[32];
  struct case_report r;
  struct cg_err e = {0};

  reach("self_handled", no);
  act(SL, no, "self_approve");
  assert_state(no, "closed");
  assert_int_equal(ifield(no, "on_time"), 1);
  reach("self_handled", no);
  act(SL, no, "self_reject");
  assert_state(no, "void");
  reach("filed", no);
  act(SL, no, "void");
  assert_state(no, "void");
  /* self-handling needs a photo of the result, and is for grid workers */
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = "06010";
  r.lat = plat;
  r.lon = plon;
  r.self_handled = 1;
  assert_int_equal(case_report(env, &users[GW], &r, no, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "photo of the result"));
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EPERM);
  /* a draft is sent by its reporter only */
  reach("draft", no);
  assert_int_equal(act_full(GW, no, "submit", NULL, 0, NULL, 0, 0, &e), CG_OK);
  assert_state(no, "reported");
}

static void
test_several_departments_one_case(void **state)
{
  const char *both[] = {"hwc", "szc"}, *third[] = {"sthj"};
  struct cg_err e = {0};
  char no[32];

  reach("filed", no);
  /* the street calls two departments in (吹哨报到) */
  assert_int_equal(act_full(ST, no, "dispatch", "联合整治", 0, both, 2, 0, &e),
                   CG_OK);
  {
    int64_t n;
    assert_int_equal(db_query_int(db, &n, 0, &e,
                                  "SELECT count(*) FROM task"
                                  " WHERE case_no = ? AND state = 'open'",
                                  "t", no),
                     CG_OK);
    assert_int_equal(n, 2);
  }
  /* a third joins while the others work */
  assert_int_equal(act_full(DI, no, "dispatch", NULL, 0, third, 1, 0, &e),
                   CG_OK);
  /* calling one already working is refused */
  assert_int_equal(act_full(DI, no, "dispatch", NULL, 0, third, 1, 0, &e),
                   CG_ECONFLICT);
  act(DH, no, "handle");
  assert_state(no, "dispatched"); /* szc and sthj still working */
  act(DS, no, "handle");
  assert_state(no, "dispatched");
  {
    struct org_user u = users[DS];
    snprintf(u.dept, sizeof u.dept, "sthj");
    snprintf(u.login, sizeof u.login, "dsthj");
    assert_int_equal(org_user_add(db, &u, &e), CG_OK);
    assert_int_equal(
        case_apply(env, &u, no,
                   &(struct case_act){.action = "handle", .note = "已处理"},
                   &e),
        CG_OK);
  }
  assert_state(no, "handled"); /* closes only when all are done */
  assert_int_equal(ifield(no, "n_wrong"), 0);
}

/* Dispatch a new case at local time t; return its task's due time. */
static int64_t
due_after_dispatch(int64_t t, const char *code)
{
  char no[32];
  clock_now = t;
  env->dup_window_s = 0;
  report_as(OP, code, plat, plon, no);
  env->dup_window_s = 72 * 3600;
  act(OP, no, "register");
  act(SL, no, "file");
  act(DI, no, "dispatch");
  return ifield(no, "due_at");
}

static void
test_deadlines_on_the_working_calendar(void **state)
{
  /* lunch break: 2 hours (06012) from 11:00 end at 15:30 */
  assert_int_equal(due_after_dispatch(local(2026, 3, 3, 11, 0), "06012"),
                   local(2026, 3, 3, 15, 30));
  /* weekend: 4 hours from Friday 16:00 end Monday 10:30 */
  assert_int_equal(due_after_dispatch(local(2026, 3, 6, 16, 0), "06010"),
                   local(2026, 3, 9, 10, 30));
  /* make-up working day: Friday 2026-02-13 16:00 + 4 h ends on Saturday
  ** 02-14, a working day (春节调休), at 10:30 */
  assert_int_equal(due_after_dispatch(local(2026, 2, 13, 16, 0), "06010"),
                   local(2026, 2, 14, 10, 30));
  /* holiday: Saturday 02-14 17:00 + 4 h: one hour that day, then 春节
  ** (02-15 to 02-23) is off, so 08:30 + 3 h on Tuesday 02-24 */
  assert_int_equal(due_after_dispatch(local(2026, 2, 14, 17, 0), "06010"),
                   local(2026, 2, 24, 11, 30));
  /* urgency 2: 1 hour */
  {
    char no[32];
    struct case_report r;
    struct cg_err e = {0};
    clock_now = local(2026, 3, 3, 9, 0);
    memset(&r, 0, sizeof r);
    r.scheme = "gb47678";
    r.kind = "matter";
    r.code = "06036";
    r.lat = plat;
    r.lon = plon;
    r.urgency = 2;
    assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_OK);
    act(OP, no, "register");
    act(SL, no, "file");
    act(DI, no, "dispatch");
    assert_int_equal(ifield(no, "due_at"), local(2026, 3, 3, 10, 0));
  }
}

static void
test_overdue_escalates(void **state)
{
  char no[32];
  int n;
  struct cg_err e = {0};
  int64_t due;

  clock_now = local(2026, 3, 16, 9, 0);
  reach("dispatched", no);
  due = ifield(no, "due_at"); /* 13:00 + ... : 4 working hours */
  assert_int_equal(case_sweep(env, due - 60, &n, &e), CG_OK);
  assert_int_equal(ifield(no, "escalation"), 0);
  assert_int_equal(case_sweep(env, due + 600, &n, &e), CG_OK);
  assert_true(n >= 1);
  assert_int_equal(ifield(no, "escalation"), 1);
  /* once per level */
  assert_int_equal(case_sweep(env, due + 700, &n, &e), CG_OK);
  assert_int_equal(ifield(no, "escalation"), 1);
  /* past 150 % of the limit: the next level up */
  assert_int_equal(case_sweep(env, cal_add(cs.cal, due, 2 * 3600 + 60), &n, &e),
                   CG_OK);
  assert_int_equal(ifield(no, "escalation"), 2);
  {
    int64_t k;
    assert_int_equal(
        db_query_int(db, &k, 0, &e,
                     "SELECT count(*) FROM event"
                     " WHERE case_no = ? AND action = 'escalate' AND"
                     " actor = 'system'",
                     "t", no),
        CG_OK);
    assert_int_equal(k, 2);
  }
  /* a suspended case's clock is stopped: not escalated */
  reach("suspended", no);
  assert_int_equal(case_sweep(env, clock_now + 30 * 86400, &n, &e), CG_OK);
  assert_int_equal(ifield(no, "escalation"), 0);
}

static void
test_counters_on_a_scripted_history(void **state)
{
  const char *sthj[] = {"sthj"};
  struct cg_err e = {0};
  char no[32];

  /* returned once and refused once (推诿), returned and approved, sent
  ** elsewhere (错误派遣), extended twice (one refused), suspended and
  ** resumed, reworked once, closed late */
  clock_now = local(2026, 3, 23, 9, 0);
  reach("dispatched", no);
  act(DH, no, "return_request");
  act(DI, no, "return_refuse");
  act(DH, no, "return_request");
  act(DI, no, "return_approve");
  assert_int_equal(act_full(DI, no, "dispatch", NULL, 0, sthj, 1, 0, &e),
                   CG_OK);
  {
    struct org_user u;
    assert_int_equal(org_user_get(db, "dsthj", &u, &e), CG_OK);
    for (int i = 0; i < 2; i++) {
      assert_int_equal(case_apply(env, &u, no,
                                  &(struct case_act){.action = "extend_request",
                                                     .note = "等材料",
                                                     .hours = 2},
                                  &e),
                       CG_OK);
      act(DI, no, i ? "extend_refuse" : "extend_approve");
    }
    assert_int_equal(case_apply(env, &u, no,
                                &(struct case_act){.action = "suspend_request",
                                                   .note = "待定"},
                                &e),
                     CG_OK);
    act(DI, no, "suspend_approve");
    act(DI, no, "resume");
    clock_now += 7 * 86400; /* late */
    assert_int_equal(
        case_apply(env, &u, no,
                   &(struct case_act){.action = "handle", .note = "已处理"},
                   &e),
        CG_OK);
    act(OP, no, "check_request");
    assert_int_equal(act_full(GW, no, "check", "未完成", 0, NULL, 0, 0, &e),
                     CG_OK);
    assert_int_equal(
        case_apply(env, &u, no,
                   &(struct case_act){.action = "handle", .note = "已处理"},
                   &e),
        CG_OK);
  }
  act(OP, no, "check_request");
  act(GW, no, "check");
  act(SL, no, "close");
  assert_int_equal(ifield(no, "n_shirk"), 1);
  assert_int_equal(ifield(no, "n_return"), 1);
  assert_int_equal(ifield(no, "n_wrong"), 1);
  assert_int_equal(ifield(no, "n_extend"), 1);
  assert_int_equal(ifield(no, "n_suspend"), 1);
  assert_int_equal(ifield(no, "n_rework"), 1);
  assert_int_equal(ifield(no, "on_time"), 0);
  assert_int_equal(ifield(no, "deferred"), 0);
}

static void
test_duplicates_linked(void **state)
{
  char a[32], b[32], c[32], d[32], f[32];

  clock_now = local(2026, 4, 1, 9, 0);
  report_as(PU, "06042", plat, plon, a);
  clock_now += 3600;
  /* same category, 20 m away, an hour later: linked */
  report_as(PU2, "06042", plat + 20 / 111195.0, plon, b);
  assert_state(b, "duplicate");
  assert_field(b, "duplicate_of", a);
  assert_string_not_equal(a, b); /* the reporter still gets a number */
  /* another category at the same place: a case of its own */
  report_as(PU2, "06012", plat, plon, c);
  assert_state(c, "reported");
  /* far away: its own */
  report_as(PU2, "06042", olat, olon, d);
  assert_state(d, "reported");
  /* after the window: its own */
  clock_now += 73 * 3600;
  report_as(PU2, "06042", plat, plon, f);
  assert_state(f, "reported");
}

/* A second env on its own connection to the suite's store, as another
** process or a server started again would have; case_env_release() and
** db_close() end it. */
static struct db *
second_env(struct case_env *env2)
{
  struct db *db2;
  struct cg_err e = {0};
  char path[4200];

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(db_open(&db2, path, 0, &e), CG_OK);
  case_env_init(env2, db2, cs.loc, cs.cal, dir, "410104");
  env2->now = fake_clock;
  return db2;
}

/* The duplicate search keeps the cases of the last days in memory
** (src/case/recent.c): it must see what another connection reported or
** changed meanwhile, forget what a rolled-back transaction wrote, and reach
** back in time for a report dated before what it holds. */
static void
test_duplicates_across_connections(void **state)
{
  struct case_env env2;
  struct db *db2;
  struct cg_err e = {0};
  struct case_act a;
  char a1[32], c[32], d[32], f[32], g[32], h[32], i1[32], x[32], y[32];
  const double m = 1 / 111195.0;             /* a metre of latitude */
  double qlat, qlon, rlat, rlon, slat, slon; /* three more places */

  point_in("410104002", &qlat, &qlon, NULL);
  point_in("410104003", &rlat, &rlon, NULL);
  point_in("410104004", &slat, &slon, NULL);

  db2 = second_env(&env2);

  clock_now = local(2026, 5, 4, 9, 0);
  report_as(OP, "06013", plat, plon, a1); /* loads this env's table */
  assert_state(a1, "reported");
  /* another connection reports nearby, in another category */
  clock_now += 600;
  report_in(&env2, OP, "06017", qlat, qlon, "绿化带缺损", c);
  clock_now += 600;
  report_as(OP, "06017", qlat + 20 * m, qlon, d);
  assert_state(d, "duplicate");
  assert_field(d, "duplicate_of", c);
  /* the other connection turns it down: no longer open, not matched */
  memset(&a, 0, sizeof a);
  a.action = "reject";
  a.note = "不属于受理范围";
  assert_int_equal(case_apply(&env2, &users[OP], c, &a, &e), CG_OK);
  clock_now += 600;
  report_as(OP, "06017", qlat + 10 * m, qlon, x);
  assert_state(x, "reported");
  assert_field(x, "duplicate_of", "");
  /* the next one goes with the open case, not the earlier turned-down one */
  clock_now += 600;
  report_as(OP, "06017", qlat + 15 * m, qlon, y);
  assert_field(y, "duplicate_of", x);

  /* a batch rolled back: what it reported is not matched later */
  assert_int_equal(case_begin(env, &e), CG_OK);
  clock_now += 600;
  report_as(OP, "06028", rlat, rlon, f);
  case_rollback(env);
  clock_now += 600;
  report_as(OP, "06028", rlat, rlon, g);
  assert_state(g, "reported");

  /* a report dated a month back (a replay): matched against its own time */
  clock_now = local(2026, 4, 2, 10, 0);
  report_as(OP, "06034", slat, slon, h);
  clock_now += 3600;
  report_as(OP, "06034", slat + 10 * m, slon, i1);
  assert_state(i1, "duplicate");
  assert_field(i1, "duplicate_of", h);
  /* and the recent ones are still found after it */
  clock_now = local(2026, 5, 4, 11, 0);
  report_as(OP, "06013", plat + 10 * m, plon, x);
  assert_field(x, "duplicate_of", a1);

  case_env_release(&env2);
  db_close(db2);
}

/* A connection opened later (a server started again) loads the open
** cases of the window from the store at its first report: a case turned
** down meanwhile is not among them, however near, and the open one is. */
static void
test_duplicates_after_restart(void **state)
{
  struct case_env env2;
  struct db *db2;
  struct cg_err e = {0};
  struct case_act a;
  char r1[32], r2[32], r3[32], r4[32];
  const double m = 1 / 111195.0; /* a metre of latitude */
  double qlat, qlon;

  point_in("410104005", &qlat, &qlon, NULL);
  clock_now = local(2026, 6, 8, 9, 0);
  report_as(OP, "06036", qlat, qlon, r1);
  memset(&a, 0, sizeof a);
  a.action = "reject";
  a.note = "不属于受理范围";
  assert_int_equal(case_apply(env, &users[OP], r1, &a, &e), CG_OK);
  clock_now += 600;
  report_as(OP, "06036", qlat + 30 * m, qlon, r2);
  assert_state(r2, "reported");

  db2 = second_env(&env2);
  clock_now += 600;
  /* nearer the turned-down case (5 m) than the open one (25 m) */
  report_in(&env2, OP, "06036", qlat + 5 * m, qlon, "垃圾桶破损", r3);
  assert_state(r3, "duplicate");
  assert_field(r3, "duplicate_of", r2);
  /* and after its table is loaded, it follows the log as before */
  clock_now += 600;
  report_in(&env2, OP, "06036", qlat + 28 * m, qlon, "垃圾桶破损", r4);
  assert_field(r4, "duplicate_of", r2);

  case_env_release(&env2);
  db_close(db2);
}

/* The list of cases in `state` `who` gets, built without the server's
** cache and then with it: the two texts must be the same. Returns the
** parsed list (caller decrefs). */
static json_t *
kept_list(int who, const char *state)
{
  struct case_cache *c = env->cache;
  struct case_filter f;
  struct cg_err e = {0};
  char *plain, *kept;
  size_t n;
  json_t *j;

  memset(&f, 0, sizeof f);
  f.state = state;
  f.limit = 1000;
  env->cache = NULL;
  plain = case_list_text(env, &users[who], &f, &n, &e);
  env->cache = c;
  kept = case_list_text(env, &users[who], &f, &n, &e);
  assert_non_null(plain);
  assert_non_null(kept);
  assert_string_equal(kept, plain);
  assert_int_equal(strlen(kept), n);
  j = json_loads(kept, 0, NULL);
  assert_non_null(j);
  free(plain);
  free(kept);
  return j;
}

/* Case `no` in list j, or NULL (borrowed). */
static json_t *
listed(json_t *j, const char *no)
{
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(j, "cases"), i, c)
  {
    if (strcmp(json_string_value(json_object_get(c, "no")), no) == 0) return c;
  }
  return NULL;
}

/* Lists as the server keeps them rendered (cache.c) are the lists as
** built, and follow the store: a case's change shows at once, its light
** as the clock moves, and each caller sees their own view of a case. */
static void
test_lists_kept_rendered_follow_the_store(void **state)
{
  int64_t hits, misses, hits2;
  size_t bytes;
  char no[32];
  json_t *j, *j2;

  env->cache = case_cache_new(1 << 20);
  assert_non_null(env->cache);
  reach("dispatched", no);
  j = kept_list(DI, "dispatched");
  case_cache_counts(env->cache, &hits, &misses, &bytes);
  j2 = kept_list(DI, "dispatched");
  case_cache_counts(env->cache, &hits2, &misses, &bytes);
  assert_true(hits2 > hits); /* the second came from the cache */
  assert_true(json_equal(j, j2));
  assert_string_equal(
      json_string_value(json_object_get(listed(j, no), "light")), "green");
  /* the dispatcher sees the reporter's contact, the leader does not */
  assert_non_null(json_object_get(listed(j, no), "reporter"));
  json_decref(j2);
  j2 = kept_list(LE, "dispatched");
  assert_non_null(listed(j2, no));
  assert_null(json_object_get(listed(j2, no), "reporter"));
  json_decref(j2);
  json_decref(j);

  /* a week on, past the department's four working hours: red */
  clock_now += 7 * 86400;
  j = kept_list(DI, "dispatched");
  assert_string_equal(
      json_string_value(json_object_get(listed(j, no), "light")), "red");
  json_decref(j);

  /* handled in the same minute: gone from one list, in the other */
  act(DH, no, "handle");
  j = kept_list(DI, "dispatched");
  assert_null(listed(j, no));
  json_decref(j);
  j = kept_list(DI, "handled");
  assert_string_equal(
      json_string_value(json_object_get(listed(j, no), "state")), "handled");
  json_decref(j);

  case_cache_free(env->cache);
  env->cache = NULL;
}

/* Numbers of the cases a list by `who` under filter f shows in the store
** of env b, newest first, joined by spaces, into out. CG_OK or the list's
** error. */
static int
nos_in(struct case_env *b, int who, const struct case_filter *f, char *out,
       size_t n)
{
  struct cg_err e = {0};
  json_t *j, *c;
  size_t i;

  out[0] = 0;
  if (!(j = case_list_json(b, &users[who], f, &e))) return e.code;
  json_array_foreach(json_object_get(j, "cases"), i, c)
  {
    size_t len = strlen(out);
    snprintf(out + len, n - len, "%s%s", len ? " " : "",
             json_string_value(json_object_get(c, "no")));
  }
  json_decref(j);
  return CG_OK;
}

/* The same in the tests' store. */
static int
nos_of(int who, const struct case_filter *f, char *out, size_t n)
{
  return nos_in(env, who, f, out, n);
}

/* How many cases the full-text index of the connection d holds a pair
** for. */
static int64_t
indexed(struct db *d, const char *pair)
{
  struct cg_err e = {0};
  char m[16];
  int64_t n = -1;
  snprintf(m, sizeof m, "\"%s\"", pair);
  assert_int_equal(db_query_int(d, &n, -1, &e,
                                "SELECT count(*) FROM search.case_bigram"
                                " WHERE case_bigram MATCH ?",
                                "t", m),
                   CG_OK);
  return n;
}

/* Numbers of the cases a search by `who` finds since `from`, joined by
** spaces in the order listed (newest first), into out. */
static int
search(int who, int64_t from, const char *text, char *out, size_t n)
{
  struct case_filter f;

  memset(&f, 0, sizeof f);
  f.from = from;
  f.text = text;
  return nos_of(who, &f, out, n);
}

static void
test_search_in_chinese(void **state)
{
  static const struct {
    int who;
    const char *code, *address, *description;
  } r[] = {
      {PU, "06010", "城东路12号", "人行道井盖缺失，有安全隐患"},
      {PU2, "06012", "紫荆山路与商城路交叉口", "路灯不亮"},
      {PU2, "06017", "管城街", "井盖破损"},
      {PU, "06028", "东大街", "下水道100%堵塞_急"},
      /* every pair of "井盖缺", but not the word */
      {PU, "06013", "城南路", "井盖旁有盖缺口"},
  };
  struct cg_err e = {0};
  char no[5][32], got[256], want[256];
  int64_t from;

  clock_now = local(2026, 6, 1, 9, 0);
  from = clock_now;
  for (int i = 0; i < 5; i++) {
    struct case_report x;
    memset(&x, 0, sizeof x);
    x.scheme = "gb47678";
    x.kind = "matter";
    x.code = r[i].code;
    x.lat = plat; /* categories differ: no duplicates */
    x.lon = plon;
    x.address = r[i].address;
    x.description = r[i].description;
    if (case_report(env, &users[r[i].who], &x, no[i], &e) != CG_OK)
      fail_msg("report: %s", e.msg);
    clock_now += 60;
  }
  /* each search, by whom, and the cases it must find (indexes into no[],
  ** newest first; "" none) */
  static const struct {
    int who;
    const char *text, *found;
  } q[] = {
      /* three characters or more, anywhere in the text: the cases that
      ** hold all its pairs, and of them those that hold the word */
      {OP, "井盖缺", "0"},
      {OP, "紫荆山路", "1"}, /* in the address */
      {OP, "有盖缺口", "4"},
      {OP, "旁有盖缺", "4"},
      {OP, "城南路", "4"},
      {OP, "井盖缺口", ""},
      /* two characters: one pair, newest first */
      {OP, "井盖", "4 2 0"},
      /* any two neighbouring characters, the pair index's words */
      {OP, "盖缺", "4 0"},
      {OP, "城路", "1"},
      /* two characters with a mark among them: by LIKE, found all the same */
      {OP, "失，", "0"},
      {OP, "0%", "3"},
      /* every word must occur, in either field; U+3000 separates too */
      {OP, "井盖 城东", "0"},
      {OP, "井盖　管城街", "2"},
      {OP, "井盖 路灯", ""},
      {OP, "盖缺 人行道", "0"},
      /* LIKE's wildcards and FTS5's quotes are only characters here */
      {OP, "%", "3"},
      {OP, "_", "3"},
      {OP, "100%堵塞", "3"},
      {OP, "\"井盖\" OR 路", ""},
      /* the public find only their own reports */
      {PU2, "井盖", "2"},
  };
  for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
    want[0] = 0;
    for (const char *f = q[i].found; *f; f++)
      if (*f != ' ')
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                 *want ? " " : "", no[*f - '0']);
    assert_int_equal(search(q[i].who, from, q[i].text, got, sizeof got), CG_OK);
    if (strcmp(got, want) != 0)
      fail_msg("search '%s': found '%s', want '%s'", q[i].text, got, want);
  }
  /* too long, too many words */
  {
    char big[512];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(search(OP, from, big, got, sizeof got), CG_EINVAL);
  }
  assert_int_equal(search(OP, from, "a b c d e f g h i", got, sizeof got),
                   CG_EINVAL);
}

/* The full-text index may follow the cases a little behind (in a server,
** its own thread adds new cases at most every 100 ms): a search finds the
** newest cases all the same, and each case once when the index has them. */
static void
test_search_finds_cases_not_indexed_yet(void **state)
{
  struct cg_err e = {0};
  char a[32], b[32], got[256], want[256];
  int64_t from, n = -1;

  clock_now = local(2026, 6, 2, 9, 0);
  from = clock_now;
  env->search_behind = 1; /* and no indexer runs: left out */
  report_in(env, OP, "06034", plat, plon, "窨井盖板松动", a);
  assert_int_equal(indexed(db, "窨井"), 0); /* not in the index */
  assert_int_equal(search(OP, from, "窨井盖", got, sizeof got), CG_OK);
  assert_string_equal(got, a);
  assert_int_equal(search(OP, from, "窨井盖 松动", got, sizeof got), CG_OK);
  assert_string_equal(got, a);
  assert_int_equal(search(OP, from, "窨井盖 路灯不亮", got, sizeof got), CG_OK);
  assert_string_equal(got, "");
  assert_int_equal(search(OP, from, "松动", got, sizeof got), CG_OK);
  assert_string_equal(got, a); /* nor in the pairs' */
  assert_int_equal(indexed(db, "井盖"), 3); /* "井盖缺失", "井盖破损", "井盖旁有盖缺口" of the
                             test before */
  /* the next commit that may, adds both */
  env->search_behind = 0;
  clock_now += 60;
  report_in(env, OP, "06036", plat, plon, "窨井盖缺失", b);
  assert_int_equal(indexed(db, "窨井"), 2);
  assert_int_equal(indexed(db, "井盖"), 5);
  assert_int_equal(db_query_int(db, &n, -1, &e,
                                "SELECT count(*) FROM cases WHERE rowid >"
                                " (SELECT value FROM search.mark)",
                                ""),
                   CG_OK);
  assert_int_equal(n, 0); /* the mark moved past both */
  assert_int_equal(search(OP, from, "窨井盖", got, sizeof got), CG_OK);
  snprintf(want, sizeof want, "%s %s", b, a);
  assert_string_equal(got, want);
  assert_int_equal(search(OP, from, "井盖", got, sizeof got), CG_OK);
  assert_string_equal(got, want);
}

/* The numbers of the cases a list by `who` shows (area: its filter, or
** NULL), newest first, joined by spaces, into out (at most 100). */
static void
list_nos(int who, const char *area, char *out, size_t n)
{
  struct case_filter f;

  memset(&f, 0, sizeof f);
  f.area = area;
  f.limit = 100;
  assert_int_equal(nos_of(who, &f, out, n), CG_OK);
}

/* The same as the store holds them: its cases of grid or community
** `area`, newest first, that are not drafts. */
static void
stored(const char *area, char *out, size_t n)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  out[0] = 0;
  assert_int_equal(db_prepare(db, &st,
                              strlen(area) == 12
                                  ? "SELECT no FROM cases WHERE"
                                    " community_code = ? AND state <> 'draft'"
                                    " ORDER BY created_at DESC, no DESC"
                                    " LIMIT 100"
                                  : "SELECT no FROM cases WHERE grid_code = ?"
                                    " AND state <> 'draft' ORDER BY"
                                    " created_at DESC, no DESC LIMIT 100",
                              &e),
                   CG_OK);
  db_bind_text(st, 1, area);
  while (db_step(st, &e) == DB_ROW) {
    size_t len = strlen(out);
    snprintf(out + len, n - len, "%s%s", len ? " " : "", db_col_text(st, 0));
  }
  db_finalize(st);
}

/* A grid worker's list and a list filtered by a grid find the grid's cases
** through the full-text index, where each case's grid is a word (migration
** 0019): exactly the store's cases of the grid, the newest ones too while
** the index has not taken them in, and none of another grid. A community's
** staff and a list filtered by a community find its grids' cases the same
** way, by the words its grid codes start with. */
static void
test_lists_of_a_grid_and_a_community(void **state)
{
  char got[4096], want[4096], no[32], no2[32], other[32], comm[13], grid2[16];
  struct cg_err e = {0};
  struct db_stmt *st;
  double lat2, lon2;

  snprintf(comm, sizeof comm, "%.12s", pgrid);
  user(GWG, "gwg", ROLE_GRID_WORKER, pgrid, "");
  user(CMG, "cmg", ROLE_COMMUNITY, comm, "");
  stored(pgrid, want, sizeof want);
  assert_true(strlen(want) > 0); /* the tests before reported there */
  list_nos(GWG, NULL, got, sizeof got);
  assert_string_equal(got, want);
  list_nos(OP, pgrid, got, sizeof got);
  assert_string_equal(got, want);

  /* another grid of the community, with a case of its own */
  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT code, (min_lat + max_lat) / 2,"
                 " (min_lon + max_lon) / 2 FROM area WHERE"
                 " level = 'grid' AND parent_code = ? AND code <> ?"
                 " AND area_m2 > 9900 ORDER BY code LIMIT 1",
                 &e),
      CG_OK);
  db_bindf(st, "tt", comm, pgrid);
  assert_int_equal(db_step(st, &e), DB_ROW);
  snprintf(grid2, sizeof grid2, "%s", db_col_text(st, 0));
  lat2 = db_col_double(st, 1);
  lon2 = db_col_double(st, 2);
  db_finalize(st);
  report_in(env, OP, "06042", lat2, lon2, NULL, no2);
  stored(comm, want, sizeof want);
  assert_non_null(strstr(want, no2));
  assert_non_null(strchr(want, ' ')); /* more than that one */
  list_nos(CMG, NULL, got, sizeof got);
  assert_string_equal(got, want);
  list_nos(OP, comm, got, sizeof got);
  assert_string_equal(got, want);
  list_nos(GWG, NULL, got, sizeof got);
  assert_null(strstr(got, no2)); /* not the grid worker's grid */

  /* reported while the index waits: found all the same */
  env->search_behind = 1;
  clock_now += 100 * 3600;
  report_in(env, OP, "06042", plat, plon, NULL, no);
  report_in(env, OP, "06042", lat2, lon2, NULL, no2);
  report_in(env, OP, "06042", olat, olon, NULL, other); /* another street */
  stored(pgrid, want, sizeof want);
  assert_int_equal(strncmp(want, no, strlen(no)), 0); /* the newest */
  list_nos(GWG, NULL, got, sizeof got);
  assert_string_equal(got, want);
  list_nos(OP, pgrid, got, sizeof got);
  assert_string_equal(got, want);
  assert_null(strstr(got, other));
  stored(comm, want, sizeof want);
  assert_int_equal(strncmp(want, no2, strlen(no2)), 0);
  list_nos(CMG, NULL, got, sizeof got);
  assert_string_equal(got, want);
  list_nos(OP, comm, got, sizeof got);
  assert_string_equal(got, want);
  assert_null(strstr(got, other));
  env->search_behind = 0;
}

/* Numbers of the cases OP finds in the store of env b by text, since
** `from`, as search() gives them. */
static void
search_in(struct case_env *b, int64_t from, const char *text, char *out,
          size_t n)
{
  struct case_filter f;
  memset(&f, 0, sizeof f);
  f.from = from;
  f.text = text;
  assert_int_equal(nos_in(b, OP, &f, out, n), CG_OK);
}

/* The full-text index lives in a file of its own beside the store
** (citygrid-search.db) and is believed only for its own store: a store put
** back from a backup, beside the newer index of the store it was, finds
** none of the cases it no longer has, and the next catch-up starts the
** index again. Missing, the file is made (read-only: an empty index in
** memory stands in); damaged, made anew; searches find the same cases
** all the while. */
static void
test_search_file_belongs_to_its_store(void **state)
{
  struct cg_err e = {0};
  struct case_env be;
  struct db *b, *bs;
  struct stat sb;
  char *bdir = tu_tmpdir(), path[4400], sql[4500], newer[32], lamp[32];
  char want[1024], got[1024];
  int64_t from = local(2026, 1, 1, 0, 0), n, added;

  /* the backup: the store as it is now, without its index */
  search(OP, from, "井盖", want, sizeof want);
  assert_non_null(strchr(want, ' ')); /* several cases */
  snprintf(sql, sizeof sql, "VACUUM main INTO '%s/citygrid.db'", bdir);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  snprintf(path, sizeof path, "%s/citygrid-search.db", bdir);
  assert_int_not_equal(stat(path, &sb), 0);

  /* read-only, it reads an index in memory, empty: LIKE finds them */
  snprintf(path, sizeof path, "%s/citygrid.db", bdir);
  if (db_open(&b, path, DB_READONLY, &e) != CG_OK) fail_msg("%s", e.msg);
  case_env_init(&be, b, env->loc, env->cal, bdir, env->district);
  search_in(&be, from, "井盖", got, sizeof got);
  assert_string_equal(got, want);
  case_env_release(&be);
  db_close(b);
  snprintf(path, sizeof path, "%s/citygrid-search.db", bdir);
  assert_int_not_equal(stat(path, &sb), 0); /* and left no file */

  /* a case the store has after the backup, indexed at its commit */
  clock_now += 3600;
  report_in(env, OP, "06050", olat, olon, "暖气片漏水", newer);
  search(OP, from, "暖气", got, sizeof got);
  assert_string_equal(got, newer);
  assert_int_equal(indexed(db, "暖气"), 1);
  /* ...whose index is copied beside the backup, as if both were put back */
  snprintf(sql, sizeof sql, "VACUUM search INTO '%s/citygrid-search.db'",
           bdir);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);

  /* the backup gets a case of its own where the newer one was */
  snprintf(path, sizeof path, "%s/citygrid.db", bdir);
  assert_int_equal(db_open(&b, path, 0, &e), CG_OK);
  assert_int_equal(indexed(b, "暖气"), 1); /* the newer index it is */
  case_env_init(&be, b, env->loc, env->cal, bdir, env->district);
  be.now = fake_clock;
  be.search_behind = 1; /* no catch-up yet */
  clock_now += 60;
  report_in(&be, OP, "06050", olat, olon, "路灯不亮", lamp);
  assert_int_equal(db_query_int(b, &n, -1, &e,
                                "SELECT count(*) FROM cases WHERE no = ? AND"
                                " rowid = (SELECT value FROM search.mark)",
                                "t", lamp),
                   CG_OK);
  assert_int_equal(n, 1); /* where the index says "暖气" is */
  search_in(&be, from, "暖气", got, sizeof got);
  assert_string_equal(got, ""); /* not believed */
  search_in(&be, from, "路灯不亮", got, sizeof got);
  assert_non_null(strstr(got, lamp));
  search_in(&be, from, "井盖", got, sizeof got);
  assert_string_equal(got, want);

  /* the next catch-up starts it again, from the backup's own cases */
  assert_int_equal(db_open(&bs, path, DB_SEARCH, &e), CG_OK);
  assert_int_equal(case_search_catch_up(bs, 0, &added, &e), CG_OK);
  assert_int_equal(db_query_int(b, &n, -1, &e, "SELECT count(*) FROM cases",
                                ""),
                   CG_OK);
  assert_int_equal(added, n);
  assert_int_equal(indexed(b, "暖气"), 0);
  assert_int_equal(db_query_int(b, &n, -1, &e,
                                "SELECT count(*) FROM cases"
                                " WHERE description LIKE '%灯不%'",
                                ""),
                   CG_OK);
  assert_true(n >= 2); /* the backup's own, and the one before */
  assert_int_equal(indexed(b, "灯不"), n);
  search_in(&be, from, "路灯不亮", got, sizeof got);
  assert_non_null(strstr(got, lamp));
  search_in(&be, from, "井盖", got, sizeof got);
  assert_string_equal(got, want);
  db_close(bs);
  case_env_release(&be);
  db_close(b);

  /* damaged: made anew, empty, and the searches as before */
  snprintf(path, sizeof path, "%s/citygrid-search.db", bdir);
  tu_write(path, "not a database, but long enough to be read as a header "
                 "of one: it is not one at all.");
  snprintf(path, sizeof path, "%s/citygrid.db", bdir);
  if (db_open(&b, path, 0, &e) != CG_OK) fail_msg("%s", e.msg);
  assert_int_equal(indexed(b, "灯不"), 0);
  case_env_init(&be, b, env->loc, env->cal, bdir, env->district);
  search_in(&be, from, "路灯不亮", got, sizeof got);
  assert_non_null(strstr(got, lamp));
  case_env_release(&be);
  db_close(b);
  tu_rmrf(bdir);
  free(bdir);
}

/* `citygrid calendar`: the year's named days as loaded; as CSV, the very
** file that was imported. */
static void
test_calendar_command(void **state)
{
  char *out = NULL, *err = NULL,
       *file = tu_slurp(tu_data("calendar/cn-2026.csv"));

  assert_non_null(file);
  assert_int_equal(tu_run(&out, NULL, "--data '%s' calendar 2026", dir), 0);
  assert_non_null(strstr(out, "2026: working hours 08:30-12:00,14:30-18:00;"
                              " files: cn-2026.csv\n"));
  assert_non_null(strstr(out, "\n2026-10-01 holiday "));
  assert_non_null(strstr(out, "\n2026-01-04 workday "));
  free(out);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' calendar 2026 --format csv", dir), 0);
  assert_string_equal(out, file);
  free(out);
  assert_int_equal(tu_run(&out, NULL, "--data '%s' calendar 2027", dir), 0);
  assert_non_null(strstr(out, "no holidays"));
  free(out);
  assert_int_not_equal(tu_run(NULL, &err, "--data '%s' calendar 20x", dir), 0);
  assert_non_null(strstr(err, "not '20x'"));
  free(err);
  assert_int_not_equal(
      tu_run(NULL, &err, "--data '%s' calendar --format xml", dir), 0);
  assert_non_null(strstr(err, "unknown format 'xml'"));
  free(err);
  free(file);
}

static void
test_routing_most_specific_wins(void **state)
{
  static const struct {
    const char *code, *area_class;
    int away; /* in another street */
    const char *want;
  } r[] = {
      {"06010", "B", 0, "ylc"}, /* prefix 0601 in street 001 */
      {"06010", "A", 0, "gs"},  /* ... and area class A */
      {"06010", "B", 1, "szc"}, /* prefix 0601 elsewhere */
      {"06042", "B", 0, "hwc"}, /* prefix 06 */
      {"07001", "B", 0, "cgj"}, /* the scheme's catch-all */
  };
  struct cg_err e = {0};
  char path[4400];
  int n;

  snprintf(path, sizeof path, "%s/routing.csv", dir);
  tu_write(path, "scheme,kind,code_prefix,street,area_class,dept\n"
                 "gb47678,matter,,,,cgj\n"
                 "gb47678,matter,06,,,hwc\n"
                 "gb47678,matter,0601,,,szc\n"
                 "gb47678,matter,0601,410104001,,ylc\n"
                 "gb47678,matter,0601,410104001,A,gs\n");
  assert_int_equal(case_import_routing(db, path, &n, &e), CG_OK);
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
    struct case_report x;
    char no[32];
    clock_now += 100 * 3600; /* past the duplicate window */
    memset(&x, 0, sizeof x);
    x.scheme = "gb47678";
    x.kind = "matter";
    x.code = r[i].code;
    x.area_class = r[i].area_class;
    x.lat = r[i].away ? olat : plat;
    x.lon = r[i].away ? olon : plon;
    if (case_report(env, &users[OP], &x, no, &e) != CG_OK)
      fail_msg("report: %s", e.msg);
    assert_field(no, "dept_code", r[i].want);
  }
  /* batches keep what they looked up from one to the next, until the
  ** configuration changes — here by another process */
  for (int round = 0; round < 2; round++) {
    struct case_report x;
    char no[32];
    clock_now += 100 * 3600;
    memset(&x, 0, sizeof x);
    x.scheme = "gb47678";
    x.kind = "matter";
    x.code = "06042";
    x.lat = plat;
    x.lon = plon;
    assert_int_equal(case_begin(env, &e), CG_OK);
    if (case_report(env, &users[OP], &x, no, &e) != CG_OK)
      fail_msg("report: %s", e.msg);
    assert_int_equal(case_commit(env, &e), CG_OK);
    assert_field(no, "dept_code", round ? "sthj" : "hwc");
    if (round) break;
    tu_write(path, "scheme,kind,code_prefix,street,area_class,dept\n"
                   "gb47678,matter,,,,cgj\n"
                   "gb47678,matter,06,,,sthj\n");
    assert_int_equal(
        tu_run(NULL, NULL, "--data '%s' import routing '%s'", dir, path), 0);
  }
  /* the shipped routing back, for the tests after this one */
  assert_int_equal(
      case_import_routing(db, tu_data("config/routing.csv"), &n, &e), CG_OK);
}

static void
test_privacy_and_visibility(void **state)
{
  struct cg_err e = {0};
  char no[32];
  json_t *j;

  clock_now += 86400;
  report_as(PU, "06017", plat, plon, no);
  /* the reporter sees their contact details; staff who take reports in
  ** too; the other public user, a department or a leader do not */
  j = case_get_json(env, &users[PU], no, 1, &e);
  assert_non_null(json_object_get(j, "reporter"));
  json_decref(j);
  j = case_get_json(env, &users[OP], no, 1, &e);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "reporter"), "phone")),
                      "13800000000");
  json_decref(j);
  j = case_get_json(env, &users[PU2], no, 1, &e);
  assert_non_null(j);
  assert_null(json_object_get(j, "reporter"));
  {
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, "13800000000"));
    free(text);
  }
  assert_null(json_object_get(json_array_get(json_object_get(j, "history"), 0),
                              "actor"));
  json_decref(j);
  j = case_get_json(env, &users[LE], no, 1, &e);
  assert_null(json_object_get(j, "reporter"));
  json_decref(j);
  assert_null(case_get_json(env, &users[GW2], no, 0, &e)); /* other street */
  assert_int_equal(e.code, CG_EPERM);
  /* lists: the public lists its own only */
  {
    struct case_filter f;
    memset(&f, 0, sizeof f);
    f.limit = 1000;
    j = case_list_json(env, &users[PU2], &f, &e);
    assert_non_null(j);
    for (size_t i = 0; i < json_array_size(json_object_get(j, "cases")); i++)
      assert_string_not_equal(
          json_string_value(json_object_get(
              json_array_get(json_object_get(j, "cases"), i), "no")),
          no);
    json_decref(j);
    f.state = "reported";
    f.area = "410104001";
    j = case_list_json(env, &users[GW], &f, &e);
    assert_true(json_integer_value(json_object_get(j, "total")) > 0);
    json_decref(j);
    j = case_list_json(env, &users[GW2], &f, &e);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
  }
}

static void
test_bad_reports_refused(void **state)
{
  struct case_report r;
  struct cg_err e = {0};
  char no[32];
  int64_t before, after;

  assert_int_equal(db_query_int(db, &before, 0, &e,
                                "SELECT count(*) FROM"
                                " event",
                                ""),
                   CG_OK);
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = "99999";
  r.lat = plat;
  r.lon = plon;
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "unknown category gb47678 matter '99999'"));
  r.code = "06010";
  r.lat = 31.23; /* Shanghai */
  r.lon = 121.47;
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "outside the district"));
  r.lat = 91;
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
  r.lat = plat;
  r.lon = plon;
  r.urgency = 7;
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
  r.urgency = 0;
  r.source = "rumour";
  assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
  r.source = NULL;
  assert_int_equal(case_report(env, &users[DI], &r, no, &e), CG_EPERM);
  /* a photo that was never uploaded */
  {
    struct case_attach ghost = {.stage = "before"};
    memset(ghost.sha256, '0', 64);
    r.att = &ghost;
    r.natt = 1;
    assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_EINVAL);
    assert_non_null(strstr(e.msg, "is not stored"));
    r.att = NULL;
    r.natt = 0;
  }
  assert_int_equal(db_query_int(db, &after, 0, &e,
                                "SELECT count(*) FROM"
                                " event",
                                ""),
                   CG_OK);
  assert_int_equal(before, after);
  /* GCJ-02 input lands in the same grid */
  {
    double glon, glat;
    geo_gcj02_from_wgs84(plon, plat, &glon, &glat);
    r.lat = glat;
    r.lon = glon;
    r.crs = GEO_GCJ02;
    r.code = "06044";
    assert_int_equal(case_report(env, &users[OP], &r, no, &e), CG_OK);
    assert_field(no, "grid_code", pgrid);
  }
}

static void
test_configuration_refused_whole(void **state)
{
  static const struct {
    const char *kind, *text, *want;
  } bad[] = {
      {"routing",
       "scheme,kind,code_prefix,street,area_class,dept\n"
       "gb47678,matter,06,,,hwc\ngb47678,matter,07,,,nobody\n",
       "bad.csv:3: unknown department 'nobody'"},
      {"routing",
       "scheme,kind,code_prefix,street,area_class,dept\n"
       "gb47678,thing,06,,,hwc\n",
       "bad.csv:2: need a scheme and a kind"},
      {"routing", "scheme,kind,code_prefix\ngb47678,matter,06\n",
       "bad.csv:1: no column 'street' in the header"},
      {"limits",
       "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
       "disposal,,,,,3,days\nlunch,,,,,1,hours\n",
       "bad.csv:3: unknown step 'lunch'"},
      {"limits",
       "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
       "disposal,,,,,-3,days\n",
       "bad.csv:2: a limit is a positive amount"},
      {"limits",
       "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
       "disposal,,,D,,3,days\n",
       "bad.csv:2: area class 'D' is not A, B or C"},
      {"limits",
       "step,scheme,code_prefix,area_class,urgency,amount,unit\n"
       "disposal,,,,,3\n",
       "bad.csv:2: 6 fields, expected 7"},
      {"departments", "code,name\nnew,新部门\nx,\n",
       "bad.csv:3: a department needs a code"},
      {"calendar", "date,kind,name\n2027-02-30,holiday,x\n",
       "bad.csv:2: bad date '2027-02-30'"},
  };
  struct cg_err e = {0};
  int64_t rules, limits, depts;

  assert_int_equal(db_query_int(db, &rules, 0, &e,
                                "SELECT count(*) FROM"
                                " routing",
                                ""),
                   CG_OK);
  assert_int_equal(db_query_int(db, &limits, 0, &e,
                                "SELECT count(*) FROM"
                                " time_limit",
                                ""),
                   CG_OK);
  assert_int_equal(db_query_int(db, &depts, 0, &e,
                                "SELECT count(*) FROM"
                                " department",
                                ""),
                   CG_OK);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[4400], *err = NULL;
    int64_t n;
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    tu_write(path, bad[i].text);
    assert_int_equal(tu_run(NULL, &err, "--data '%s' import %s '%s'", dir,
                            bad[i].kind, path),
                     1);
    if (!strstr(err, bad[i].want))
      fail_msg("%s: got '%s', want '%s'", bad[i].kind, err, bad[i].want);
    free(err);
    assert_int_equal(db_query_int(db, &n, 0, &e,
                                  "SELECT count(*) FROM"
                                  " routing",
                                  ""),
                     CG_OK);
    assert_int_equal(n, rules); /* the old rules are all still there */
    assert_int_equal(db_query_int(db, &n, 0, &e,
                                  "SELECT count(*) FROM"
                                  " time_limit",
                                  ""),
                     CG_OK);
    assert_int_equal(n, limits);
    assert_int_equal(db_query_int(db, &n, 0, &e,
                                  "SELECT count(*) FROM"
                                  " department",
                                  ""),
                     CG_OK);
    assert_int_equal(n, depts);
  }
}

/* verify's findings, collected. */
struct found {
  int n;
  char text[2048];
};
static void
collect(const char *no, const char *problem, void *arg)
{
  struct found *f = arg;
  size_t len = strlen(f->text);
  f->n++;
  snprintf(f->text + len, sizeof f->text - len, "%s: %s\n", no, problem);
}

static int
run_verify(struct found *f)
{
  int64_t events, cases, want;
  char head[65];
  struct cg_err e = {0};
  memset(f, 0, sizeof *f);
  assert_int_equal(case_verify(db, collect, f, &events, &cases, head, &e),
                   CG_OK);
  assert_true(events > 0);
  assert_int_equal(
      db_query_int(db, &want, -1, &e, "SELECT count(*) FROM cases", ""), CG_OK);
  assert_int_equal(cases, want);
  return f->n;
}

static void
test_verify_finds_tampering(void **state)
{
  struct found f;
  struct cg_err e = {0};
  char a[32], b[32], c[32], sql[300];

  assert_int_equal(run_verify(&f), 0);
  reach("closed", a);
  reach("closed", b);
  reach("closed", c);
  assert_int_equal(run_verify(&f), 0);
  assert_int_equal(db_exec(db, "SAVEPOINT t", &e), CG_OK);
  /* an edited note */
  snprintf(sql, sizeof sql,
           "UPDATE event SET note = '已按时处置' WHERE"
           " case_no = '%s' AND seq = 5",
           a);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  assert_true(run_verify(&f) >= 1);
  assert_non_null(strstr(f.text, a));
  assert_non_null(strstr(f.text, "event 5 was altered"));
  assert_int_equal(db_exec(db, "ROLLBACK TO t", &e), CG_OK);
  /* a deleted event in the middle */
  snprintf(sql, sizeof sql,
           "DELETE FROM event WHERE case_no = '%s' AND"
           " seq = 3",
           b);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  assert_true(run_verify(&f) >= 1);
  assert_non_null(strstr(f.text, b));
  assert_int_equal(db_exec(db, "ROLLBACK TO t", &e), CG_OK);
  /* the last event deleted */
  snprintf(sql, sizeof sql,
           "DELETE FROM event WHERE case_no = '%s' AND"
           " seq = (SELECT max(seq) FROM event WHERE case_no = '%s')",
           b, b);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  assert_true(run_verify(&f) >= 1);
  assert_non_null(strstr(f.text, b));
  assert_int_equal(db_exec(db, "ROLLBACK TO t", &e), CG_OK);
  /* two events swapped */
  snprintf(sql, sizeof sql,
           "UPDATE event SET seq = -seq WHERE case_no = '%s'"
           " AND seq IN (2, 3); UPDATE event SET seq = 5 + seq WHERE case_no ="
           " '%s' AND seq = -2; UPDATE event SET seq = 2 WHERE case_no = '%s'"
           " AND seq = -3",
           c, c, c);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  assert_true(run_verify(&f) >= 1);
  assert_non_null(strstr(f.text, c));
  assert_int_equal(db_exec(db, "ROLLBACK TO t", &e), CG_OK);
  assert_int_equal(db_exec(db, "RELEASE t", &e), CG_OK);
  assert_int_equal(run_verify(&f), 0);
  assert_int_equal(db_open_statements(db), 0);
}

/* Report 06036 at (lat, lon) as the operator, with a description. */
static void
report_text(double lat, double lon, const char *text, char *no,
            struct cg_err *e, int want)
{
  struct case_report r;
  memset(&r, 0, sizeof r);
  r.scheme = "gb47678";
  r.kind = "matter";
  r.code = "06036";
  r.lat = lat;
  r.lon = lon;
  r.description = text;
  assert_int_equal(case_report(env, &users[OP], &r, no, e), want);
}

/* Bulk loads write each case's rows on a second thread (behind.c): what
** such a batch stores must be what one written in turn stores, a failed
** write must take its whole batch with it, and the env must go on. */
static void
test_write_behind_batches(void **state)
{
  struct cg_err e = {0};
  struct db_stmt *st;
  char no[40][32], dup[32], x[32], found[4096];
  double lat[40], lon[40];
  int64_t events0, cases0, n;
  struct found f;
  int k = 0;

  /* forty places 100 m and more apart: centres of whole grids */
  assert_int_equal(db_prepare(db, &st,
                              "SELECT (min_lat + max_lat) / 2,"
                              " (min_lon + max_lon) / 2 FROM area WHERE"
                              " level = 'grid' AND code LIKE '410104002%'"
                              " AND area_m2 > 9900 ORDER BY code LIMIT 40",
                              &e),
                   CG_OK);
  while (k < 40 && db_step(st, &e) == DB_ROW) {
    lat[k] = db_col_double(st, 0);
    lon[k++] = db_col_double(st, 1);
  }
  db_finalize(st);
  assert_int_equal(k, 40);
  db_query_int(db, &events0, 0, &e, "SELECT count(*) FROM event", "");
  db_query_int(db, &cases0, 0, &e, "SELECT count(*) FROM cases", "");

  clock_now = local(2026, 6, 1, 9, 0);
  env->write_behind = 1;
  assert_int_equal(case_begin(env, &e), CG_OK);
  for (int i = 0; i < 40; i++) {
    clock_now += 60;
    report_text(lat[i], lon[i], "树木倒伏挡路", no[i], &e, CG_OK);
    act(OP, no[i], "register");
    act(SL, no[i], "file");
    act(DI, no[i], "dispatch");
  }
  /* the first one again, 10 m off, in the same batch: linked to it */
  report_text(lat[0] + 10 / 111195.0, lon[0], "树木倒伏", dup, &e, CG_OK);
  assert_int_equal(case_commit(env, &e), CG_OK);
  env->write_behind = 0;
  for (int i = 0; i < 40; i++) {
    assert_state(no[i], "dispatched");
    assert_int_equal(ifield(no[i], "last_seq"), 4);
    assert_field(no[i], "dept_code", "hwc");
  }
  assert_state(dup, "duplicate");
  assert_field(dup, "duplicate_of", no[0]);
  db_query_int(db, &n, 0, &e, "SELECT count(*) FROM event", "");
  assert_int_equal(n, events0 + 40 * 4 + 1);
  db_query_int(db, &n, 0, &e,
               "SELECT count(*) FROM task WHERE case_no IN"
               " (SELECT no FROM cases WHERE description = '树木倒伏挡路')",
               "");
  assert_int_equal(n, 40);
  assert_int_equal(
      search(LE, clock_now - 86400, "倒伏挡路", found, sizeof found), CG_OK);
  assert_non_null(strstr(found, no[0]));
  assert_non_null(strstr(found, no[39]));
  assert_int_equal(run_verify(&f), 0);

  /* a write the store refuses (a trigger of the test's own) fails its
  ** batch, reported by the commit: nothing of it is kept */
  assert_int_equal(db_exec(db,
                           "CREATE TEMP TRIGGER refuse BEFORE INSERT ON"
                           " event WHEN NEW.note = '拒绝' BEGIN"
                           " SELECT RAISE(ABORT, 'refused by the test'); END",
                           &e),
                   CG_OK);
  db_query_int(db, &events0, 0, &e, "SELECT count(*) FROM event", "");
  db_query_int(db, &cases0, 0, &e, "SELECT count(*) FROM cases", "");
  env->write_behind = 1;
  assert_int_equal(case_begin(env, &e), CG_OK);
  clock_now += 3600;
  report_text(lat[1], lon[1], "井盖破损", x, &e, CG_OK);
  report_text(lat[2], lon[2], "拒绝", x, &e, CG_OK);
  for (int i = 3; i < 8; i++) { /* the rest waits, or is dropped */
    struct cg_err e2 = {0};
    struct case_report r;
    memset(&r, 0, sizeof r);
    r.scheme = "gb47678";
    r.kind = "matter";
    r.code = "06036";
    r.lat = lat[i];
    r.lon = lon[i];
    r.description = "井盖破损";
    if (case_report(env, &users[OP], &r, x, &e2) != CG_OK) {
      assert_non_null(strstr(e2.msg, "refused by the test"));
      break;
    }
  }
  assert_int_not_equal(case_commit(env, &e), CG_OK);
  assert_non_null(strstr(e.msg, "refused by the test"));
  db_query_int(db, &n, 0, &e, "SELECT count(*) FROM event", "");
  assert_int_equal(n, events0);
  db_query_int(db, &n, 0, &e, "SELECT count(*) FROM cases", "");
  assert_int_equal(n, cases0);
  assert_int_equal(db_exec(db, "DROP TRIGGER refuse", &e), CG_OK);
  /* and the next batch is written whole, its duplicate search none the
  ** worse: the place of the fourth case of the first batch */
  assert_int_equal(case_begin(env, &e), CG_OK);
  report_text(lat[3], lon[3], "井盖破损", x, &e, CG_OK);
  assert_int_equal(case_commit(env, &e), CG_OK);
  env->write_behind = 0;
  assert_field(x, "duplicate_of", no[3]);
  assert_int_equal(run_verify(&f), 0);
  assert_int_equal(db_open_statements(db), 0);
}

/* On the real texts of a store: for the first pair of letters or digits
** of each of 80 descriptions, the pair index finds exactly the cases LIKE
** finds. */
static void
assert_pairs_agree_with_like(struct db *d)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  int checked = 0;

  assert_int_equal(db_prepare(d, &st,
                              "SELECT description FROM cases ORDER BY rowid"
                              " LIMIT 80",
                              &e),
                   CG_OK);
  while (db_step(st, &e) == DB_ROW) {
    const char *t = db_col_text(st, 0);
    char w[3] = {0};
    int64_t a = -1, b = -2;
    for (size_t i = 0; t && t[i] && t[i + 1]; i++)
      if (isalnum((unsigned char)t[i]) && isalnum((unsigned char)t[i + 1])) {
        w[0] = t[i];
        w[1] = t[i + 1];
        break;
      }
    if (!w[0]) continue;
    a = indexed(d, w);
    assert_int_equal(db_query_int(d, &b, -1, &e,
                                  "SELECT count(*) FROM cases WHERE"
                                  " description LIKE '%' || ?1 || '%'"
                                  " OR address LIKE '%' || ?1 || '%'",
                                  "t", w),
                     CG_OK);
    if (a != b)
      fail_msg("'%s': %lld by the pairs, %lld by LIKE", w, (long long)a,
               (long long)b);
    assert_true(a > 0);
    checked++;
  }
  db_finalize(st);
  assert_true(checked >= 40);
}

/* Every event lies within the gseq span of its hour (migration 0015), so
** a query by time that reads only its hours' spans misses none. */
static void
assert_hours_hold_every_event(struct db *d)
{
  struct cg_err e = {0};
  int64_t n = -1, hours = 0;
  assert_int_equal(
      db_query_int(d, &n, -1, &e,
                   "SELECT count(*) FROM event v WHERE NOT EXISTS"
                   " (SELECT 1 FROM event_hour h WHERE h.hour = v.at / 3600"
                   " AND v.gseq BETWEEN h.lo AND h.hi)",
                   ""),
      CG_OK);
  assert_int_equal(n, 0);
  assert_int_equal(
      db_query_int(d, &hours, 0, &e, "SELECT count(*) FROM event_hour", ""),
      CG_OK);
  assert_true(hours > 0);
}

static void
test_cli_drives_the_loop(void **state)
{
  char *out = NULL, *err = NULL, no[32], path[4400];

  assert_int_equal(tu_run(&out, &err,
                          "--data '%s' case report --as op "
                          "--category gb47678:matter:06010 --lat %.7f --lon "
                          "%.7f --description 垃圾 --reporter-phone 139",
                          dir, plat, plon),
                   0);
  snprintf(no, sizeof no, "%.19s", out);
  free(out);
  free(err);
  assert_int_equal(
      tu_run(NULL, NULL, "--data '%s' case register %s --as op", dir, no), 0);
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' case close %s --as sl", dir, no), 1);
  assert_non_null(strstr(err, "needs 'checked'"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "--data '%s' case file %s", dir, no), 1);
  assert_non_null(strstr(err, "--as USER"));
  free(err);
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' case fly %s --as sl", dir, no), 2);
  free(err);
  /* an attachment that is not an image is refused, nothing stored */
  snprintf(path, sizeof path, "%s/fake.jpg", dir);
  tu_write(path, "<html>not a photo</html>");
  assert_int_equal(tu_run(NULL, &err,
                          "--data '%s' case file %s --as sl "
                          "--photo '%s'",
                          dir, no, path),
                   1);
  assert_non_null(strstr(err, "not a JPEG, PNG, WebP or PDF"));
  free(err);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' case show %s --as sl", dir, no), 0);
  assert_non_null(strstr(out, "已登记"));
  assert_non_null(strstr(out, "you may   file, void"));
  free(out);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' case show %s --as op "
                          "--json",
                          dir, no),
                   0);
  assert_non_null(strstr(out, "\"phone\": \"139\""));
  free(out);
  /* dispatch with its own limit: 3 working hours for the task */
  assert_int_equal(
      tu_run(NULL, NULL, "--data '%s' case file %s --as sl", dir, no), 0);
  assert_int_equal(tu_run(NULL, &err,
                          "--data '%s' case dispatch %s --as di "
                          "--limit-hours 100000",
                          dir, no),
                   1);
  assert_non_null(strstr(err, "limit_hours must be more than 0"));
  free(err);
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' case dispatch %s --as di "
                          "--limit-hours 3",
                          dir, no),
                   0);
  {
    int64_t limit = 0;
    struct cg_err e = {0};
    assert_int_equal(db_query_int(db, &limit, 0, &e,
                                  "SELECT limit_s FROM task WHERE case_no = ?",
                                  "t", no),
                     CG_OK);
    assert_int_equal(limit, 3 * 3600);
  }
  /* a report of a component names it; its reports are listed by it */
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' case report --as op "
                          "--category gb47678:component:01002 --lat %.7f "
                          "--lon %.7f --component-id 41010401002000789 "
                          "--component-state missing",
                          dir, plat, plon),
                   0);
  snprintf(no, sizeof no, "%.19s", out);
  free(out);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' case show %s --as op", dir, no), 0);
  assert_non_null(strstr(out, "component 41010401002000789  丢失"));
  free(out);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' case list --as op --component-id "
                          "41010401002000789",
                          dir),
                   0);
  assert_non_null(strstr(out, no));
  assert_non_null(strstr(out, "1 cases"));
  free(out);
  assert_int_equal(tu_run(NULL, &err,
                          "--data '%s' case report --as op "
                          "--category gb47678:matter:06010 --lat %.7f "
                          "--lon %.7f --component-state missing",
                          dir, plat, plon),
                   1);
  assert_non_null(strstr(err, "only a report of a component"));
  free(err);
  /* a photo back out, byte for byte, for those who may see its case */
  {
    char photo[4400], got[4400], sha[65];
    const char *at;
    FILE *f;
    size_t n;
    unsigned char buf[4096];
    snprintf(photo, sizeof photo, "%s/before.png", dir);
    f = fopen(photo, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(tu_png, 1, tu_png_len, f), tu_png_len);
    fclose(f);
    assert_int_equal(tu_run(&out, NULL,
                            "--data '%s' case report --as op --category"
                            " gb47678:matter:06010 --lat %.7f --lon %.7f"
                            " --photo '%s'",
                            dir, plat, plon + 0.001, photo),
                     0);
    snprintf(no, sizeof no, "%.19s", out);
    free(out);
    assert_int_equal(
        tu_run(&out, NULL, "--data '%s' case show %s --as op --json", dir, no),
        0);
    at = strstr(out, "\"sha256\": \"");
    assert_non_null(at);
    snprintf(sha, sizeof sha, "%.64s", at + 11);
    free(out);
    snprintf(got, sizeof got, "%s/got.png", dir);
    assert_int_equal(tu_run(NULL, NULL,
                            "--data '%s' case attachment %s --as op"
                            " --output '%s'",
                            dir, sha, got),
                     0);
    f = fopen(got, "rb");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(n, tu_png_len);
    assert_memory_equal(buf, tu_png, tu_png_len);
    /* to standard output too */
    assert_int_equal(
        tu_run(&out, NULL, "--data '%s' case attachment %s --as sl", dir, sha),
        0);
    assert_memory_equal(out, "\x89PNG", 4);
    free(out);
    /* a grid worker of another street: as if there were none */
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' case attachment %s --as gw2", dir, sha),
        1);
    assert_non_null(strstr(err, "no attachment"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' case attachment %064d --as op", dir, 0),
        1);
    assert_non_null(strstr(err, "no attachment"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' case attachment --as op", dir), 2);
    free(err);
    /* nowhere to write it: refused, nothing left behind */
    assert_int_equal(tu_run(NULL, &err,
                            "--data '%s' case attachment %s --as op"
                            " --output '%s/none/x.png'",
                            dir, sha, dir),
                     1);
    assert_non_null(strstr(err, "cannot write"));
    free(err);
  }
  /* the changes to cases, for those who may see them, and followed live */
  {
    int64_t g0 = 0, n = 0;
    struct cg_err e = {0};
    char evs[4400], *p;
    assert_int_equal(
        db_query_int(db, &g0, 0, &e, "SELECT max(gseq) FROM event", ""), CG_OK);
    snprintf(evs, sizeof evs, "%s/events.jsonl", dir);
    /* a follower from g0 in the background; a report; its first event
    ** awaited for up to 10 s */
    assert_int_equal(
        tu_run(&out, NULL,
               "--data '%s' case events --as le --since %lld --follow > '%s' &"
               " f=$!; sleep 0.5; '%s' --data '%s' case report --as op"
               " --category gb47678:matter:06010 --lat %.7f --lon %.7f"
               " --description 积水 && '%s' --data '%s' case register $("
               "'%s' --data '%s' case list --as op --limit 1 --json |"
               " sed -n 's/.*\"no\": \"\\([0-9]*\\)\".*/\\1/p' | head -1)"
               " --as op > /dev/null; for i in $(seq 50); do"
               " grep -q '\"register\"' '%s' && break; sleep 0.2; done;"
               " kill $f",
               dir, (long long)g0, evs, getenv("CG_BIN"), dir, plat,
               plon + 0.002, getenv("CG_BIN"), dir, getenv("CG_BIN"), dir, evs),
        0);
    snprintf(no, sizeof no, "%.19s", out);
    free(out);
    out = tu_slurp(evs);
    assert_non_null(strstr(out, no));
    assert_non_null(strstr(out, "\"action\":\"report\""));
    assert_non_null(strstr(out, "\"action\":\"register\""));
    free(out);
    /* without --follow: every event after g0, one JSON object a line, in
    ** order, as many as the store holds */
    assert_int_equal(tu_run(&out, NULL,
                            "--data '%s' case events --as le --since %lld", dir,
                            (long long)g0),
                     0);
    for (p = out; *p; p = strchr(p, '\n') + 1) {
      json_t *j = json_loadb(p, strcspn(p, "\n"), 0, NULL);
      assert_non_null(j);
      assert_true(json_integer_value(json_object_get(j, "gseq")) > g0 + n);
      n = json_integer_value(json_object_get(j, "gseq")) - g0;
      json_decref(j);
    }
    assert_int_equal(db_query_int(db, &n, 0, &e,
                                  "SELECT count(*) FROM event WHERE gseq > ?",
                                  "i", g0),
                     CG_OK);
    {
      size_t lines = 0;
      for (p = out; (p = strchr(p, '\n')); p++)
        lines++;
      assert_int_equal(lines, n);
    }
    free(out);
    /* a grid worker of another street sees none of them */
    assert_int_equal(tu_run(&out, NULL,
                            "--data '%s' case events --as gw2 --since %lld",
                            dir, (long long)g0),
                     0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' case events --as le --since x", dir),
        1);
    assert_non_null(strstr(err, "not a number"));
    free(err);
  }
  assert_int_equal(tu_run(&out, NULL, "--data '%s' verify", dir), 0);
  assert_non_null(strstr(out, "ok: "));
  free(out);
  /* every event of this suite so far, by every path, within its hour */
  assert_hours_hold_every_event(db);
}

/* `citygrid case CMD --as USER --json ARGS` on store d, parsed (caller
** decrefs). */
static json_t *
case_json(const char *d, const char *cmd, const char *as, const char *args)
{
  char *out = NULL;
  json_t *j;
  assert_int_equal(tu_run(&out, NULL, "--data '%s' case %s --as %s --json %s",
                          d, cmd, as, args),
                   0);
  j = json_loads(out, 0, NULL);
  free(out);
  assert_non_null(j);
  return j;
}

static json_t *
boss_list(const char *d, const char *args)
{
  return case_json(d, "list", "boss", args);
}

/* A list counts its total up to CASE_COUNT_MAX and says when it stopped
** there; a page past the cap is still served. On the replayed store: more
** cases than the cap in all, fewer in one state. */
static void
assert_totals_stop_at_the_cap(const char *d, struct db *store)
{
  struct cg_err e = {0};
  int64_t all, closed;
  char *out = NULL, args[64];
  json_t *j;

  assert_int_equal(tu_user(d, "boss", "leader", NULL), 0);
  assert_int_equal(
      db_query_int(store, &all, 0, &e, "SELECT count(*) FROM cases", ""),
      CG_OK);
  assert_int_equal(db_query_int(store, &closed, 0, &e,
                                "SELECT count(*) FROM cases WHERE state = ?",
                                "t", "closed"),
                   CG_OK);
  assert_true(all > CASE_COUNT_MAX && closed > 0 && closed <= CASE_COUNT_MAX);
  j = boss_list(d, "--limit 2");
  assert_int_equal(json_integer_value(json_object_get(j, "total")),
                   CASE_COUNT_MAX);
  assert_true(json_is_false(json_object_get(j, "total_exact")));
  assert_int_equal(json_array_size(json_object_get(j, "cases")), 2);
  json_decref(j);
  /* the last page, past the cap */
  snprintf(args, sizeof args, "--limit 10 --offset %lld", (long long)all - 3);
  j = boss_list(d, args);
  assert_int_equal(json_array_size(json_object_get(j, "cases")), 3);
  json_decref(j);
  j = boss_list(d, "--limit 1 --state closed");
  assert_int_equal(json_integer_value(json_object_get(j, "total")), closed);
  assert_true(json_is_true(json_object_get(j, "total_exact")));
  json_decref(j);
  /* the plain listing says "1000+" */
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' case list --as boss --limit 1", d), 0);
  assert_non_null(strstr(out, "1000+ cases"));
  free(out);
}

/* One grouping of the statistics against the store's own GROUP BY: the
** same keys with the same counts, largest first. sql selects key and
** count (and, for the on-time groupings, the on-time count) over the
** cases the user sees; `field` is "count" or "closed". */
static void
assert_grouping(struct db *store, json_t *list, const char *what,
                const char *field, const char *sql)
{
  struct db_stmt *st;
  struct cg_err e = {0};
  size_t n = 0;
  int64_t last = INT64_MAX;

  assert_int_equal(db_prepare(store, &st, sql, &e), CG_OK);
  while (db_step(st, &e) == DB_ROW) {
    const char *key = db_col_text(st, 0) ? db_col_text(st, 0) : "";
    size_t i;
    json_t *g, *found = NULL;
    json_array_foreach(
        list, i, g) if (!strcmp(json_string_value(json_object_get(g, "key")),
                                key)) found = g;
    if (!found) fail_msg("%s: no '%s' in the statistics", what, key);
    if (json_integer_value(json_object_get(found, field)) != db_col_int(st, 1))
      fail_msg("%s '%s': %lld, the store counts %lld", what, key,
               (long long)json_integer_value(json_object_get(found, field)),
               (long long)db_col_int(st, 1));
    if (db_col_int(st, 2) >= 0)
      assert_int_equal(json_integer_value(json_object_get(found, "on_time")),
                       db_col_int(st, 2));
    n++;
  }
  db_finalize(st);
  assert_int_equal(json_array_size(list), n);
  for (size_t i = 0; i < n; i++) { /* largest first */
    int64_t v =
        json_integer_value(json_object_get(json_array_get(list, i), field));
    assert_true(v <= last);
    last = v;
  }
}

/* The statistics of the replayed real cases, by the command line, against
** the store counted by plain SQL: as a leader (every case) and as a
** department (the cases it had a task of), over the replay's days. */
static void
assert_stats_count_every_case(const char *d, struct db *store)
{
  static const char *const who[][2] = {
      {"boss", "state <> 'draft'"},
      {"dh", "no IN (SELECT case_no FROM task WHERE dept_code = 'hwc')"}};
  struct cg_err e = {0};
  int64_t lo, hi, n;
  char args[128], sql[700], from[16], to[16];
  time_t t;

  assert_int_equal(tu_user(d, "dh", "department", " --dept hwc"), 0);
  assert_int_equal(
      db_query_int(store, &lo, 0, &e, "SELECT min(created_at) FROM cases", ""),
      CG_OK);
  assert_int_equal(
      db_query_int(store, &hi, 0, &e, "SELECT max(created_at) FROM cases", ""),
      CG_OK);
  /* the replay's days in the district's time (UTC+8), to the day after */
  t = (time_t)(lo + 8 * 3600);
  strftime(from, sizeof from, "%Y-%m-%d", gmtime(&t));
  t = (time_t)(hi + 8 * 3600 + 86400);
  strftime(to, sizeof to, "%Y-%m-%d", gmtime(&t));
  snprintf(args, sizeof args, "--from %s --to %s", from, to);
  for (size_t u = 0; u < 2; u++) {
    const char *sees = who[u][1];
    json_t *s = case_json(d, "stats", who[u][0], args),
           *days = json_object_get(s, "daily");
    static const char *const plain[][3] = {
        {"by_state", "state", "by state"},
        {"by_street", "street_code", "by street"},
        {"by_source", "source", "by source"},
        {"by_dept", "dept_code", "by department"},
        {"by_category", "scheme || ':' || substr(category_code, 1, 2)",
         "by category"}};
    int64_t intake = 0, closed = 0;
    size_t i;
    json_t *day;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE %s", sees);
    assert_int_equal(db_query_int(store, &n, 0, &e, sql, ""), CG_OK);
    assert_true(n > (u == 0 ? CASE_COUNT_MAX : 10));
    assert_int_equal(json_integer_value(json_object_get(s, "total")), n);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cases WHERE %s AND state = 'closed'", sees);
    assert_int_equal(db_query_int(store, &n, 0, &e, sql, ""), CG_OK);
    assert_true(n > 0);
    assert_int_equal(json_integer_value(json_object_get(s, "closed")), n);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cases WHERE %s AND state NOT IN"
             " ('closed', 'void', 'rejected', 'duplicate', 'draft')",
             sees);
    assert_int_equal(db_query_int(store, &n, 0, &e, sql, ""), CG_OK);
    assert_int_equal(json_integer_value(json_object_get(s, "open")), n);
    for (size_t g = 0; g < 5; g++) {
      snprintf(sql, sizeof sql,
               "SELECT %s, count(*), -1 FROM cases WHERE %s GROUP BY 1",
               plain[g][1], sees);
      assert_grouping(store, json_object_get(s, plain[g][0]), plain[g][2],
                      "count", sql);
    }
    for (size_t g = 0; g < 2; g++) {
      snprintf(sql, sizeof sql,
               "SELECT %s, count(*), sum(on_time) FROM cases WHERE %s AND"
               " state = 'closed' AND on_time IS NOT NULL GROUP BY 1",
               g ? "street_code" : "dept_code", sees);
      assert_grouping(
          store,
          json_object_get(s, g ? "on_time_by_street" : "on_time_by_dept"),
          "on time", "closed", sql);
    }
    /* each day's reports and closures, in the district's days */
    json_array_foreach(days, i, day)
    {
      const char *date = json_string_value(json_object_get(day, "day"));
      for (int w = 0; w < 2; w++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM cases WHERE %s AND"
                 " date(%s + 8 * 3600, 'unixepoch') = ?",
                 sees, w ? "closed_at" : "created_at");
        assert_int_equal(db_query_int(store, &n, 0, &e, sql, "t", date), CG_OK);
        assert_int_equal(
            json_integer_value(json_object_get(day, w ? "closed" : "intake")),
            n);
      }
      intake += json_integer_value(json_object_get(day, "intake"));
      closed += json_integer_value(json_object_get(day, "closed"));
    }
    assert_int_equal(intake, json_integer_value(json_object_get(s, "total")));
    assert_true(closed > 0);
    json_decref(s);
  }
  /* the map's points of the closed cases: one each */
  {
    char *out = NULL;
    json_t *p;
    assert_int_equal(tu_run(&out, NULL,
                            "--data '%s' case points --as boss --state closed",
                            d),
                     0);
    p = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(db_query_int(store, &n, 0, &e,
                                  "SELECT count(*) FROM cases WHERE"
                                  " state = 'closed'",
                                  ""),
                     CG_OK);
    assert_int_equal(json_integer_value(json_object_get(p, "count")), n);
    assert_int_equal(json_array_size(json_object_get(p, "points")), n);
    json_decref(p);
  }
  /* for people: the figures as lines; refusals with a reason */
  {
    static const struct {
      const char *args, *says;
      int rc;
    } bad[] = {{"stats --as boss --state bogus", "unknown state 'bogus'", 1},
               {"stats --as boss --limit 5", "for 'case list'", 1},
               {"stats 123 --as boss", "only options", 2},
               {"points --as boss --area 999", "not an area code", 1}};
    char *out = NULL, *err = NULL, want[64];
    assert_int_equal(tu_run(&out, NULL, "--data '%s' case stats --as boss", d),
                     0);
    assert_int_equal(
        db_query_int(store, &n, 0, &e,
                     "SELECT count(*) FROM cases WHERE state <> 'draft'", ""),
        CG_OK);
    snprintf(want, sizeof want, "total %lld ", (long long)n);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "closed on time, by department:"));
    free(out);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      assert_int_equal(
          tu_run(NULL, &err, "--data '%s' case %s", d, bad[i].args), bad[i].rc);
      if (!strstr(err, bad[i].says))
        fail_msg("case %s: '%s'", bad[i].args, err);
      free(err);
    }
  }
}

/* s without its carriage returns, in place (the shipped CSV files end
** their lines with CRLF, the exports with LF). */
static char *
no_cr(char *s)
{
  char *w = s;
  for (char *r = s; *r; r++)
    if (*r != '\r') *w++ = *r;
  *w = 0;
  return s;
}

/* The settings loaded from the shipped files read back: the category
** dictionary as the very CSV it was loaded from, the departments as a CSV
** that loads into another store and reads back the same, and both as the
** JSON the API lists. */
static void
assert_settings_read_back(const char *d)
{
  char *out = NULL, *err = NULL, *want, path[4400], *d3 = tu_tmpdir();
  json_t *j;

  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' export categories --scheme gb47678"
                          " --format csv",
                          d),
                   0);
  want = tu_slurp(tu_data("categories-gb47678.csv"));
  assert_string_equal(out, no_cr(want));
  free(want);
  free(out);
  /* departments: out to a file, into a new store, and back the same */
  snprintf(path, sizeof path, "%s/departments.csv", d3);
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' export departments --format csv"
                          " --output '%s'",
                          d, path),
                   0);
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' init && '%s' --data '%s' import"
                          " departments '%s'",
                          d3, getenv("CG_BIN"), d3, path),
                   0);
  want = tu_slurp(path);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' export departments --format csv", d3), 0);
  assert_string_equal(out, want);
  assert_non_null(strstr(out, "hwc,管城回族区环境卫生服务中心,"));
  free(want);
  free(out);
  /* JSON: every category of the scheme, each department */
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' export categories --scheme gb47678", d),
      0);
  j = json_loads(out, 0, NULL);
  free(out);
  assert_int_equal(json_array_size(j), 403); /* 153 components, 250 matters */
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(j, 0), "name_zh")),
      "供水井盖");
  json_decref(j);
  /* refused: a CSV of every scheme, an unknown scheme, an unknown format */
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' export categories --format csv", d), 1);
  assert_non_null(strstr(err, "give --scheme"));
  free(err);
  assert_int_equal(tu_run(NULL, &err,
                          "--data '%s' export categories --scheme x"
                          " --format csv --output '%s/x.csv'",
                          d, d3),
                   1);
  assert_non_null(strstr(err, "no categories of scheme 'x'"));
  free(err);
  snprintf(path, sizeof path, "%s/x.csv", d3);
  assert_null(fopen(path, "r")); /* nothing left behind */
  assert_int_equal(
      tu_run(NULL, &err, "--data '%s' export departments --format xml", d), 1);
  assert_non_null(strstr(err, "unknown format 'xml'"));
  free(err);
  tu_rmrf(d3);
  free(d3);
}

static void
test_replay_fills_every_state(void **state)
{
  char *out = NULL, *d2 = tu_tmpdir();
  struct db *db2;
  struct cg_err e = {0};
  char path[4300];
  int64_t n;
  static const char *const want[] = {
      "reported", "rejected",   "verifying", "registered", "filed",
      "void",     "dispatched", "suspended", "handled",    "checking",
      "checked",  "closed",     "deferred",  "duplicate"};

  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' init && '%s' --data '%s'"
                          " import divisions '%s'",
                          d2, getenv("CG_BIN"), d2,
                          tu_data("guancheng-divisions.csv")),
                   0);
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' import boundary '%s' "
                          "--code 410104",
                          d2, tu_data("zhengzhou-districts-wgs84.geojson")),
                   0);
  assert_int_equal(tu_run(NULL, NULL, "--data '%s' import categories '%s'", d2,
                          tu_data("categories-gb47678.csv")),
                   0);
  assert_int_equal(
      tu_run(NULL, NULL, "--data '%s' grid generate --cell 200", d2), 0);
  assert_int_equal(tu_run(NULL, NULL, "--data '%s' import departments '%s'", d2,
                          tu_data("config/departments.csv")),
                   0);
  assert_int_equal(tu_run(NULL, NULL, "--data '%s' import routing '%s'", d2,
                          tu_data("config/routing.csv")),
                   0);
  {
    char *err = NULL;
    /* as they are, New York lies outside the district: all skipped */
    assert_int_equal(tu_run(&out, &err,
                            "--data '%s' import cases '%s' --map"
                            " '%s'",
                            d2, tu_data("sample-cases.csv"),
                            tu_data("config/nyc311-categories.csv")),
                     0);
    assert_non_null(strstr(out, "replayed 0 of 2000"));
    assert_non_null(strstr(out, "1482 outside the district"));
    free(out);
    free(err);
    if (tu_run(&out, &err, "--data '%s' import cases '%s' --map '%s' --fit", d2,
               tu_data("sample-cases.csv"),
               tu_data("config/nyc311-categories.csv")) != 0)
      fail_msg("import cases: %s", err);
    free(err);
  }
  assert_non_null(strstr(out, "of 2000 cases"));
  free(out);
  snprintf(path, sizeof path, "%s/citygrid.db", d2);
  assert_int_equal(db_open(&db2, path, 0, &e), CG_OK);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    assert_int_equal(db_query_int(db2, &n, 0, &e,
                                  "SELECT count(*) FROM cases"
                                  " WHERE state = ?",
                                  "t", want[i]),
                     CG_OK);
    if (n == 0) fail_msg("no replayed case is '%s'", want[i]);
  }
  assert_int_equal(db_query_int(db2, &n, 0, &e,
                                "SELECT count(*) FROM cases"
                                " WHERE n_rework > 0",
                                ""),
                   CG_OK);
  assert_true(n > 0);
  assert_int_equal(db_query_int(db2, &n, 0, &e,
                                "SELECT count(*) FROM cases"
                                " WHERE escalation > 0",
                                ""),
                   CG_OK);
  assert_true(n > 0); /* some overdue */
  /* replayed in batches over hours of the past, more of them than one
  ** transaction notes before it writes them out */
  assert_int_equal(
      db_query_int(db2, &n, 0, &e, "SELECT count(*) FROM event_hour", ""),
      CG_OK);
  assert_true(n > 8);
  assert_hours_hold_every_event(db2);
  assert_pairs_agree_with_like(db2);
  assert_totals_stop_at_the_cap(d2, db2);
  assert_stats_count_every_case(d2, db2);
  assert_settings_read_back(d2);
  db_close(db2);
  assert_int_equal(tu_run(&out, NULL, "--data '%s' verify", d2), 0);
  free(out);
  tu_rmrf(d2);
  free(d2);
}

/* What SQLite plans to read for query q: the details of EXPLAIN QUERY
** PLAN, one a line, into buf. */
static void
plan_of(struct case_q *q, char *buf, size_t n)
{
  char sql[4200];
  struct cg_err e = {0};
  struct db_stmt *st;
  size_t len = 0;

  snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", q->sql);
  if (db_prepare(db, &st, sql, &e) != CG_OK) fail_msg("%s", e.msg);
  case_q_bind(q, st);
  buf[0] = 0;
  while (db_step(st, &e) == DB_ROW && len < n)
    len += snprintf(buf + len, n - len, "%s\n", db_col_text(st, 3));
  db_finalize(st);
}

/* The lists a district's leaders open most — its open cases, its overdue
** ones, a street's of either, for the leader, the operator and the
** street's staff — read the index of open cases (migration 0021), not
** every case ever reported, which on a store of a million cases of which
** a thousand are open took a second a page: SQLite's plan for the list's
** own SQL, its page and its total, says which index it reads. A grid
** worker's lists still go by their grids' cases, and a list of one state
** by that state's. */
static void
test_open_lists_read_open_cases_only(void **state)
{
  static const struct {
    int who;
    const char *state, *area;
    int overdue;
    const char *reads;
  } lists[] = {
      {LE, "open", NULL, 0, "cases_open"},
      {LE, NULL, NULL, 1, "cases_open"},
      {OP, NULL, "410104001", 1, "cases_open"},
      {OP, "open", "410104001", 0, "cases_open"},
      {ST, NULL, NULL, 1, "cases_open"},
      {ST, "open", NULL, 0, "cases_open"},
      {LE, "checking", NULL, 0, "cases_state"},
      {-1, NULL, NULL, 1, "case_bigram"}, /* a worker of one grid */
  };
  struct org_user gw = {.role = ROLE_GRID_WORKER};

  snprintf(gw.login, sizeof gw.login, "gw1");
  snprintf(gw.scope, sizeof gw.scope, "%s", pgrid);
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    struct case_filter f = {0};
    struct case_q count, page;
    struct cg_err e = {0};
    char scopes[16][32], plan[2000];

    memset(&count, 0, sizeof count);
    memset(&page, 0, sizeof page);
    f.state = lists[i].state;
    f.area = lists[i].area;
    f.overdue = lists[i].overdue;
    assert_int_equal(
        case_list_sql(env, lists[i].who < 0 ? &gw : &users[lists[i].who], &f,
                      50, &count, &page, scopes, &e),
        CG_OK);
    plan_of(&page, plan, sizeof plan);
    if (!strstr(plan, lists[i].reads))
      fail_msg("list %zu: page plan reads\n%s", i, plan);
    plan_of(&count, plan, sizeof plan);
    if (!strstr(plan, lists[i].reads))
      fail_msg("list %zu: total plan reads\n%s", i, plan);
  }
}

/* A report's rows, and a case's change of state, are written without
** SQLite building a table for the row: a partial index whose condition
** is an IN list (as migration 0020 had it) has SQLite build one from the
** list at every row written, which made a report's write a tenth
** dearer. The writes' plans (EXPLAIN) open no ephemeral table. */
static void
test_writes_build_no_table_per_row(void **state)
{
  static const char *const writes[] = {
      "INSERT INTO cases (no, kind, scheme, category_code, source, lat, lon,"
      " state, created_at, updated_at) VALUES ('4101042026010100001',"
      " 'matter', 'gb47678', '06010', 'hotline', 34.75, 113.68, 'reported',"
      " 1, 1)",
      "UPDATE cases SET state = 'closed', updated_at = 2 WHERE no = ?",
      "INSERT INTO event (case_no, seq, at, actor, role, action, from_state,"
      " to_state, hash) VALUES ('4101042026010100001', 1, 1, 'op',"
      " 'operator', 'report', '', 'reported', '')",
      "INSERT INTO task (case_no, n, dept_code, state, dispatched_at,"
      " limit_s, due_at) VALUES ('4101042026010100001', 1, 'hwc', 'open', 1,"
      " 3600, 3601)",
  };

  for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
    char sql[1200];
    struct cg_err e = {0};
    struct db_stmt *st;
    snprintf(sql, sizeof sql, "EXPLAIN %s", writes[i]);
    if (db_prepare(db, &st, sql, &e) != CG_OK) fail_msg("%s", e.msg);
    while (db_step(st, &e) == DB_ROW)
      if (strcmp(db_col_text(st, 1), "OpenEphemeral") == 0)
        fail_msg("write %zu builds a table at each row: %s", i, writes[i]);
    db_finalize(st);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_action_only_for_its_roles),
      cmocka_unit_test(test_refusals_name_state_and_role),
      cmocka_unit_test(test_lifecycle_return_wrong_dispatch_extension),
      cmocka_unit_test(test_suspension_stops_the_clock),
      cmocka_unit_test(test_rework_twice),
      cmocka_unit_test(test_self_handled_and_void),
      cmocka_unit_test(test_several_departments_one_case),
      cmocka_unit_test(test_deadlines_on_the_working_calendar),
      cmocka_unit_test(test_overdue_escalates),
      cmocka_unit_test(test_counters_on_a_scripted_history),
      cmocka_unit_test(test_duplicates_linked),
      cmocka_unit_test(test_duplicates_across_connections),
      cmocka_unit_test(test_duplicates_after_restart),
      cmocka_unit_test(test_privacy_and_visibility),
      cmocka_unit_test(test_lists_kept_rendered_follow_the_store),
      cmocka_unit_test(test_calendar_command),
      cmocka_unit_test(test_lists_of_a_grid_and_a_community),
      cmocka_unit_test(test_open_lists_read_open_cases_only),
      cmocka_unit_test(test_writes_build_no_table_per_row),
      cmocka_unit_test(test_search_in_chinese),
      cmocka_unit_test(test_search_finds_cases_not_indexed_yet),
      cmocka_unit_test(test_search_file_belongs_to_its_store),
      cmocka_unit_test(test_routing_most_specific_wins),
      cmocka_unit_test(test_bad_reports_refused),
      cmocka_unit_test(test_configuration_refused_whole),
      cmocka_unit_test(test_verify_finds_tampering),
      cmocka_unit_test(test_write_behind_batches),
      cmocka_unit_test(test_cli_drives_the_loop),
      cmocka_unit_test(test_replay_fills_every_state),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
