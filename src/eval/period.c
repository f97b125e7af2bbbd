/*
** period.c — evaluation periods as whole local days: a day, an ISO 8601
** week (Monday to Sunday; week 1 holds the year's first Thursday, so a year
** has 52 or 53 weeks), a month, a quarter or a range of days, in the
** district's local time (Asia/Shanghai: UTC+8, no daylight saving).
*/
#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[EP_COUNT] = {"day", "week", "month",
                                                 "quarter", "range"};

const char *
eval_period_kind_name(int kind)
{
  return kind >= 0 && kind < EP_COUNT ? kind_names[kind] : "?";
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
** (H. Hinnant's days_from_civil). */
int64_t
eval_day_from_date(int y, int m, int d)
{
  int64_t yy = y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void
eval_day_date(int64_t z, int *y, int *m, int *d)
{
  int64_t era, doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t
eval_day_of(int64_t t, int utc_offset)
{
  int64_t s = t + utc_offset;
  return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

/* ISO weekday of a day number: 1 Monday .. 7 Sunday (1970-01-01 was a
** Thursday). */
static int
weekday(int64_t day)
{
  int64_t w = (day + 3) % 7;
  return (int)(w < 0 ? w + 7 : w) + 1;
}

/* Day number of the Monday of ISO week 1 of year y. */
static int64_t
week1_monday(int y)
{
  int64_t jan4 = eval_day_from_date(y, 1, 4);
  return jan4 - (weekday(jan4) - 1);
}

int
eval_iso_weeks(int y)
{
  return (int)((week1_monday(y + 1) - week1_monday(y)) / 7);
}

static int
days_in_month(int y, int m)
{
  static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : n[m - 1];
}

/* Parse YYYY-MM-DD (a date that exists) into a day number. */
static int
parse_date(const char *s, int64_t *day)
{
  int y, m, d, k = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &k) != 3 || s[k] || k != 10)
    return -1;
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
      d > days_in_month(y, m))
    return -1;
  *day = eval_day_from_date(y, m, d);
  return 0;
}

static void
finish(struct eval_period *p, int utc_offset)
{
  p->start = p->day0 * 86400 - utc_offset;
  p->end = p->day1 * 86400 - utc_offset;
}

/* Fill p's key from its kind and days. */
static void
make_key(struct eval_period *p)
{
  int y, m, d, y1, m1, d1;
  eval_day_date(p->day0, &y, &m, &d);
  switch (p->kind) {
  case EP_DAY:
    snprintf(p->key, sizeof p->key, "%04d-%02d-%02d", y, m, d);
    break;
  case EP_WEEK: {
    int64_t thu = p->day0 + 3; /* the Thursday names the ISO year */
    int wy;
    eval_day_date(thu, &wy, &m1, &d1);
    snprintf(p->key, sizeof p->key, "%04d-W%02d", wy,
             (int)((p->day0 - week1_monday(wy)) / 7 + 1));
    break;
  }
  case EP_MONTH:
    snprintf(p->key, sizeof p->key, "%04d-%02d", y, m);
    break;
  case EP_QUARTER:
    snprintf(p->key, sizeof p->key, "%04d-Q%d", y, (m - 1) / 3 + 1);
    break;
  default:
    eval_day_date(p->day1 - 1, &y1, &m1, &d1);
    snprintf(p->key, sizeof p->key, "%04d-%02d-%02d..%04d-%02d-%02d", y, m, d,
             y1, m1, d1);
  }
}

int
eval_period_parse(const char *kind, const char *value, const char *to,
                  int utc_offset, struct eval_period *p, struct cg_err *e)
{
  int y, n, k = 0, which = -1;

  memset(p, 0, sizeof *p);
  for (int i = 0; i < EP_COUNT; i++)
    if (kind && strcmp(kind, kind_names[i]) == 0) which = i;
  if (which < 0)
    return cg_fail(e, CG_EINVAL,
                   "unknown period '%s' (day, week, month, "
                   "quarter or range)",
                   kind ? kind : "");
  if (!value || !*value)
    return cg_fail(e, CG_EINVAL, "the %s is missing", kind);
  p->kind = which;
  switch (which) {
  case EP_DAY:
    if (parse_date(value, &p->day0))
      return cg_fail(e, CG_EINVAL, "bad day '%s' (YYYY-MM-DD)", value);
    p->day1 = p->day0 + 1;
    break;
  case EP_WEEK:
    if (sscanf(value, "%4d-W%2d%n", &y, &n, &k) != 2 || value[k] || k != 8 ||
        y < 1900 || y > 9998)
      return cg_fail(e, CG_EINVAL, "bad week '%s' (YYYY-Www, e.g. 2026-W47)",
                     value);
    if (n < 1 || n > eval_iso_weeks(y))
      return cg_fail(e, CG_EINVAL,
                     "week '%s' does not exist: %d has %d ISO "
                     "weeks",
                     value, y, eval_iso_weeks(y));
    p->day0 = week1_monday(y) + 7 * (n - 1);
    p->day1 = p->day0 + 7;
    break;
  case EP_MONTH:
    if (sscanf(value, "%4d-%2d%n", &y, &n, &k) != 2 || value[k] || k != 7 ||
        y < 1900 || y > 9999 || n < 1 || n > 12)
      return cg_fail(e, CG_EINVAL, "bad month '%s' (YYYY-MM)", value);
    p->day0 = eval_day_from_date(y, n, 1);
    p->day1 = p->day0 + days_in_month(y, n);
    break;
  case EP_QUARTER:
    if (sscanf(value, "%4d-Q%1d%n", &y, &n, &k) != 2 || value[k] || k != 7 ||
        y < 1900 || y > 9999 || n < 1 || n > 4)
      return cg_fail(e, CG_EINVAL, "bad quarter '%s' (YYYY-Qn, n 1 to 4)",
                     value);
    p->day0 = eval_day_from_date(y, 3 * n - 2, 1);
    p->day1 = n == 4 ? eval_day_from_date(y + 1, 1, 1)
                     : eval_day_from_date(y, 3 * n + 1, 1);
    break;
  default: {
    int64_t last;
    if (parse_date(value, &p->day0))
      return cg_fail(e, CG_EINVAL, "bad first day '%s' (YYYY-MM-DD)", value);
    if (!to || parse_date(to, &last))
      return cg_fail(e, CG_EINVAL, "bad last day '%s' (YYYY-MM-DD)",
                     to ? to : "");
    if (last < p->day0)
      return cg_fail(e, CG_EINVAL, "the range ends (%s) before it starts (%s)",
                     to, value);
    if (last - p->day0 >= 3660)
      return cg_fail(e, CG_EINVAL, "a range of more than 3660 days");
    p->day1 = last + 1;
  }
  }
  make_key(p);
  finish(p, utc_offset);
  return CG_OK;
}

void
eval_period_days(int kind, int64_t day0, int64_t day1, int utc_offset,
                 struct eval_period *p)
{
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->day0 = day0;
  p->day1 = day1;
  make_key(p);
  finish(p, utc_offset);
}

void
eval_period_prev(const struct eval_period *p, int utc_offset,
                 struct eval_period *prev)
{
  int y, m, d;
  *prev = *p;
  switch (p->kind) {
  case EP_MONTH:
    eval_day_date(p->day0 - 1, &y, &m, &d);
    prev->day0 = eval_day_from_date(y, m, 1);
    prev->day1 = p->day0;
    break;
  case EP_QUARTER:
    eval_day_date(p->day0 - 1, &y, &m, &d);
    prev->day0 = eval_day_from_date(y, m - 2, 1);
    prev->day1 = p->day0;
    break;
  default: /* a day, a week, a range: as many days just before */
    prev->day1 = p->day0;
    prev->day0 = p->day0 - (p->day1 - p->day0);
  }
  make_key(prev);
  finish(prev, utc_offset);
}

void
eval_period_of_day(int kind, int64_t day, int utc_offset, struct eval_period *p)
{
  int y, m, d;
  int64_t day0 = day, day1 = day + 1;
  eval_day_date(day, &y, &m, &d);
  switch (kind) {
  case EP_WEEK:
    day0 = day - (weekday(day) - 1);
    day1 = day0 + 7;
    break;
  case EP_MONTH:
    day0 = eval_day_from_date(y, m, 1);
    day1 = day0 + days_in_month(y, m);
    break;
  case EP_QUARTER:
    m = (m - 1) / 3 * 3 + 1;
    day0 = eval_day_from_date(y, m, 1);
    day1 = m == 10 ? eval_day_from_date(y + 1, 1, 1)
                   : eval_day_from_date(y, m + 3, 1);
    break;
  default:
    kind = EP_DAY;
  }
  eval_period_days(kind, day0, day1, utc_offset, p);
}

void
eval_period_zh(const struct eval_period *p, char *buf, size_t n)
{
  int y, m, d, y1, m1, d1;
  eval_day_date(p->day0, &y, &m, &d);
  eval_day_date(p->day1 - 1, &y1, &m1, &d1);
  switch (p->kind) {
  case EP_DAY:
    snprintf(buf, n, "%d年%d月%d日", y, m, d);
    break;
  case EP_WEEK:
    snprintf(buf, n, "%.4s年第%d周（%d月%d日至%d月%d日）", p->key,
             atoi(p->key + 6), m, d, m1, d1);
    break;
  case EP_MONTH:
    snprintf(buf, n, "%d年%d月", y, m);
    break;
  case EP_QUARTER:
    snprintf(buf, n, "%d年第%d季度", y, (m - 1) / 3 + 1);
    break;
  default:
    snprintf(buf, n, "%d年%d月%d日至%d年%d月%d日", y, m, d, y1, m1, d1);
  }
}
