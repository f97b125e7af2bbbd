/*
** sweep.c — supervision of overdue work (督办). A periodic sweep looks at
** every open case past a deadline (a department's task, or the step the
** case waits in), works out how much of the limit is used, and raises the
** case's escalation level at each threshold of env->escalate_pct it has
** passed (100 %, 150 %, 200 % by default: command centre, the leader in
** charge, the principal leader), writing an 'escalate' event each time.
** Suspended and deferred cases have their clock stopped and are skipped.
*/
#include "case_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The escalation level for a share of a limit used. */
static int
level_for(const struct case_env *env, double pct)
{
  int level = 0;
  for (int i = 0; i < env->nescalate; i++)
    if (pct > env->escalate_pct[i]) level = i + 1;
  return level;
}

/* Escalate one case if it needs it; *done set to 1 when it was. */
static int
sweep_case(struct case_env *env, const char *no, int64_t now, int *done,
           struct cg_err *e)
{
  static const struct org_user sweeper = {"system", "督办", ROLE_SYSTEM, "", "",
                                          "",       0};
  struct kase k;
  double worst = 0, pct;
  int which = 0, level, rc;
  char note[256];
  json_t *data;

  *done = 0;
  if ((rc = case_load_env(env, no, &k, e)) != CG_OK) return rc;
  if (k.state == CS_SUSPENDED || k.state == CS_DEFERRED) return CG_OK;
  for (int i = 0; i < k.ntasks; i++) {
    const struct task *t = &k.tasks[i];
    if (t->state != TS_OPEN && t->state != TS_RETURNING &&
        t->state != TS_SUSPENDING)
      continue;
    case_light(env->cal, t->dispatched_at, t->due_at, now, 0, &pct);
    if (pct > worst) {
      worst = pct;
      which = t->n;
    }
  }
  if (!which && k.step_due) {
    case_light(env->cal, k.step_started, k.step_due, now, 0, &pct);
    worst = pct;
  }
  level = level_for(env, worst);
  if (level <= k.escalation) return CG_OK;
  if (which)
    snprintf(note, sizeof note,
             "督办 level %d: task %d has used %.0f%% of "
             "its limit",
             level, which, worst);
  else
    snprintf(note, sizeof note,
             "督办 level %d: step '%s' has used %.0f%% of "
             "its limit",
             level, case_state_name(k.state), worst);
  k.escalation = level;
  data = json_pack("{s:i, s:f}", "level", level, "used_pct", worst);
  if (which) json_object_set_new(data, "task", json_integer(which));
  rc = case_event(env, &k, now, &sweeper, "escalate", k.state, k.state, note,
                  data, e);
  json_decref(data);
  if (rc == CG_OK) rc = case_save_env(env, &k, e);
  if (rc == CG_OK) *done = 1;
  return rc;
}

int
case_sweep(struct case_env *env, int64_t now, int *n, struct cg_err *e)
{
  static const char sql[] =
      "SELECT no FROM cases WHERE (state = 'dispatched' AND due_at < ?)"
      " OR (state IN ('reported', 'verifying', 'verified', 'registered',"
      " 'filed', 'handled', 'checking', 'checked', 'self_handled')"
      " AND step_due < ?) ORDER BY no";
  struct db_stmt *st;
  char(*nos)[32] = NULL;
  int count = 0, cap = 0, rc;

  *n = 0;
  if ((rc = case_flush(env, e)) != CG_OK) return rc;
  /* collect first: the escalations write to the table being read */
  if ((rc = db_prepare(env->db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ii", now, now);
  while ((rc = db_step(st, e)) == DB_ROW) {
    if (count == cap) {
      cap = cap ? cap * 2 : 256;
      if (!(nos = realloc(nos, cap * sizeof *nos))) abort();
    }
    snprintf(nos[count++], 32, "%s", db_col_text(st, 0));
  }
  db_finalize(st);
  if (rc < 0) {
    free(nos);
    return -rc;
  }
  for (int i = 0; i < count; i++) {
    int done = 0;
    if ((rc = case_tx_begin(env, e)) != CG_OK) break;
    rc = sweep_case(env, nos[i], now, &done, e);
    if (rc == CG_OK)
      rc = case_tx_commit(env, e);
    else
      case_tx_rollback(env);
    if (rc != CG_OK) break;
    *n += done;
  }
  free(nos);
  return rc;
}
