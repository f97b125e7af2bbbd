/*
** test_period.c — evaluation periods: ISO weeks (53-week years and those
** with 52, weeks that straddle New Year), months, quarters, days and
** ranges in local time (UTC+8), their previous periods, the period that
** holds a day, and what is refused.
*/
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "eval/eval.h"

#define UTC8 (8 * 3600)

static void
date_of(int64_t day, char out[16])
{
  int y, m, d;
  eval_day_date(day, &y, &m, &d);
  snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* Parse and check the first and last day. */
static void
expect(const char *kind, const char *v, const char *to, const char *first,
       const char *last, const char *key)
{
  struct eval_period p;
  struct cg_err e = {0};
  char a[16], b[16];
  if (eval_period_parse(kind, v, to, UTC8, &p, &e) != CG_OK)
    fail_msg("%s %s: %s", kind, v, e.msg);
  date_of(p.day0, a);
  date_of(p.day1 - 1, b);
  assert_string_equal(a, first);
  assert_string_equal(b, last);
  assert_string_equal(p.key, key);
  /* local midnight in Asia/Shanghai is 16:00 UTC the day before */
  assert_int_equal(p.start, p.day0 * 86400 - UTC8);
  assert_int_equal(p.end, p.day1 * 86400 - UTC8);
}

static void
refused(const char *kind, const char *v, const char *to, const char *msg)
{
  struct eval_period p;
  struct cg_err e = {0};
  assert_int_equal(eval_period_parse(kind, v, to, UTC8, &p, &e), CG_EINVAL);
  if (!strstr(e.msg, msg))
    fail_msg("%s %s: message '%s' lacks '%s'", kind, v, e.msg, msg);
}

static void
test_iso_weeks(void **state)
{
  /* 53-week years: 2015, 2020, 2026 (Jan 1 a Thursday), 2032 (a leap
  ** year starting on a Thursday); 52 otherwise */
  assert_int_equal(eval_iso_weeks(2015), 53);
  assert_int_equal(eval_iso_weeks(2020), 53);
  assert_int_equal(eval_iso_weeks(2021), 52);
  assert_int_equal(eval_iso_weeks(2024), 52);
  assert_int_equal(eval_iso_weeks(2025), 52);
  assert_int_equal(eval_iso_weeks(2026), 53);
  assert_int_equal(eval_iso_weeks(2027), 52);
  expect("week", "2026-W47", NULL, "2026-11-16", "2026-11-22", "2026-W47");
  expect("week", "2026-W01", NULL, "2025-12-29", "2026-01-04", "2026-W01");
  expect("week", "2020-W53", NULL, "2020-12-28", "2021-01-03", "2020-W53");
  expect("week", "2026-W53", NULL, "2026-12-28", "2027-01-03", "2026-W53");
  expect("week", "2021-W01", NULL, "2021-01-04", "2021-01-10", "2021-W01");
  refused("week", "2025-W53", NULL, "2025 has 52 ISO weeks");
  refused("week", "2021-W53", NULL, "does not exist");
  refused("week", "2026-W00", NULL, "does not exist");
  refused("week", "2026-W54", NULL, "does not exist");
  refused("week", "2026-47", NULL, "bad week");
  refused("week", "2026-W4", NULL, "bad week");
  refused("week", "", NULL, "missing");
}

static void
test_months_quarters_days_ranges(void **state)
{
  expect("month", "2026-02", NULL, "2026-02-01", "2026-02-28", "2026-02");
  expect("month", "2024-02", NULL, "2024-02-01", "2024-02-29", "2024-02");
  expect("month", "2026-12", NULL, "2026-12-01", "2026-12-31", "2026-12");
  expect("quarter", "2026-Q1", NULL, "2026-01-01", "2026-03-31", "2026-Q1");
  expect("quarter", "2026-Q4", NULL, "2026-10-01", "2026-12-31", "2026-Q4");
  expect("day", "2026-11-16", NULL, "2026-11-16", "2026-11-16", "2026-11-16");
  expect("range", "2026-11-01", "2026-11-15", "2026-11-01", "2026-11-15",
         "2026-11-01..2026-11-15");
  refused("month", "2026-13", NULL, "bad month");
  refused("quarter", "2026-Q5", NULL, "bad quarter");
  refused("day", "2026-02-30", NULL, "bad day");
  refused("day", "2026-2-3", NULL, "bad day");
  refused("range", "2026-11-15", "2026-11-01", "ends");
  refused("range", "2026-11-15", NULL, "bad last day");
  refused("range", "2000-01-01", "2026-01-01", "3660 days");
  refused("fortnight", "2026-11-15", NULL, "unknown period");
}

static void
test_previous_periods(void **state)
{
  struct eval_period p, q;
  char a[16], b[16];
  assert_int_equal(eval_period_parse("week", "2026-W01", NULL, UTC8, &p, NULL),
                   CG_OK);
  eval_period_prev(&p, UTC8, &q);
  assert_string_equal(q.key, "2025-W52");
  assert_int_equal(eval_period_parse("month", "2026-03", NULL, UTC8, &p, NULL),
                   CG_OK);
  eval_period_prev(&p, UTC8, &q);
  assert_string_equal(q.key, "2026-02");
  assert_int_equal(q.day1 - q.day0, 28);
  assert_int_equal(
      eval_period_parse("quarter", "2026-Q1", NULL, UTC8, &p, NULL), CG_OK);
  eval_period_prev(&p, UTC8, &q);
  assert_string_equal(q.key, "2025-Q4");
  assert_int_equal(
      eval_period_parse("range", "2026-11-10", "2026-11-12", UTC8, &p, NULL),
      CG_OK);
  eval_period_prev(&p, UTC8, &q);
  date_of(q.day0, a);
  date_of(q.day1 - 1, b);
  assert_string_equal(a, "2026-11-07");
  assert_string_equal(b, "2026-11-09");
}

/* The period of a kind that holds a day. */
static void
holds(int kind, const char *day, const char *key, const char *first,
      const char *last)
{
  struct eval_period p, q;
  int y, m, d;
  char a[16], b[16];
  assert_int_equal(sscanf(day, "%d-%d-%d", &y, &m, &d), 3);
  eval_period_of_day(kind, eval_day_from_date(y, m, d), UTC8, &p);
  date_of(p.day0, a);
  date_of(p.day1 - 1, b);
  assert_string_equal(p.key, key);
  assert_string_equal(a, first);
  assert_string_equal(b, last);
  /* the same period as its name parses to */
  assert_int_equal(
      eval_period_parse(eval_period_kind_name(kind), key, NULL, UTC8, &q, NULL),
      CG_OK);
  assert_int_equal(p.start, q.start);
  assert_int_equal(p.end, q.end);
}

static void
test_period_of_a_day(void **state)
{
  holds(EP_WEEK, "2026-11-21", "2026-W47", "2026-11-16", "2026-11-22");
  holds(EP_WEEK, "2026-11-16", "2026-W47", "2026-11-16", "2026-11-22");
  holds(EP_WEEK, "2026-11-22", "2026-W47", "2026-11-16", "2026-11-22");
  holds(EP_WEEK, "2027-01-03", "2026-W53", "2026-12-28", "2027-01-03");
  holds(EP_WEEK, "2025-12-29", "2026-W01", "2025-12-29", "2026-01-04");
  holds(EP_MONTH, "2024-02-29", "2024-02", "2024-02-01", "2024-02-29");
  holds(EP_QUARTER, "2026-12-31", "2026-Q4", "2026-10-01", "2026-12-31");
  holds(EP_QUARTER, "2026-04-01", "2026-Q2", "2026-04-01", "2026-06-30");
  holds(EP_DAY, "2026-03-16", "2026-03-16", "2026-03-16", "2026-03-16");
}

static void
test_local_days(void **state)
{
  /* 2026-11-15T16:00Z is midnight of the 16th in Shanghai */
  int64_t t = 1794758400; /* 2026-11-15T16:00:00Z */
  char d[16];
  date_of(eval_day_of(t, UTC8), d);
  assert_string_equal(d, "2026-11-16");
  date_of(eval_day_of(t - 1, UTC8), d);
  assert_string_equal(d, "2026-11-15");
  assert_int_equal(eval_day_from_date(1970, 1, 1), 0);
  date_of(eval_day_of(-1, 0), d);
  assert_string_equal(d, "1969-12-31");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iso_weeks),
      cmocka_unit_test(test_months_quarters_days_ranges),
      cmocka_unit_test(test_previous_periods),
      cmocka_unit_test(test_period_of_a_day),
      cmocka_unit_test(test_local_days),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
