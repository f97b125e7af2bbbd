/*
** score.c — composite scores (综合指标值, 0-100) and grades A-E (DOMAIN.md
** §4.2): a formula per kind of unit is a weighted sum of terms, each an
** indicator taken as it is (a rate in percent), inverted (100 − rate) or
** scored through buckets (a count); weights and buckets are configuration
** a district changes with `citygrid import weights|buckets`. Also the
** competition ranking shared by rankings and flags.
*/
#include "eval_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formulas by kind of unit; NULL: the kind is not scored. */
static const char *const formulas[EK_COUNT] = {
    "area",    "area",       "area",     "area",         "department",
    "segment", "supervisor", "operator", "shift_leader", "dispatcher"};

const char *
eval_formula_of(int kind)
{
  return kind >= 0 && kind < EK_COUNT ? formulas[kind] : NULL;
}

static int
known_formula(const char *f)
{
  for (int k = 0; k < EK_COUNT; k++)
    if (!strcmp(f, formulas[k])) return 1;
  return 0;
}

enum { T_RATE, T_INVERSE, T_BUCKET };

struct weight {
  char formula[32], scale[32];
  int term; /* indicator index */
  int transform;
  double weight;
};

struct bucket {
  char scale[32], op[4], value[16];
  double bound, per_days;
};

struct eval_conf {
  struct weight *w;
  int nw;
  struct bucket *b;
  int nb;
};

void
eval_conf_free(struct eval_conf *c)
{
  if (!c) return;
  free(c->w);
  free(c->b);
  free(c);
}

/* Parse a transform ("rate", "inverse", "bucket:SCALE"). */
static int
parse_transform(const char *s, int *t, char scale[32])
{
  scale[0] = 0;
  if (!strcmp(s, "rate")) return *t = T_RATE, 0;
  if (!strcmp(s, "inverse")) return *t = T_INVERSE, 0;
  if (!strncmp(s, "bucket:", 7) && s[7] && strlen(s + 7) < 32) {
    snprintf(scale, 32, "%s", s + 7);
    return *t = T_BUCKET, 0;
  }
  return -1;
}

struct eval_conf *
eval_conf_load(struct db *db, struct cg_err *e)
{
  struct eval_conf *c = calloc(1, sizeof *c);
  struct db_stmt *st;
  int rc, cap = 0;

  if (!c) return cg_fail(e, CG_ENOMEM, "out of memory"), NULL;
  if (db_prepare(db, &st,
                 "SELECT formula, term, transform, weight FROM eval_weight"
                 " ORDER BY formula, term",
                 e) != CG_OK)
    goto fail;
  while ((rc = db_step(st, e)) == DB_ROW) {
    struct weight *w;
    if (c->nw == cap) {
      cap = cap ? 2 * cap : 32;
      if (!(c->w = realloc(c->w, cap * sizeof *c->w))) abort();
    }
    w = &c->w[c->nw];
    snprintf(w->formula, sizeof w->formula, "%s", db_col_text(st, 0));
    w->term = eval_indicator_find(db_col_text(st, 1));
    w->weight = db_col_double(st, 3);
    if (w->term >= 0 &&
        !parse_transform(db_col_text(st, 2), &w->transform, w->scale))
      c->nw++;
  }
  db_finalize(st);
  if (rc < 0) goto fail;
  cap = 0;
  if (db_prepare(db, &st,
                 "SELECT scale, op, bound, value, per_days FROM eval_bucket"
                 " ORDER BY scale, seq",
                 e) != CG_OK)
    goto fail;
  while ((rc = db_step(st, e)) == DB_ROW) {
    struct bucket *b;
    if (c->nb == cap) {
      cap = cap ? 2 * cap : 32;
      if (!(c->b = realloc(c->b, cap * sizeof *c->b))) abort();
    }
    b = &c->b[c->nb++];
    snprintf(b->scale, sizeof b->scale, "%s", db_col_text(st, 0));
    snprintf(b->op, sizeof b->op, "%s", db_col_text(st, 1));
    b->bound = db_col_double(st, 2);
    snprintf(b->value, sizeof b->value, "%s", db_col_text(st, 3));
    b->per_days = db_col_double(st, 4);
  }
  db_finalize(st);
  if (rc < 0) goto fail;
  return c;
fail:
  eval_conf_free(c);
  return NULL;
}

/* Does "v op bound" hold? */
static int
holds(const char *op, double v, double bound)
{
  if (!strcmp(op, "<")) return v < bound;
  if (!strcmp(op, "<=")) return v <= bound;
  if (!strcmp(op, ">")) return v > bound;
  return v >= bound;
}

/* The first bucket of scale that holds for v, or NULL; 0 if no bucket of
** the scale exists at all. */
static const struct bucket *
first_bucket(const struct eval_conf *conf, const char *scale, double v,
             int days, int *known)
{
  *known = 0;
  for (int i = 0; i < conf->nb; i++) {
    const struct bucket *b = &conf->b[i];
    double bound = b->bound;
    if (strcmp(b->scale, scale)) continue;
    *known = 1;
    if (b->per_days > 0 && days > 0) bound = bound * days / b->per_days;
    if (holds(b->op, v, bound)) return b;
  }
  return NULL;
}

int
eval_bucket_score(const struct eval_conf *conf, const char *scale, double v,
                  int days, double *score)
{
  int known;
  const struct bucket *b = first_bucket(conf, scale, v, days, &known);
  *score = b ? atof(b->value) : 0;
  return known;
}

void
eval_grade(const struct eval_conf *conf, double score, char g[8])
{
  int known;
  const struct bucket *b = first_bucket(conf, "grade", score, 0, &known);
  snprintf(g, 8, "%.7s", b ? b->value : "E");
}

int
eval_score(const struct eval_conf *conf, const char *formula,
           const struct eval_counts *c, double *score, json_t *missing)
{
  double sum = 0, wsum = 0;
  int rates = 0, n;
  const struct eval_indicator *ind = eval_indicators(&n);

  for (int i = 0; i < conf->nw; i++) {
    const struct weight *w = &conf->w[i];
    double v, pts;
    if (strcmp(w->formula, formula)) continue;
    if (!eval_indicator_value(w->term, c, &v)) {
      if (missing)
        json_array_append_new(missing, json_string(ind[w->term].key));
      continue;
    }
    if (w->transform == T_BUCKET) {
      eval_bucket_score(conf, w->scale, v, c->days, &pts);
    } else {
      pts = w->transform == T_INVERSE ? 100 - v : v;
      rates++;
    }
    sum += w->weight * pts;
    wsum += w->weight;
  }
  if (!rates || !(wsum > 0)) return 0;
  *score = sum / wsum;
  return 1;
}

/* Heaviest first, then by indicator key. */
static int
cmp_weight(const void *a, const void *b)
{
  const struct weight *x = *(const struct weight *const *)a;
  const struct weight *y = *(const struct weight *const *)b;
  int n;
  const struct eval_indicator *ind = eval_indicators(&n);
  if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
  return strcmp(ind[x->term].key, ind[y->term].key);
}

json_t *
eval_terms_json(const struct eval_conf *conf, const char *formula)
{
  const struct weight **w = calloc(conf->nw + 1, sizeof *w);
  const struct eval_indicator *ind;
  json_t *list = json_array();
  int n, k = 0;

  if (!w) abort();
  ind = eval_indicators(&n);
  for (int i = 0; i < conf->nw; i++)
    if (formula && !strcmp(conf->w[i].formula, formula)) w[k++] = &conf->w[i];
  qsort(w, k, sizeof *w, cmp_weight);
  for (int i = 0; i < k; i++) {
    char transform[48];
    if (w[i]->transform == T_BUCKET)
      snprintf(transform, sizeof transform, "bucket:%s", w[i]->scale);
    else
      snprintf(transform, sizeof transform, "%s",
               w[i]->transform == T_INVERSE ? "inverse" : "rate");
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:f}", "key",
                                          ind[w[i]->term].key, "zh",
                                          ind[w[i]->term].zh, "transform",
                                          transform, "weight", w[i]->weight));
  }
  free(w);
  return list;
}

json_t *
eval_grades_json(const struct eval_conf *conf)
{
  json_t *list = json_array();
  for (int i = 0; i < conf->nb; i++)
    if (!strcmp(conf->b[i].scale, "grade"))
      json_array_append_new(
          list, json_pack("{s:s, s:s, s:f}", "grade", conf->b[i].value, "op",
                          conf->b[i].op, "bound", conf->b[i].bound));
  return list;
}

void
eval_rank(const double *scores, const int *has, int n, int *rank)
{
  for (int i = 0; i < n; i++) {
    int r = 1;
    if (!has[i]) {
      rank[i] = 0;
      continue;
    }
    for (int j = 0; j < n; j++)
      if (has[j] && scores[j] > scores[i] + 1e-9) r++;
    rank[i] = r;
  }
}

double
eval_round2(double v)
{
  return round(v * 100.0) / 100.0;
}

/* ---- imports ---------------------------------------------------------------- */

/* Weights read in the first pass, checked before any is written. */
struct wload {
  int write;
  char formula[64][32];
  double sum[64];
  int nformula;
};

static int
put_weight(struct db *db, const struct db_csv_row *row, void *arg,
           struct cg_err *e)
{
  struct wload *l = arg;
  char **v = row->f, scale[32], *end;
  double w = strtod(v[3], &end);
  int t, k;

  if (!known_formula(v[0]))
    return cg_fail(e, CG_EINVAL,
                   "unknown formula '%s' (area, department, "
                   "segment, supervisor, operator, shift_leader or "
                   "dispatcher)",
                   v[0]);
  if (eval_indicator_find(v[1]) < 0)
    return cg_fail(e, CG_EINVAL, "unknown indicator '%s'", v[1]);
  if (parse_transform(v[2], &t, scale))
    return cg_fail(e, CG_EINVAL,
                   "unknown transform '%s' (rate, inverse or "
                   "bucket:SCALE)",
                   v[2]);
  if (!*v[3] || *end || !(w > 0) || w > 100)
    return cg_fail(e, CG_EINVAL, "weight '%s' is not a number from 0 to 100",
                   v[3]);
  if (t == T_BUCKET) {
    int64_t have = 0;
    if (db_query_int(db, &have, 0, e,
                     "SELECT count(*) FROM eval_bucket WHERE scale = ?", "t",
                     scale) != CG_OK)
      return CG_EDB;
    if (!have)
      return cg_fail(e, CG_EINVAL,
                     "no buckets for scale '%s': import them "
                     "first",
                     scale);
  }
  for (k = 0; k < l->nformula; k++)
    if (!strcmp(l->formula[k], v[0])) break;
  if (k == l->nformula && k < 64)
    snprintf(l->formula[l->nformula++], 32, "%s", v[0]);
  if (k < 64) l->sum[k] += w;
  if (l->write) {
    struct db_stmt *st;
    int rc = db_prepare_cached(db, &st,
                               "INSERT INTO eval_weight (formula, term,"
                               " transform, weight) VALUES (?, ?, ?, ?)",
                               e);
    if (rc != CG_OK) return rc;
    db_bindf(st, "tttd", v[0], v[1], v[2], w);
    rc = db_step(st, e);
    db_finalize(st);
    if (rc == -CG_ECONFLICT)
      return cg_fail(e, CG_EINVAL, "term '%s' of '%s' given twice", v[1], v[0]);
    if (rc < 0) return -rc;
  }
  return CG_OK;
}

int
eval_import_weights(struct db *db, const char *path, int *n, struct cg_err *e)
{
  static const char *const cols[] = {"formula", "term", "transform", "weight"};
  struct wload l;
  int rc;

  memset(&l, 0, sizeof l);
  if ((rc = db_load_csv(db, path, cols, 4, 4, NULL, put_weight, &l, "weights",
                        n, e)) != CG_OK)
    return rc;
  for (int k = 0; k < l.nformula; k++)
    if (fabs(l.sum[k] - 100) > 1e-6)
      return cg_fail(e, CG_EINVAL,
                     "%s: the weights of '%s' sum to %g %%, not 100 %%", path,
                     l.formula[k], l.sum[k]);
  memset(&l, 0, sizeof l);
  l.write = 1;
  return db_load_csv(db, path, cols, 4, 4, "DELETE FROM eval_weight",
                     put_weight, &l, "weights", n, e);
}

struct bload {
  int seq, write;
  char scales[64][32];
  int nscales;
};

static int
put_bucket(struct db *db, const struct db_csv_row *row, void *arg,
           struct cg_err *e)
{
  struct bload *l = arg;
  char **v = row->f, *end;
  double bound = strtod(v[2], &end), per = 0, val;
  struct db_stmt *st;
  int rc;

  if (!*v[0] || strlen(v[0]) >= 32)
    return cg_fail(e, CG_EINVAL, "a bucket needs a scale name");
  if (strcmp(v[1], "<") && strcmp(v[1], "<=") && strcmp(v[1], ">") &&
      strcmp(v[1], ">="))
    return cg_fail(e, CG_EINVAL, "operator '%s' is not <, <=, > or >=", v[1]);
  if (!*v[2] || *end)
    return cg_fail(e, CG_EINVAL, "bound '%s' is not a number", v[2]);
  if (!strcmp(v[0], "grade")) {
    if (strlen(v[3]) != 1 || v[3][0] < 'A' || v[3][0] > 'E')
      return cg_fail(e, CG_EINVAL, "grade '%s' is not a letter A to E", v[3]);
  } else {
    val = strtod(v[3], &end);
    if (!*v[3] || *end || val < 0 || val > 100)
      return cg_fail(e, CG_EINVAL, "score '%s' is not a number from 0 to 100",
                     v[3]);
  }
  if (*v[4]) {
    per = strtod(v[4], &end);
    if (*end || per < 0)
      return cg_fail(e, CG_EINVAL, "per_days '%s' is not a number of days",
                     v[4]);
  }
  {
    int k;
    for (k = 0; k < l->nscales; k++)
      if (!strcmp(l->scales[k], v[0])) break;
    if (k == l->nscales && k < 64)
      snprintf(l->scales[l->nscales++], 32, "%s", v[0]);
  }
  if (!l->write) return CG_OK;
  if ((rc = db_prepare_cached(db, &st,
                              "INSERT INTO eval_bucket (scale, seq, op, bound,"
                              " value, per_days) VALUES (?, ?, ?, ?, ?, ?)",
                              e)) != CG_OK)
    return rc;
  db_bindf(st, "titdtd", v[0], (int64_t)++l->seq, v[1], bound, v[3], per);
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
eval_import_buckets(struct db *db, const char *path, int *n, struct cg_err *e)
{
  static const char *const cols[] = {"scale", "op", "bound", "value",
                                     "per_days"};
  struct bload l;
  struct db_stmt *st;
  int rc;

  memset(&l, 0, sizeof l);
  if ((rc = db_load_csv(db, path, cols, 5, 4, NULL, put_bucket, &l, "buckets",
                        n, e)) != CG_OK)
    return rc;
  /* a weight must not be left naming a scale the file drops */
  if ((rc = db_prepare(db, &st,
                       "SELECT DISTINCT substr(transform, 8) FROM eval_weight"
                       " WHERE transform LIKE 'bucket:%'",
                       e)) != CG_OK)
    return rc;
  while (rc == CG_OK && db_step(st, e) == DB_ROW) {
    const char *scale = db_col_text(st, 0);
    int k;
    for (k = 0; k < l.nscales; k++)
      if (!strcmp(l.scales[k], scale)) break;
    if (k == l.nscales)
      rc = cg_fail(e, CG_EINVAL,
                   "%s: no buckets for scale '%s', which the weights use", path,
                   scale);
  }
  db_finalize(st);
  if (rc != CG_OK) return rc;
  memset(&l, 0, sizeof l);
  l.write = 1;
  return db_load_csv(db, path, cols, 5, 4, "DELETE FROM eval_bucket",
                     put_bucket, &l, "buckets", n, e);
}
