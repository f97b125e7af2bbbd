/*
** calendar.c — the district's working calendar over HTTP: GET
** /api/v1/calendar shows a year's holidays and make-up working days (调休)
** as the server counts deadlines by them, to anyone; loading a year's file
** is POST /api/v1/import/calendar (import.c), which the server takes into
** use at once.
*/
#include "api.h"

#include <stdio.h>

/* A year of a calendar, for its CSV. */
struct year {
  const struct cal *cal;
  int y;
};

static int
year_csv(struct db *db, const void *arg, FILE *out, struct cg_err *e)
{
  const struct year *y = arg;
  return case_calendar_csv(y->cal, y->y, out, e);
}

/* GET /api/v1/calendar[?year=YYYY][&format=csv] — 200 {"year", "hours",
** "utc_offset", "files", "days": [{"date", "kind", "name"}]} for the year
** (default: this one, in the district's time); as CSV, the file
** `citygrid import calendar` reads. 400 a bad year or format. */
int
calendar_get_api(struct http_req *r)
{
  struct case_setup *s = api_app(r)->cases;
  struct year y = {case_setup_cal(s), 0};
  struct cg_err e = {0};
  int st;

  if (case_calendar_year(y.cal, http_arg(r, "year"), &y.y, &e) != CG_OK)
    return http_reply_err(r, &e);
  if ((st = api_csv_reply(r, NULL, &y, year_csv))) return st;
  return http_reply_json(r, 200, case_calendar_json(s, y.cal, y.y));
}
