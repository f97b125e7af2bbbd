/*
** recent.c — the open cases the duplicate search looks at, in memory.
**
** A new report is a duplicate of an open case of the same category within
** env->dup_radius_m and env->dup_window_s (DESIGN.md §2). Only cases of
** the last window can match, so rather than keep an index over every case
** ever reported (one that grows with history and costs a random B-tree
** insert per case), each env keeps the open cases reported since a
** horizon in a hash table keyed by (category, 0.01° square), and follows
** the district's event log to keep it true:
**
**  - it is loaded from the store at the first report: the open cases
**    back to the report's window start (through cases_open), together
**    with the log's length (the ledger);
**  - once in each write transaction, before the env reads or changes it,
**    it reads the events others appended since (gseq past the last one
**    it saw): a case that became open is added, one that left the open
**    states (closed, void, rejected, linked as a duplicate...) dropped;
**  - the env's own events change it as they are written (case_event()
**    calls case_recent_note()); nobody else writes meanwhile, for the
**    transaction holds the store's write lock;
**  - a transaction rolled back takes the table with it (loaded again when
**    next needed), and cases two windows older than the newest are pruned.
**
** So a match needs no read of the store, which matters when the writes
** go on behind (behind.c): a read would wait for the writer.
*/
#include "case_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCAT 4096 /* categories a table tells apart (power of two) */

struct recent_case {
  int64_t created_at;
  double lat, lon;
  char no[32];
};

/* The cases of one category in one square, in the order they came. */
struct recent_cell {
  int64_t key; /* cell * NCAT + category; 0 for an empty slot */
  struct recent_case *c;
  int n, cap;
};

struct case_recent {
  int64_t horizon;     /* every open case reported since is here */
  int64_t seen;        /* the events up to this gseq are followed */
  int64_t newest;      /* the latest report time added */
  int synced;          /* the log was read in this transaction */
  int since_prune;     /* cases added since the last prune */
  char cats[NCAT][40]; /* "scheme kind code" by category number */
  int ncats;
  struct recent_cell *cells; /* open addressing on key */
  int ncells, cap;           /* slots used, slots (power of two) */
};

/* The states a case may be matched in: the open ones that can take
** another report's problem. */
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

/* The category's number in r (1..NCAT-1), given one if new and `add`; 0
** if unknown, or if the table of categories is full. */
static int
category(struct case_recent *r, const char *scheme, const char *kind,
         const char *code, int add)
{
  char name[40];
  const char *const part[3] = {scheme, kind, code};
  unsigned h = 2166136261u;
  size_t at = 0;

  for (int i = 0; i < 3; i++) { /* "scheme kind code", cut to fit */
    if (i) name[at++] = ' ';
    at += cg_copy(name + at, 13, part[i] ? part[i] : "");
  }
  for (size_t i = 0; i < at; i++)
    h = (h ^ (unsigned char)name[i]) * 16777619u;
  for (unsigned i = h & (NCAT - 1), k = 0; k < NCAT; i = (i + 1) & (NCAT - 1)) {
    k++;
    if (i == 0) continue; /* 0 is no category */
    if (!r->cats[i][0]) {
      if (!add || r->ncats >= NCAT / 2) return 0;
      memcpy(r->cats[i], name, at + 1);
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

/* The cell case (cat, lat, lon) belongs to, or NULL if there is none. */
static struct recent_cell *
cell_find(struct case_recent *r, int cat, double lat, double lon)
{
  struct recent_cell *c;
  if (!cat || !r->cap) return NULL;
  c = slot(r, cell_of(lat, lon) * NCAT + cat);
  return c->key ? c : NULL;
}

/* Add a case unless it is older than the horizon or already there (looked
** for only when `known`: it may be); CG_ENOMEM if memory ran out. */
static int
add(struct case_recent *r, int cat, const char *no, double lat, double lon,
    int64_t created_at, int known)
{
  int64_t key = cell_of(lat, lon) * NCAT + cat;
  struct recent_cell *c;

  if (cat == 0 || created_at < r->horizon) return CG_OK;
  if (known && (c = cell_find(r, cat, lat, lon)))
    for (int j = 0; j < c->n; j++)
      if (strcmp(c->c[j].no, no) == 0) return CG_OK;
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
  c->c[c->n].created_at = created_at;
  c->c[c->n].lat = lat;
  c->c[c->n].lon = lon;
  cg_copy(c->c[c->n].no, sizeof c->c[c->n].no, no);
  c->n++;
  if (created_at > r->newest) r->newest = created_at;
  r->since_prune++;
  return CG_OK;
}

/* Drop case no, if it is there. */
static void
drop(struct case_recent *r, int cat, const char *no, double lat, double lon)
{
  struct recent_cell *c = cell_find(r, cat, lat, lon);
  for (int j = 0; c && j < c->n; j++)
    if (strcmp(c->c[j].no, no) == 0) {
      c->c[j] = c->c[--c->n];
      return;
    }
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

/* Take in a case now in `state`: added if open, dropped if not. */
static int
note(struct case_recent *r, const char *no, const char *scheme,
     const char *kind, const char *code, double lat, double lon,
     int64_t created_at, int state)
{
  int cat = category(r, scheme, kind, code, matchable(state));
  if (!matchable(state)) {
    drop(r, cat, no, lat, lon);
    return CG_OK;
  }
  return add(r, cat, no, lat, lon, created_at, 1);
}

/* note() every row of st, a statement of columns (gseq, case_no, state,
** scheme, kind, category_code, lat, lon, created_at), events of the log
** when `follow` (r->seen follows their gseq). Else the rows are cases
** loading into a new table, each once: the open ones are added without
** looking for them first, which on a table of many cases in few squares
** would compare each with all those before it. Returns DB_DONE, or a
** negative cg code with *e. */
static int
note_rows(struct case_recent *r, struct db_stmt *st, int follow,
          struct cg_err *e)
{
  int rc;
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *no = db_col_text(st, 1), *scheme = db_col_text(st, 3);
    const char *kind = db_col_text(st, 4), *code = db_col_text(st, 5);
    double lat = db_col_double(st, 6), lon = db_col_double(st, 7);
    int64_t created_at = db_col_int(st, 8);
    int state = case_state_parse(db_col_text(st, 2)), nrc = CG_OK;
    if (follow) {
      r->seen = db_col_int(st, 0);
      nrc = note(r, no, scheme, kind, code, lat, lon, created_at, state);
    } else if (matchable(state)) {
      nrc = add(r, category(r, scheme, kind, code, 1), no, lat, lon,
                created_at, 0);
    }
    if (nrc != CG_OK) return -cg_fail(e, CG_ENOMEM, "out of memory");
  }
  return rc;
}

/* Drop the table (it will be loaded again when needed). */
static void
forget(struct case_env *env)
{
  case_recent_free(env->recent);
  env->recent = NULL;
}

/* A table covering the cases reported since `horizon`, from the store,
** and the length of the log it is true to. */
static int
load(struct case_env *env, int64_t horizon, struct cg_err *e)
{
  static const char since[] =
      "SELECT 0, c.no, c.state, c.scheme, c.kind, c.category_code, c.lat,"
      " c.lon, c.created_at FROM cases c WHERE c.created_at >= ? AND "
      CASE_SQL_OPEN;
  static const char ledger[] = "SELECT events FROM ledger WHERE id = 1";
  struct case_recent *r = calloc(1, sizeof *r);
  struct db_stmt *st;
  int rc;

  forget(env);
  if (!r) return cg_fail(e, CG_ENOMEM, "out of memory");
  r->horizon = horizon;
  if (env->in_tx && env->batch && env->batch->hot.ledger_loaded)
    r->seen = env->batch->hot.ledger_events; /* the store's is behind */
  else if ((rc = db_query_int(env->db, &r->seen, 0, e, ledger, "")) != CG_OK) {
    case_recent_free(r);
    return rc;
  }
  if ((rc = db_prepare_cached(env->db, &st, since, e)) != CG_OK) {
    case_recent_free(r);
    return rc;
  }
  db_bind_int(st, 1, horizon);
  rc = note_rows(r, st, 0, e);
  db_finalize(st);
  if (rc < 0) {
    case_recent_free(r);
    return -rc;
  }
  r->synced = 1;
  env->recent = r;
  return CG_OK;
}

/* Follow the events appended since the table last looked. */
static int
sync_log(struct case_env *env, struct cg_err *e)
{
  static const char sql[] =
      "SELECT e.gseq, e.case_no, e.to_state, c.scheme, c.kind,"
      " c.category_code, c.lat, c.lon, c.created_at FROM event e"
      " JOIN cases c ON c.no = e.case_no WHERE e.gseq > ? ORDER BY e.gseq";
  struct case_recent *r = env->recent;
  struct db_stmt *st;
  int rc;

  if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
  db_bind_int(st, 1, r->seen);
  rc = note_rows(r, st, 1, e);
  db_finalize(st);
  if (rc < 0) {
    forget(env);
    return -rc;
  }
  r->synced = 1;
  return CG_OK;
}

int
case_recent_find(struct case_env *env, const char *scheme, const char *kind,
                 const char *code, double lat, double lon, int64_t at,
                 char dup[32], struct cg_err *e)
{
  const double m_per_deg = 111195.0;
  double dlat = env->dup_radius_m / m_per_deg;
  double coslat = cos(lat * M_PI / 180), dlon = dlat / coslat;
  int64_t from = at - env->dup_window_s;
  int64_t lo = cell_of(lat - dlat, lon - dlon);
  int64_t hi = cell_of(lat + dlat, lon + dlon);
  const struct recent_case *best = NULL;
  struct case_recent *r = env->recent;
  int cat, rc;

  dup[0] = 0;
  if (!r || from < r->horizon) {
    if ((rc = load(env, from, e)) != CG_OK) return rc;
    r = env->recent;
  } else if (!r->synced && (rc = sync_log(env, e)) != CG_OK) {
    return rc;
  }
  if (!(cat = category(r, scheme, kind, code, 0))) return CG_OK;
  /* the earliest open case nearby wins */
  for (int64_t row = lo / 1000000; row <= hi / 1000000; row++)
    for (int64_t col = lo % 1000000; col <= hi % 1000000; col++) {
      struct recent_cell *c;
      if (!r->cap) continue;
      c = slot(r, (row * 1000000 + col) * NCAT + cat);
      for (int j = 0; c->key && j < c->n; j++) {
        const struct recent_case *x = &c->c[j];
        double y = (x->lat - lat) * m_per_deg;
        double xx = (x->lon - lon) * m_per_deg * coslat;
        if (x->created_at < from || sqrt(xx * xx + y * y) > env->dup_radius_m ||
            (best && (x->created_at > best->created_at ||
                      (x->created_at == best->created_at &&
                       strcmp(x->no, best->no) > 0))))
          continue;
        best = x;
      }
    }
  if (best) cg_copy(dup, 32, best->no);
  return CG_OK;
}

int
case_recent_note(struct case_env *env, const struct kase *k, int state,
                 int64_t gseq, struct cg_err *e)
{
  struct case_recent *r = env->recent;
  int rc;

  if (!r) return CG_OK;
  /* others' events first: they came before this one */
  if (!r->synced && (rc = sync_log(env, e)) != CG_OK) return rc;
  if ((r = env->recent) == NULL) return CG_OK;
  r->seen = gseq;
  if (note(r, k->no, k->scheme, k->kind, k->code, k->lat, k->lon, k->created_at,
           state) != CG_OK) {
    forget(env); /* no memory: load again when needed */
    return CG_OK;
  }
  if (r->since_prune >= 4096 && env->dup_window_s > 0)
    prune(r, r->newest - 2 * env->dup_window_s);
  return CG_OK;
}

void
case_recent_end(struct case_env *env, int committed)
{
  if (!env->recent) return;
  if (committed) {
    env->recent->synced = 0; /* others may write before the next one */
    return;
  }
  forget(env); /* what it took in may be gone */
}
