/*
** config.c — the case configuration that districts set for themselves:
** routing (category, street, area class → department) and time limits
** ((step, category, area class, urgency) → working hours or days), both
** loaded from CSV files and looked up most-specific-first.
*/
#include "case_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
one_of_classes(const char *v)
{
  return !*v || !strcmp(v, "A") || !strcmp(v, "B") || !strcmp(v, "C");
}

/* One routing rule: scheme,kind,code_prefix,street,area_class,dept. */
static int
put_rule(struct db *db, const struct db_csv_row *row, void *arg,
         struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO routing (scheme, kind, code_prefix, street_code,"
      " area_class, dept_code) VALUES (?, ?, ?, ?, ?, ?)";
  char **v = row->f;
  struct db_stmt *st;
  int rc;

  if (!*v[0] || (strcmp(v[1], "component") && strcmp(v[1], "event") &&
                 strcmp(v[1], "matter")))
    return cg_fail(e, CG_EINVAL,
                   "need a scheme and a kind (component, "
                   "event or matter)");
  if (!one_of_classes(v[4]))
    return cg_fail(e, CG_EINVAL, "area class '%s' is not A, B or C", v[4]);
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "tttttt", v[0], v[1], v[2], v[3], v[4], v[5]);
  rc = db_step(st, e);
  db_finalize(st);
  if (rc == -CG_ECONFLICT)
    return cg_fail(e, CG_EINVAL,
                   "unknown department '%s', or the same rule "
                   "twice",
                   v[5]);
  return rc < 0 ? -rc : CG_OK;
}

int
case_import_routing(struct db *db, const char *path, int *n, struct cg_err *e)
{
  static const char *const cols[] = {"scheme", "kind",       "code_prefix",
                                     "street", "area_class", "dept"};
  return db_load_csv(db, path, cols, 6, 6, "DELETE FROM routing", put_rule,
                     NULL, "routing rules", n, e);
}

static const char *const steps[] = {
    "disposal", "intake",        "verify", "register", "file",
    "dispatch", "check_request", "check",  "close",    "self_approve"};

/* One time limit: step,scheme,code_prefix,area_class,urgency,amount,unit. */
static int
put_limit(struct db *db, const struct db_csv_row *row, void *arg,
          struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO time_limit (step, scheme, code_prefix, area_class,"
      " urgency, amount, unit) VALUES (?, ?, ?, ?, ?, ?, ?)";
  char **v = row->f, *end;
  double amount, urgency = -1;
  struct db_stmt *st;
  size_t k;
  int rc;

  for (k = 0; k < sizeof steps / sizeof steps[0]; k++)
    if (strcmp(v[0], steps[k]) == 0) break;
  if (k == sizeof steps / sizeof steps[0])
    return cg_fail(e, CG_EINVAL, "unknown step '%s'", v[0]);
  if (*v[4]) {
    urgency = strtod(v[4], &end);
    if (*end || (urgency != 0 && urgency != 1 && urgency != 2))
      return cg_fail(e, CG_EINVAL,
                     "urgency '%s' is not 0, 1 or 2 (or empty "
                     "for any)",
                     v[4]);
  }
  amount = strtod(v[5], &end);
  if (*end || !*v[5] || !(amount > 0) ||
      (strcmp(v[6], "hours") && strcmp(v[6], "days")))
    return cg_fail(e, CG_EINVAL,
                   "a limit is a positive amount of 'hours' or "
                   "'days'");
  if (!one_of_classes(v[3]))
    return cg_fail(e, CG_EINVAL, "area class '%s' is not A, B or C", v[3]);
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ttttidt", v[0], v[1], v[2], v[3], (int64_t)urgency, amount,
           v[6]);
  rc = db_step(st, e);
  db_finalize(st);
  if (rc == -CG_ECONFLICT) return cg_fail(e, CG_EINVAL, "the same limit twice");
  return rc < 0 ? -rc : CG_OK;
}

int
case_import_limits(struct db *db, const char *path, int *n, struct cg_err *e)
{
  static const char *const cols[] = {"step",       "scheme",  "code_prefix",
                                     "area_class", "urgency", "amount",
                                     "unit"};
  return db_load_csv(db, path, cols, 7, 7, "DELETE FROM time_limit", put_limit,
                     NULL, "time limits", n, e);
}

int
case_route(struct case_env *env, const struct kase *k, char *buf, size_t n,
           struct cg_err *e)
{
  /* from the whole code down to '', each prefix one seek on the primary
  ** key (scheme, kind, code_prefix, ...) and a walk back over its few
  ** rules; the unary + keeps SQLite from turning the ORs into IN lists,
  ** which cost it a temporary table at every run */
  static const char sql[] =
      "SELECT dept_code FROM routing WHERE scheme = ? AND kind = ?"
      " AND code_prefix = ? AND (+street_code = '' OR +street_code = ?)"
      " AND (+area_class = '' OR +area_class = ?)"
      " ORDER BY street_code DESC, area_class DESC LIMIT 1";
  struct db_stmt *st;
  char prefix[16], key[80];
  int len = (int)strnlen(k->code, sizeof prefix - 1), rc = DB_DONE;

  buf[0] = 0;
  case_memo_key(key, 'r',
                (const char *const[]){k->scheme, k->kind, k->code, k->street,
                                      k->area_class},
                5);
  if (case_memo_get(env, key, NULL, buf, n)) return CG_OK;
  for (int l = len; l >= 0 && rc == DB_DONE; l--) {
    if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
    snprintf(prefix, sizeof prefix, "%.*s", l, k->code);
    db_bindf(st, "ttttt", k->scheme, k->kind, prefix, k->street, k->area_class);
    rc = db_step(st, e);
    if (rc == DB_ROW) snprintf(buf, n, "%s", db_col_text(st, 0));
    db_finalize(st);
  }
  if (rc < 0) return -rc;
  case_memo_put(env, key, 0, buf);
  return CG_OK;
}

int64_t
case_limit(struct case_env *env, const struct kase *k, const char *step,
           struct cg_err *e)
{
  static const char sql[] =
      "SELECT amount, unit FROM time_limit WHERE step = ?"
      " AND (scheme = '' OR scheme = ?)"
      " AND substr(?, 1, length(code_prefix)) = code_prefix"
      " AND (area_class = '' OR area_class = ?)"
      " AND (urgency = -1 OR urgency = ?)"
      " ORDER BY length(code_prefix) DESC, urgency DESC, area_class DESC,"
      " scheme DESC LIMIT 1";
  struct db_stmt *st;
  int64_t secs = 0;
  char key[80];
  int rc;

  {
    char urgency[2] = {(char)('0' + (k->urgency & 7)), 0};
    case_memo_key(
        key, 'l',
        (const char *const[]){step, k->scheme, k->code, k->area_class, urgency},
        5);
  }
  if (case_memo_get(env, key, &secs, NULL, 0)) return secs;
  if (db_prepare_cached(env->db, &st, sql, e) != CG_OK) return 0;
  db_bindf(st, "tttt", step, k->scheme, k->code, k->area_class);
  db_bind_int(st, 5, k->urgency);
  rc = db_step(st, e);
  if (rc == DB_ROW) {
    double amount = db_col_double(st, 0);
    secs = strcmp(db_col_text(st, 1), "days") == 0
               ? (int64_t)(amount * cal_day_seconds(env->cal))
               : (int64_t)(amount * 3600);
  }
  db_finalize(st);
  if (!secs && strcmp(step, "disposal") == 0)
    secs = 5 * cal_day_seconds(env->cal); /* nothing configured */
  if (rc >= 0) case_memo_put(env, key, secs, NULL);
  return secs;
}

int64_t
case_step_limit(struct case_env *env, const char *scheme, const char *code,
                const char *area_class, int urgency, const char *step,
                struct cg_err *e)
{
  struct kase k;
  memset(&k, 0, sizeof k);
  snprintf(k.scheme, sizeof k.scheme, "%s", scheme);
  snprintf(k.code, sizeof k.code, "%s", code);
  snprintf(k.area_class, sizeof k.area_class, "%s", area_class);
  k.urgency = urgency;
  return case_limit(env, &k, step, e);
}

/* The step whose limit applies while a case is in a state, or NULL. */
static const char *
state_step(int state)
{
  switch (state) {
  case CS_REPORTED:
    return "intake";
  case CS_VERIFYING:
    return "verify";
  case CS_VERIFIED:
    return "register";
  case CS_REGISTERED:
    return "file";
  case CS_FILED:
    return "dispatch";
  case CS_HANDLED:
    return "check_request";
  case CS_CHECKING:
    return "check";
  case CS_CHECKED:
    return "close";
  case CS_SELF_HANDLED:
    return "self_approve";
  default:
    return NULL;
  }
}

int
case_set_step(struct case_env *env, struct kase *k, int64_t at,
              struct cg_err *e)
{
  const char *step = state_step(k->state);
  int64_t secs = step ? case_limit(env, k, step, e) : 0;

  k->step_started = at;
  k->step_due = secs ? cal_add(env->cal, at, secs) : 0;
  return CG_OK;
}
