/*
** test_calendar.c — deadlines on the working calendar as a dispatcher sees
** them: across a weekend, the lunch break, 春节 2026 and its make-up
** Saturdays, starts at night; cal_between against cal_add and against a
** slow day-by-day count on random times; the shipped calendars; bad files
** and bad working hours refused with messages that name the place.
*/
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"

#define H 3600

/* A calendar with default hours and offset and the shipped 2025 and 2026
** files loaded. Caller frees with cal_free(). */
static struct cal *
cal_shipped(void)
{
  struct cg_err e = {0};
  struct cal *c = cal_new();
  assert_non_null(c);
  assert_int_equal(cal_load(c, tu_data("calendar/cn-2025.csv"), NULL, &e),
                   CG_OK);
  assert_int_equal(cal_load(c, tu_data("calendar/cn-2026.csv"), NULL, &e),
                   CG_OK);
  return c;
}

/* Unix time of local y-m-d hh:mm on c. */
static int64_t
at(const struct cal *c, int y, int m, int d, int hh, int mm)
{
  return cal_local_time(c, y, m, d, hh * H + mm * 60);
}

static void
test_lunch_break(void **state)
{
  struct cal *c = cal_shipped();

  assert_int_equal(cal_day_seconds(c), 7 * H);
  /* 2 hours from Monday 11:00: 1 h before lunch, 1 h after 14:30 */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 11, 0), 2 * H),
                   at(c, 2026, 3, 2, 15, 30));
  assert_int_equal(
      cal_between(c, at(c, 2026, 3, 2, 11, 0), at(c, 2026, 3, 2, 15, 30)),
      2 * H);
  /* a deadline that lands on the end of a period stays there */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 11, 0), 1 * H),
                   at(c, 2026, 3, 2, 12, 0));
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 8, 30), 7 * H),
                   at(c, 2026, 3, 2, 18, 0));
  /* started during lunch: the clock starts at 14:30 */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 13, 0), 1 * H),
                   at(c, 2026, 3, 2, 15, 30));
  assert_int_equal(
      cal_between(c, at(c, 2026, 3, 2, 12, 0), at(c, 2026, 3, 2, 14, 30)), 0);
  cal_free(c);
}

static void
test_night_and_early_start(void **state)
{
  struct cal *c = cal_shipped();
  int64_t t;

  /* reported at 22:00 Monday: 1 hour runs 08:30-09:30 Tuesday */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 22, 0), 1 * H),
                   at(c, 2026, 3, 3, 9, 30));
  /* at 06:00: the same morning */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 3, 6, 0), 1 * H),
                   at(c, 2026, 3, 3, 9, 30));
  /* just after midnight local, which is the previous day in UTC */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 3, 0, 5), 30 * 60),
                   at(c, 2026, 3, 3, 9, 0));
  /* 1 working day from 10:00 is 10:00 the next working day; from a night
  ** start it is the end of the next working day */
  assert_int_equal(cal_add_days(c, at(c, 2026, 3, 3, 10, 0), 1),
                   at(c, 2026, 3, 4, 10, 0));
  assert_int_equal(cal_add_days(c, at(c, 2026, 3, 2, 20, 0), 1),
                   at(c, 2026, 3, 3, 18, 0));
  /* no working time needed: the start itself */
  t = at(c, 2026, 3, 7, 3, 0);
  assert_int_equal(cal_add(c, t, 0), t);
  assert_int_equal(cal_add(c, t, -5), t);
  cal_free(c);
}

static void
test_weekend(void **state)
{
  struct cal *c = cal_shipped();

  /* Friday 16:00 + 4 h: 2 h on Friday, 2 h on Monday morning */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 6, 16, 0), 4 * H),
                   at(c, 2026, 3, 9, 10, 30));
  assert_int_equal(
      cal_between(c, at(c, 2026, 3, 6, 16, 0), at(c, 2026, 3, 9, 10, 30)),
      4 * H);
  /* 5 working days from Monday 09:00 is the next Monday 09:00 */
  assert_int_equal(cal_add_days(c, at(c, 2026, 3, 2, 9, 0), 5),
                   at(c, 2026, 3, 9, 9, 0));
  /* reported on Saturday: starts Monday */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 7, 10, 0), 1 * H),
                   at(c, 2026, 3, 9, 9, 30));
  assert_int_equal(
      cal_between(c, at(c, 2026, 3, 7, 0, 0), at(c, 2026, 3, 9, 0, 0)), 0);
  cal_free(c);
}

static void
test_spring_festival_2026(void **state)
{
  struct cal *c = cal_shipped();

  assert_true(cal_is_workday(c, 2026, 2, 14));  /* Saturday, 调休 */
  assert_false(cal_is_workday(c, 2026, 2, 16)); /* Monday, 春节 */
  assert_true(cal_is_workday(c, 2026, 2, 28));  /* Saturday, 调休 */
  assert_false(cal_is_workday(c, 2026, 3, 1));  /* plain Sunday */
  assert_false(cal_is_workday(c, 2026, 2, 30)); /* no such date */
  assert_string_equal(cal_day_name(c, 2026, 2, 16), "春节");
  assert_string_equal(cal_day_name(c, 2026, 2, 14), "春节调休");
  assert_null(cal_day_name(c, 2026, 3, 2));

  /* Friday 17:00 + 2 h: the second hour is on the make-up Saturday */
  assert_int_equal(cal_add(c, at(c, 2026, 2, 13, 17, 0), 2 * H),
                   at(c, 2026, 2, 14, 9, 30));
  /* Saturday 14 Feb 17:00 + 2 h: over the whole holiday to Tuesday 24 */
  assert_int_equal(cal_add(c, at(c, 2026, 2, 14, 17, 0), 2 * H),
                   at(c, 2026, 2, 24, 9, 30));
  /* 2 working days from Friday 13 Feb 10:00 */
  assert_int_equal(cal_add_days(c, at(c, 2026, 2, 13, 10, 0), 1),
                   at(c, 2026, 2, 14, 10, 0));
  assert_int_equal(cal_add_days(c, at(c, 2026, 2, 13, 10, 0), 2),
                   at(c, 2026, 2, 24, 10, 0));
  /* reported during the holiday */
  assert_int_equal(cal_add(c, at(c, 2026, 2, 18, 10, 0), 1 * H),
                   at(c, 2026, 2, 24, 9, 30));
  /* Friday 27 Feb 17:00 + 2 h: the make-up Saturday 28 Feb */
  assert_int_equal(cal_add(c, at(c, 2026, 2, 27, 17, 0), 2 * H),
                   at(c, 2026, 2, 28, 9, 30));
  /* a working week from Monday 9 Feb: 9-13, 14 = 6 days, so 5 days end on
  ** Friday 13 and 6 on Saturday 14 */
  assert_int_equal(cal_add_days(c, at(c, 2026, 2, 9, 8, 30), 5),
                   at(c, 2026, 2, 13, 18, 0));
  assert_int_equal(cal_add_days(c, at(c, 2026, 2, 9, 8, 30), 6),
                   at(c, 2026, 2, 14, 18, 0));
  assert_int_equal(cal_add_days(c, at(c, 2026, 2, 9, 8, 30), 7),
                   at(c, 2026, 2, 24, 18, 0));
  assert_int_equal(
      cal_between(c, at(c, 2026, 2, 13, 0, 0), at(c, 2026, 3, 2, 0, 0)),
      (2 + 4 + 1) * 7 * H); /* 13, 14, 24-27, 28: 7 days */
  cal_free(c);
}

static void
test_plain_fallback(void **state)
{
  struct cal *c = cal_new();

  /* without a calendar 28 Feb 2026 is a plain Saturday */
  assert_false(cal_is_workday(c, 2026, 2, 28));
  assert_true(cal_is_workday(c, 2026, 2, 16));
  assert_int_equal(cal_add(c, at(c, 2026, 2, 27, 17, 0), 2 * H),
                   at(c, 2026, 3, 2, 9, 30));
  cal_free(c);

  /* 2027 has no shipped file: plain Monday to Friday */
  c = cal_shipped();
  assert_true(cal_is_workday(c, 2027, 1, 1)); /* a Friday */
  assert_int_equal(cal_add(c, at(c, 2026, 12, 31, 17, 0), 2 * H),
                   at(c, 2027, 1, 1, 9, 30));
  cal_free(c);
}

static void
test_shipped_files(void **state)
{
  struct cg_err e = {0};
  struct cal *c = cal_new();
  int n = -1;

  assert_int_equal(cal_load(c, tu_data("calendar/cn-2025.csv"), &n, &e), CG_OK);
  assert_int_equal(n, 28 + 5);
  assert_int_equal(cal_load(c, tu_data("calendar/cn-2026.csv"), &n, &e), CG_OK);
  assert_int_equal(n, 33 + 6);
  /* 248 working days in each year */
  assert_int_equal(
      cal_between(c, at(c, 2025, 1, 1, 0, 0), at(c, 2026, 1, 1, 0, 0)),
      248 * 7 * H);
  assert_int_equal(
      cal_between(c, at(c, 2026, 1, 1, 0, 0), at(c, 2027, 1, 1, 0, 0)),
      248 * 7 * H);
  assert_false(cal_is_workday(c, 2025, 1, 1));
  assert_true(cal_is_workday(c, 2025, 1, 26)); /* Sunday, 调休 */
  assert_false(cal_is_workday(c, 2025, 10, 8));
  assert_true(cal_is_workday(c, 2025, 10, 11)); /* Saturday, 调休 */
  assert_true(cal_is_workday(c, 2026, 1, 4));   /* Sunday, 调休 */
  assert_false(cal_is_workday(c, 2026, 10, 7));
  assert_true(cal_is_workday(c, 2026, 9, 20)); /* Sunday, 调休 */

  /* a file cannot be loaded twice */
  assert_int_equal(cal_load(c, tu_data("calendar/cn-2026.csv"), &n, &e),
                   CG_EINVAL);
  assert_non_null(strstr(e.msg, "cn-2026.csv:2: date '2026-01-01' is "
                                "already in the calendar"));
  assert_int_equal(n, 0);
  cal_free(c);
}

/* Write text to DIR/name, try to load it into a calendar with the shipped
** 2026 file, check the code and that the message is "DIR/name:" + want,
** and that the calendar did not change. */
static void
load_bad(const char *dir, const char *name, const char *text, int code,
         const char *want)
{
  char path[512], msg[1024];
  struct cg_err e = {0};
  struct cal *c = cal_shipped();

  snprintf(path, sizeof path, "%s/%s", dir, name);
  tu_write(path, text);
  assert_int_equal(cal_load(c, path, NULL, &e), code);
  snprintf(msg, sizeof msg, "%s:%s", path, want);
  assert_string_equal(e.msg, msg);
  /* nothing was added: these stay a plain Saturday and Sunday */
  assert_false(cal_is_workday(c, 2026, 3, 7));
  assert_false(cal_is_workday(c, 2027, 3, 6));
  assert_false(cal_is_workday(c, 2027, 3, 7));
  assert_true(cal_is_workday(c, 2026, 2, 14));
  cal_free(c);
}

static void
test_bad_files(void **state)
{
  char *dir = tu_tmpdir();
  struct cg_err e = {0};
  struct cal *c = cal_new();

  load_bad(dir, "date.csv",
           "date,kind,name\n2027-03-07,workday,x\n2027-02-30,holiday,y\n",
           CG_EINVAL, "3: bad date '2027-02-30'");
  load_bad(dir, "date2.csv", "date,kind,name\n2027-3-7,holiday,x\n", CG_EINVAL,
           "2: bad date '2027-3-7'");
  load_bad(dir, "kind.csv",
           "date,kind,name\n2027-03-06,workday,x\n\n2027-03-07,holyday,x\n",
           CG_EINVAL,
           "4: unknown kind 'holyday' (want 'holiday' or 'workday')");
  load_bad(dir, "twice.csv",
           "date,kind,name\n2027-03-06,workday,x\n2027-03-08,holiday,y\n"
           "2027-03-06,workday,z\n",
           CG_EINVAL, "4: date '2027-03-06' given twice (first on line 2)");
  load_bad(dir, "loaded.csv",
           "date,kind,name\n2026-03-07,workday,x\n2026-02-14,workday,y\n",
           CG_EINVAL, "3: date '2026-02-14' is already in the calendar");
  load_bad(dir, "header.csv", "day,kind,name\n2027-03-07,workday,x\n",
           CG_EINVAL, "1: missing column 'date'");
  load_bad(dir, "short.csv", "date,kind,name\n2027-03-07,workday\n", CG_EINVAL,
           "2: expected 3 fields, found 2");
  load_bad(dir, "empty.csv", "", CG_EINVAL,
           "1: missing header 'date,kind,name'");
  load_bad(dir, "quote.csv", "date,kind,name\n2027-03-07,workday,\"x\n",
           CG_EINVAL, "2: unterminated quoted field");

  assert_int_equal(cal_load(c, "/nonexistent/cal.csv", NULL, &e), CG_EIO);
  assert_string_equal(e.msg, "cannot open calendar '/nonexistent/cal.csv': "
                             "No such file or directory");
  cal_free(c);
  tu_rmrf(dir);
  free(dir);
}

static void
test_hours(void **state)
{
  static const char *bad[] = {
      "",
      "08:30",
      "8:30-12:00",
      "08:30-12:00,",
      "08:30-12:00;14:30-18:00",
      "12:00-08:30",
      "08:30-08:30",
      "08:30-12:00,11:00-13:00",
      "14:30-18:00,08:30-12:00",
      "25:00-26:00",
      "08:60-09:00",
      "08:00-24:01",
      "00:00-01:00,01:00-02:00,02:00-03:00,03:00-04:00,04:00-05:00,"
      "05:00-06:00,06:00-07:00,07:00-08:00,08:00-09:00",
  };
  struct cg_err e = {0};
  struct cal *c = cal_new();

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(cal_set_hours(c, bad[i], &e), CG_EINVAL);
    assert_int_equal(strncmp(e.msg, "bad working hours '", 19), 0);
    assert_int_equal(cal_day_seconds(c), 7 * H); /* unchanged */
  }
  cal_set_hours(c, "08:30-12:00,11:00-13:00", &e);
  assert_string_equal(e.msg, "bad working hours '08:30-12:00,11:00-13:00': "
                             "period '11:00-13:00' overlaps or comes before "
                             "the one before it");

  assert_int_equal(cal_set_hours(c, "00:00-24:00", &e), CG_OK);
  assert_int_equal(cal_day_seconds(c), 24 * H);
  assert_int_equal(cal_set_hours(c, "09:00-12:00,12:00-17:00", &e), CG_OK);
  assert_int_equal(cal_day_seconds(c), 8 * H);
  /* the end of the first period is the start of the second: no gap */
  assert_int_equal(cal_add(c, at(c, 2026, 3, 2, 11, 0), 2 * H),
                   at(c, 2026, 3, 2, 13, 0));

  assert_int_equal(cal_set_utc_offset(c, 15 * H, &e), CG_EINVAL);
  assert_int_equal(cal_set_utc_offset(c, -13 * H, &e), CG_EINVAL);
  assert_int_equal(cal_set_utc_offset(c, 0, &e), CG_OK);
  /* 2026-03-02 09:00 UTC is now 09:00 local */
  assert_int_equal(at(c, 2026, 3, 2, 9, 0), 1772442000);
  assert_int_equal(cal_add(c, 1772442000, 1 * H), 1772442000 + H);
  cal_free(c);
}

/* A slow, obviously right count of the working seconds in [t0, t1): day by
** day over the local days it touches, period by period. */
static int64_t
ref_between(const struct cal *c, const int *per, int nper, int off, int64_t t0,
            int64_t t1)
{
  int64_t s = 0;
  for (int64_t z = (t0 + off) / 86400 - 1; z <= (t1 + off) / 86400 + 1; z++) {
    time_t mid = (time_t)(z * 86400);
    struct tm tm;
    gmtime_r(&mid, &tm);
    if (!cal_is_workday(c, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
      continue;
    for (int i = 0; i < nper; i++) {
      int64_t a = z * 86400 + per[2 * i] - off;
      int64_t b = z * 86400 + per[2 * i + 1] - off;
      if (a < t0) a = t0;
      if (b > t1) b = t1;
      if (b > a) s += b - a;
    }
  }
  return s;
}

/* Random starts and limits on c: cal_add and cal_between agree with each
** other and with ref_between; the deadline is the earliest such instant. */
static void
check_random(const struct cal *c, const int *per, int nper, int off)
{
  int64_t lo = at(c, 2024, 12, 1, 0, 0), hi = at(c, 2027, 1, 31, 0, 0);
  int64_t day = cal_day_seconds(c);

  srandom(20260214);
  for (int i = 0; i < 20000; i++) {
    int64_t t0 = lo + random() % (hi - lo);
    int64_t w = i % 4 == 0 ? 1 + random() % 600 : 1 + random() % (20 * day);
    int64_t t1 = cal_add(c, t0, w);

    assert_true(t1 > t0);
    assert_int_equal(cal_between(c, t0, t1), w);
    assert_int_equal(cal_between(c, t0, t1 - 1), w - 1);
    if (i % 10 == 0) {
      int64_t t2 = t0 + random() % (40 * 86400);
      assert_int_equal(ref_between(c, per, nper, off, t0, t1), w);
      assert_int_equal(cal_between(c, t0, t2),
                       ref_between(c, per, nper, off, t0, t2));
    }
  }
}

static void
test_between_inverts_add(void **state)
{
  static const int def[] = {8 * H + 1800, 12 * H, 14 * H + 1800, 18 * H};
  static const int odd[] = {0, 6 * H, 7 * H, 7 * H + 1800, 22 * H, 24 * H};
  struct cg_err e = {0};
  struct cal *c = cal_shipped();

  check_random(c, def, 2, 8 * H);
  /* periods at both ends of the day and an offset west of UTC */
  assert_int_equal(cal_set_hours(c, "00:00-06:00,07:00-07:30,22:00-24:00", &e),
                   CG_OK);
  assert_int_equal(cal_set_utc_offset(c, -5 * H - 1800, &e), CG_OK);
  check_random(c, odd, 3, -5 * H - 1800);
  cal_free(c);
}

static void
test_long_limits(void **state)
{
  struct cal *c = cal_shipped();
  int64_t t0 = at(c, 2025, 1, 2, 8, 30);

  /* 248 working days from the first working morning of 2025 end on the
  ** last working evening of 2025 */
  assert_int_equal(cal_add_days(c, t0, 248), at(c, 2025, 12, 31, 18, 0));
  assert_int_equal(cal_add_days(c, t0, 248 + 248), at(c, 2026, 12, 31, 18, 0));
  /* far past the shipped years: plain weeks, 261 days in 2027 */
  assert_int_equal(cal_add_days(c, at(c, 2027, 1, 1, 8, 30), 261),
                   at(c, 2027, 12, 31, 18, 0));
  cal_free(c);
}

/* cal_each_listed(): a year's listed days in date order, only that year's
** (2026 begins with 元旦 on 01-01 and its make-up day 01-04; 2025's last
** listed day is not given for 2026). */
static int
collect(void *arg, int y, int m, int d, int work, const char *name)
{
  char *out = arg;
  size_t len = strlen(out);
  snprintf(out + len, 4096 - len, "%04d-%02d-%02d %d %s\n", y, m, d, work,
           name);
  return 0;
}

static int
stop_at_first(void *arg, int y, int m, int d, int work, const char *name)
{
  ++*(int *)arg;
  return 7;
}

static void
test_listed_days_of_a_year(void **state)
{
  struct cal *c = cal_shipped();
  char out[4096] = "";
  int calls = 0;

  assert_int_equal(cal_each_listed(c, 2026, collect, out), 0);
  assert_int_equal(strncmp(out, "2026-01-01 0 元旦\n2026-01-02 0 元旦\n", 32),
                   0);
  assert_non_null(strstr(out, "2026-01-04 1 元旦调休\n"));
  assert_non_null(strstr(out, "2026-10-01 0 "));
  assert_null(strstr(out, "2025-"));
  out[0] = 0;
  assert_int_equal(cal_each_listed(c, 2027, collect, out), 0);
  assert_string_equal(out, "");
  assert_int_equal(cal_each_listed(c, 2026, stop_at_first, &calls), 7);
  assert_int_equal(calls, 1);
  /* the local year: 2026-12-31 16:00 UTC is 2027 in the district */
  assert_int_equal(cal_local_year(c, at(c, 2026, 12, 31, 23, 59)), 2026);
  assert_int_equal(cal_local_year(c, at(c, 2027, 1, 1, 0, 0)), 2027);
  assert_int_equal(cal_local_year(c, 1798732800 - 1), 2026); /* 16:00 UTC */
  assert_int_equal(cal_local_year(c, 1798732800), 2027);
  cal_free(c);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lunch_break),
      cmocka_unit_test(test_night_and_early_start),
      cmocka_unit_test(test_weekend),
      cmocka_unit_test(test_spring_festival_2026),
      cmocka_unit_test(test_plain_fallback),
      cmocka_unit_test(test_shipped_files),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_hours),
      cmocka_unit_test(test_between_inverts_add),
      cmocka_unit_test(test_long_limits),
      cmocka_unit_test(test_listed_days_of_a_year),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
