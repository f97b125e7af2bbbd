/*
** eval.h — the evaluation (综合评价, DOMAIN.md §4): periods in the
** district's local time, counts and indicators per evaluated unit,
** composite scores and grades, road and river segments with their chiefs
** (路长制 / 河长制) and red/black flags, and the weekly and monthly
** bulletins (周通报 / 月通报) as a JSON tree rendered to CSV, a spreadsheet
** and a printable page.
**
** Counts come from aggregates that eval_refresh() keeps up to date from the
** append-only event history (a high-water mark on event.gseq): the case
** module is not called and calls nothing here. Every indicator is defined
** once, with its formula, in indicator.c.
*/
#ifndef CG_EVAL_H
#define CG_EVAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "case/case.h"
#include "core/err.h"
#include "db/db.h"

/* ---- Periods ------------------------------------------------------------ */

enum eval_period_kind {
  EP_DAY = 0, /* 2026-11-16 */
  EP_WEEK,    /* 2026-W47: ISO 8601, Monday to Sunday */
  EP_MONTH,   /* 2026-11 */
  EP_QUARTER, /* 2026-Q4 */
  EP_RANGE,   /* 2026-11-01..2026-11-15, both days included */
  EP_COUNT
};

/* A period: whole local days [day0, day1), days counted from 1970-01-01 in
** the district's local time. */
struct eval_period {
  int kind;
  char key[32]; /* "2026-W47", the canonical name */
  int64_t day0, day1;
  int64_t start, end; /* the same as Unix seconds */
};

/* Parse a period of a kind ("day", "week", "month", "quarter", "range";
** for a range, value is the first day and to the last). Refuses what does
** not exist: 2025-W53 (2025 has 52 ISO weeks), 2026-02-30, 2026-Q5, a range
** that ends before it starts or spans more than 3660 days. */
int eval_period_parse(const char *kind, const char *value, const char *to,
                      int utc_offset, struct eval_period *p, struct cg_err *e);

/* The period of a kind over days [day0, day1), named as it would be
** parsed (the days must fit the kind: a week from a Monday, ...). */
void eval_period_days(int kind, int64_t day0, int64_t day1, int utc_offset,
                      struct eval_period *p);

/* The period before p of the same kind (a range: as many days just
** before). */
void eval_period_prev(const struct eval_period *p, int utc_offset,
                      struct eval_period *prev);

/* The period of a kind (day, week, month or quarter) that holds local day
** `day`: the week from its Monday, the month from its first, ... */
void eval_period_of_day(int kind, int64_t day, int utc_offset,
                        struct eval_period *p);

/* The periods of a kind up to the one that holds time `at`, newest first:
** `count` of them, as JSON [{kind, key, from, to, zh, start, end,
** complete}] (complete: over by `at`); for a page's choice of period
** (caller decrefs). */
json_t *eval_periods_json(int kind, int64_t at, int utc_offset, int count);

/* "day", "week", ...; static. */
const char *eval_period_kind_name(int kind);

/* The period in Chinese, "2026年第47周（11月16日至11月22日）", into buf. */
void eval_period_zh(const struct eval_period *p, char *buf, size_t n);

/* ISO weeks in a year: 52 or 53. */
int eval_iso_weeks(int year);

/* Local day number of Unix time t; the date of a day number; the day
** number of a date (no range check). */
int64_t eval_day_of(int64_t t, int utc_offset);
void eval_day_date(int64_t day, int *y, int *m, int *d);
int64_t eval_day_from_date(int y, int m, int d);

/* ---- Units, measures and indicators --------------------------------------- */

/* Kinds of evaluated unit. Stored by name in eval_fact.kind. */
enum eval_kind {
  EK_DISTRICT = 0,
  EK_STREET,
  EK_COMMUNITY,
  EK_GRID,
  EK_DEPT,
  EK_SEGMENT,
  EK_SUPERVISOR, /* 监督员 / 网格员: role grid_worker */
  EK_OPERATOR,
  EK_SHIFT_LEADER,
  EK_DISPATCHER,
  EK_COUNT
};
#define EK_BIT(k) (1u << (k))
#define EK_AREAS                                                               \
  (EK_BIT(EK_DISTRICT) | EK_BIT(EK_STREET) | EK_BIT(EK_COMMUNITY) |            \
   EK_BIT(EK_GRID))

const char *eval_kind_name(int kind); /* "street"; static */
const char *eval_kind_zh(int kind);   /* "街道"; static */
/* The kind named by s ("street", "streets", "department", "grid_worker",
** ...), or -1. */
int eval_kind_parse(const char *s);

/* Measures: raw counts kept per unit and day (columns of eval_fact; each
** is defined with its attribution in indicator.c). Keep in step with
** eval_measure_names there. */
enum eval_measure {
  EM_REPORTS = 0,
  EM_VALID_REPORTS,
  EM_SELF_CLOSED,
  EM_MISSED,
  EM_FILED,
  EM_FILE_ONTIME,
  EM_FILE_VOID,
  EM_INTAKE,
  EM_VERIFY_SENT,
  EM_VERIFY_SENT_ONTIME,
  EM_VERIFIED,
  EM_VERIFY_ONTIME,
  EM_CHECK_SENT,
  EM_CHECK_SENT_ONTIME,
  EM_CHECKED,
  EM_CHECK_ONTIME,
  EM_DISPATCHES,
  EM_DISPATCH_ONTIME,
  EM_DISPATCH_WRONG,
  EM_CLOSES,
  EM_CLOSE_ONTIME,
  EM_RATED,
  EM_SATISFIED,
  EM_COHORT,
  EM_C_DEFERRED,
  EM_C_CLOSED,
  EM_C_ONTIME,
  EM_C_HANDLED_ONTIME,
  EM_C_REWORK,
  EM_C_EXTENDED,
  EM_C_SUSPENDED,
  EM_C_WRONG,
  EM_COUNT
};
const char *eval_measure_name(int m); /* the eval_fact column; static */

/* What one unit counted over a period, plus what a report needs besides:
** overdue = cases of the period's cohort open past their deadline at the
** time the report is made for; grids = unit grids of an area; length_m of
** a segment. */
struct eval_counts {
  int64_t m[EM_COUNT];
  int64_t overdue;
  int64_t grids;
  double length_m;
  int days; /* days in the period */
};

/* One indicator: a count or a rate in percent, defined in indicator.c. */
struct eval_indicator {
  const char *key;     /* "close_rate" */
  const char *zh;      /* "结案率" */
  const char *formula; /* "结案数 / 应结案数 × 100 %" */
  unsigned kinds;      /* EK_BIT set it is reported for */
  int rate;            /* 1: a percentage; 0: a count */
};

/* The indicator table and its length; static. */
const struct eval_indicator *eval_indicators(int *n);
/* Index of indicator `key`, or -1. */
int eval_indicator_find(const char *key);

/* Value of indicator i over c into *v: 1 when it has one, 0 when it has
** none (a rate whose denominator is 0; never printed as a number). Rates
** are in percent. */
int eval_indicator_value(int i, const struct eval_counts *c, double *v);

/* The definitions as JSON (caller decrefs): [{key, zh, formula, rate,
** kinds}]. */
json_t *eval_definitions_json(void);

/* ---- Aggregates ------------------------------------------------------------ */

struct eval_refresh_stats {
  int64_t events; /* new events read */
  int64_t cases;  /* cases whose counts were recomputed */
  int rebuilt;    /* 1: started from nothing */
};

/* Bring the aggregates up to date with the history: the counts each case
** contributes are recomputed from its events for every case that has
** events past the high-water mark, what it contributed before is taken
** back and the difference added, all in one transaction with the mark.
** rebuild: forget everything first (after segments change). */
int eval_refresh(struct case_env *env, int rebuild,
                 struct eval_refresh_stats *st, struct cg_err *e);

/* Counts of every unit of a kind over p (or only unit `code` when not
** NULL), as JSON rows {code, name, counts} keyed internally; used by the
** functions below. at: the time lateness of open cases is judged at. */
struct eval_row {
  char code[64];
  char name[128];
  struct eval_counts c;
};
/* Rows for kind over p (*rows malloc'd, caller frees; *n their count).
** Every known unit of an area, department or segment kind gets a row, if
** only of zeros; persons appear when they have counts. code: only that
** unit (CG_ENOTFOUND if it does not exist). */
int eval_rows(struct case_env *env, int kind, const struct eval_period *p,
              const char *code, int64_t at, struct eval_row **rows, int *n,
              struct cg_err *e);

/* ---- Scores ---------------------------------------------------------------- */

/* The formula a kind is scored by ("area", "department", ...), or NULL. */
const char *eval_formula_of(int kind);

/* The weights and buckets of the composite scores, loaded once from the
** store (eval_weight, eval_bucket) by eval_conf_load() (NULL with *e
** filled on failure) and freed by eval_conf_free(). */
struct eval_conf;
struct eval_conf *eval_conf_load(struct db *db, struct cg_err *e);
void eval_conf_free(struct eval_conf *c);

/* Composite score (0-100) of counts c by formula: the weighted sum of its
** terms over the terms that have a value (weights renormalised; the
** missing terms' names appended to *missing, a JSON array, if not NULL).
** Returns 1 with *score, or 0 when no term that is a rate has a value
** (a unit with nothing to judge gets no score). */
int eval_score(const struct eval_conf *conf, const char *formula,
               const struct eval_counts *c, double *score, json_t *missing);

/* The grade of a score from the 'grade' buckets ("A".."E") into g. */
void eval_grade(const struct eval_conf *conf, double score, char g[8]);

/* Score of value v on a bucket scale for a period of `days` days (bounds
** scale by days / per_days): the first bucket that holds, else 0. Returns
** 0 if the scale is unknown. */
int eval_bucket_score(const struct eval_conf *conf, const char *scale, double v,
                      int days, double *score);

/* What a score is made of, for those who read it: the terms of formula
** as configured, heaviest first, [{key, zh, transform, weight}]
** (transform "rate", "inverse" or "bucket:SCALE"); and the grades,
** [{grade, op, bound}] in the order they are tried. Caller decrefs. */
json_t *eval_terms_json(const struct eval_conf *conf, const char *formula);
json_t *eval_grades_json(const struct eval_conf *conf);

/* Load weights (CSV formula,term,transform,weight) or buckets (CSV
** scale,op,bound,value[,per_days]), replacing the stored ones. Weights of
** each formula must sum to 100, terms be known indicators and bucket
** scales exist; a 'grade' bucket's value is a letter A to E, any other's a
** score from 0 to 100. Whole file or nothing. */
int eval_import_weights(struct db *db, const char *path, int *n,
                        struct cg_err *e);
int eval_import_buckets(struct db *db, const char *path, int *n,
                        struct cg_err *e);

/* Competition ranking ("1, 2, 2, 4") of scores[0..n) into rank[] (0 for a
** unit without a score, has[i] == 0), highest first; ties within 1e-9. */
void eval_rank(const double *scores, const int *has, int n, int *rank);

/* Indicators, scores, grades and ranks of every unit of a kind over p,
** each with the previous period's score, rank and the change, as JSON
** (caller decrefs): {"period", "previous", "at", "unit", "rows":[...]}. */
json_t *eval_indicators_json(struct case_env *env, int kind,
                             const struct eval_period *p, const char *code,
                             int64_t at, struct cg_err *e);

/* ---- Segments and flags ------------------------------------------------ */

/* Load road/river segments from a GeoJSON FeatureCollection of
** LineString/MultiLineString features with properties id, name, kind
** ('road' or 'river'; default road), chief1..chief3; replaces the stored
** segments of the kinds present. Resets the aggregates (cases are
** attributed anew). */
int eval_import_segments(struct db *db, const char *path, enum geo_crs crs,
                         int *n, struct cg_err *e);

/* Generate road segments along the unit-grid lattice every `spacing_m`
** metres across the district, clipped to its boundary and cut into pieces
** of at most that length, marked generated; replaces generated ones. */
int eval_generate_segments(struct db *db, double spacing_m, int *n,
                           struct cg_err *e);

/* Set the chiefs of segment id (level 1-3; "" clears). */
int eval_segment_chief(struct db *db, const char *id, int level,
                       const char *who, struct cg_err *e);

/* The segments as a GeoJSON FeatureCollection (caller decrefs); kind NULL
** for all. */
json_t *eval_segments_geojson(struct db *db, const char *kind, enum geo_crs crs,
                              struct cg_err *e);

/* The flags of period p under the configured rule. When p has ended by
** `at`, they are stored (replacing that period's). JSON {"period",
** "rule", "stored", "red":[...], "black":[...], "ranked":[...]} (caller
** decrefs). */
json_t *eval_flags_json(struct case_env *env, const struct eval_period *p,
                        int64_t at, struct cg_err *e);

/* A flag rule (see flag.c and the flag.* settings). */
struct eval_flag_rule {
  int threshold;     /* 0: by rank; 1: by thresholds */
  int ties_none;     /* rank: 1 gives a tied group at a cut no flag */
  double red, black; /* rank: how many red (best) and black (worst) */
  double red_min;    /* threshold: red at or above */
  double black_max;  /* threshold: black below */
};

/* Flags for n units with scores (has[i] == 0: not flagged) into flag[]:
** 1 red, -1 black, 0 none. By rank, the best `red` get red and the worst
** `black` black, a tie at the cut all of them (or, ties_none, none of
** them); a unit never gets both (red wins). */
void eval_flag_assign(const struct eval_flag_rule *rule, const double *score,
                      const int *has, int n, int *flag);

/* A segment's stored flags, newest first (caller decrefs). */
json_t *eval_flag_history_json(struct db *db, const char *segment,
                               struct cg_err *e);

/* Load the flag rule (CSV key,value: flag.mode, flag.red, ...). */
int eval_import_flag_rules(struct db *db, const char *path, int *n,
                           struct cg_err *e);

/* ---- Bulletins --------------------------------------------------------- */

/* The bulletin of period p ("weekly" for a week, "monthly" for a month):
** summary against the previous period, street and department rankings,
** the flags, the overdue list (at most `overdue_max` cases), as JSON
** (caller decrefs). Refreshes the aggregates first. */
json_t *eval_bulletin(struct case_env *env, const struct eval_period *p,
                      int64_t at, int overdue_max, struct cg_err *e);

/* Render a bulletin as "json", "csv", "html" or "xlsx" into a malloc'd
** buffer (*out, *len; caller frees). tmpdir: where the spreadsheet is
** written before it is read back (libxlsxwriter writes files). */
int eval_render(json_t *bulletin, const char *format, const char *tmpdir,
                char **out, size_t *len, struct cg_err *e);

/* The tables of a bulletin, as rendered: [{"name","title","columns":[],
** "rows":[[...]]}] (caller decrefs). Cells are strings, numbers or null. */
json_t *eval_bulletin_tables(json_t *bulletin);

#endif
