/*
** recent.c — the open cases the duplicate search looks at, in memory.
**
** A new report is a duplicate of an open case of the same category within
** env->dup_radius_m and env->dup_window_s (DESIGN.md §2). Only cases of
** the last window can match, so rather than keep an index over every case
** ever reported (one that grows with history and costs a random B-tree
** insert per case), each env keeps the open cases reported since a
** horizon in a hash table keyed by (category, 0.01° square), and:
**
**  - loads it from the store at the first report, back to the report's
**    window start (the cases_created index), and again whenever a report
**    reaches further back than the table covers;
**  - once in each write transaction, picks up the rows other connections
**    added since it last looked (cases by rowid past a high-water mark);
**  - adds the cases this env writes (case_save() calls case_recent_add());
**  - forgets everything when a transaction rolls back;
**  - drops cases older than two windows behind the newest one seen.
**
** A case closed, voided or linked elsewhere after it was loaded stays in
** the table until it is found: a match is read back from the store (one
** primary-key read) and skipped and dropped if it is no longer open.
**
** The table is an env's own (struct case_recent, freed by
** case_env_release()); SQLite's rowid orders the rows.
*/
#include "case_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCAT 4096 /* categories a table tells apart (power of two) */

struct recent_case {
  int64_t id, created_at;
  double lat, lon;
};

/* The cases of one category in one square, in the order they came. */
struct recent_cell {
  int64_t key; /* cell * NCAT + category; 0 for an empty slot */
  struct recent_case *c;
  int n, cap;
};

struct case_recent {
  int64_t horizon;     /* every open case reported since is here */
  int64_t seen_id;     /* the store's rows up to this rowid are looked at */
  int64_t newest;      /* the latest report time added */
  int synced;          /* looked at the store in this transaction */
  int since_prune;     /* cases added since the last prune */
  char cats[NCAT][40]; /* "scheme kind code" by category number */
  int ncats;
  struct recent_cell *cells; /* open addressing on key */
  int ncells, cap;           /* slots used, slots (power of two) */
};

/* The states a case may be matched in: the open ones that can take
** another report's problem (the same set as before in the partial index
** of migration 0004). */
static int
matchable(int state)
{
  return state >= 0 && state != CS_CLOSED && state != CS_VOID &&
         state != CS_REJECTED && state != CS_DUPLICATE && state != CS_DRAFT &&
         state != CS_SELF_HANDLED;
}

void
case_recent_free(struct case_recent *r)
{
  if (!r) return;
  for (int i = 0; i < r->cap; i++)
    free(r->cells[i].c);
  free(r->cells);
  free(r);
}

/* The category's number in r (1..NCAT-1), given one if new; 0 if the
** table of categories is full. */
static int
category(struct case_recent *r, const char *scheme, const char *kind,
         const char *code, int add)
{
  char name[40];
  unsigned h = 2166136261u;

  snprintf(name, sizeof name, "%.12s %.10s %.12s", scheme, kind, code);
  for (const char *p = name; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  for (unsigned i = h & (NCAT - 1), k = 0; k < NCAT; i = (i + 1) & (NCAT - 1)) {
    k++;
    if (i == 0) continue; /* 0 is no category */
    if (!r->cats[i][0]) {
      if (!add || r->ncats >= NCAT / 2) return 0;
      memcpy(r->cats[i], name, sizeof name);
      r->ncats++;
      return (int)i;
    }
    if (strcmp(r->cats[i], name) == 0) return (int)i;
  }
  return 0;
}

/* The 0.01-degree square (about 1.1 km × 0.9 km here) a WGS84 position
** falls in: rows by latitude (the millions), columns by longitude. */
static int64_t
cell_of(double lat, double lon)
{
  return (int64_t)floor((lat + 90) * 100) * 1000000 +
         (int64_t)floor((lon + 180) * 100);
}

static uint64_t
mix(int64_t key)
{
  uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;
  return x ^ (x >> 29);
}

/* The slot of key in r->cells: its cell, or the empty slot it would take.
** r->cap must be > 0. */
static struct recent_cell *
slot(struct case_recent *r, int64_t key)
{
  size_t mask = (size_t)r->cap - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask)
    if (r->cells[i].key == key || r->cells[i].key == 0) return &r->cells[i];
}

/* Make room for one more cell: double the slots at half full. */
static int
grow(struct case_recent *r)
{
  struct recent_cell *old = r->cells;
  int oldcap = r->cap, cap = r->cap ? 2 * r->cap : 256;

  if (r->ncells + 1 <= r->cap / 2) return CG_OK;
  if (!(r->cells = calloc((size_t)cap, sizeof *r->cells))) {
    r->cells = old;
    return CG_ENOMEM;
  }
  r->cap = cap;
  for (int i = 0; i < oldcap; i++)
    if (old[i].key) *slot(r, old[i].key) = old[i];
  free(old);
  return CG_OK;
}

/* Add a case; CG_ENOMEM if memory ran out. */
static int
add(struct case_recent *r, int cat, int64_t id, double lat, double lon,
    int64_t created_at)
{
  int64_t key = cell_of(lat, lon) * NCAT + cat;
  struct recent_cell *c;

  if (cat == 0 || created_at < r->horizon) return CG_OK;
  if (grow(r) != CG_OK) return CG_ENOMEM;
  c = slot(r, key);
  if (!c->key) {
    c->key = key;
    r->ncells++;
  }
  if (c->n == c->cap) {
    int cap = c->cap ? 2 * c->cap : 4;
    struct recent_case *m = realloc(c->c, (size_t)cap * sizeof *m);
    if (!m) return CG_ENOMEM;
    c->c = m;
    c->cap = cap;
  }
  c->c[c->n++] = (struct recent_case){id, created_at, lat, lon};
  if (created_at > r->newest) r->newest = created_at;
  if (id > r->seen_id) r->seen_id = id;
  r->since_prune++;
  return CG_OK;
}

/* Drop the cases reported before `horizon` and move the horizon there. */
static void
prune(struct case_recent *r, int64_t horizon)
{
  if (horizon <= r->horizon) return;
  r->horizon = horizon;
  for (int i = 0; i < r->cap; i++) {
    struct recent_cell *c = &r->cells[i];
    int kept = 0;
    if (!c->key) continue;
    for (int j = 0; j < c->n; j++)
      if (c->c[j].created_at >= horizon) c->c[kept++] = c->c[j];
    c->n = kept;
  }
  r->since_prune = 0;
}

/* Add the rows of a query that returns rowid, scheme, kind, category_code,
** lat, lon, created_at and state, binding `v` to its one parameter. */
static int
add_rows(struct case_env *env, struct case_recent *r, const char *sql,
         int64_t v, struct cg_err *e)
{
  struct db_stmt *st;
  int rc;

  if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
  db_bind_int(st, 1, v);
  while ((rc = db_step(st, e)) == DB_ROW) {
    int64_t id = db_col_int(st, 0);
    if (id > r->seen_id) r->seen_id = id;
    if (!matchable(case_state_parse(db_col_text(st, 7)))) continue;
    if (add(r,
            category(r, db_col_text(st, 1), db_col_text(st, 2),
                     db_col_text(st, 3), 1),
            id, db_col_double(st, 4), db_col_double(st, 5),
            db_col_int(st, 6)) != CG_OK) {
      rc = -cg_fail(e, CG_ENOMEM, "out of memory");
      break;
    }
  }
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

/* A table covering the cases reported since `horizon`, from the store. */
static int
load(struct case_env *env, int64_t horizon, struct cg_err *e)
{
  static const char since[] =
      "SELECT rowid, scheme, kind, category_code, lat, lon, created_at,"
      " state FROM cases WHERE created_at >= ?";
  static const char last[] = "SELECT coalesce(max(rowid), 0) FROM cases";
  struct case_recent *r = calloc(1, sizeof *r);
  int64_t top;
  int rc;

  case_recent_free(env->recent);
  env->recent = NULL;
  if (!r) return cg_fail(e, CG_ENOMEM, "out of memory");
  r->horizon = horizon;
  if ((rc = db_query_int(env->db, &top, 0, e, last, "")) != CG_OK ||
      (rc = add_rows(env, r, since, horizon, e)) != CG_OK) {
    case_recent_free(r);
    return rc;
  }
  r->seen_id = top;
  r->synced = 1;
  env->recent = r;
  return CG_OK;
}

/* Is case x still open, and still the case the table took it for (a row
** of a transaction rolled back behind the env's back may have left its
** rowid to another)? Its number into no[32] if so. */
static int
still_open(struct case_env *env, const struct recent_case *x, int cat, char *no,
           struct cg_err *e)
{
  static const char sql[] =
      "SELECT no, state, scheme, kind, category_code, lat, lon, created_at"
      " FROM cases WHERE rowid = ?";
  struct case_recent *r = env->recent;
  struct db_stmt *st;
  int rc, open = 0;

  if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return -rc;
  db_bind_int(st, 1, x->id);
  if ((rc = db_step(st, e)) == DB_ROW &&
      category(r, db_col_text(st, 2), db_col_text(st, 3), db_col_text(st, 4),
               0) == cat &&
      db_col_double(st, 5) == x->lat && db_col_double(st, 6) == x->lon &&
      db_col_int(st, 7) == x->created_at &&
      (open = matchable(case_state_parse(db_col_text(st, 1)))))
    snprintf(no, 32, "%s", db_col_text(st, 0));
  db_finalize(st);
  return rc < 0 ? rc : open;
}

int
case_recent_find(struct case_env *env, const char *scheme, const char *kind,
                 const char *code, double lat, double lon, int64_t at,
                 char dup[32], struct cg_err *e)
{
  static const char newer[] =
      "SELECT rowid, scheme, kind, category_code, lat, lon, created_at,"
      " state FROM cases WHERE rowid > ?";
  const double m_per_deg = 111195.0;
  double dlat = env->dup_radius_m / m_per_deg;
  double coslat = cos(lat * M_PI / 180), dlon = dlat / coslat;
  int64_t from = at - env->dup_window_s;
  int64_t lo = cell_of(lat - dlat, lon - dlon);
  int64_t hi = cell_of(lat + dlat, lon + dlon);
  struct case_recent *r = env->recent;
  int cat, rc;

  dup[0] = 0;
  if (!r || from < r->horizon) {
    if ((rc = load(env, from, e)) != CG_OK) return rc;
    r = env->recent;
  } else if (!r->synced) {
    if ((rc = add_rows(env, r, newer, r->seen_id, e)) != CG_OK) {
      case_recent_free(r);
      env->recent = NULL;
      return rc;
    }
    r->synced = 1;
  }
  if (!(cat = category(r, scheme, kind, code, 0))) return CG_OK;
  for (;;) { /* the earliest open case nearby wins */
    struct recent_cell *best_cell = NULL;
    int best = -1, open;
    for (int64_t row = lo / 1000000; row <= hi / 1000000; row++)
      for (int64_t col = lo % 1000000; col <= hi % 1000000; col++) {
        struct recent_cell *c;
        if (!r->cap) continue;
        c = slot(r, (row * 1000000 + col) * NCAT + cat);
        for (int j = 0; c->key && j < c->n; j++) {
          const struct recent_case *x = &c->c[j];
          double y = (x->lat - lat) * m_per_deg;
          double xx = (x->lon - lon) * m_per_deg * coslat;
          if (x->created_at < from ||
              sqrt(xx * xx + y * y) > env->dup_radius_m ||
              (best_cell && x->created_at >= best_cell->c[best].created_at))
            continue;
          best_cell = c;
          best = j;
        }
      }
    if (!best_cell) return CG_OK;
    if ((open = still_open(env, &best_cell->c[best], cat, dup, e)) < 0)
      return -open;
    if (open) return CG_OK;
    /* closed, void or linked since: out of the table */
    best_cell->c[best] = best_cell->c[--best_cell->n];
  }
}

void
case_recent_add(struct case_env *env, int64_t id, const struct kase *k)
{
  struct case_recent *r = env->recent;

  if (!r) return;
  if (id > r->seen_id) r->seen_id = id;
  if (!matchable(k->state)) return;
  if (add(r, category(r, k->scheme, k->kind, k->code, 1), id, k->lat, k->lon,
          k->created_at) != CG_OK) { /* no memory: load again when needed */
    case_recent_free(r);
    env->recent = NULL;
    return;
  }
  if (r->since_prune >= 4096 && env->dup_window_s > 0)
    prune(r, r->newest - 2 * env->dup_window_s);
}

void
case_recent_end(struct case_env *env, int committed)
{
  if (!env->recent) return;
  if (committed) {
    env->recent->synced = 0; /* others may write before the next one */
    return;
  }
  case_recent_free(env->recent); /* what it added may be gone */
  env->recent = NULL;
}
