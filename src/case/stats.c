/*
** stats.c — what the dashboard reads in bulk: counts of cases by state,
** category, street, source and department, daily intake and closures,
** on-time closure rates per department and street (all of them tallied
** in one pass over the cases), and the map's points, one compact row per
** case. Both take the case list's filter and
** its rule of who sees what (case_q_where() in read.c), so that a chart,
** the map and the list agree by construction.
*/
#include "case_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
#define MAX_DAYS 366      /* the daily series spans at most a year */
#define MAX_POINTS 250000 /* points in one reply at most */

/* Build `SELECT <cols> <from> WHERE <the filter> <and> <tail>` into q
** and prepare it, bound, into *st (caller finalizes). from names `cases
** c` (and what it joins); and holds more WHERE terms without values. */
static int
query(struct case_env *env, const struct org_user *who,
      const struct case_filter *f, const char *cols, const char *from,
      const char *and, const char *tail, char scopes[16][32], struct case_q *q,
      struct db_stmt **st, struct cg_err *e)
{
  memset(q, 0, sizeof *q);
  case_q_add(q, "SELECT ");
  case_q_add(q, cols);
  case_q_add(q, from);
  if (case_q_where(q, env, who, f, scopes, e) != CG_OK) return CG_EINVAL;
  case_q_add(q, and);
  case_q_add(q, tail);
  if (db_prepare(env->db, st, q->sql, e) != CG_OK) return CG_EDB;
  case_q_bind(q, *st);
  return CG_OK;
}

#define CASES " FROM cases c"

/* Name of a code from a one-column lookup (cached statement); "" if none. */
static void
name_of(struct db *db, const char *sql, const char *a, const char *b, char *buf,
        size_t n)
{
  struct db_stmt *st;
  buf[0] = 0;
  if (db_prepare_cached(db, &st, sql, NULL) != CG_OK) return;
  db_bind_text(st, 1, a);
  if (b) db_bind_text(st, 2, b);
  if (db_step(st, NULL) == DB_ROW && db_col_text(st, 0))
    snprintf(buf, n, "%s", db_col_text(st, 0));
  db_finalize(st);
}

static const char area_sql[] = "SELECT name FROM area WHERE code = ?";
static const char dept_sql[] = "SELECT name FROM department WHERE code = ?";
static const char major_sql[] = "SELECT major_name FROM category WHERE"
                                " scheme = ? AND major_code = ? LIMIT 1";

enum group_kind { G_PLAIN, G_STATE, G_AREA, G_DEPT, G_MAJOR };

/* Counts by a text key — a state, a category's major code, a street, a
** source, a department — over one pass of the cases: the keys of one
** grouping are few (a district's streets, its departments), so an array
** of them with an open-addressing index on it. */
struct tally_row {
  char key[64];
  int64_t count, closed, on_time; /* cases; closed with a known on_time */
};
struct tally {
  struct tally_row *row;
  int n, cap;
  int *slot; /* 2 * cap of them: row index + 1, or 0 for free */
};

static uint32_t
key_hash(const char *k)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 16777619u;
  return h;
}

/* The row of key (its first 63 bytes) in t, added with zero counts if
** new; NULL without memory. */
static struct tally_row *
tally_row(struct tally *t, const char *whole)
{
  char key[sizeof t->row[0].key];
  uint32_t mask, i;
  snprintf(key, sizeof key, "%s", whole);
  if (t->n == t->cap) { /* grow, and index every row again */
    int cap = t->cap ? 2 * t->cap : 32;
    struct tally_row *row = realloc(t->row, (size_t)cap * sizeof *row);
    int *slot = calloc(2 * (size_t)cap, sizeof *slot);
    if (row) t->row = row;
    if (!row || !slot) {
      free(slot);
      return NULL;
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    for (int r = 0; r < t->n; r++) {
      for (i = key_hash(t->row[r].key) & (2 * cap - 1); slot[i];
           i = (i + 1) & (2 * cap - 1))
        ;
      slot[i] = r + 1;
    }
  }
  mask = 2 * (uint32_t)t->cap - 1;
  for (i = key_hash(key) & mask; t->slot[i]; i = (i + 1) & mask)
    if (strcmp(t->row[t->slot[i] - 1].key, key) == 0)
      return &t->row[t->slot[i] - 1];
  t->slot[i] = ++t->n;
  memset(&t->row[t->n - 1], 0, sizeof t->row[0]);
  memcpy(t->row[t->n - 1].key, key, sizeof key);
  return &t->row[t->n - 1];
}

static void
tally_free(struct tally *t)
{
  free(t->row);
  free(t->slot);
}

/* Largest first, then by key (as SQL's ORDER BY count(*) DESC, key). */
static int
by_count(const void *a, const void *b)
{
  const struct tally_row *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->key, y->key);
}

/* The tally as [{"key","name","count"}], largest first (caller decrefs).
** For G_MAJOR the keys are "scheme:major". Sorts t. */
static json_t *
grouped(struct db *db, struct tally *t, enum group_kind kind)
{
  json_t *list = json_array();
  char name[256];

  if (t->n) qsort(t->row, (size_t)t->n, sizeof t->row[0], by_count);
  for (int i = 0; i < t->n; i++) {
    const char *k = t->row[i].key;
    name[0] = 0;
    if (kind == G_MAJOR) {
      const char *colon = strchr(k, ':');
      char scheme[64];
      snprintf(scheme, sizeof scheme, "%.*s", (int)(colon - k), k);
      name_of(db, major_sql, scheme, colon + 1, name, sizeof name);
    } else if (kind == G_STATE && case_state_parse(k) >= 0) {
      snprintf(name, sizeof name, "%s", case_state_zh(case_state_parse(k)));
    } else if (kind == G_AREA) {
      name_of(db, area_sql, k, NULL, name, sizeof name);
    } else if (kind == G_DEPT) {
      name_of(db, dept_sql, k, NULL, name, sizeof name);
    }
    json_array_append_new(list,
                          json_pack("{s:s, s:s, s:I}", "key", k, "name", name,
                                    "count", (json_int_t)t->row[i].count));
  }
  return list;
}

/* Most closed first, then by key. */
static int
by_closed(const void *a, const void *b)
{
  const struct tally_row *x = a, *y = b;
  if (x->closed != y->closed) return x->closed > y->closed ? -1 : 1;
  return strcmp(x->key, y->key);
}

/* On-time closure from the tally of a department or street:
** [{"key","name","closed","on_time","rate"}], most closed first, over the
** keys with closed cases whose on_time is known (caller decrefs). Sorts
** t. */
static json_t *
on_time(struct db *db, struct tally *t, enum group_kind kind)
{
  json_t *list = json_array();
  char name[256];

  if (t->n) qsort(t->row, (size_t)t->n, sizeof t->row[0], by_closed);
  for (int i = 0; i < t->n && t->row[i].closed; i++) {
    const struct tally_row *r = &t->row[i];
    name_of(db, kind == G_DEPT ? dept_sql : area_sql, r->key, NULL, name,
            sizeof name);
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:I, s:I, s:f}", "key", r->key, "name",
                        name, "closed", (json_int_t)r->closed, "on_time",
                        (json_int_t)r->on_time, "rate",
                        (double)r->on_time / (double)r->closed));
  }
  return list;
}

/* Local day number (days since 1970-01-01 in the district's time) of t. */
static int64_t
local_day(int64_t t, int offset)
{
  int64_t v = t + offset;
  return v >= 0 ? v / DAY : -((-v + DAY - 1) / DAY);
}

/* Daily intake and closures, counts[i] = {created, closed} on day d0 + i,
** as [{"day", "intake", "closed"}] (caller decrefs). */
static json_t *
daily(int64_t (*counts)[2], int64_t d0, int ndays)
{
  json_t *list = json_array();
  for (int i = 0; i < ndays; i++) {
    char day[16];
    time_t t = (time_t)((d0 + i) * DAY);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    json_array_append_new(list, json_pack("{s:s, s:I, s:I}", "day", day,
                                          "intake", (json_int_t)counts[i][0],
                                          "closed", (json_int_t)counts[i][1]));
  }
  return list;
}

/* The groupings of one pass, in the order of the columns that key them. */
enum { T_STATE, T_MAJOR, T_STREET, T_SOURCE, T_DEPT, NTALLY };

json_t *
case_stats_json(struct case_env *env, const struct org_user *who,
                const struct case_filter *f, struct cg_err *e)
{
  /* one row per case of the filter: what it is counted by */
  static const char cols[] =
      "SELECT c.state, c.scheme || ':' || substr(c.category_code, 1, 2),"
      " c.street_code, c.source, c.dept_code, c.created_at, c.closed_at,"
      " c.state = 'closed' AND c.on_time IS NOT NULL, c.on_time, "
      "(" CASE_SQL_OPEN "), ";
  static const enum group_kind kinds[NTALLY] = {G_STATE, G_MAJOR, G_AREA,
                                                G_PLAIN, G_DEPT};
  int offset = cal_utc_offset(env->cal);
  int64_t now = case_now(env), total = 0, open = 0, closed = 0, overdue = 0;
  int64_t d0, d1, (*days)[2] = NULL;
  char scopes[16][32];
  struct tally t[NTALLY];
  struct case_q q;
  struct db_stmt *st;
  json_t *out = NULL, *v[8];
  int rc, ndays, tx;

  if (case_flush(env, e) != CG_OK) return NULL;
  /* the days of the filter's range, else the 30 days up to today */
  d1 = local_day((f->to ? f->to - 1 : now), offset) + 1;
  d0 = f->from ? local_day(f->from, offset) : d1 - 30;
  if (d1 - d0 > MAX_DAYS) d0 = d1 - MAX_DAYS;
  if (d0 > d1) d0 = d1;
  ndays = (int)(d1 - d0);
  memset(&q, 0, sizeof q);
  case_q_add(&q, cols);
  case_q_overdue(&q, now);
  case_q_add(&q, CASES);
  if (case_q_where(&q, env, who, f, scopes, e) != CG_OK) return NULL;
  if (!(days = calloc(MAX_DAYS, sizeof *days))) {
    cg_fail(e, CG_ENOMEM, "out of memory");
    return NULL;
  }
  memset(t, 0, sizeof t);
  tx = db_read_begin(env->db); /* the names read in the same snapshot */
  if (db_prepare(env->db, &st, q.sql, e) != CG_OK) goto out;
  case_q_bind(&q, st);
  while ((rc = db_step(st, e)) == DB_ROW) {
    int counted = db_col_int(st, 7);
    for (int i = 0; i < NTALLY; i++) {
      const char *k = db_col_text(st, i);
      struct tally_row *r = tally_row(&t[i], k ? k : "");
      if (!r) {
        cg_fail(e, CG_ENOMEM, "out of memory");
        rc = -1;
        break;
      }
      r->count++;
      if (counted) {
        r->closed++;
        r->on_time += db_col_int(st, 8) != 0;
      }
    }
    if (rc < 0) break;
    total++;
    closed += strcmp(db_col_text(st, 0), "closed") == 0;
    open += db_col_int(st, 9) != 0;
    overdue += db_col_int(st, 10) != 0;
    for (int w = 0; w < 2; w++) /* created, closed */
      if (!db_col_is_null(st, 5 + w)) {
        int64_t d = (db_col_int(st, 5 + w) + offset) / DAY - d0;
        if (d >= 0 && d < ndays) days[d][w]++;
      }
  }
  db_finalize(st);
  if (rc < 0) goto out;
  v[0] = grouped(env->db, &t[T_STATE], kinds[T_STATE]);
  v[1] = grouped(env->db, &t[T_MAJOR], kinds[T_MAJOR]);
  v[2] = grouped(env->db, &t[T_STREET], kinds[T_STREET]);
  v[3] = grouped(env->db, &t[T_SOURCE], kinds[T_SOURCE]);
  v[4] = daily(days, d0, ndays);
  /* the on-time figures before by_dept sorts the departments' tally */
  v[5] = on_time(env->db, &t[T_DEPT], G_DEPT);
  v[6] = on_time(env->db, &t[T_STREET], G_AREA);
  v[7] = grouped(env->db, &t[T_DEPT], kinds[T_DEPT]);
  out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                  " s:o}",
                  "total", (json_int_t)total, "open", (json_int_t)open,
                  "closed", (json_int_t)closed, "overdue", (json_int_t)overdue,
                  "by_state", v[0], "by_category", v[1], "by_street", v[2],
                  "by_source", v[3], "by_dept", v[7], "daily", v[4],
                  "on_time_by_dept", v[5], "on_time_by_street", v[6]);
out:
  if (tx) db_read_end(env->db);
  for (int i = 0; i < NTALLY; i++)
    tally_free(&t[i]);
  free(days);
  return out;
}

/* The index of key in the growing list `names`, where item (whose
** reference this takes) is appended when key is new; `index` (an object
** from key to index) finds it. */
static int
intern(json_t *index, json_t *names, const char *key, json_t *item)
{
  json_t *at = json_object_get(index, key);
  int i;
  if (at) {
    json_decref(item);
    return (int)json_integer_value(at);
  }
  i = (int)json_array_size(names);
  json_object_set_new(index, key, json_integer(i));
  json_array_append_new(names, item);
  return i;
}

json_t *
case_points_json(struct case_env *env, const struct org_user *who,
                 const struct case_filter *f, struct cg_err *e)
{
  static const char *const lights[] = {"green", "yellow", "red"};
  char scopes[16][32], tscopes[16][32];
  struct case_q q, tq;
  struct db_stmt *st, *ts;
  int64_t now = case_now(env);
  json_t *out, *points, *states, *cats, *index, *ls;
  int rc, trc, n = 0, truncated = 0;
  const char *tno = NULL;

  if (case_flush(env, e) != CG_OK) return NULL;
  if (query(env, who, f,
            "c.no, c.lat, c.lon, c.state, c.scheme, c.kind, c.category_code,"
            " coalesce(c.step_started, 0), coalesce(c.step_due, 0),"
            " coalesce(c.suspended_at, 0), cat.name_zh",
            CASES " LEFT JOIN category cat ON cat.scheme = c.scheme AND"
                  " cat.kind = c.kind AND cat.code = c.category_code",
            "", " ORDER BY c.no", scopes, &q, &st, e) != CG_OK)
    return NULL;
  /* the active tasks of the same cases, in the same order */
  if (query(env, who, f, "tk.case_no, tk.dispatched_at, tk.due_at",
            " FROM task tk JOIN cases c ON c.no = tk.case_no",
            " AND tk.state IN ('open', 'returning', 'suspending')",
            " ORDER BY tk.case_no, tk.n", tscopes, &tq, &ts, e) != CG_OK) {
    db_finalize(st);
    return NULL;
  }
  points = json_array();
  states = json_array();
  cats = json_array();
  index = json_object();
  ls = json_array();
  for (int i = 0; i < CS_COUNT; i++)
    json_array_append_new(states, json_string(case_state_name(i)));
  for (int i = 0; i < 3; i++)
    json_array_append_new(ls, json_string(lights[i]));
  trc = db_step(ts, e);
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *no = db_col_text(st, 0), *light;
    int64_t task[CASE_MAX_TASKS][2];
    int nt = 0, state = case_state_parse(db_col_text(st, 3)), li, ci;
    char key[64];

    if (n == MAX_POINTS) {
      truncated = 1;
      break;
    }
    /* tasks of cases before this one (none: the lists agree) are skipped */
    while (trc == DB_ROW && (tno = db_col_text(ts, 0)) && strcmp(tno, no) < 0)
      trc = db_step(ts, e);
    while (trc == DB_ROW && (tno = db_col_text(ts, 0)) &&
           strcmp(tno, no) == 0) {
      if (nt < CASE_MAX_TASKS) {
        task[nt][0] = db_col_int(ts, 1);
        task[nt++][1] = db_col_int(ts, 2);
      }
      trc = db_step(ts, e);
    }
    light = case_worst_light(env->cal, now, state, db_col_int(st, 9),
                             db_col_int(st, 7), db_col_int(st, 8), task, nt);
    li = !light ? -1 : light[0] == 'g' ? 0 : light[0] == 'y' ? 1 : 2;
    snprintf(key, sizeof key, "%s:%s:%s", db_col_text(st, 4),
             db_col_text(st, 5), db_col_text(st, 6));
    ci = intern(index, cats, key,
                json_pack("[s, s?]", key, db_col_text(st, 10)));
    /* positions in whole 1e-5 degrees (about a metre): integers are
    ** smaller to send and quicker to write than decimals */
    {
      json_t *row = json_array();
      json_array_append_new(row, json_string(no));
      json_array_append_new(
          row, json_integer((json_int_t)llround(db_col_double(st, 1) * 1e5)));
      json_array_append_new(
          row, json_integer((json_int_t)llround(db_col_double(st, 2) * 1e5)));
      json_array_append_new(row, json_integer(li));
      json_array_append_new(row, json_integer(state));
      json_array_append_new(row, json_integer(ci));
      json_array_append_new(points, row);
    }
    n++;
  }
  db_finalize(st);
  db_finalize(ts);
  json_decref(index);
  if (rc < 0 || trc < 0) {
    json_decref(points);
    json_decref(states);
    json_decref(cats);
    json_decref(ls);
    return NULL;
  }
  out = json_pack("{s:[s, s, s, s, s, s], s:i, s:o, s:o, s:o, s:I, s:b,"
                  " s:o}",
                  "fields", "no", "lat", "lon", "light", "state", "category",
                  "scale", 100000, "lights", ls, "states", states, "categories",
                  cats, "count", (json_int_t)n, "truncated", truncated,
                  "points", points);
  return out;
}

const char *
case_light_of(struct db *db, const struct cal *cal, const char *no, int64_t now)
{
  int64_t task[CASE_MAX_TASKS][2];
  struct kase k;
  int n = 0;

  if (case_load(db, no, &k, NULL) != CG_OK) return NULL;
  for (int i = 0; i < k.ntasks; i++)
    if (k.tasks[i].state <= TS_SUSPENDING) {
      task[n][0] = k.tasks[i].dispatched_at;
      task[n++][1] = k.tasks[i].due_at;
    }
  return case_worst_light(cal, now, k.state, k.suspended_at, k.step_started,
                          k.step_due, task, n);
}
