/*
** cmd_case.c — `citygrid case ...`: report, show, list, the statistics
** and the map's points of a list's cases, the changes to cases (followed
** live, if asked), an attachment's file, the escalation sweep, and every
** workflow action of the case module by its name
** (`citygrid case file NO --as USER`), each as the user named by --as.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach/attach.h"
#include "case/case.h"
#include "core/str.h"

/* Split a comma-separated list in place into v (at most max); returns the
** count. */
static int
split(char *s, const char **v, int max)
{
  int n = 0;
  while (s && *s && n < max) {
    char *c = strchr(s, ',');
    if (c) *c = 0;
    if (*s) v[n++] = s;
    s = c ? c + 1 : NULL;
  }
  return n;
}

/* Store the files named by --photo, --after and --document as
** attachments; fills att (at most max) and *n. */
static int
store_files(struct case_setup *cs, struct opts *o, struct case_attach *att,
            int max, int *n, char *buf, size_t bufn, struct cg_err *e)
{
  static const char *const opt_stage[][2] = {
      {"photo", "before"}, {"after", "after"}, {"document", "document"}};
  size_t used = 0;
  size_t limit = (size_t)(cs->conf.attach_limit_mb * 1024 * 1024);

  *n = 0;
  for (int k = 0; k < 3; k++) {
    const char *v = opt_get(o, opt_stage[k][0]);
    const char *files[16];
    int nf;
    if (!v) continue;
    if (used + strlen(v) + 1 > bufn)
      return cg_fail(e, CG_EINVAL, "too many attachment names");
    memcpy(buf + used, v, strlen(v) + 1);
    nf = split(buf + used, files, 16);
    used += strlen(v) + 1;
    for (int i = 0; i < nf; i++) {
      struct attach_info info;
      if (*n >= max)
        return cg_fail(e, CG_EINVAL, "more than %d attachments", max);
      if (attach_put_file(cs->data_dir, files[i], limit, NULL, &info, e) !=
          CG_OK) {
        cg_err_prefix(e, "'%s'", files[i]);
        return e->code;
      }
      memcpy(att[*n].sha256, info.sha256, sizeof att[*n].sha256);
      att[*n].stage = opt_stage[k][1];
      (*n)++;
    }
  }
  return CG_OK;
}

/* The acting user named by --as. */
static int
acting_user(struct cli *cli, struct opts *o, struct org_user *u,
            struct cg_err *e)
{
  const char *login = opt_get(o, "as");
  if (!login) return cg_fail(e, CG_EINVAL, "say who acts with --as USER");
  if (org_user_get(cli->db, login, u, e) != CG_OK) return e->code;
  if (u->disabled) return cg_fail(e, CG_EPERM, "user '%s' is disabled", login);
  return CG_OK;
}

static int
print_json(json_t *j)
{
  json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  putchar('\n');
  json_decref(j);
  return 0;
}

static int
case_report_cmd(struct cli *cli, struct case_setup *cs, struct opts *o,
                const struct org_user *who)
{
  struct case_report r;
  struct case_attach att[16];
  char cat[128], no[32], names[2048], *p1, *p2;
  struct cg_err e = {0};
  double v;

  memset(&r, 0, sizeof r);
  if (!opt_get(o, "category") || !opt_get(o, "lat") || !opt_get(o, "lon")) {
    cg_fail(&e, CG_EINVAL,
            "a report needs --category SCHEME:KIND:CODE, "
            "--lat and --lon");
    return cli_fail(&e);
  }
  snprintf(cat, sizeof cat, "%s", opt_get(o, "category"));
  if (!(p1 = strchr(cat, ':')) || !(p2 = strchr(p1 + 1, ':'))) {
    cg_fail(&e, CG_EINVAL,
            "category '%s' is not SCHEME:KIND:CODE, e.g. "
            "gb47678:matter:06010",
            cat);
    return cli_fail(&e);
  }
  *p1 = *p2 = 0;
  r.scheme = cat;
  r.kind = p1 + 1;
  r.code = p2 + 1;
  if (cli_number(opt_get(o, "lat"), "latitude", &r.lat, &e) != CG_OK ||
      cli_number(opt_get(o, "lon"), "longitude", &r.lon, &e) != CG_OK)
    return cli_fail(&e);
  if (opt_get(o, "crs") && geo_crs_parse(opt_get(o, "crs"), &r.crs, &e))
    return cli_fail(&e);
  if (opt_get(o, "urgency")) {
    if (cli_number(opt_get(o, "urgency"), "urgency", &v, &e) != CG_OK)
      return cli_fail(&e);
    r.urgency = (int)v;
    if (v != r.urgency) r.urgency = -1;
  }
  r.source = opt_get(o, "source");
  r.case_type = opt_get(o, "type");
  r.address = opt_get(o, "address");
  r.description = opt_get(o, "description");
  r.area_class = opt_get(o, "area-class");
  r.component_id = opt_get(o, "component-id");
  r.component_state = opt_get(o, "component-state");
  r.reporter_name = opt_get(o, "reporter-name");
  r.reporter_phone = opt_get(o, "reporter-phone");
  r.draft = opt_get(o, "draft") != NULL;
  r.self_handled = opt_get(o, "self") != NULL;
  if (opt_get(o, "at") &&
      cli_time(cs->cal, opt_get(o, "at"), "time", &r.at, &e) != CG_OK)
    return cli_fail(&e);
  if (store_files(cs, o, att, 16, &r.natt, names, sizeof names, &e) != CG_OK)
    return cli_fail(&e);
  r.att = att;
  if (case_report(&cs->env, who, &r, no, &e) != CG_OK) return cli_fail(&e);
  if (opt_get(o, "json"))
    return print_json(case_get_json(&cs->env, who, no, 0, &e));
  printf("%s\n", no);
  return 0;
}

/* Print a case for people. */
static void
print_case(json_t *c)
{
  json_t *tasks = json_object_get(c, "tasks"), *hist;
  size_t i;
  json_t *v;

  printf("case %s  %s (%s)\n", json_string_value(json_object_get(c, "no")),
         json_string_value(json_object_get(c, "state_zh")),
         json_string_value(json_object_get(c, "state")));
  printf("  category  %s %s %s\n",
         json_string_value(
             json_object_get(json_object_get(c, "category"), "code")),
         json_string_value(
             json_object_get(json_object_get(c, "category"), "name")),
         json_string_value(
             json_object_get(json_object_get(c, "category"), "scheme")));
  printf(
      "  where     %s %s, %s\n",
      json_string_value(json_object_get(json_object_get(c, "street"), "name")),
      json_string_value(
          json_object_get(json_object_get(c, "community"), "name")),
      json_string_value(json_object_get(json_object_get(c, "grid"), "code")));
  if (json_string_length(json_object_get(c, "address")))
    printf("  address   %s\n",
           json_string_value(json_object_get(c, "address")));
  if (json_string_length(json_object_get(c, "description")))
    printf("  problem   %s\n",
           json_string_value(json_object_get(c, "description")));
  if (json_is_object(json_object_get(c, "component"))) {
    json_t *m = json_object_get(c, "component");
    printf("  component %s  %s\n",
           json_is_string(json_object_get(m, "id"))
               ? json_string_value(json_object_get(m, "id"))
               : "-",
           json_is_string(json_object_get(m, "state_zh"))
               ? json_string_value(json_object_get(m, "state_zh"))
               : "");
  }
  if (json_is_string(json_object_get(c, "due_at")))
    printf("  due       %s  (%s)\n",
           json_string_value(json_object_get(c, "due_at")),
           json_string_value(json_object_get(c, "light")));
  json_array_foreach(tasks, i, v)
      printf("  task %lld  %s %s  %s  due %s  %s\n",
             (long long)json_integer_value(json_object_get(v, "n")),
             json_string_value(json_object_get(v, "dept")),
             json_string_value(json_object_get(v, "dept_name")),
             json_string_value(json_object_get(v, "state")),
             json_string_value(json_object_get(v, "due_at")),
             json_is_string(json_object_get(v, "light"))
                 ? json_string_value(json_object_get(v, "light"))
                 : "");
  if ((hist = json_object_get(c, "history"))) {
    printf("  history\n");
    json_array_foreach(hist, i, v)
        printf("    %2lld %s %-14s %-12s %s -> %s  %s\n",
               (long long)json_integer_value(json_object_get(v, "seq")),
               json_string_value(json_object_get(v, "at")),
               json_string_value(json_object_get(v, "action")),
               json_is_string(json_object_get(v, "actor"))
                   ? json_string_value(json_object_get(v, "actor"))
                   : json_string_value(json_object_get(v, "role")),
               json_string_value(json_object_get(v, "from")),
               json_string_value(json_object_get(v, "to")),
               json_is_string(json_object_get(v, "note"))
                   ? json_string_value(json_object_get(v, "note"))
                   : "");
  }
  if ((v = json_object_get(c, "actions")) && json_array_size(v)) {
    json_t *a;
    printf("  you may   ");
    json_array_foreach(v, i, a)
        printf("%s%s", i ? ", " : "", json_string_value(a));
    printf("\n");
  }
}

/* The list's filter from the options (--state, --area, --dept,
** --component-id, --source, --text, --overdue, --category, --from, --to,
** --limit, --offset) into f, whose strings point into o or a static
** buffer; CG_OK or why not. */
static int
list_filter(struct case_setup *cs, struct opts *o, struct case_filter *f,
            struct cg_err *e)
{
  double v;

  memset(f, 0, sizeof *f);
  f->state = opt_get(o, "state");
  f->area = opt_get(o, "area");
  f->dept = opt_get(o, "dept");
  f->component = opt_get(o, "component-id");
  f->source = opt_get(o, "source");
  f->text = opt_get(o, "text");
  f->overdue = opt_get(o, "overdue") != NULL;
  if (opt_get(o, "category")) {
    static char buf[64];
    char *colon;
    snprintf(buf, sizeof buf, "%s", opt_get(o, "category"));
    if ((colon = strrchr(buf, ':'))) {
      *colon = 0;
      f->code_prefix = colon + 1;
      f->scheme = strchr(buf, ':') ? (*strchr(buf, ':') = 0, buf) : buf;
    } else {
      f->code_prefix = buf;
    }
  }
  if ((opt_get(o, "from") &&
       cli_time(cs->cal, opt_get(o, "from"), "--from", &f->from, e)) ||
      (opt_get(o, "to") &&
       cli_time(cs->cal, opt_get(o, "to"), "--to", &f->to, e)))
    return e->code;
  if (opt_get(o, "limit")) {
    if (cli_number(opt_get(o, "limit"), "limit", &v, e)) return e->code;
    f->limit = (int)v;
  }
  if (opt_get(o, "offset")) {
    if (cli_number(opt_get(o, "offset"), "offset", &v, e)) return e->code;
    f->offset = (int)v;
  }
  return CG_OK;
}

static int
case_list_cmd(struct cli *cli, struct case_setup *cs, struct opts *o,
              const struct org_user *who)
{
  struct case_filter f;
  struct cg_err e = {0};
  json_t *out, *c;
  size_t i;

  if (list_filter(cs, o, &f, &e) != CG_OK ||
      !(out = case_list_json(&cs->env, who, &f, &e)))
    return cli_fail(&e);
  if (opt_get(o, "json")) return print_json(out);
  json_array_foreach(json_object_get(out, "cases"), i, c) printf(
      "%s  %-12s %-6s %s %s  %s\n", json_string_value(json_object_get(c, "no")),
      json_string_value(json_object_get(c, "state")),
      json_is_string(json_object_get(c, "light"))
          ? json_string_value(json_object_get(c, "light"))
          : "-",
      json_string_value(
          json_object_get(json_object_get(c, "category"), "code")),
      json_string_value(
          json_object_get(json_object_get(c, "category"), "name")),
      json_string_value(json_object_get(json_object_get(c, "street"), "name")));
  printf("%lld%s cases\n",
         (long long)json_integer_value(json_object_get(out, "total")),
         json_is_false(json_object_get(out, "total_exact")) ? "+" : "");
  json_decref(out);
  return 0;
}

/* Print a grouping of the statistics, a line each: "count  key  name",
** or for the on-time ones "rate%  on_time/closed  key  name" (the names
** last: Chinese ones are two columns a character). */
static void
print_groups(const char *title, json_t *list)
{
  size_t i;
  json_t *g;
  printf("%s:\n", title);
  json_array_foreach(list, i, g)
  {
    const char *k = json_string_value(json_object_get(g, "key"));
    const char *n = json_string_value(json_object_get(g, "name"));
    if (json_object_get(g, "rate"))
      printf("  %5.1f%%  %lld/%lld",
             100 * json_number_value(json_object_get(g, "rate")),
             (long long)json_integer_value(json_object_get(g, "on_time")),
             (long long)json_integer_value(json_object_get(g, "closed")));
    else
      printf("  %8lld",
             (long long)json_integer_value(json_object_get(g, "count")));
    printf("  %-12s %s\n", *k ? k : "-", n && *n ? n : "");
  }
}

/* The list's filter from the options for a command that reads all the
** cases it matches (no --limit, no --offset) into f; CG_OK or why not. */
static int
all_filter(struct case_setup *cs, struct opts *o, struct case_filter *f,
           struct cg_err *e)
{
  if (opt_get(o, "limit") || opt_get(o, "offset"))
    return cg_fail(e, CG_EINVAL, "--limit and --offset are for 'case list'");
  return list_filter(cs, o, f, e);
}

/* `case points`: the map's points (case_points_json()) as compact JSON,
** as the server sends them: 250,000 rows at most. */
static int
case_points_cmd(struct case_setup *cs, struct opts *o,
                const struct org_user *who)
{
  struct case_filter f;
  struct cg_err e = {0};
  json_t *out;

  if (all_filter(cs, o, &f, &e) != CG_OK ||
      !(out = case_points_json(&cs->env, who, &f, &e)))
    return cli_fail(&e);
  json_dumpf(out, stdout, CASE_JSON_FLAGS);
  putchar('\n');
  json_decref(out);
  return 0;
}

/* `case stats`: the statistics page's counts over the filter's cases
** (case_stats_json()), as lines or --json. */
static int
case_stats_cmd(struct case_setup *cs, struct opts *o,
               const struct org_user *who)
{
  static const char *const groups[][2] = {
      {"by_state", "by state"},
      {"by_category", "by category"},
      {"by_street", "by street"},
      {"by_source", "by source"},
      {"by_dept", "by department"},
      {"on_time_by_dept", "closed on time, by department"},
      {"on_time_by_street", "closed on time, by street"}};
  struct case_filter f;
  struct cg_err e = {0};
  json_t *out;
  size_t i;
  json_t *d;

  if (all_filter(cs, o, &f, &e) != CG_OK ||
      !(out = case_stats_json(&cs->env, who, &f, &e)))
    return cli_fail(&e);
  if (opt_get(o, "json")) return print_json(out);
  printf("total %lld  open %lld  closed %lld  overdue %lld\n",
         (long long)json_integer_value(json_object_get(out, "total")),
         (long long)json_integer_value(json_object_get(out, "open")),
         (long long)json_integer_value(json_object_get(out, "closed")),
         (long long)json_integer_value(json_object_get(out, "overdue")));
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
    print_groups(groups[g][1], json_object_get(out, groups[g][0]));
  printf("by day (reported, closed):\n");
  json_array_foreach(json_object_get(out, "daily"), i, d)
      printf("  %s %lld %lld\n", json_string_value(json_object_get(d, "day")),
             (long long)json_integer_value(json_object_get(d, "intake")),
             (long long)json_integer_value(json_object_get(d, "closed")));
  json_decref(out);
  return 0;
}

/* `case attachment SHA256`: the file of an attachment of a case `who` may
** see, to standard output or --output FILE (whole or not at all). */
static int
case_attachment_cmd(struct case_setup *cs, struct opts *o,
                    const struct org_user *who, const char *sha)
{
  const char *path = opt_get(o, "output");
  struct cg_err e = {0};
  char buf[65536];
  FILE *in, *out;
  size_t n;
  int bad = 0;

  if (!(in = case_attachment_open(&cs->env, who, sha, 0, &e)))
    return cli_fail(&e);
  if (!(out = cli_out_open(path, &e))) {
    fclose(in);
    return cli_fail(&e);
  }
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) bad = 1;
  bad |= ferror(in);
  fclose(in);
  return cli_out_close(out, path, bad, &e) == CG_OK ? 0 : cli_fail(&e);
}

/* `case events`: the changes to cases `who` may see, one compact JSON
** object a line in the district's order (as GET /api/v1/stream sends
** them): those after event --since GSEQ, else every one; with --follow,
** then each as it is committed (from now when no --since), until stopped. */
static int
case_events_cmd(struct case_setup *cs, struct opts *o,
                const struct org_user *who)
{
  int follow = opt_get(o, "follow") != NULL;
  struct cg_err e = {0};
  int64_t after = 0;
  double v;

  if (opt_get(o, "since")) {
    if (cli_number(opt_get(o, "since"), "since", &v, &e) != CG_OK)
      return cli_fail(&e);
    if (v < 0 || v != (double)(int64_t)v) {
      cg_fail(&e, CG_EINVAL, "--since is an event's number (gseq), 0 or more");
      return cli_fail(&e);
    }
    after = (int64_t)v;
  } else if (follow &&
             db_query_int(cs->env.db, &after, 0, &e,
                          "SELECT max(gseq) FROM event", "") != CG_OK) {
    return cli_fail(&e);
  }
  for (;;) {
    json_t *list = case_events_json(cs->env.db, cs->cal, after, 1000,
                                    (int64_t)time(NULL), &e),
           *j;
    size_t i, n;
    if (!list) return cli_fail(&e);
    char last[32] = "";
    int sees = 0;
    json_array_foreach(list, i, j)
    {
      const char *no = json_string_value(json_object_get(j, "no"));
      after = json_integer_value(json_object_get(j, "gseq"));
      if (strcmp(no, last) != 0) { /* a case's events come in runs */
        cg_copy(last, sizeof last, no);
        sees = case_visibility(&cs->env, who, no) > 0;
      }
      if (sees) {
        json_dumpf(j, stdout, CASE_JSON_FLAGS);
        putchar('\n');
      }
    }
    n = json_array_size(list);
    json_decref(list);
    if (fflush(stdout) != 0) {
      cg_fail(&e, CG_EIO, "cannot write to standard output");
      return cli_fail(&e);
    }
    if (n == 1000) continue; /* more of them stored */
    if (!follow) return 0;
    nanosleep(&(struct timespec){0, 200000000L}, NULL);
  }
}

static int
case_actions_cmd(void)
{
  int n;
  const struct case_action_info *a = case_actions(&n);
  for (int i = 0; i < n; i++) {
    printf("%-16s %-10s from ", a[i].name, a[i].zh);
    for (int s = 0, first = 1; s < CS_COUNT; s++)
      if (a[i].from & (1u << s)) {
        printf("%s%s", first ? "" : ",", case_state_name(s));
        first = 0;
      }
    printf("  by ");
    for (int r = 0, first = 1; r < ROLE_COUNT; r++)
      if (a[i].roles & ROLE_BIT(r)) {
        printf("%s%s", first ? "" : ",", org_role_name(r));
        first = 0;
      }
    printf("  takes %s\n", a[i].fields);
  }
  return 0;
}

static int
case_action_cmd(struct cli *cli, struct case_setup *cs, struct opts *o,
                const struct org_user *who, const char *action)
{
  struct case_act a;
  struct case_attach att[16];
  char depts_buf[512], names[2048];
  const char *depts[16];
  struct cg_err e = {0};
  const char *no;
  double v;

  if (o->npos != 2) {
    fprintf(stderr, "citygrid case %s: give the case number\n", action);
    return EXIT_USAGE;
  }
  no = o->pos[1];
  memset(&a, 0, sizeof a);
  a.action = action;
  a.note = opt_get(o, "note");
  if (opt_get(o, "dept")) {
    snprintf(depts_buf, sizeof depts_buf, "%s", opt_get(o, "dept"));
    a.ndepts = split(depts_buf, depts, 16);
    a.depts = depts;
  }
  if (opt_get(o, "task")) {
    if (cli_number(opt_get(o, "task"), "task", &v, &e)) return cli_fail(&e);
    a.task = (int)v;
  }
  if (opt_get(o, "limit-hours") &&
      cli_number(opt_get(o, "limit-hours"), "limit-hours", &a.limit_hours, &e))
    return cli_fail(&e);
  if (opt_get(o, "hours") &&
      cli_number(opt_get(o, "hours"), "hours", &a.hours, &e))
    return cli_fail(&e);
  if (opt_get(o, "pass") && opt_get(o, "fail")) {
    cg_fail(&e, CG_EINVAL, "--pass or --fail, not both");
    return cli_fail(&e);
  }
  if ((strcmp(action, "check") == 0 || strcmp(action, "verify") == 0) &&
      !opt_get(o, "pass") && !opt_get(o, "fail")) {
    cg_fail(&e, CG_EINVAL, "'%s' needs --pass or --fail", action);
    return cli_fail(&e);
  }
  a.pass = opt_get(o, "pass") != NULL;
  a.rating = opt_get(o, "rating");
  if (opt_get(o, "at") &&
      cli_time(cs->cal, opt_get(o, "at"), "time", &a.at, &e) != CG_OK)
    return cli_fail(&e);
  if (store_files(cs, o, att, 16, &a.natt, names, sizeof names, &e) != CG_OK)
    return cli_fail(&e);
  a.att = att;
  if (case_apply(&cs->env, who, no, &a, &e) != CG_OK) return cli_fail(&e);
  if (opt_get(o, "json"))
    return print_json(case_get_json(&cs->env, who, no, 0, &e));
  {
    json_t *c = case_get_json(&cs->env, who, no, 0, &e);
    printf("%s: %s\n", no,
           c ? json_string_value(json_object_get(c, "state")) : "done");
    json_decref(c);
  }
  return 0;
}

int
cmd_case(struct cli *cli, struct opts *o)
{
  const char *sub = o->pos[0];
  struct case_setup cs;
  struct org_user who;
  struct cg_err e = {0};
  int rc, n;

  if (strcmp(sub, "actions") == 0) return case_actions_cmd();
  if (case_setup_load(&cs, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  if (strcmp(sub, "sweep") == 0) {
    int64_t now = (int64_t)time(NULL);
    if (opt_get(o, "at") &&
        cli_time(cs.cal, opt_get(o, "at"), "time", &now, &e) != CG_OK)
      rc = cli_fail(&e);
    else if (case_sweep(&cs.env, now, &n, &e) != CG_OK)
      rc = cli_fail(&e);
    else
      rc = (printf("escalated %d cases\n", n), 0);
  } else if (acting_user(cli, o, &who, &e) != CG_OK) {
    rc = cli_fail(&e);
  } else if (strcmp(sub, "report") == 0) {
    rc = o->npos == 1 ? case_report_cmd(cli, &cs, o, &who)
                      : (fprintf(stderr, "citygrid case report: takes no "
                                         "arguments, only options\n"),
                         EXIT_USAGE);
  } else if (strcmp(sub, "show") == 0) {
    json_t *c;
    if (o->npos != 2) {
      fprintf(stderr, "citygrid case show: give the case number\n");
      rc = EXIT_USAGE;
    } else if (!(c = case_get_json(&cs.env, &who, o->pos[1], 1, &e))) {
      rc = cli_fail(&e);
    } else if (opt_get(o, "json")) {
      rc = print_json(c);
    } else {
      print_case(c);
      json_decref(c);
      rc = 0;
    }
  } else if (strcmp(sub, "list") == 0) {
    rc = case_list_cmd(cli, &cs, o, &who);
  } else if (strcmp(sub, "events") == 0) {
    rc = o->npos == 1 ? case_events_cmd(&cs, o, &who)
                      : (fprintf(stderr, "citygrid case events: takes no "
                                         "arguments, only options\n"),
                         EXIT_USAGE);
  } else if (strcmp(sub, "attachment") == 0) {
    rc = o->npos == 2 ? case_attachment_cmd(&cs, o, &who, o->pos[1])
                      : (fprintf(stderr, "citygrid case attachment: give the "
                                         "attachment's SHA-256\n"),
                         EXIT_USAGE);
  } else if (strcmp(sub, "stats") == 0 || strcmp(sub, "points") == 0) {
    rc = o->npos == 1 ? (sub[0] == 'p' ? case_points_cmd(&cs, o, &who)
                                       : case_stats_cmd(&cs, o, &who))
                      : (fprintf(stderr,
                                 "citygrid case %s: takes no "
                                 "arguments, only options\n",
                                 sub),
                         EXIT_USAGE);
  } else {
    int na, known = 0;
    const struct case_action_info *acts = case_actions(&na);
    for (int i = 0; i < na; i++)
      if (strcmp(acts[i].name, sub) == 0) known = 1;
    if (!known) {
      fprintf(stderr,
              "citygrid case: unknown action '%s' (see 'citygrid "
              "case actions')\n",
              sub);
      rc = EXIT_USAGE;
    } else {
      rc = case_action_cmd(cli, &cs, o, &who, sub);
    }
  }
  case_setup_release(&cs);
  return rc;
}
