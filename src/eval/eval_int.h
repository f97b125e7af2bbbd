/*
** eval_int.h — what the files of the evaluation module share: settings,
** the segment index that attributes cases to road and river segments, and
** small helpers. Not for use outside src/eval/.
*/
#ifndef CG_EVAL_INT_H
#define CG_EVAL_INT_H

#include "eval.h"

/* A setting of the `setting` table into buf ("" and CG_OK if unset), or
** as a number (dflt if unset; CG_EINVAL if not a number). */
int eval_setting(struct db *db, const char *key, char *buf, size_t n,
                 struct cg_err *e);
int eval_setting_num(struct db *db, const char *key, double dflt, double *v,
                     struct cg_err *e);
int eval_setting_put(struct db *db, const char *key, const char *value,
                     struct cg_err *e);

/* An in-memory index of the stored segments for "the nearest segment
** within max_m metres of this point". Built by seg_index_load() (NULL
** *out when there are no segments), freed by seg_index_free(). */
struct seg_index;
int seg_index_load(struct db *db, double max_m, struct seg_index **out,
                   struct cg_err *e);
/* The id of the nearest segment within the distance, or NULL; the string
** belongs to the index. */
const char *seg_index_nearest(const struct seg_index *ix, double lon,
                              double lat);
void seg_index_free(struct seg_index *ix);

/* Forget every aggregate: counts, open cases, the high-water mark (in the
** caller's transaction). */
int eval_reset(struct db *db, struct cg_err *e);

/* A period as JSON {kind, key, from, to, zh, start, end} (caller decrefs). */
json_t *eval_period_json(const struct eval_period *p);

/* The indicators reported for a kind, {key: value or null} (caller
** decrefs). */
json_t *eval_indicators_obj(int kind, const struct eval_counts *c);

/* The units of a kind over p with indicators, score, grade, rank and the
** previous period's, sorted by rank (caller decrefs the array); NULL with
** *e filled on failure. */
json_t *eval_ranked_json(struct case_env *env, const struct eval_conf *conf,
                         int kind, const struct eval_period *p,
                         const struct eval_period *prev, const char *code,
                         int64_t at, struct cg_err *e);

/* Round to 2 decimals, the precision every figure is published with. */
double eval_round2(double v);

#endif
