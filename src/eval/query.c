/*
** query.c — reading the aggregates: the counts of every unit of a kind
** over a period (the days of eval_fact summed, the open cases past their
** deadline counted as of the time asked for), and the indicators, scores,
** grades, ranks and change against the previous period built from them.
*/
#include "eval_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The units of a kind that exist (areas, departments, segments, people of
** a role), with names: code, name[, length_m]. Indexed by enum eval_kind;
** district, street, community and grid share one query. */
static const char *const unit_sql[EK_COUNT] = {
    "SELECT code, name, 0 FROM area WHERE level = 'district' ORDER BY code",
    "SELECT code, name, 0 FROM area WHERE level = 'street' ORDER BY code",
    "SELECT code, name, 0 FROM area WHERE level = 'community' ORDER BY code",
    "SELECT code, name, 0 FROM area WHERE level = 'grid' ORDER BY code",
    "SELECT code, name, 0 FROM department WHERE active = 1 ORDER BY code",
    "SELECT id, name, length_m FROM road_segment ORDER BY id",
    "SELECT login, name, 0 FROM app_user WHERE role = 'grid_worker' ORDER BY"
    " login",
    "SELECT login, name, 0 FROM app_user WHERE role = 'operator' ORDER BY"
    " login",
    "SELECT login, name, 0 FROM app_user WHERE role = 'shift_leader' ORDER BY"
    " login",
    "SELECT login, name, 0 FROM app_user WHERE role = 'dispatcher' ORDER BY"
    " login",
};

/* Open cases past due, by unit: the column of eval_open per kind (NULL:
** the kind has no disposal figures). The unary + keeps the planner on the
** day index (a period's cohort is small; all cases past due are not). */
static const char *const open_sql[EK_COUNT] = {
    "SELECT '', count(*) FROM eval_open WHERE day >= ? AND day < ? AND"
    " +parked = 0 AND +due_at < ?",
    "SELECT street, count(*) FROM eval_open WHERE day >= ? AND day < ? AND"
    " +parked = 0 AND +due_at < ? GROUP BY street",
    "SELECT community, count(*) FROM eval_open WHERE day >= ? AND day < ? AND"
    " +parked = 0 AND +due_at < ? GROUP BY community",
    "SELECT grid, count(*) FROM eval_open WHERE day >= ? AND day < ? AND"
    " +parked = 0 AND +due_at < ? GROUP BY grid",
    "SELECT d.dept, count(*) FROM eval_open o JOIN eval_open_dept d"
    " ON d.case_no = o.case_no WHERE o.day >= ? AND o.day < ? AND"
    " +o.parked = 0 AND +o.due_at < ? GROUP BY d.dept",
    "SELECT segment, count(*) FROM eval_open WHERE day >= ? AND day < ? AND"
    " +parked = 0 AND +due_at < ? GROUP BY segment",
    NULL,
    NULL,
    NULL,
    NULL};

static int
cmp_row(const void *a, const void *b)
{
  return strcmp(((const struct eval_row *)a)->code,
                ((const struct eval_row *)b)->code);
}

/* The row of `code`, adding one (kept sorted) if it is not there. */
static struct eval_row *
row_of(struct eval_row **rows, int *n, int *cap, const char *code, int add)
{
  struct eval_row key, *hit;
  snprintf(key.code, sizeof key.code, "%s", code);
  hit = *n ? bsearch(&key, *rows, *n, sizeof **rows, cmp_row) : NULL;
  if (hit || !add) return hit;
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    if (!(*rows = realloc(*rows, *cap * sizeof **rows))) abort();
  }
  memset(&(*rows)[*n], 0, sizeof **rows);
  snprintf((*rows)[*n].code, sizeof key.code, "%s", code);
  snprintf((*rows)[*n].name, sizeof key.name, "%s", code);
  (*n)++;
  qsort(*rows, *n, sizeof **rows, cmp_row);
  return row_of(rows, n, cap, code, 0);
}

/* The sum query over a kind's days, built once (by whichever thread asks
** first; the others wait for it). */
static char sum_text[2048];
static void
build_sum_sql(void)
{
  char *sql = sum_text;
  const size_t size = sizeof sum_text;
  size_t n = 0;
  n += snprintf(sql + n, size - n, "SELECT unit");
  for (int m = 0; m < EM_COUNT; m++)
    n += snprintf(sql + n, size - n, ", sum(%s)", eval_measure_name(m));
  snprintf(sql + n, size - n,
           " FROM eval_fact WHERE kind = ? AND day >= ? AND day < ?"
           " AND (? IS NULL OR unit = ?) GROUP BY unit");
}

static const char *
sum_sql(void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, build_sum_sql);
  return sum_text;
}

int
eval_rows(struct case_env *env, int kind, const struct eval_period *p,
          const char *code, int64_t at, struct eval_row **out, int *nout,
          struct cg_err *e)
{
  struct eval_row *rows = NULL, *r;
  struct db *db = env->db;
  struct db_stmt *st;
  int n = 0, cap = 0, rc;
  int persons = kind >= EK_SUPERVISOR;

  *out = NULL;
  *nout = 0;
  if (kind < 0 || kind >= EK_COUNT)
    return cg_fail(e, CG_EINVAL, "unknown kind of unit");
  /* the units that exist, with names */
  if ((rc = db_prepare_cached(db, &st, unit_sql[kind], e)) != CG_OK) return rc;
  while ((rc = db_step(st, e)) == DB_ROW) {
    if (code && strcmp(code, db_col_text(st, 0))) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      if (!(rows = realloc(rows, cap * sizeof *rows))) abort();
    }
    r = &rows[n++];
    memset(r, 0, sizeof *r);
    snprintf(r->code, sizeof r->code, "%s", db_col_text(st, 0));
    snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 1));
    r->c.length_m = db_col_double(st, 2);
  }
  db_finalize(st);
  if (rc < 0) goto fail;
  if (n) qsort(rows, n, sizeof *rows, cmp_row);
  /* the sums of its days */
  if ((rc = db_prepare_cached(db, &st, sum_sql(), e)) != CG_OK) goto fail;
  db_bindf(st, "tiitt", eval_kind_name(kind), p->day0, p->day1, code, code);
  while ((rc = db_step(st, e)) == DB_ROW) {
    /* a person no longer of the role still shows with what they did */
    if (!(r = row_of(&rows, &n, &cap, db_col_text(st, 0), persons))) continue;
    for (int m = 0; m < EM_COUNT; m++)
      r->c.m[m] = db_col_int(st, 1 + m);
  }
  db_finalize(st);
  if (rc < 0) goto fail;
  if (code && n == 0) {
    rc = cg_fail(e, CG_ENOTFOUND, "no %s '%s'", eval_kind_name(kind), code);
    goto fail;
  }
  /* open cases of the cohort past their deadline at `at` */
  if (open_sql[kind]) {
    if ((rc = db_prepare_cached(db, &st, open_sql[kind], e)) != CG_OK)
      goto fail;
    db_bindf(st, "iii", p->day0, p->day1, at);
    while ((rc = db_step(st, e)) == DB_ROW) {
      const char *u =
          kind == EK_DISTRICT && n ? rows[0].code : db_col_text(st, 0);
      if ((r = row_of(&rows, &n, &cap, u, 0))) r->c.overdue = db_col_int(st, 1);
    }
    db_finalize(st);
    if (rc < 0) goto fail;
  }
  /* unit grids per area: a range of the (level, code) index each */
  if (kind == EK_GRID) {
    for (int i = 0; i < n; i++)
      rows[i].c.grids = 1;
  } else if (kind <= EK_COMMUNITY) {
    static const char gsql[] =
        "SELECT a.code, (SELECT count(*) FROM area g WHERE g.level = 'grid'"
        " AND g.code > a.code AND g.code < a.code || '~') FROM area a"
        " WHERE a.level = ?";
    if ((rc = db_prepare_cached(db, &st, gsql, e)) != CG_OK) goto fail;
    db_bindf(st, "t", area_level_name(kind)); /* EK_ and AREA_ agree */
    while ((rc = db_step(st, e)) == DB_ROW)
      if ((r = row_of(&rows, &n, &cap, db_col_text(st, 0), 0)))
        r->c.grids = db_col_int(st, 1);
    db_finalize(st);
    if (rc < 0) goto fail;
  }
  for (int i = 0; i < n; i++)
    rows[i].c.days = (int)(p->day1 - p->day0);
  *out = rows;
  *nout = n;
  return CG_OK;
fail:
  free(rows);
  return rc < 0 ? -rc : rc;
}

/* ---- indicators as JSON --------------------------------------------------- */

/* A figure as JSON: null without a value; rates and fractions rounded to
** 2 decimals; whole counts as integers. */
static json_t *
figure(int i, const struct eval_counts *c)
{
  int n;
  const struct eval_indicator *ind = eval_indicators(&n);
  double v;
  if (!eval_indicator_value(i, c, &v)) return json_null();
  if (!ind[i].rate && v == (double)(int64_t)v) return json_integer((int64_t)v);
  return json_real(eval_round2(v));
}

json_t *
eval_period_json(const struct eval_period *p)
{
  int y, m, d, y1, m1, d1;
  char from[16], to[16], zh[128];
  eval_day_date(p->day0, &y, &m, &d);
  eval_day_date(p->day1 - 1, &y1, &m1, &d1);
  snprintf(from, sizeof from, "%04d-%02d-%02d", y, m, d);
  snprintf(to, sizeof to, "%04d-%02d-%02d", y1, m1, d1);
  eval_period_zh(p, zh, sizeof zh);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "kind",
                   eval_period_kind_name(p->kind), "key", p->key, "from", from,
                   "to", to, "zh", zh, "start", (json_int_t)p->start, "end",
                   (json_int_t)p->end);
}

json_t *
eval_periods_json(int kind, int64_t at, int utc_offset, int count)
{
  struct eval_period p;
  json_t *list = json_array();
  eval_period_of_day(kind, eval_day_of(at, utc_offset), utc_offset, &p);
  for (int i = 0; i < count; i++) {
    struct eval_period before;
    json_t *o = eval_period_json(&p);
    json_object_set_new(o, "complete", json_boolean(p.end <= at));
    json_array_append_new(list, o);
    eval_period_prev(&p, utc_offset, &before); /* not in place */
    p = before;
  }
  return list;
}

json_t *
eval_indicators_obj(int kind, const struct eval_counts *c)
{
  int n;
  const struct eval_indicator *ind = eval_indicators(&n);
  json_t *o = json_object();
  for (int i = 0; i < n; i++)
    if (ind[i].kinds & EK_BIT(kind))
      json_object_set_new(o, ind[i].key, figure(i, c));
  return o;
}

/* Scores of rows into score[]/has[]/grade[] and ranks into rank[]. */
static void
score_rows(const struct eval_conf *conf, int kind, const struct eval_row *rows,
           int n, double *score, int *has, char (*grade)[8], int *rank,
           json_t **missing)
{
  const char *f = eval_formula_of(kind);
  for (int i = 0; i < n; i++) {
    if (missing) missing[i] = json_array();
    has[i] = f && eval_score(conf, f, &rows[i].c, &score[i],
                             missing ? missing[i] : NULL);
    if (has[i]) {
      score[i] = eval_round2(score[i]);
      eval_grade(conf, score[i], grade[i]);
    } else {
      grade[i][0] = 0;
    }
  }
  eval_rank(score, has, n, rank);
}

/* Sort order of the output: rank (unranked last), then code. The ranks
** and rows come with each sort (qsort_r), not in statics: the server
** ranks on several threads at once. */
struct ranked {
  const int *rank;
  const struct eval_row *rows;
};
static int
cmp_ranked(const void *a, const void *b, void *arg)
{
  const struct ranked *s = arg;
  int i = *(const int *)a, j = *(const int *)b;
  int ri = s->rank[i] ? s->rank[i] : 1 << 30;
  int rj = s->rank[j] ? s->rank[j] : 1 << 30;
  if (ri != rj) return ri < rj ? -1 : 1;
  return strcmp(s->rows[i].code, s->rows[j].code);
}

json_t *
eval_ranked_json(struct case_env *env, const struct eval_conf *conf, int kind,
                 const struct eval_period *p, const struct eval_period *prev,
                 const char *code, int64_t at, struct cg_err *e)
{
  struct eval_row *cur = NULL, *old = NULL;
  int ncur = 0, nold = 0;
  double *sc = NULL, *so = NULL;
  int *hc = NULL, *ho = NULL, *rc_ = NULL, *ro = NULL, *order = NULL;
  char(*gc)[8] = NULL, (*go)[8] = NULL;
  json_t **missing = NULL, *list = NULL;

  /* every unit of the kind, so that ranks are among all of them; code
  ** only checked here and picked below */
  if ((code && eval_rows(env, kind, p, code, at, &cur, &ncur, e) != CG_OK))
    goto out;
  free(cur);
  cur = NULL;
  if (eval_rows(env, kind, p, NULL, at, &cur, &ncur, e) != CG_OK ||
      eval_rows(env, kind, prev, NULL, at, &old, &nold, e) != CG_OK)
    goto out;
  sc = calloc(ncur + 1, sizeof *sc);
  so = calloc(nold + 1, sizeof *so);
  hc = calloc(ncur + 1, sizeof *hc);
  ho = calloc(nold + 1, sizeof *ho);
  rc_ = calloc(ncur + 1, sizeof *rc_);
  ro = calloc(nold + 1, sizeof *ro);
  order = calloc(ncur + 1, sizeof *order);
  gc = calloc(ncur + 1, sizeof *gc);
  go = calloc(nold + 1, sizeof *go);
  missing = calloc(ncur + 1, sizeof *missing);
  if (!sc || !so || !hc || !ho || !rc_ || !ro || !order || !gc || !go ||
      !missing)
    abort();
  score_rows(conf, kind, cur, ncur, sc, hc, gc, rc_, missing);
  score_rows(conf, kind, old, nold, so, ho, go, ro, NULL);
  for (int i = 0; i < ncur; i++)
    order[i] = i;
  qsort_r(order, ncur, sizeof *order, cmp_ranked, &(struct ranked){rc_, cur});
  list = json_array();
  for (int k = 0; k < ncur; k++) {
    int i = order[k];
    struct eval_row *o =
        nold ? bsearch(&cur[i], old, nold, sizeof *old, cmp_row) : NULL;
    int j = o ? (int)(o - old) : -1;
    json_t *row;
    if (code && strcmp(cur[i].code, code)) continue;
    row = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "code", cur[i].code, "name",
        cur[i].name, "indicators", eval_indicators_obj(kind, &cur[i].c),
        "score", hc[i] ? json_real(sc[i]) : json_null(), "grade",
        hc[i] ? json_string(gc[i]) : json_null(), "rank",
        rc_[i] ? json_integer(rc_[i]) : json_null(), "missing", missing[i]);
    missing[i] = NULL;
    json_object_set_new(
        row, "previous",
        json_pack("{s:o, s:o, s:o}", "score",
                  j >= 0 && ho[j] ? json_real(so[j]) : json_null(), "grade",
                  j >= 0 && ho[j] ? json_string(go[j]) : json_null(), "rank",
                  j >= 0 && ro[j] ? json_integer(ro[j]) : json_null()));
    json_object_set_new(row, "change",
                        json_pack("{s:o, s:o}", "score",
                                  j >= 0 && ho[j] && hc[i]
                                      ? json_real(eval_round2(sc[i] - so[j]))
                                      : json_null(),
                                  "rank",
                                  j >= 0 && ro[j] && rc_[i]
                                      ? json_integer(ro[j] - rc_[i])
                                      : json_null()));
    json_array_append_new(list, row);
  }
out:
  for (int i = 0; missing && i < ncur; i++)
    json_decref(missing[i]);
  free(missing);
  free(cur);
  free(old);
  free(sc);
  free(so);
  free(hc);
  free(ho);
  free(rc_);
  free(ro);
  free(order);
  free(gc);
  free(go);
  return list;
}

json_t *
eval_indicators_json(struct case_env *env, int kind,
                     const struct eval_period *p, const char *code, int64_t at,
                     struct cg_err *e)
{
  struct eval_refresh_stats rs;
  struct eval_period prev;
  struct eval_conf *conf;
  json_t *rows, *terms = NULL, *grades = NULL;

  if (eval_refresh(env, 0, &rs, e) != CG_OK) return NULL;
  if (!(conf = eval_conf_load(env->db, e))) return NULL;
  eval_period_prev(p, cal_utc_offset(env->cal), &prev);
  rows = eval_ranked_json(env, conf, kind, p, &prev, code, at, e);
  if (rows) {
    terms = eval_terms_json(conf, eval_formula_of(kind));
    grades = eval_grades_json(conf);
  }
  eval_conf_free(conf);
  if (!rows) return NULL;
  return json_pack("{s:o, s:o, s:I, s:s, s:s, s:s?, s:o, s:o, s:o}", "period",
                   eval_period_json(p), "previous", eval_period_json(&prev),
                   "at", (json_int_t)at, "unit", eval_kind_name(kind),
                   "unit_zh", eval_kind_zh(kind), "formula",
                   eval_formula_of(kind), "terms", terms, "grades", grades,
                   "rows", rows);
}
