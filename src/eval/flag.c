/*
** flag.c — red and black flags (红旗 / 黑旗) for road and river segments.
** No national rule exists (DOMAIN.md §4.3), so the rule is configuration in
** the setting table: 'rank' flags the best flag.red and the worst
** flag.black segments by score (flag.ties 'all': a tie at the cut-off
** flags every tied segment; 'none': none of them), 'threshold' flags red
** at or above flag.red_min and black below flag.black_max; segments with
** fewer than flag.min_cases reports in the period are left out. Flags of
** a period that has ended are stored, so each segment has a history.
** Also the evaluation's settings helpers.
*/
#include "eval_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
eval_setting(struct db *db, const char *key, char *buf, size_t n,
             struct cg_err *e)
{
  struct db_stmt *st;
  int rc;
  buf[0] = 0;
  if ((rc = db_prepare_cached(
           db, &st, "SELECT value FROM setting WHERE key = ?", e)) != CG_OK)
    return rc;
  db_bindf(st, "t", key);
  if ((rc = db_step(st, e)) == DB_ROW)
    snprintf(buf, n, "%s", db_col_text(st, 0));
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
eval_setting_num(struct db *db, const char *key, double dflt, double *v,
                 struct cg_err *e)
{
  char buf[64], *end;
  int rc = eval_setting(db, key, buf, sizeof buf, e);
  if (rc != CG_OK) return rc;
  if (!*buf) return *v = dflt, CG_OK;
  *v = strtod(buf, &end);
  if (*end)
    return cg_fail(e, CG_EINVAL, "setting '%s' is '%s', not a number", key,
                   buf);
  return CG_OK;
}

int
eval_setting_put(struct db *db, const char *key, const char *value,
                 struct cg_err *e)
{
  struct db_stmt *st;
  int rc;
  if ((rc = db_prepare_cached(db, &st,
                              "INSERT INTO setting (key, value) VALUES (?, ?)"
                              " ON CONFLICT (key) DO UPDATE SET"
                              " value = excluded.value",
                              e)) != CG_OK)
    return rc;
  db_bindf(st, "tt", key, value);
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

/* ---- the rule --------------------------------------------------------------- */

struct rule {
  char mode[16], ties[8];
  double red, black, red_min, black_max, min_cases;
};

static int
load_rule(struct db *db, struct rule *r, struct cg_err *e)
{
  int rc;
  if ((rc = eval_setting(db, "flag.mode", r->mode, sizeof r->mode, e)) ||
      (rc = eval_setting(db, "flag.ties", r->ties, sizeof r->ties, e)) ||
      (rc = eval_setting_num(db, "flag.red", 3, &r->red, e)) ||
      (rc = eval_setting_num(db, "flag.black", 3, &r->black, e)) ||
      (rc = eval_setting_num(db, "flag.red_min", 90, &r->red_min, e)) ||
      (rc = eval_setting_num(db, "flag.black_max", 60, &r->black_max, e)) ||
      (rc = eval_setting_num(db, "flag.min_cases", 1, &r->min_cases, e)))
    return rc;
  if (!*r->mode) snprintf(r->mode, sizeof r->mode, "rank");
  if (!*r->ties) snprintf(r->ties, sizeof r->ties, "all");
  return CG_OK;
}

/* One rule setting: key and value checked. */
static int
put_rule(struct db *db, const struct db_csv_row *row, void *arg,
         struct cg_err *e)
{
  static const char *const nums[] = {"flag.red", "flag.black", "flag.red_min",
                                     "flag.black_max", "flag.min_cases"};
  char **v = row->f, *end;
  size_t k;
  if (!strcmp(v[0], "flag.mode")) {
    if (strcmp(v[1], "rank") && strcmp(v[1], "threshold"))
      return cg_fail(e, CG_EINVAL, "flag.mode '%s' is not rank or threshold",
                     v[1]);
  } else if (!strcmp(v[0], "flag.ties")) {
    if (strcmp(v[1], "all") && strcmp(v[1], "none"))
      return cg_fail(e, CG_EINVAL, "flag.ties '%s' is not all or none", v[1]);
  } else if (!strcmp(v[0], "flag.period")) {
    if (strcmp(v[1], "week"))
      return cg_fail(e, CG_EINVAL, "flag.period '%s': only week is supported",
                     v[1]);
  } else if (!strcmp(v[0], "eval.segment_m")) {
    double d = strtod(v[1], &end);
    if (!*v[1] || *end || !(d > 0) || d > 1000)
      return cg_fail(e, CG_EINVAL, "eval.segment_m '%s' is not 1 to 1000 m",
                     v[1]);
  } else {
    for (k = 0; k < sizeof nums / sizeof nums[0]; k++)
      if (!strcmp(v[0], nums[k])) break;
    if (k == sizeof nums / sizeof nums[0])
      return cg_fail(e, CG_EINVAL, "unknown flag setting '%s'", v[0]);
    strtod(v[1], &end);
    if (!*v[1] || *end || strtod(v[1], NULL) < 0)
      return cg_fail(e, CG_EINVAL, "%s '%s' is not a number", v[0], v[1]);
  }
  if (!strcmp(v[0], "eval.segment_m")) {
    int rc = eval_reset(db, e); /* attribution changes */
    if (rc != CG_OK) return rc;
  }
  return eval_setting_put(db, v[0], v[1], e);
}

int
eval_import_flag_rules(struct db *db, const char *path, int *n,
                       struct cg_err *e)
{
  static const char *const cols[] = {"key", "value"};
  return db_load_csv(db, path, cols, 2, 2, NULL, put_rule, NULL,
                     "flag settings", n, e);
}

/* ---- assigning ---------------------------------------------------------------- */

void
eval_flag_assign(const struct eval_flag_rule *rl, const double *score,
                 const int *has, int n, int *flag)
{
  for (int i = 0; i < n; i++) {
    int above = 0, below = 0, tied = 0;
    flag[i] = 0;
    if (!has[i]) continue;
    if (rl->threshold) {
      flag[i] = score[i] >= rl->red_min ? 1 : score[i] < rl->black_max ? -1 : 0;
      continue;
    }
    for (int j = 0; j < n; j++) {
      if (!has[j]) continue;
      if (score[j] > score[i] + 1e-9)
        above++;
      else if (score[j] < score[i] - 1e-9)
        below++;
      else
        tied++;
    }
    /* the group of tied units holds places above+1 .. above+tied from the
    ** top, below+1 .. below+tied from the bottom */
    if (above < rl->red && (!rl->ties_none || above + tied <= rl->red))
      flag[i] = 1;
    else if (below < rl->black && (!rl->ties_none || below + tied <= rl->black))
      flag[i] = -1;
  }
}

static json_t *
flag_row(const struct eval_row *r, double score, int rank)
{
  return json_pack("{s:s, s:s, s:f, s:i, s:I}", "segment", r->code, "name",
                   r->name, "score", score, "rank", rank, "reports",
                   (json_int_t)r->c.m[EM_REPORTS]);
}

/* Are the flags of p as stored? (n rows with flag[] and score[]) */
static int
same_as_stored(struct db *db, const struct eval_period *p,
               const struct eval_row *rows, int n, const int *flag,
               const double *score, struct cg_err *e)
{
  struct db_stmt *st;
  int want = 0, seen = 0, same = 1;
  for (int i = 0; i < n; i++)
    want += flag[i] != 0;
  if (db_prepare_cached(db, &st,
                        "SELECT segment, flag, score FROM eval_flag WHERE"
                        " period = ?",
                        e) != CG_OK)
    return 0;
  db_bindf(st, "t", p->key);
  while (same && db_step(st, e) == DB_ROW) {
    const char *seg = db_col_text(st, 0);
    int i, f = !strcmp(db_col_text(st, 1), "red") ? 1 : -1;
    for (i = 0; i < n && strcmp(rows[i].code, seg); i++)
      ;
    seen++;
    same = i < n && flag[i] == f && db_col_double(st, 2) == score[i];
  }
  db_finalize(st);
  return same && seen == want;
}

json_t *
eval_flags_json(struct case_env *env, const struct eval_period *p, int64_t at,
                struct cg_err *e)
{
  struct eval_refresh_stats rs;
  struct eval_conf *conf = NULL;
  struct eval_row *rows = NULL;
  struct rule rl;
  int n = 0, ok = 0, stored = 0;
  double *sc = NULL;
  int *has = NULL, *rank = NULL, *low = NULL; /* low: the flags */
  json_t *red = NULL, *black = NULL, *ranked = NULL, *out = NULL;

  if (eval_refresh(env, 0, &rs, e) != CG_OK ||
      load_rule(env->db, &rl, e) != CG_OK ||
      !(conf = eval_conf_load(env->db, e)) ||
      eval_rows(env, EK_SEGMENT, p, NULL, at, &rows, &n, e) != CG_OK)
    goto out;
  sc = calloc(n + 1, sizeof *sc);
  has = calloc(n + 1, sizeof *has);
  rank = calloc(n + 1, sizeof *rank);
  low = calloc(n + 1, sizeof *low);
  if (!sc || !has || !rank || !low) abort();
  for (int i = 0; i < n; i++) {
    has[i] = rows[i].c.m[EM_REPORTS] >= rl.min_cases &&
             eval_score(conf, "segment", &rows[i].c, &sc[i], NULL);
    if (has[i]) sc[i] = eval_round2(sc[i]);
  }
  eval_rank(sc, has, n, rank);
  {
    struct eval_flag_rule fr;
    fr.threshold = !strcmp(rl.mode, "threshold");
    fr.ties_none = !strcmp(rl.ties, "none");
    fr.red = rl.red;
    fr.black = rl.black;
    fr.red_min = rl.red_min;
    fr.black_max = rl.black_max;
    eval_flag_assign(&fr, sc, has, n, low);
  }
  red = json_array();
  black = json_array();
  ranked = json_array();
  for (int r = 1; r <= n; r++) /* best first; ties in code order */
    for (int i = 0; i < n; i++)
      if (has[i] && rank[i] == r)
        json_array_append_new(ranked, flag_row(&rows[i], sc[i], rank[i]));
  for (int i = 0; i < n; i++) {
    if (!has[i]) continue;
    if (low[i])
      json_array_append_new(low[i] > 0 ? red : black,
                            flag_row(&rows[i], sc[i], rank[i]));
  }
  if (p->end <= at && !same_as_stored(env->db, p, rows, n, low, sc, e)) {
    /* the period is over: keep its flags (written again only when a later
    ** report finds them changed) */
    struct db *db = env->db;
    struct db_stmt *st;
    int rc = db_begin(db, e);
    json_t *lists[2] = {red, black};
    if (rc == CG_OK && (rc = db_prepare(db, &st,
                                        "DELETE FROM eval_flag WHERE"
                                        " period = ?",
                                        e)) == CG_OK) {
      db_bindf(st, "t", p->key);
      rc = db_step(st, e) < 0 ? CG_EDB : CG_OK;
      db_finalize(st);
    }
    for (int l = 0; l < 2 && rc == CG_OK; l++) {
      size_t k;
      json_t *f;
      json_array_foreach(lists[l], k, f)
      {
        if (rc != CG_OK) break;
        if ((rc = db_prepare_cached(db, &st,
                                    "INSERT INTO eval_flag (period, segment,"
                                    " flag, score, rank, assigned) VALUES"
                                    " (?, ?, ?, ?, ?, ?)",
                                    e)) != CG_OK)
          break;
        db_bindf(st, "tttdii", p->key,
                 json_string_value(json_object_get(f, "segment")),
                 l ? "black" : "red",
                 json_real_value(json_object_get(f, "score")),
                 (int64_t)json_integer_value(json_object_get(f, "rank")), at);
        rc = db_step(st, e) < 0 ? CG_EDB : CG_OK;
        db_finalize(st);
      }
    }
    if (rc == CG_OK) rc = db_commit(db, e);
    if (rc != CG_OK) {
      db_rollback(db);
      goto out;
    }
  }
  stored = p->end <= at;
  ok = 1;
out:
  if (ok)
    out = json_pack(
        "{s:o, s:{s:s, s:s, s:f, s:f, s:f, s:f, s:f}, s:b, s:O, s:O, s:O}",
        "period", eval_period_json(p), "rule", "mode", rl.mode, "ties", rl.ties,
        "red", rl.red, "black", rl.black, "red_min", rl.red_min, "black_max",
        rl.black_max, "min_cases", rl.min_cases, "stored", stored, "red", red,
        "black", black, "ranked", ranked);
  json_decref(red);
  json_decref(black);
  json_decref(ranked);
  eval_conf_free(conf);
  free(rows);
  free(sc);
  free(has);
  free(rank);
  free(low);
  return out;
}

json_t *
eval_flag_history_json(struct db *db, const char *segment, struct cg_err *e)
{
  struct db_stmt *st;
  int64_t exists = 0;
  json_t *list;
  int rc;

  if (db_query_int(db, &exists, 0, e,
                   "SELECT count(*) FROM road_segment WHERE id = ?", "t",
                   segment) != CG_OK)
    return NULL;
  if (!exists) {
    cg_fail(e, CG_ENOTFOUND, "no segment '%s'", segment);
    return NULL;
  }
  if (db_prepare(db, &st,
                 "SELECT period, flag, score, rank, assigned FROM eval_flag"
                 " WHERE segment = ? ORDER BY period DESC",
                 e) != CG_OK)
    return NULL;
  db_bindf(st, "t", segment);
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW)
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:o, s:o, s:I}", "period",
                        db_col_text(st, 0), "flag", db_col_text(st, 1), "score",
                        db_col_is_null(st, 2) ? json_null()
                                              : json_real(db_col_double(st, 2)),
                        "rank",
                        db_col_is_null(st, 3) ? json_null()
                                              : json_integer(db_col_int(st, 3)),
                        "assigned", (json_int_t)db_col_int(st, 4)));
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return json_pack("{s:s, s:o}", "segment", segment, "flags", list);
}
