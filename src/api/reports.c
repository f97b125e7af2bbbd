/*
** reports.c — the evaluation over HTTP: weekly and monthly bulletins in
** JSON, CSV, a spreadsheet or a printable page; indicators, scores, grades
** and ranks of any kind of unit over any period; the indicator
** definitions; the periods up to now, for a page to choose from; road
** segments as GeoJSON (listed, and loaded by administrators); red and
** black flags of a week and a segment's history.
** Thin clients of src/eval/.
*/
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/eval.h"

/* The period named by ?day=, ?week=, ?month=, ?quarter= or ?from=&to=:
** exactly one. 0, or the status of the 400 reply set. */
static int
period_arg(struct http_req *r, const struct cal *cal, struct eval_period *p)
{
  static const char *const kinds[] = {"day", "week", "month", "quarter",
                                      "from"};
  const char *kind = NULL, *value = NULL;
  struct cg_err e = {0};
  int given = 0;

  for (int i = 0; i < 5; i++)
    if (http_arg(r, kinds[i])) {
      given++;
      kind = i == 4 ? "range" : kinds[i];
      value = http_arg(r, kinds[i]);
    }
  if (given != 1)
    return http_reply_error(r, 400, "invalid",
                            "name one period: day, week, month, quarter, "
                            "or from with to");
  if (eval_period_parse(kind, value, http_arg(r, "to"), cal_utc_offset(cal), p,
                        &e) != CG_OK)
    return http_reply_err(r, &e);
  return 0;
}

/* ?at= (Unix seconds or YYYY-MM-DD): when open cases are judged; default
** now. 0, or the status of the 400 reply set. */
static int
at_arg(struct http_req *r, struct case_env *env, int64_t *at)
{
  const char *v = http_arg(r, "at");
  int y, m, d, n = 0;
  char *end;

  *at = case_now(env);
  if (!v) return 0;
  if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !v[n]) {
    *at = cal_local_time(env->cal, y, m, d, 0);
    return 0;
  }
  *at = strtoll(v, &end, 10);
  if (*end || end == v)
    return http_reply_error(r, 400, "invalid",
                            "at is Unix seconds or YYYY-MM-DD");
  return 0;
}

/* May the caller see the evaluation of people (not only of areas and
** departments)? Leaders, administrators and shift leaders. */
static int
may_see_people(struct http_req *r)
{
  const struct org_user *u = r->user;
  return u->role == ROLE_LEADER || u->role == ROLE_ADMIN ||
         u->role == ROLE_SHIFT_LEADER;
}

/* GET /api/v1/reports/{kind} (logged in, not the public), kind weekly or
**   monthly: ?week=2026-W47 (weekly) or ?month=2026-11 (monthly)
**   &format=json|csv|xlsx|html (default json) &at= &overdue=N (50)
** 200 the bulletin: summary against the previous period, rankings of
** streets and departments, flags, overdue cases; an empty period gives an
** honest empty bulletin ("empty": true). 400 a bad or missing period, a
** week that does not exist, an unknown format; 404 an unknown kind. */
int
reports_get_api(struct http_req *r)
{
  static const char *const types[][2] = {
      {"csv", "text/csv; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"json", "application/json"},
      {"xlsx",
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
  const char *kind = r->param[0], *fmt = http_arg(r, "format");
  const char *ov = http_arg(r, "overdue");
  struct case_env *env;
  struct eval_period p;
  struct cg_err e = {0};
  int64_t at;
  int status, t, max = 50;
  json_t *b;
  char *text;
  size_t len;

  if (strcmp(kind, "weekly") && strcmp(kind, "monthly"))
    return http_reply_error(r, 404, "not_found",
                            "no report '%s' (weekly or monthly)", kind);
  for (t = 0; t < 4; t++)
    if (!strcmp(fmt ? fmt : "json", types[t][0])) break;
  if (t == 4)
    return http_reply_error(r, 400, "invalid",
                            "unknown format '%s' (json, csv, xlsx or html)",
                            fmt);
  if (ov) {
    char *end;
    long v = strtol(ov, &end, 10);
    if (*end || v < 0 || v > 100000)
      return http_reply_error(r, 400, "invalid",
                              "overdue is a count from 0 to 100000");
    max = (int)v;
  }
  if (!(env = api_case_env(r, &e))) return http_reply_err(r, &e);
  if ((status = period_arg(r, env->cal, &p)) || (status = at_arg(r, env, &at)))
    return status;
  if ((p.kind == EP_WEEK) != (kind[0] == 'w'))
    return http_reply_error(r, 400, "invalid", "a %s report takes %s", kind,
                            kind[0] == 'w' ? "week=YYYY-Www" : "month=YYYY-MM");
  if (!(b = eval_bulletin(env, &p, at, max, &e))) return http_reply_err(r, &e);
  if (t == 2) return http_reply_json(r, 200, b);
  status =
      eval_render(b, types[t][0], api_app(r)->cases->data_dir, &text, &len, &e);
  json_decref(b);
  if (status != CG_OK) return http_reply_err(r, &e);
  r->text = text;
  r->text_len = len;
  r->content_type = types[t][1];
  r->status = 200;
  return 200;
}

/* GET /api/v1/indicators (logged in, not the public)
**   ?unit=district|street|community|grid|dept|segment|supervisor|operator|
**   shift_leader|dispatcher &code= (one unit) and a period: day= week=
**   month= quarter= or from=&to= ; &at=
** 200 {"period","previous","at","unit","formula","rows":[{"code","name",
** "indicators":{...},"score","grade","rank","previous","change",
** "missing"}]}: rates in percent, null where a rate has no denominator.
** 400 bad unit or period; 403 people's figures for a role that may not
** see them; 404 an unknown code. */
int
indicators_get_api(struct http_req *r)
{
  const char *unit = http_arg(r, "unit");
  int kind = eval_kind_parse(unit), status;
  struct case_env *env;
  struct eval_period p;
  struct cg_err e = {0};
  int64_t at;
  json_t *j;

  if (kind < 0)
    return http_reply_error(r, 400, "invalid",
                            "unknown unit '%s' (district, street, community, "
                            "grid, dept, segment, supervisor, operator, "
                            "shift_leader, dispatcher)",
                            unit ? unit : "");
  if (kind >= EK_SUPERVISOR && !may_see_people(r))
    return http_reply_error(r, 403, "forbidden",
                            "the figures of people are for leaders, "
                            "administrators and shift leaders");
  if (!(env = api_case_env(r, &e))) return http_reply_err(r, &e);
  if ((status = period_arg(r, env->cal, &p)) || (status = at_arg(r, env, &at)))
    return status;
  if (!(j = eval_indicators_json(env, kind, &p, http_arg(r, "code"), at, &e)))
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, j);
}

/* GET /api/v1/indicators/definitions — every indicator: key, Chinese
** name, formula, whether it is a rate, the kinds of unit it is for. */
int
definitions_get_api(struct http_req *r)
{
  return http_reply_json(
      r, 200, json_pack("{s:o}", "indicators", eval_definitions_json()));
}

/* GET /api/v1/periods?kind=day|week|month|quarter (default week)
**   &count=N (1-520, default 12) &at=
** 200 {"today","kind","periods":[{"kind","key","from","to","zh","start",
** "end","complete"}]}: the periods of the kind up to the one that holds
** `at` (default now), newest first, in the district's local time, so that
** a page offers the periods the API counts by ("complete": over by `at`).
** 400 an unknown kind or a bad count. */
int
periods_get_api(struct http_req *r)
{
  /* in the order of enum eval_period_kind */
  static const char *const kinds[] = {"day", "week", "month", "quarter"};
  const char *kind = http_arg(r, "kind"), *count = http_arg(r, "count");
  struct case_env *env;
  struct cg_err e = {0};
  int64_t at, today;
  int k, n = 12, status, y, m, d;
  char date[16];

  for (k = 0; k < 4; k++)
    if (!strcmp(kind ? kind : "week", kinds[k])) break;
  if (k == 4)
    return http_reply_error(r, 400, "invalid",
                            "unknown kind '%s' (day, week, month or quarter)",
                            kind);
  if (count) {
    char *end;
    long v = strtol(count, &end, 10);
    if (*end || end == count || v < 1 || v > 520)
      return http_reply_error(r, 400, "invalid",
                              "count is a number from 1 to 520");
    n = (int)v;
  }
  if (!(env = api_case_env(r, &e))) return http_reply_err(r, &e);
  if ((status = at_arg(r, env, &at))) return status;
  today = eval_day_of(at, cal_utc_offset(env->cal));
  eval_day_date(today, &y, &m, &d);
  snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
  return http_reply_json(
      r, 200,
      json_pack("{s:s, s:s, s:o}", "today", date, "kind", kinds[k], "periods",
                eval_periods_json(k, at, cal_utc_offset(env->cal), n)));
}

/* GET /api/v1/flags?week=2026-W47[&at=] (logged in, not the public)
** 200 {"period","rule","stored","red":[...],"black":[...],"ranked":[...]}:
** the red and black flags of the week under the configured rule, stored
** once the week is over. 400 a bad week. */
int
flags_get_api(struct http_req *r)
{
  struct case_env *env;
  struct eval_period p;
  struct cg_err e = {0};
  int64_t at;
  int status;
  json_t *j;

  if (!(env = api_case_env(r, &e))) return http_reply_err(r, &e);
  if ((status = period_arg(r, env->cal, &p)) || (status = at_arg(r, env, &at)))
    return status;
  if (!(j = eval_flags_json(env, &p, at, &e))) return http_reply_err(r, &e);
  return http_reply_json(r, 200, j);
}

/* GET /api/v1/segments?kind=road|river&crs=wgs84|gcj02 — the road
** segments and river sections as a GeoJSON FeatureCollection (properties
** id, kind, name, length_m, generated, chief1, chief2, chief3). */
int
segments_get_api(struct http_req *r)
{
  const char *crs_name = http_arg(r, "crs");
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  struct db *db;
  json_t *fc;

  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return http_reply_err(r, &e);
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  if (!(fc = eval_segments_geojson(db, http_arg(r, "kind"), crs, &e)))
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, fc);
}

/* POST /api/v1/segments/{id}/chief (admin) {"level": 1-3, "chief": name or
** login, "" to clear} — the segment's chief at that level (路长制), as
** `citygrid segment chief` sets it: 200 {"segment", "level", "chief"}; 400
** a bad level; 404 no such segment. */
int
segment_chief_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {
      {"level", JSON_INTEGER, 1}, {"chief", JSON_STRING, 1}, {NULL, 0, 0}};
  struct cg_err e = {0};
  const char *chief;
  struct db *db;
  json_int_t level;
  json_t *b;
  int status;

  if (!(b = api_body(r, fields, &status))) return status;
  level = json_integer_value(json_object_get(b, "level"));
  chief = json_string_value(json_object_get(b, "chief"));
  status = 0;
  if (level < 1 || level > 3)
    status =
        http_reply_error(r, 400, "invalid", "chief level %lld is not 1, 2 or 3",
                         (long long)level);
  else if (strlen(chief) > 60)
    status = http_reply_error(r, 400, "invalid",
                              "a chief's name is at most 60 bytes");
  if (status) {
    json_decref(b);
    return status;
  }
  if (!(db = api_db(r, &e)) ||
      eval_segment_chief(db, r->param[0], (int)level, chief, &e) != CG_OK) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  status = http_reply_json(r, 200,
                           json_pack("{s:s, s:I, s:s}", "segment", r->param[0],
                                     "level", level, "chief", chief));
  json_decref(b);
  return status;
}

/* POST /api/v1/segments/generate (admin) {"spacing": metres, 1000 by
** default} — road segments along the unit-grid lattice where no roads are
** loaded, as `citygrid segment generate`: 200 {"segments": N, "spacing"};
** 400 a spacing out of range, or no grids. */
int
segments_generate_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"spacing", JSON_REAL, 0},
                                            {NULL, 0, 0}};
  struct cg_err e = {0};
  double spacing = 1000;
  struct db *db;
  json_t *b;
  int status, n = 0;

  if (!(b = api_body(r, fields, &status))) return status;
  if (json_object_get(b, "spacing"))
    spacing = json_number_value(json_object_get(b, "spacing"));
  json_decref(b);
  if (!(db = api_db(r, &e)) ||
      eval_generate_segments(db, spacing, &n, &e) != CG_OK)
    return http_reply_err(r, &e);
  return http_reply_json(
      r, 200, json_pack("{s:i, s:f}", "segments", n, "spacing", spacing));
}

/* GET /api/v1/segments/{id}/flags — the segment's stored flags, newest
** first: {"segment","flags":[{"period","flag","score","rank","assigned"}]};
** 404 no such segment. */
int
segment_flags_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  json_t *j;
  if (!db || !(j = eval_flag_history_json(db, r->param[0], &e)))
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, j);
}
