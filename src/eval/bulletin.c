/*
** bulletin.c — the weekly and monthly bulletins (周通报 / 月通报) as one JSON
** tree: the district's summary against the previous period, the rankings
** of streets and departments, the red and black flags, and the cases open
** past their deadline; and the tables that every rendering (CSV, the
** spreadsheet, the printable page) is made from, so that they all show
** the same cells.
*/
#include "eval_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The district figures a bulletin leads with, in order. */
static const char *const summary_keys[] = {"reports",
                                           "valid_report_rate",
                                           "filed",
                                           "missed_rate",
                                           "cohort",
                                           "due",
                                           "closed",
                                           "close_rate",
                                           "ontime_closed",
                                           "ontime_close_rate",
                                           "rework",
                                           "rework_rate",
                                           "extended",
                                           "extend_rate",
                                           "deferred",
                                           "suspended",
                                           "overdue",
                                           "self_closed",
                                           "satisfaction_rate"};
#define NSUMMARY (int)(sizeof summary_keys / sizeof summary_keys[0])

/* The district's figures over p, {key: value} of summary_keys. */
static json_t *
summary_of(struct case_env *env, const struct eval_period *p, int64_t at,
           int *empty, struct cg_err *e)
{
  struct eval_row *rows = NULL;
  struct eval_counts zero;
  int n = 0, any = 0;
  json_t *all, *out;

  if (eval_rows(env, EK_DISTRICT, p, NULL, at, &rows, &n, e) != CG_OK)
    return NULL;
  memset(&zero, 0, sizeof zero);
  zero.days = (int)(p->day1 - p->day0);
  all = eval_indicators_obj(EK_DISTRICT, n ? &rows[0].c : &zero);
  for (int m = 0; n && m < EM_COUNT; m++)
    any |= rows[0].c.m[m] != 0;
  if (n && rows[0].c.overdue) any = 1;
  if (empty) *empty = !any;
  out = json_object();
  for (int i = 0; i < NSUMMARY; i++)
    json_object_set(out, summary_keys[i],
                    json_object_get(all, summary_keys[i]));
  json_decref(all);
  free(rows);
  return out;
}

/* cur − prev of each figure, null where either has none. */
static json_t *
change_of(json_t *cur, json_t *prev)
{
  json_t *out = json_object();
  for (int i = 0; i < NSUMMARY; i++) {
    json_t *a = json_object_get(cur, summary_keys[i]);
    json_t *b = json_object_get(prev, summary_keys[i]);
    json_t *d = json_null();
    if (json_is_integer(a) && json_is_integer(b))
      d = json_integer(json_integer_value(a) - json_integer_value(b));
    else if (json_is_number(a) && json_is_number(b))
      d = json_real(eval_round2(json_number_value(a) - json_number_value(b)));
    json_object_set_new(out, summary_keys[i], d);
  }
  return out;
}

/* The cases open past their deadline at `at`, most overdue first. */
static json_t *
overdue_of(struct case_env *env, int64_t at, int max, struct cg_err *e)
{
  static const char sql[] =
      "SELECT o.case_no, o.due_at, c.category_code, coalesce(g.name_zh, ''),"
      " coalesce(s.name, o.street), coalesce(d.name, o.dept), o.segment,"
      " c.address FROM eval_open o JOIN cases c ON c.no = o.case_no"
      " LEFT JOIN category g ON g.scheme = c.scheme AND g.kind = c.kind"
      " AND g.code = c.category_code LEFT JOIN area s ON s.code = o.street"
      " LEFT JOIN department d ON d.code = o.dept WHERE o.parked = 0"
      " AND o.due_at < ? ORDER BY o.due_at, o.case_no LIMIT ?";
  struct db_stmt *st;
  int64_t total = 0;
  json_t *list;
  int rc;

  if (db_query_int(env->db, &total, 0, e,
                   "SELECT count(*) FROM eval_open WHERE parked = 0 AND"
                   " due_at < ?",
                   "i", at) != CG_OK)
    return NULL;
  if (db_prepare(env->db, &st, sql, e) != CG_OK) return NULL;
  db_bindf(st, "ii", at, (int64_t)max);
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW) {
    int64_t due = db_col_int(st, 1);
    double hours = (double)cal_between(env->cal, due, at) / 3600.0;
    json_array_append_new(
        list,
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "no",
                  db_col_text(st, 0), "due_at", (json_int_t)due, "category",
                  db_col_text(st, 2), "category_zh", db_col_text(st, 3),
                  "street", db_col_text(st, 4), "dept", db_col_text(st, 5),
                  "segment", db_col_text(st, 6), "address", db_col_text(st, 7),
                  "overdue_hours", eval_round2(hours)));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return json_pack("{s:I, s:o}", "total", (json_int_t)total, "cases", list);
}

/* The flags of the ISO weeks that end in a month (assigned, and kept for
** the weeks that are over, as the weekly bulletin does). */
static json_t *
month_flags(struct case_env *env, const struct eval_period *p, int64_t at,
            struct cg_err *e)
{
  static const char *const kinds[2] = {"red", "black"};
  json_t *out = json_pack("{s:[], s:[]}", "red", "black");
  for (int64_t d = p->day0; d < p->day1; d++) {
    struct eval_period w;
    json_t *f, *v;
    size_t i;
    if ((d + 3) % 7 != 6) continue; /* Sundays end ISO weeks */
    eval_period_days(EP_WEEK, d - 6, d + 1, cal_utc_offset(env->cal), &w);
    if (!(f = eval_flags_json(env, &w, at, e))) {
      json_decref(out);
      return NULL;
    }
    for (int k = 0; k < 2; k++)
      json_array_foreach(json_object_get(f, kinds[k]), i, v)
      {
        json_object_set_new(v, "week", json_string(w.key));
        json_array_append(json_object_get(out, kinds[k]), v);
      }
    json_decref(f);
  }
  return out;
}

json_t *
eval_bulletin(struct case_env *env, const struct eval_period *p, int64_t at,
              int overdue_max, struct cg_err *e)
{
  struct eval_refresh_stats rs;
  struct eval_period prev;
  struct eval_conf *conf = NULL;
  json_t *cur = NULL, *old = NULL, *streets = NULL, *depts = NULL;
  json_t *flags = NULL, *overdue = NULL, *out = NULL;
  char district[128] = "", title[256], when[32];
  int empty = 1, weekly = p->kind == EP_WEEK;
  time_t local = (time_t)(at + cal_utc_offset(env->cal));
  struct tm tm;

  if (p->kind != EP_WEEK && p->kind != EP_MONTH) {
    cg_fail(e, CG_EINVAL, "a bulletin is for a week or a month, not a %s",
            eval_period_kind_name(p->kind));
    return NULL;
  }
  if (eval_refresh(env, 0, &rs, e) != CG_OK ||
      !(conf = eval_conf_load(env->db, e)))
    goto out;
  eval_period_prev(p, cal_utc_offset(env->cal), &prev);
  {
    struct db_stmt *st;
    if (db_prepare(env->db, &st,
                   "SELECT name FROM area WHERE level = 'district'",
                   e) != CG_OK)
      goto out;
    if (db_step(st, e) == DB_ROW)
      snprintf(district, sizeof district, "%s", db_col_text(st, 0));
    db_finalize(st);
  }
  if (!(cur = summary_of(env, p, at, &empty, e)) ||
      !(old = summary_of(env, &prev, at, NULL, e)) ||
      !(streets =
            eval_ranked_json(env, conf, EK_STREET, p, &prev, NULL, at, e)) ||
      !(depts = eval_ranked_json(env, conf, EK_DEPT, p, &prev, NULL, at, e)) ||
      !(flags = weekly ? eval_flags_json(env, p, at, e)
                       : month_flags(env, p, at, e)) ||
      !(overdue = overdue_of(env, at, overdue_max, e)))
    goto out;
  snprintf(title, sizeof title, "%s数字化城市管理%s", district,
           weekly ? "周通报" : "月通报");
  gmtime_r(&local, &tm);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
  out =
      json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:b, s:{s:O, s:O, "
                "s:o}, s:O, s:O, s:O, s:O}",
                "kind", weekly ? "weekly" : "monthly", "title", title,
                "district", district, "period", eval_period_json(p), "previous",
                eval_period_json(&prev), "at", (json_int_t)at, "at_local", when,
                "empty", empty, "summary", "current", cur, "previous", old,
                "change", change_of(cur, old), "streets", streets,
                "departments", depts, "flags", flags, "overdue", overdue);
out:
  json_decref(cur);
  json_decref(old);
  json_decref(streets);
  json_decref(depts);
  json_decref(flags);
  json_decref(overdue);
  eval_conf_free(conf);
  return out;
}

/* ---- tables ------------------------------------------------------------------ */

/* The Chinese name of an indicator. */
static const char *
zh_of(const char *key)
{
  int n, i = eval_indicator_find(key);
  const struct eval_indicator *ind = eval_indicators(&n);
  return i >= 0 ? ind[i].zh : key;
}

static json_t *
table(const char *name, const char *title, const char *const *cols, int ncols)
{
  json_t *c = json_array();
  for (int i = 0; i < ncols; i++)
    json_array_append_new(c, json_string(cols[i]));
  return json_pack("{s:s, s:s, s:o, s:[]}", "name", name, "title", title,
                   "columns", c, "rows");
}

/* A value copied for a cell (null stays null). */
static json_t *
cell(json_t *v)
{
  return v ? json_copy(v) : json_null();
}

/* A ranking table: rank, unit, score, grade, the figures `keys`, and the
** previous rank with the change. */
static json_t *
ranking(const char *name, const char *title, const char *unit, json_t *rows,
        const char *const *keys, int nkeys)
{
  const char *cols[32];
  int nc = 0;
  size_t i;
  json_t *t, *r;

  cols[nc++] = "排名";
  cols[nc++] = unit;
  cols[nc++] = "综合得分";
  cols[nc++] = "等级";
  for (int k = 0; k < nkeys; k++)
    cols[nc++] = zh_of(keys[k]);
  cols[nc++] = "上期排名";
  cols[nc++] = "名次变化";
  t = table(name, title, cols, nc);
  json_array_foreach(rows, i, r)
  {
    json_t *row = json_array(), *ind = json_object_get(r, "indicators");
    json_array_append_new(row, cell(json_object_get(r, "rank")));
    json_array_append_new(row, cell(json_object_get(r, "name")));
    json_array_append_new(row, cell(json_object_get(r, "score")));
    json_array_append_new(row, cell(json_object_get(r, "grade")));
    for (int k = 0; k < nkeys; k++)
      json_array_append_new(row, cell(json_object_get(ind, keys[k])));
    json_array_append_new(
        row, cell(json_object_get(json_object_get(r, "previous"), "rank")));
    json_array_append_new(
        row, cell(json_object_get(json_object_get(r, "change"), "rank")));
    json_array_append_new(json_object_get(t, "rows"), row);
  }
  return t;
}

json_t *
eval_bulletin_tables(json_t *b)
{
  static const char *const street_keys[] = {
      "reports",     "filed",      "due",
      "closed",      "close_rate", "ontime_close_rate",
      "rework_rate", "overdue",    "satisfaction_rate"};
  static const char *const dept_keys[] = {"cohort",
                                          "due",
                                          "closed",
                                          "close_rate",
                                          "handle_ontime_rate",
                                          "rework_rate",
                                          "extend_rate",
                                          "overdue",
                                          "satisfaction_rate"};
  static const char *const sum_cols[] = {"指标", "本期", "上期", "变化"};
  static const char *const flag_cols[] = {"旗",   "周",   "路段",
                                          "名称", "得分", "排名"};
  static const char *const over_cols[] = {"案件编号", "类别",           "街道",
                                          "部门",     "超期(工作小时)", "地址"};
  json_t *tables = json_array(), *t, *sum = json_object_get(b, "summary");
  const char *flagkinds[2] = {"red", "black"};
  size_t i;
  json_t *v;

  t = table("summary", "概况", sum_cols, 4);
  for (int k = 0; k < NSUMMARY; k++)
    json_array_append_new(
        json_object_get(t, "rows"),
        json_pack("[s, o, o, o]", zh_of(summary_keys[k]),
                  cell(json_object_get(json_object_get(sum, "current"),
                                       summary_keys[k])),
                  cell(json_object_get(json_object_get(sum, "previous"),
                                       summary_keys[k])),
                  cell(json_object_get(json_object_get(sum, "change"),
                                       summary_keys[k]))));
  json_array_append_new(tables, t);
  json_array_append_new(tables,
                        ranking("streets", "街道排名", "街道",
                                json_object_get(b, "streets"), street_keys, 9));
  json_array_append_new(tables, ranking("departments", "部门排名", "部门",
                                        json_object_get(b, "departments"),
                                        dept_keys, 9));
  t = table("flags", "红黑旗", flag_cols, 6);
  for (int k = 0; k < 2; k++)
    json_array_foreach(
        json_object_get(json_object_get(b, "flags"), flagkinds[k]), i, v)
    {
      json_t *week = json_object_get(v, "week");
      json_array_append_new(
          json_object_get(t, "rows"),
          json_pack(
              "[s, o, o, o, o, o]", k ? "黑旗" : "红旗",
              cell(week ? week
                        : json_object_get(json_object_get(b, "period"), "key")),
              cell(json_object_get(v, "segment")),
              cell(json_object_get(v, "name")),
              cell(json_object_get(v, "score")),
              cell(json_object_get(v, "rank"))));
    }
  json_array_append_new(tables, t);
  t = table("overdue", "超期未结案件", over_cols, 6);
  json_array_foreach(json_object_get(json_object_get(b, "overdue"), "cases"), i,
                     v)
  {
    char cat[128];
    snprintf(cat, sizeof cat, "%s %s",
             json_string_value(json_object_get(v, "category")),
             json_string_value(json_object_get(v, "category_zh")));
    json_array_append_new(json_object_get(t, "rows"),
                          json_pack("[o, s, o, o, o, o]",
                                    cell(json_object_get(v, "no")), cat,
                                    cell(json_object_get(v, "street")),
                                    cell(json_object_get(v, "dept")),
                                    cell(json_object_get(v, "overdue_hours")),
                                    cell(json_object_get(v, "address"))));
  }
  json_array_append_new(tables, t);
  return tables;
}
