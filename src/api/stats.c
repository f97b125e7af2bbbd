/*
** stats.c — GET /api/v1/stats: the counts behind the statistics page,
** with the filters of the case list, computed by the case module
** (case_stats_json()) so that the page and the API agree.
*/
#include "api.h"

/* GET /api/v1/stats (logged in), with the filters of GET /api/v1/cases
** (paging and sort aside)
** 200 {"total","open","closed","overdue","by_state","by_category",
** "by_street","by_source","by_dept","daily","on_time_by_dept",
** "on_time_by_street"} over the cases the caller may see; "daily" covers
** from..to, else the last 30 days. 400 for a bad filter. */
int
stats_get_api(struct http_req *r)
{
  struct case_filter f;
  struct cg_err e = {0};
  struct case_env *env;
  char cat[64];
  json_t *out;
  int st;

  if ((st = api_case_filter(r, &f, cat))) return st;
  if (!(env = api_case_env(r, &e))) return http_reply_err(r, &e);
  if (!(out = case_stats_json(env, r->user, &f, &e)))
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, out);
}
