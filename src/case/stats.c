/*
** stats.c — what the dashboard reads in bulk: counts of cases by state,
** category, street and source, daily intake and closures, on-time closure
** rates per department and street (each one SQL GROUP BY), and the map's
** points, one compact row per case. Both take the case list's filter and
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

/* Counts grouped by one expression, as [{"key","name","count"}], largest
** first (caller decrefs; NULL with *e on failure). For G_MAJOR the
** expression yields scheme and major code (two columns) and the key is
** "scheme:major". */
static json_t *
grouped(struct case_env *env, const struct org_user *who,
        const struct case_filter *f, const char *expr, enum group_kind kind,
        struct cg_err *e)
{
  char cols[256], extra[256], scopes[16][32], key[64], name[256];
  struct case_q q;
  struct db_stmt *st;
  json_t *list;
  int rc, ncol = kind == G_MAJOR ? 2 : 1;

  snprintf(cols, sizeof cols, "%s, count(*)", expr);
  snprintf(extra, sizeof extra, " GROUP BY %s ORDER BY count(*) DESC, %s",
           ncol == 2 ? "1, 2" : "1", ncol == 2 ? "1, 2" : "1");
  if (query(env, who, f, cols, CASES, "", extra, scopes, &q, &st, e) != CG_OK)
    return NULL;
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *k = db_col_text(st, 0) ? db_col_text(st, 0) : "";
    name[0] = 0;
    if (kind == G_MAJOR) {
      const char *major = db_col_text(st, 1) ? db_col_text(st, 1) : "";
      snprintf(key, sizeof key, "%s:%s", k, major);
      name_of(env->db, major_sql, k, major, name, sizeof name);
    } else {
      snprintf(key, sizeof key, "%s", k);
      if (kind == G_STATE && case_state_parse(k) >= 0)
        snprintf(name, sizeof name, "%s", case_state_zh(case_state_parse(k)));
      else if (kind == G_AREA)
        name_of(env->db, area_sql, k, NULL, name, sizeof name);
      else if (kind == G_DEPT)
        name_of(env->db, dept_sql, k, NULL, name, sizeof name);
    }
    json_array_append_new(list,
                          json_pack("{s:s, s:s, s:I}", "key", key, "name", name,
                                    "count", (json_int_t)db_col_int(st, ncol)));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return list;
}

/* On-time closure by the responsible department or the street:
** [{"key","name","closed","on_time","rate"}], most closed first (caller
** decrefs; NULL with *e on failure). */
static json_t *
on_time(struct case_env *env, const struct org_user *who,
        const struct case_filter *f, const char *expr, enum group_kind kind,
        struct cg_err *e)
{
  char cols[256], scopes[16][32], name[256];
  struct case_q q;
  struct db_stmt *st;
  json_t *list;
  int rc;

  snprintf(cols, sizeof cols, "%s, count(*), sum(c.on_time)", expr);
  if (query(env, who, f, cols, CASES,
            " AND c.state = 'closed' AND c.on_time IS NOT NULL",
            " GROUP BY 1 ORDER BY count(*) DESC, 1", scopes, &q, &st,
            e) != CG_OK)
    return NULL;
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *k = db_col_text(st, 0) ? db_col_text(st, 0) : "";
    int64_t closed = db_col_int(st, 1), ok = db_col_int(st, 2);
    name_of(env->db, kind == G_DEPT ? dept_sql : area_sql, k, NULL, name,
            sizeof name);
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:I, s:I, s:f}", "key", k, "name", name,
                        "closed", (json_int_t)closed, "on_time", (json_int_t)ok,
                        "rate", closed ? (double)ok / (double)closed : 0.0));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return list;
}

/* One number: count(*) of the filter and the terms in `and`. */
static int
count(struct case_env *env, const struct org_user *who,
      const struct case_filter *f, const char *and, int64_t *n,
      struct cg_err *e)
{
  char scopes[16][32];
  struct case_q q;
  struct db_stmt *st;
  int rc;

  if (query(env, who, f, "count(*)", CASES, and, "", scopes, &q, &st, e) !=
      CG_OK)
    return e->code;
  *n = 0;
  if ((rc = db_step(st, e)) == DB_ROW) *n = db_col_int(st, 0);
  db_finalize(st);
  return rc < 0 ? e->code : CG_OK;
}

/* Local day number (days since 1970-01-01 in the district's time) of t. */
static int64_t
local_day(int64_t t, int offset)
{
  int64_t v = t + offset;
  return v >= 0 ? v / DAY : -((-v + DAY - 1) / DAY);
}

/* Daily intake and closures from day d0 to d1 (local day numbers, d1
** excluded): counts of the filter's cases created, and closed, on each
** day, grouped in SQL by (time + offset) / 86400, as [{"day", "intake",
** "closed"}] (caller decrefs; NULL with *e on failure). */
static json_t *
daily(struct case_env *env, const struct org_user *who,
      const struct case_filter *f, int64_t d0, int64_t d1, int offset,
      struct cg_err *e)
{
  static const char *const col[2] = {"created_at", "closed_at"};
  int64_t counts[MAX_DAYS][2];
  int ndays = (int)(d1 - d0);
  json_t *list;

  memset(counts, 0, sizeof counts);
  for (int w = 0; w < 2; w++) {
    char sql[128], scopes[16][32];
    struct case_q q;
    struct db_stmt *st;
    int rc;

    memset(&q, 0, sizeof q);
    snprintf(sql, sizeof sql, "SELECT (c.%s + ?) / %d, count(*)", col[w], DAY);
    case_q_num(&q, sql, offset);
    case_q_add(&q, CASES);
    if (case_q_where(&q, env, who, f, scopes, e) != CG_OK) return NULL;
    snprintf(sql, sizeof sql, " AND c.%s >= ?", col[w]);
    case_q_num(&q, sql, d0 * DAY - offset);
    snprintf(sql, sizeof sql, " AND c.%s < ?", col[w]);
    case_q_num(&q, sql, d1 * DAY - offset);
    case_q_add(&q, " GROUP BY 1 ORDER BY 1");
    if (db_prepare(env->db, &st, q.sql, e) != CG_OK) return NULL;
    case_q_bind(&q, st);
    while ((rc = db_step(st, e)) == DB_ROW) {
      int64_t d = db_col_int(st, 0) - d0;
      if (d >= 0 && d < ndays) counts[d][w] = db_col_int(st, 1);
    }
    db_finalize(st);
    if (rc < 0) return NULL;
  }
  list = json_array();
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

json_t *
case_stats_json(struct case_env *env, const struct org_user *who,
                const struct case_filter *f, struct cg_err *e)
{
  struct case_filter late = *f;
  int offset = cal_utc_offset(env->cal);
  int64_t now = case_now(env), total, open, closed, overdue, d0, d1;
  json_t *out, *v[8];
  int nv = 0;

  if (case_flush(env, e) != CG_OK) return NULL;
  late.overdue = 1;
  if (count(env, who, f, "", &total, e) != CG_OK ||
      count(env, who, f,
            " AND c.state NOT IN ('closed', 'void', 'rejected',"
            " 'duplicate', 'draft')",
            &open, e) != CG_OK ||
      count(env, who, f, " AND c.state = 'closed'", &closed, e) != CG_OK ||
      count(env, who, &late, "", &overdue, e) != CG_OK)
    return NULL;
  /* the days of the filter's range, else the 30 days up to today */
  d1 = local_day((f->to ? f->to - 1 : now), offset) + 1;
  d0 = f->from ? local_day(f->from, offset) : d1 - 30;
  if (d1 - d0 > MAX_DAYS) d0 = d1 - MAX_DAYS;
  if (d0 > d1) d0 = d1;
  v[nv++] = grouped(env, who, f, "c.state", G_STATE, e);
  v[nv++] = grouped(env, who, f, "c.scheme, substr(c.category_code, 1, 2)",
                    G_MAJOR, e);
  v[nv++] = grouped(env, who, f, "c.street_code", G_AREA, e);
  v[nv++] = grouped(env, who, f, "c.source", G_PLAIN, e);
  v[nv++] = grouped(env, who, f, "c.dept_code", G_DEPT, e);
  v[nv++] = daily(env, who, f, d0, d1, offset, e);
  v[nv++] = on_time(env, who, f, "c.dept_code", G_DEPT, e);
  v[nv++] = on_time(env, who, f, "c.street_code", G_AREA, e);
  for (int i = 0; i < nv; i++)
    if (!v[i]) {
      for (int k = 0; k < nv; k++)
        json_decref(v[k]);
      return NULL;
    }
  out = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                  " s:o}",
                  "total", (json_int_t)total, "open", (json_int_t)open,
                  "closed", (json_int_t)closed, "overdue", (json_int_t)overdue,
                  "by_state", v[0], "by_category", v[1], "by_street", v[2],
                  "by_source", v[3], "by_dept", v[4], "daily", v[5],
                  "on_time_by_dept", v[6], "on_time_by_street", v[7]);
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
