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
  return api_case_read(r, case_stats_json);
}
