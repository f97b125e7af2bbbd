/*
** flow.c — the state machine of a case (DOMAIN.md §1.3). One table names
** every action with the states it applies in and the roles allowed to take
** it; case_apply() checks both, and the actor's scope, before the action's
** function changes the loaded case, and then writes the case, its tasks
** and one event in one transaction.
*/
#include "case_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) (1u << (x))
#define R(x) ROLE_BIT(x)

/* What an action function gets and may set. */
struct step {
  struct case_env *env;
  const struct org_user *who;
  const struct case_act *a;
  struct kase *k;
  int64_t at;
  int to;       /* the state after the action; preset to the current */
  json_t *data; /* event data; the function may add to it */
  struct cg_err *e;
};

typedef int (*action_fn)(struct step *s);

struct action {
  struct case_action_info info;
  action_fn fn;
};

/* ---- tasks ------------------------------------------------------------- */

static int
task_active(const struct task *t)
{
  return t->state == TS_OPEN || t->state == TS_RETURNING ||
         t->state == TS_SUSPENDING;
}

/* The task an action names: a->task, or else the actor's department's
** (or, for dispatchers, the only) task in state `want`. */
static struct task *
find_task(struct step *s, int want)
{
  struct kase *k = s->k;
  struct task *hit = NULL;
  int nhit = 0;

  for (int i = 0; i < k->ntasks; i++) {
    struct task *t = &k->tasks[i];
    if (s->a->task) {
      if (t->n == s->a->task) {
        hit = t;
        nhit = 1;
        break;
      }
      continue;
    }
    if (t->state != want) continue;
    if (s->who->role == ROLE_DEPARTMENT && strcmp(t->dept, s->who->dept))
      continue;
    hit = t;
    nhit++;
  }
  if (!hit) {
    if (s->a->task)
      cg_fail(s->e, CG_ENOTFOUND, "case '%s' has no task %d", k->no,
              s->a->task);
    else
      cg_fail(s->e, CG_ECONFLICT, "case '%s' has no task that is '%s'%s", k->no,
              task_state_name(want),
              s->who->role == ROLE_DEPARTMENT ? " at your department" : "");
    return NULL;
  }
  if (nhit > 1) {
    cg_fail(s->e, CG_EINVAL,
            "case '%s' has several tasks that are '%s': "
            "name one with its number",
            k->no, task_state_name(want));
    return NULL;
  }
  if (hit->state != want) {
    cg_fail(s->e, CG_ECONFLICT, "task %d of case '%s' is '%s', not '%s'",
            hit->n, k->no, task_state_name(hit->state), task_state_name(want));
    return NULL;
  }
  if (s->who->role == ROLE_DEPARTMENT && strcmp(hit->dept, s->who->dept)) {
    cg_fail(s->e, CG_EPERM,
            "task %d of case '%s' belongs to department "
            "'%s'",
            hit->n, k->no, hit->dept);
    return NULL;
  }
  json_object_set_new(s->data, "task", json_integer(hit->n));
  json_object_set_new(s->data, "dept", json_string(hit->dept));
  return hit;
}

/* Add a task for dept, due after `limit` working seconds from s->at, or
** after the configured disposal limit when limit is 0. */
static int
add_task(struct step *s, const char *dept, int rework, int64_t limit)
{
  struct kase *k = s->k;
  struct task *t;
  char name[128];

  if (k->ntasks >= CASE_MAX_TASKS)
    return cg_fail(s->e, CG_ECONFLICT,
                   "case '%s' has %d tasks, the most "
                   "one case may have",
                   k->no, CASE_MAX_TASKS);
  {
    char key[80];
    case_memo_key(key, 'd', &dept, 1);
    if (!case_memo_get(s->env, key, NULL, NULL, 0)) {
      if (org_dept_name(s->env->db, dept, name, sizeof name, s->e) != CG_OK)
        return CG_EINVAL;
      case_memo_put(s->env, key, 1, NULL);
    }
  }
  if (!limit) limit = case_limit(s->env, k, "disposal", s->e);
  t = &k->tasks[k->ntasks];
  memset(t, 0, sizeof *t);
  t->n = k->ntasks + 1;
  cg_copy(t->dept, sizeof t->dept, dept);
  t->state = TS_OPEN;
  t->dispatched_at = s->at;
  t->limit_s = limit;
  t->due_at = cal_add(s->env->cal, s->at, limit);
  t->rework = rework;
  t->fresh = 1;
  k->ntasks++;
  return CG_OK;
}

/* After a task changed: the case is handled when no task is active and
** at least one was handled, back to filed when every task was returned. */
static void
settle(struct step *s)
{
  int active = 0, handled = 0;
  for (int i = 0; i < s->k->ntasks; i++) {
    active += task_active(&s->k->tasks[i]);
    handled += s->k->tasks[i].state == TS_HANDLED;
  }
  if (!active) s->to = handled ? CS_HANDLED : CS_FILED;
}

/* Move every active task's deadline by the working time that passed
** while the clock was stopped (suspension, deferral). */
static void
restart_clock(struct step *s)
{
  struct kase *k = s->k;
  int64_t stopped = cal_between(s->env->cal, k->suspended_at, s->at);
  for (int i = 0; i < k->ntasks; i++)
    if (task_active(&k->tasks[i])) {
      k->tasks[i].due_at = cal_add(s->env->cal, k->tasks[i].due_at, stopped);
      k->tasks[i].dirty = 1;
    }
  json_object_set_new(s->data, "stopped_s", json_integer(stopped));
  k->suspended_at = 0;
}

static int
need_note(struct step *s, const char *why)
{
  if (s->a->note && *s->a->note) return CG_OK;
  return cg_fail(s->e, CG_EINVAL, "'%s' needs a note: %s", s->a->action, why);
}

/* ---- actions, in table order ------------------------------------------ */

static int
act_check(struct step *s)
{
  struct kase *k = s->k;
  json_object_set_new(s->data, "pass", json_boolean(s->a->pass));
  if (s->a->pass) {
    s->to = CS_CHECKED;
    return CG_OK;
  }
  if (need_note(s, "say what is still wrong") != CG_OK) return CG_EINVAL;
  /* 返工: the departments of this round get the work again */
  k->n_rework++;
  {
    int n = k->ntasks;
    json_t *again = json_array();
    json_object_set_new(s->data, "rework", again);
    for (int i = 0; i < n; i++) {
      char dept[32];
      if (k->tasks[i].state != TS_HANDLED) continue;
      k->tasks[i].state = TS_REWORKED;
      k->tasks[i].dirty = 1;
      snprintf(dept, sizeof dept, "%s", k->tasks[i].dept);
      if (add_task(s, dept, 1, 0) != CG_OK) return CG_EINVAL;
      json_array_append_new(again, json_string(dept));
    }
  }
  s->to = CS_DISPATCHED;
  return CG_OK;
}

static int
act_check_request(struct step *s)
{
  s->to = CS_CHECKING;
  return CG_OK;
}

static int
act_close(struct step *s)
{
  struct kase *k = s->k;
  int late = 0;
  /* on time: no round of the work was handed in after its deadline */
  for (int i = 0; i < k->ntasks; i++)
    if ((k->tasks[i].state == TS_HANDLED || k->tasks[i].state == TS_REWORKED) &&
        k->tasks[i].handled_at > k->tasks[i].due_at)
      late = 1;
  k->closed_at = s->at;
  k->on_time = !late;
  json_object_set_new(s->data, "on_time", json_boolean(!late));
  s->to = CS_CLOSED;
  return CG_OK;
}

static int
act_comment(struct step *s)
{
  return need_note(s, "say what to add");
}

static int
act_defer(struct step *s)
{
  if (need_note(s, "say why the case is put off") != CG_OK) return CG_EINVAL;
  s->k->deferred = 1;
  s->k->suspended_at = s->at;
  s->to = CS_DEFERRED;
  return CG_OK;
}

static int
act_dispatch(struct step *s)
{
  struct kase *k = s->k;
  const char *const *depts = s->a->depts;
  int n = s->a->ndepts, added = 0, wrong = 0, had_returns = 0;
  const char *routed[1];
  int64_t limit = 0;
  json_t *list;

  /* a limit the dispatcher sets instead of the configured one */
  if (s->a->limit_hours) {
    if (!(s->a->limit_hours > 0) || s->a->limit_hours > 24 * 365)
      return cg_fail(s->e, CG_EINVAL,
                     "'dispatch' limit_hours must be more than 0 and at "
                     "most 8760 working hours");
    limit = (int64_t)(s->a->limit_hours * 3600);
    json_object_set_new(s->data, "limit_s", json_integer(limit));
  }
  list = json_array();
  json_object_set_new(s->data, "depts", list);
  if (n == 0) {
    if (!*k->dept)
      return cg_fail(s->e, CG_EINVAL,
                     "no department for case '%s': routing "
                     "has none for %s %s %s, so name one",
                     k->no, k->scheme, k->kind, k->code);
    routed[0] = k->dept;
    depts = routed;
    n = 1;
  }
  for (int i = 0; i < k->ntasks; i++)
    if (k->tasks[i].state == TS_RETURNED) had_returns = 1;
  for (int d = 0; d < n; d++) {
    int open = 0, returned_here = 0;
    for (int i = 0; i < k->ntasks; i++) {
      if (strcmp(k->tasks[i].dept, depts[d])) continue;
      if (task_active(&k->tasks[i])) open = 1;
      if (k->tasks[i].state == TS_RETURNED) returned_here = 1;
    }
    if (open) continue; /* already working on it */
    if (add_task(s, depts[d], 0, limit) != CG_OK) return CG_EINVAL;
    if (had_returns && !returned_here) wrong = 1;
    json_array_append_new(list, json_string(depts[d]));
    added++;
  }
  if (!added)
    return cg_fail(s->e, CG_ECONFLICT,
                   "every department named already has "
                   "an open task on case '%s'",
                   k->no);
  if (s->k->state == CS_FILED && wrong) {
    k->n_wrong++; /* 错误派遣: the first department was the wrong one */
    json_object_set_new(s->data, "wrong_dispatch", json_true());
  }
  if (!k->dispatched_at) k->dispatched_at = s->at;
  if (depts[0] != k->dept) /* the responsible one: the first named */
    cg_copy(k->dept, sizeof k->dept, depts[0]);
  s->to = CS_DISPATCHED;
  return CG_OK;
}

static int
act_escalate(struct step *s)
{
  s->k->escalation++;
  json_object_set_new(s->data, "level", json_integer(s->k->escalation));
  return CG_OK;
}

static int
act_extend_approve(struct step *s)
{
  struct task *t;
  int64_t want;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  if (!(want = t->request_s))
    return cg_fail(s->e, CG_ECONFLICT,
                   "task %d of case '%s' has no "
                   "extension asked for",
                   t->n, s->k->no);
  t->extra_s += want;
  t->due_at = cal_add(s->env->cal, t->due_at, want);
  t->request_s = 0;
  t->dirty = 1;
  s->k->n_extend++;
  json_object_set_new(s->data, "seconds", json_integer(want));
  json_object_set_new(s->data, "due_at", json_integer(t->due_at));
  return CG_OK;
}

static int
act_extend_refuse(struct step *s)
{
  struct task *t;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  if (!t->request_s)
    return cg_fail(s->e, CG_ECONFLICT,
                   "task %d of case '%s' has no "
                   "extension asked for",
                   t->n, s->k->no);
  t->request_s = 0;
  t->dirty = 1;
  return CG_OK;
}

static int
act_extend_request(struct step *s)
{
  struct task *t;
  if (!(s->a->hours > 0) || s->a->hours > 24 * 365)
    return cg_fail(s->e, CG_EINVAL,
                   "'extend_request' needs the working "
                   "hours asked for (more than 0)");
  if (need_note(s, "say why more time is needed") != CG_OK) return CG_EINVAL;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  if (t->request_s)
    return cg_fail(s->e, CG_ECONFLICT,
                   "task %d of case '%s' already waits "
                   "for an extension",
                   t->n, s->k->no);
  t->request_s = (int64_t)(s->a->hours * 3600);
  t->dirty = 1;
  json_object_set_new(s->data, "seconds", json_integer(t->request_s));
  return CG_OK;
}

static int
act_file(struct step *s)
{
  s->to = CS_FILED;
  return CG_OK;
}

static int
act_handle(struct step *s)
{
  struct task *t;
  if (need_note(s, "say what was done") != CG_OK) return CG_EINVAL;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  t->state = TS_HANDLED;
  t->handled_at = s->at;
  t->request_s = 0;
  t->dirty = 1;
  json_object_set_new(s->data, "on_time", json_boolean(s->at <= t->due_at));
  settle(s);
  return CG_OK;
}

static int
act_rate(struct step *s)
{
  const char *r = s->a->rating;
  if (!r || (strcmp(r, "satisfied") && strcmp(r, "basic") &&
             strcmp(r, "unsatisfied")))
    return cg_fail(s->e, CG_EINVAL,
                   "rating must be satisfied, basic or "
                   "unsatisfied (满意, 基本满意, 不满意)");
  if (*s->k->rating)
    return cg_fail(s->e, CG_ECONFLICT, "case '%s' was rated already", s->k->no);
  snprintf(s->k->rating, sizeof s->k->rating, "%s", r);
  json_object_set_new(s->data, "rating", json_string(r));
  return CG_OK;
}

static int
act_register(struct step *s)
{
  s->to = CS_REGISTERED;
  return CG_OK;
}

static int
act_reject(struct step *s)
{
  if (need_note(s, "say why it is not accepted") != CG_OK) return CG_EINVAL;
  s->to = CS_REJECTED;
  return CG_OK;
}

static int
act_resume(struct step *s)
{
  restart_clock(s);
  s->to = CS_DISPATCHED;
  return CG_OK;
}

static int
act_return_approve(struct step *s)
{
  struct task *t;
  if (!(t = find_task(s, TS_RETURNING))) return s->e->code;
  t->state = TS_RETURNED;
  t->dirty = 1;
  s->k->n_return++;
  settle(s);
  return CG_OK;
}

static int
act_return_refuse(struct step *s)
{
  struct task *t;
  if (!(t = find_task(s, TS_RETURNING))) return s->e->code;
  t->state = TS_OPEN;
  t->dirty = 1;
  s->k->n_shirk++; /* 推诿: tried to give back work that was its own */
  return CG_OK;
}

static int
act_return_request(struct step *s)
{
  struct task *t;
  if (need_note(s, "say why the case is not yours") != CG_OK) return CG_EINVAL;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  t->state = TS_RETURNING;
  t->dirty = 1;
  return CG_OK;
}

static int
act_self_approve(struct step *s)
{
  s->k->closed_at = s->at;
  s->k->on_time = 1;
  s->to = CS_CLOSED;
  return CG_OK;
}

static int
act_self_reject(struct step *s)
{
  if (need_note(s, "say why it does not count") != CG_OK) return CG_EINVAL;
  s->to = CS_VOID;
  return CG_OK;
}

static int
act_submit(struct step *s)
{
  if (strcmp(s->k->reporter, s->who->login))
    return cg_fail(s->e, CG_EPERM, "only the reporter may send draft '%s'",
                   s->k->no);
  s->to = CS_REPORTED;
  return CG_OK;
}

static int
act_suspend_approve(struct step *s)
{
  struct task *t;
  if (!(t = find_task(s, TS_SUSPENDING))) return s->e->code;
  t->state = TS_OPEN;
  t->dirty = 1;
  s->k->n_suspend++;
  s->k->suspended_at = s->at;
  s->to = CS_SUSPENDED;
  return CG_OK;
}

static int
act_suspend_refuse(struct step *s)
{
  struct task *t;
  if (!(t = find_task(s, TS_SUSPENDING))) return s->e->code;
  t->state = TS_OPEN;
  t->dirty = 1;
  return CG_OK;
}

static int
act_suspend_request(struct step *s)
{
  struct task *t;
  if (need_note(s, "explain why it cannot be solved in time") != CG_OK)
    return CG_EINVAL;
  if (!(t = find_task(s, TS_OPEN))) return s->e->code;
  t->state = TS_SUSPENDING;
  t->dirty = 1;
  return CG_OK;
}

static int
act_undefer(struct step *s)
{
  int active = 0;
  for (int i = 0; i < s->k->ntasks; i++)
    active += task_active(&s->k->tasks[i]);
  restart_clock(s);
  s->to = active ? CS_DISPATCHED : CS_FILED;
  return CG_OK;
}

static int
act_verify(struct step *s)
{
  json_object_set_new(s->data, "pass", json_boolean(s->a->pass));
  if (!s->a->pass && need_note(s, "say what was found on site") != CG_OK)
    return CG_EINVAL;
  s->to = s->a->pass ? CS_VERIFIED : CS_REJECTED;
  return CG_OK;
}

static int
act_verify_request(struct step *s)
{
  s->to = CS_VERIFYING;
  return CG_OK;
}

static int
act_void(struct step *s)
{
  if (need_note(s, "say why the case is void") != CG_OK) return CG_EINVAL;
  s->to = CS_VOID;
  return CG_OK;
}

/* Open states: where a case can be supervised (督办). */
#define OPEN_STATES                                                            \
  (S(CS_REPORTED) | S(CS_VERIFYING) | S(CS_VERIFIED) | S(CS_REGISTERED) |      \
   S(CS_FILED) | S(CS_DISPATCHED) | S(CS_SUSPENDED) | S(CS_HANDLED) |          \
   S(CS_CHECKING) | S(CS_CHECKED) | S(CS_DEFERRED) | S(CS_SELF_HANDLED))

/* The action table. Keep sorted by name: case_apply() uses bsearch. */
static const struct action actions[] = {
    {{"check", "核查", S(CS_CHECKING), R(ROLE_GRID_WORKER),
      "pass, note (required on fail), attachments"},
     act_check},
    {{"check_request", "发核查", S(CS_HANDLED), R(ROLE_OPERATOR), "note"},
     act_check_request},
    {{"close", "结案", S(CS_CHECKED), R(ROLE_SHIFT_LEADER), "note"}, act_close},
    {{"comment", "留言", OPEN_STATES | S(CS_CLOSED),
      R(ROLE_PUBLIC) | R(ROLE_OPERATOR), "note (required), attachments"},
     act_comment},
    {{"defer", "缓办", S(CS_FILED) | S(CS_DISPATCHED), R(ROLE_SHIFT_LEADER),
      "note (required)"},
     act_defer},
    {{"dispatch", "派遣", S(CS_FILED) | S(CS_DISPATCHED),
      R(ROLE_DISPATCHER) | R(ROLE_STREET),
      "depts (default: routing), limit_hours (default: the configured "
      "limit), note"},
     act_dispatch},
    {{"escalate", "督办", OPEN_STATES, R(ROLE_LEADER) | R(ROLE_SYSTEM), "note"},
     act_escalate},
    {{"extend_approve", "延期审批", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_extend_approve},
    {{"extend_refuse", "延期驳回", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_extend_refuse},
    {{"extend_request", "申请延期", S(CS_DISPATCHED), R(ROLE_DEPARTMENT),
      "task, hours, note (required)"},
     act_extend_request},
    {{"file", "立案", S(CS_REGISTERED), R(ROLE_SHIFT_LEADER), "note"},
     act_file},
    {{"handle", "处置反馈", S(CS_DISPATCHED), R(ROLE_DEPARTMENT),
      "task, note (required), attachments (after photos)"},
     act_handle},
    {{"rate", "回访评价", S(CS_CLOSED), R(ROLE_PUBLIC) | R(ROLE_OPERATOR),
      "rating, note"},
     act_rate},
    {{"register", "登记", S(CS_REPORTED) | S(CS_VERIFIED), R(ROLE_OPERATOR),
      "note"},
     act_register},
    {{"reject", "不予受理", S(CS_REPORTED) | S(CS_VERIFIED), R(ROLE_OPERATOR),
      "note (required)"},
     act_reject},
    {{"resume", "挂账恢复", S(CS_SUSPENDED), R(ROLE_DISPATCHER), "note"},
     act_resume},
    {{"return_approve", "回退审批", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_return_approve},
    {{"return_refuse", "回退驳回", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_return_refuse},
    {{"return_request", "申请回退", S(CS_DISPATCHED), R(ROLE_DEPARTMENT),
      "task, note (required)"},
     act_return_request},
    {{"self_approve", "自处理审核", S(CS_SELF_HANDLED), R(ROLE_SHIFT_LEADER),
      "note"},
     act_self_approve},
    {{"self_reject", "自处理无效", S(CS_SELF_HANDLED), R(ROLE_SHIFT_LEADER),
      "note (required)"},
     act_self_reject},
    {{"submit", "上报", S(CS_DRAFT), R(ROLE_GRID_WORKER), "note"}, act_submit},
    {{"suspend_approve", "挂账审批", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_suspend_approve},
    {{"suspend_refuse", "挂账驳回", S(CS_DISPATCHED), R(ROLE_DISPATCHER),
      "task, note"},
     act_suspend_refuse},
    {{"suspend_request", "申请挂账", S(CS_DISPATCHED), R(ROLE_DEPARTMENT),
      "task, note (required)"},
     act_suspend_request},
    {{"undefer", "恢复办理", S(CS_DEFERRED), R(ROLE_SHIFT_LEADER), "note"},
     act_undefer},
    {{"verify", "核实", S(CS_VERIFYING), R(ROLE_GRID_WORKER),
      "pass, note (required on fail), attachments"},
     act_verify},
    {{"verify_request", "发核实", S(CS_REPORTED), R(ROLE_OPERATOR), "note"},
     act_verify_request},
    {{"void", "作废", S(CS_REGISTERED) | S(CS_FILED), R(ROLE_SHIFT_LEADER),
      "note (required)"},
     act_void},
};
static const int nactions = sizeof actions / sizeof actions[0];

/* The actions' descriptions in one array, made once (by whichever thread
** asks first; the others wait for it). */
static struct case_action_info action_info[sizeof actions / sizeof actions[0]];
static void
make_action_info(void)
{
  for (int i = 0; i < nactions; i++)
    action_info[i] = actions[i].info;
}

const struct case_action_info *
case_actions(int *n)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, make_action_info);
  *n = nactions;
  return action_info;
}

static int
cmp_action(const void *k, const void *v)
{
  return strcmp(k, ((const struct action *)v)->info.name);
}

static const struct action *
find_action(const char *name)
{
  return name ? bsearch(name, actions, nactions, sizeof actions[0], cmp_action)
              : NULL;
}

/* Names of the states or roles in a bit set, "a, b or c", into buf. */
static void
names(unsigned set, const char *(*name)(int), int count, char *buf, size_t n)
{
  int total = 0, seen = 0;
  size_t len = 0;
  for (int i = 0; i < count; i++)
    total += (set >> i) & 1;
  buf[0] = 0;
  for (int i = 0; i < count && len < n; i++)
    if ((set >> i) & 1) {
      seen++;
      len += snprintf(buf + len, n - len, "%s'%s'",
                      seen == 1       ? ""
                      : seen == total ? " or "
                                      : ", ",
                      name(i));
    }
}

/* May `who` take action act on case k: its role, its scope and the
** case's state? (check_action() says why not.) */
static int
allowed(const struct org_user *who, const struct kase *k,
        const struct action *act)
{
  if (who->disabled || !(act->info.roles & ROLE_BIT(who->role)) ||
      !(act->info.from & S(k->state)))
    return 0;
  switch (who->role) {
  case ROLE_SYSTEM:
    return 1;
  case ROLE_PUBLIC:
    return strcmp(k->reporter, who->login) == 0;
  case ROLE_DEPARTMENT:
    for (int i = 0; i < k->ntasks; i++)
      if (strcmp(k->tasks[i].dept, who->dept) == 0) return 1;
    return 0;
  default:
    return org_in_scope(who, k->grid);
  }
}

/* May `who` act on case k at all (scope)? */
static int
in_scope(const struct org_user *who, const struct kase *k, struct cg_err *e)
{
  if (who->role == ROLE_SYSTEM) return CG_OK;
  if (who->role == ROLE_PUBLIC) {
    if (strcmp(k->reporter, who->login) == 0) return CG_OK;
    return cg_fail(e, CG_EPERM, "case '%s' is not your report", k->no);
  }
  if (who->role == ROLE_DEPARTMENT) {
    for (int i = 0; i < k->ntasks; i++)
      if (strcmp(k->tasks[i].dept, who->dept) == 0) return CG_OK;
    return cg_fail(e, CG_EPERM, "case '%s' was not sent to department '%s'",
                   k->no, who->dept);
  }
  if (org_in_scope(who, k->grid)) return CG_OK;
  return cg_fail(e, CG_EPERM, "case '%s' lies outside the area of '%s'", k->no,
                 who->login);
}

/* Check an action against a loaded case: known, state, role, scope. */
static const struct action *
check_action(const struct org_user *who, const struct kase *k, const char *name,
             struct cg_err *e)
{
  const struct action *act = find_action(name);
  char buf[400];

  if (!act) {
    cg_fail(e, CG_EINVAL, "unknown action '%s'", name ? name : "");
    return NULL;
  }
  if (who->disabled) {
    cg_fail(e, CG_EPERM, "user '%s' is disabled", who->login);
    return NULL;
  }
  if (!(act->info.roles & ROLE_BIT(who->role))) {
    names(act->info.roles, org_role_name, ROLE_COUNT, buf, sizeof buf);
    cg_fail(e, CG_EPERM, "cannot '%s' case '%s': '%s' is for %s, not '%s'",
            name, k->no, name, buf, org_role_name(who->role));
    return NULL;
  }
  /* scope before state: who may not touch a case learns nothing of it */
  if (in_scope(who, k, e) != CG_OK) return NULL;
  if (!(act->info.from & S(k->state))) {
    names(act->info.from, case_state_name, CS_COUNT, buf, sizeof buf);
    cg_fail(e, CG_ECONFLICT,
            "cannot '%s' case '%s': it is '%s'; '%s' needs "
            "%s",
            name, k->no, case_state_name(k->state), name, buf);
    return NULL;
  }
  return act;
}

/* Record the attachments in the event (case_add_attachments() checks
** that they are stored). */
static int
note_attachments(struct step *s)
{
  json_t *list;
  if (!s->a->natt) return CG_OK;
  list = json_array();
  json_object_set_new(s->data, "attachments", list);
  for (int i = 0; i < s->a->natt; i++)
    json_array_append_new(
        list, json_pack("{s:s, s:s}", "sha256", s->a->att[i].sha256, "stage",
                        s->a->att[i].stage ? s->a->att[i].stage : "document"));
  return CG_OK;
}

int
case_apply(struct case_env *env, const struct org_user *who, const char *no,
           const struct case_act *a, struct cg_err *e)
{
  const struct action *act;
  struct kase k;
  struct step s;
  int rc, from;

  if ((rc = case_tx_begin(env, e)) != CG_OK) return rc;
  if ((rc = case_load_env(env, no, &k, e)) != CG_OK) goto fail;
  if (!(act = check_action(who, &k, a->action, e))) {
    rc = e->code;
    goto fail;
  }
  memset(&s, 0, sizeof s);
  s.env = env;
  s.who = who;
  s.a = a;
  s.k = &k;
  s.at = a->at ? a->at : case_now(env);
  s.to = from = k.state;
  s.data = json_object();
  s.e = e;
  if ((rc = note_attachments(&s)) == CG_OK) rc = act->fn(&s);
  if (rc == CG_OK) {
    k.state = s.to;
    if (s.to != from || strcmp(a->action, "dispatch") == 0) {
      if ((rc = case_set_step(env, &k, s.at, e)) != CG_OK) goto done;
    }
    rc = case_event(env, &k, s.at, who, a->action, from, s.to, a->note, s.data,
                    e);
  }
  if (rc == CG_OK)
    rc = case_add_attachments(env, k.no, k.last_seq, a->att, a->natt, e);
  if (rc == CG_OK) rc = case_save_env(env, &k, e);
done:
  json_decref(s.data);
  if (rc != CG_OK) goto fail;
  return case_tx_commit(env, e);
fail:
  case_tx_rollback(env);
  return rc;
}

json_t *
case_actions_json(const struct org_user *who, const struct kase *k)
{
  json_t *list = json_array();
  for (int i = 0; i < nactions; i++) {
    if (strcmp(actions[i].info.name, "escalate") == 0 &&
        who->role == ROLE_SYSTEM)
      continue;
    if (allowed(who, k, &actions[i]))
      json_array_append_new(list, json_string(actions[i].info.name));
  }
  return list;
}
