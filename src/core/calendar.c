/*
** calendar.c — working time on a calendar of working hours, weekends,
** holidays and make-up working days. Days are counted from 1970-01-01
** (local). The listed days are kept sorted with a running count of how far
** they move the plain Monday-to-Friday count, so the number of working days
** before any day is one binary search away and no function loops per day.
*/
#include "calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define DAY 86400
#define CAL_MAX_DAYS 100000 /* listed days across all files */

/* A day listed by a calendar file. */
struct cal_day {
  int32_t day;  /* local days since 1970-01-01 */
  int32_t cum;  /* sum of shift over this and all earlier listed days */
  int8_t work;  /* 1 for "workday", 0 for "holiday" */
  int8_t shift; /* work minus plain Monday-to-Friday: -1, 0 or +1 */
  char *name;   /* owned */
};

struct cal {
  int nperiod;
  int32_t start[CAL_MAX_PERIODS]; /* seconds after local midnight */
  int32_t end[CAL_MAX_PERIODS];   /* ascending, end[i] <= start[i + 1] */
  int64_t day_secs;               /* sum of end - start */
  int offset;                     /* local time minus UTC, seconds */
  struct cal_day *days;           /* owned; sorted by day, no repeats */
  size_t ndays;
};

/* Floor division and the matching remainder (0 <= r < b) for b > 0. */
static int64_t
floor_div(int64_t a, int64_t b)
{
  return a / b - (a % b < 0);
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
** (H. Hinnant's days_from_civil). Month 1-12, day 1-31, not checked. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = floor_div(y, 400);
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The date of day z after 1970-01-01 into *y, *m, *d (civil_from_days). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
  int64_t era, doe, yoe, doy, mp;

  z += 719468;
  era = floor_div(z, 146097);
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* Non-zero if y-m-d is a real date. */
static int
date_valid(int64_t y, int m, int d)
{
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

  if (m < 1 || m > 12 || d < 1) return 0;
  return d <= dim[m - 1] + (m == 2 && leap);
}

/* Non-zero if day z is Monday to Friday (1970-01-01 was a Thursday). */
static int
plain_workday(int64_t z)
{
  return floor_mod(z + 3, 7) < 5;
}

/* Number of Mondays to Fridays from a fixed origin up to and including day
** z; only differences of it mean anything. Weeks start on Monday, and day
** z + 3 is the weekday index counted from a Monday. */
static int64_t
plain_count(int64_t z)
{
  int64_t q = floor_div(z + 3, 7), r = floor_mod(z + 3, 7);
  return 5 * q + (r < 5 ? r + 1 : 5);
}

/* The nth (n >= 1) Monday-to-Friday day after day z: the first day whose
** plain_count() is plain_count(z) + n. */
static int64_t
plain_nth(int64_t z, int64_t n)
{
  int64_t t = plain_count(z) + n - 1;
  return 7 * floor_div(t, 5) + floor_mod(t, 5) - 3;
}

/* Index of the first listed day after day z (c->ndays if none). */
static size_t
listed_after(const struct cal *c, int64_t z)
{
  size_t lo = 0, hi = c->ndays;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->days[mid].day <= z)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The listed entry for day z, or NULL. */
static const struct cal_day *
listed(const struct cal *c, int64_t z)
{
  size_t i = listed_after(c, z - 1);
  return i < c->ndays && c->days[i].day == z ? &c->days[i] : NULL;
}

/* Non-zero if day z is a working day. */
static int
day_works(const struct cal *c, int64_t z)
{
  const struct cal_day *l = listed(c, z);
  return l ? l->work : plain_workday(z);
}

/* Working seconds in [0, sod) of a working day. */
static int64_t
secs_into_day(const struct cal *c, int64_t sod)
{
  int64_t s = 0;
  for (int i = 0; i < c->nperiod && sod > c->start[i]; i++)
    s += (sod < c->end[i] ? sod : c->end[i]) - c->start[i];
  return s;
}

/* Working seconds from a fixed origin up to instant t. Only differences of
** it mean anything: it is the integral of "working now" over time. */
static int64_t
work_clock(const struct cal *c, int64_t t)
{
  int64_t local = t + c->offset, z = floor_div(local, DAY);
  size_t i = listed_after(c, z - 1);
  int64_t before = plain_count(z - 1) + (i > 0 ? c->days[i - 1].cum : 0);
  int works =
      i < c->ndays && c->days[i].day == z ? c->days[i].work : plain_workday(z);

  return before * c->day_secs + (works ? secs_into_day(c, local - z * DAY) : 0);
}

/* The kth (k >= 1) working day after day z. Walks the listed days after z
** one by one and the plain weeks between them by arithmetic. */
static int64_t
nth_workday(const struct cal *c, int64_t z, int64_t k)
{
  int64_t cur = z;

  for (size_t i = listed_after(c, z); i < c->ndays; i++) {
    const struct cal_day *l = &c->days[i];
    int64_t plain = plain_count(l->day - 1) - plain_count(cur);
    if (plain >= k) break;
    k -= plain;
    if (l->work && --k == 0) return l->day;
    cur = l->day;
  }
  return plain_nth(cur, k);
}

struct cal *
cal_new(void)
{
  struct cal *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (cal_set_hours(c, CAL_DEFAULT_HOURS, NULL) != CG_OK) {
    free(c);
    return NULL;
  }
  c->offset = CAL_DEFAULT_UTC_OFFSET;
  return c;
}

void
cal_free(struct cal *c)
{
  if (!c) return;
  for (size_t i = 0; i < c->ndays; i++)
    free(c->days[i].name);
  free(c->days);
  free(c);
}

/* Parse "HH:MM" at *s into seconds after midnight and advance *s. Returns
** 0 on success, -1 if the text is not a time of day (24:00 is allowed). */
static int
parse_hhmm(const char **s, int32_t *sec)
{
  const char *p = *s;
  int hh, mm;

  for (int i = 0; i < 5; i++)
    if (i == 2 ? p[i] != ':' : (p[i] < '0' || p[i] > '9')) return -1;
  hh = (p[0] - '0') * 10 + (p[1] - '0');
  mm = (p[3] - '0') * 10 + (p[4] - '0');
  if (hh > 24 || mm > 59 || (hh == 24 && mm > 0)) return -1;
  *sec = hh * 3600 + mm * 60;
  *s = p + 5;
  return 0;
}

int
cal_set_hours(struct cal *c, const char *hours, struct cg_err *e)
{
  int32_t start[CAL_MAX_PERIODS], end[CAL_MAX_PERIODS];
  const char *p = hours;
  int n = 0;
  int64_t total = 0;

  for (;;) {
    const char *at = p;
    if (n == CAL_MAX_PERIODS)
      return cg_fail(e, CG_EINVAL,
                     "bad working hours '%s': more than %d periods", hours,
                     CAL_MAX_PERIODS);
    if (parse_hhmm(&p, &start[n]) || *p++ != '-' || parse_hhmm(&p, &end[n]) ||
        (*p != ',' && *p != 0))
      return cg_fail(e, CG_EINVAL,
                     "bad working hours '%s': expected HH:MM-HH:MM at '%s'",
                     hours, at);
    if (end[n] <= start[n])
      return cg_fail(e, CG_EINVAL,
                     "bad working hours '%s': period '%.11s' does not end "
                     "after it starts",
                     hours, at);
    if (n > 0 && start[n] < end[n - 1])
      return cg_fail(e, CG_EINVAL,
                     "bad working hours '%s': period '%.11s' overlaps or "
                     "comes before the one before it",
                     hours, at);
    total += end[n] - start[n];
    n++;
    if (*p++ == 0) break;
  }
  memcpy(c->start, start, sizeof start);
  memcpy(c->end, end, sizeof end);
  c->nperiod = n;
  c->day_secs = total;
  return CG_OK;
}

int
cal_set_utc_offset(struct cal *c, int seconds, struct cg_err *e)
{
  if (seconds < -12 * 3600 || seconds > 14 * 3600)
    return cg_fail(e, CG_EINVAL,
                   "bad utc offset '%d': outside -12:00 to +14:00", seconds);
  c->offset = seconds;
  return CG_OK;
}

int
cal_utc_offset(const struct cal *c)
{
  return c->offset;
}

/* A row read by cal_load before it joins the calendar. */
struct cal_row {
  struct cal_day d;
  long line;
};

/* Order rows by day, then by line. */
static int
row_cmp(const void *a, const void *b)
{
  const struct cal_row *x = a, *y = b;
  if (x->d.day != y->d.day) return x->d.day < y->d.day ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* Parse a strict YYYY-MM-DD into days since 1970-01-01. Returns 0 or -1. */
static int
parse_date(const char *s, int64_t *z)
{
  int y = 0, m, d;

  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
  for (int i = 0; i < 4; i++)
    y = y * 10 + (s[i] - '0');
  m = (s[5] - '0') * 10 + (s[6] - '0');
  d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1900 || !date_valid(y, m, d)) return -1;
  *z = days_from_civil(y, m, d);
  return 0;
}

/* Format day z as YYYY-MM-DD into buf of n bytes. */
static void
format_date(int64_t z, char *buf, size_t n)
{
  int64_t y;
  int m, d;
  civil_from_days(z, &y, &m, &d);
  snprintf(buf, n, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* Read all rows of an open calendar file into *rows (caller frees the rows
** and their names, also on error). Returns CG_OK or an error code. */
static int
read_rows(struct csv *r, const char *path, struct cal_row **rows, size_t *n,
          struct cg_err *e)
{
  int col_date, col_kind, col_name, got, need;
  size_t cap = 0;

  got = csv_read(r, e);
  if (got < 0) return e ? e->code : CG_EINVAL;
  if (got == 0)
    return cg_fail(e, CG_EINVAL, "%s:1: missing header 'date,kind,name'", path);
  col_date = csv_column(r, "date");
  col_kind = csv_column(r, "kind");
  col_name = csv_column(r, "name");
  if (col_date < 0 || col_kind < 0 || col_name < 0)
    return cg_fail(e, CG_EINVAL, "%s:1: missing column '%s'", path,
                   col_date < 0   ? "date"
                   : col_kind < 0 ? "kind"
                                  : "name");
  need = col_date;
  if (col_kind > need) need = col_kind;
  if (col_name > need) need = col_name;

  while ((got = csv_read(r, e)) == 1) {
    struct cal_row *row;
    const char *kind;
    int64_t z;

    if (r->nfield == 1 && r->field[0][0] == 0) continue; /* blank line */
    if (r->nfield <= need)
      return cg_fail(e, CG_EINVAL, "%s:%ld: expected %d fields, found %d", path,
                     r->line, need + 1, r->nfield);
    if (parse_date(r->field[col_date], &z))
      return cg_fail(e, CG_EINVAL, "%s:%ld: bad date '%s'", path, r->line,
                     r->field[col_date]);
    kind = r->field[col_kind];
    if (strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0)
      return cg_fail(e, CG_EINVAL,
                     "%s:%ld: unknown kind '%s' (want 'holiday' or "
                     "'workday')",
                     path, r->line, kind);
    if (*n == CAL_MAX_DAYS)
      return cg_fail(e, CG_EINVAL, "%s:%ld: more than %d days", path, r->line,
                     CAL_MAX_DAYS);
    if (*n == cap) {
      size_t ncap = cap ? 2 * cap : 64;
      struct cal_row *nr = realloc(*rows, ncap * sizeof *nr);
      if (!nr) return cg_fail(e, CG_ENOMEM, "out of memory reading '%s'", path);
      *rows = nr;
      cap = ncap;
    }
    row = &(*rows)[*n];
    memset(row, 0, sizeof *row);
    row->line = r->line;
    row->d.day = (int32_t)z;
    row->d.work = kind[0] == 'w';
    row->d.shift = (int8_t)(row->d.work - plain_workday(z));
    row->d.name = strdup(r->field[col_name]);
    if (!row->d.name)
      return cg_fail(e, CG_ENOMEM, "out of memory reading '%s'", path);
    (*n)++;
  }
  if (got < 0) return e ? e->code : CG_EINVAL;
  return CG_OK;
}

/* Check rows (sorted by row_cmp) for a date given twice in the file or
** already in c. Reports the earliest offending line. */
static int
check_repeats(const struct cal *c, const char *path, const struct cal_row *rows,
              size_t n, struct cg_err *e)
{
  const struct cal_row *bad = NULL, *first = NULL;
  char date[32];

  for (size_t i = 0; i < n; i++) {
    const struct cal_row *prev = i > 0 ? &rows[i - 1] : NULL;
    int twice = prev && prev->d.day == rows[i].d.day;
    if (!twice && !listed(c, rows[i].d.day)) continue;
    if (!bad || rows[i].line < bad->line) {
      bad = &rows[i];
      first = twice ? prev : NULL;
    }
  }
  if (!bad) return CG_OK;
  format_date(bad->d.day, date, sizeof date);
  if (first) {
    while (first > rows && first[-1].d.day == bad->d.day)
      first--;
    return cg_fail(e, CG_EINVAL,
                   "%s:%ld: date '%s' given twice (first on "
                   "line %ld)",
                   path, bad->line, date, first->line);
  }
  return cg_fail(e, CG_EINVAL, "%s:%ld: date '%s' is already in the calendar",
                 path, bad->line, date);
}

int
cal_load(struct cal *c, const char *path, int *n, struct cg_err *e)
{
  struct cal_row *rows = NULL;
  struct cal_day *all;
  size_t nrows = 0, i, j, k;
  struct csv r;
  FILE *f;
  int rc;

  if (n) *n = 0;
  f = fopen(path, "r");
  if (!f)
    return cg_fail(e, CG_EIO, "cannot open calendar '%s': %s", path,
                   strerror(errno));
  rc = csv_init(&r, f, path, e);
  if (rc == CG_OK) {
    rc = read_rows(&r, path, &rows, &nrows, e);
    csv_release(&r);
  }
  if (rc == CG_OK && ferror(f))
    rc = cg_fail(e, CG_EIO, "cannot read calendar '%s'", path);
  fclose(f);
  if (rc == CG_OK) {
    qsort(rows, nrows, sizeof *rows, row_cmp);
    rc = check_repeats(c, path, rows, nrows, e);
  }
  if (rc == CG_OK && c->ndays + nrows > CAL_MAX_DAYS)
    rc = cg_fail(e, CG_EINVAL, "%s: more than %d days in the calendar", path,
                 CAL_MAX_DAYS);
  all = rc == CG_OK ? malloc((c->ndays + nrows + 1) * sizeof *all) : NULL;
  if (rc == CG_OK && !all)
    rc = cg_fail(e, CG_ENOMEM, "out of memory reading '%s'", path);
  if (rc != CG_OK) {
    for (i = 0; i < nrows; i++)
      free(rows[i].d.name);
    free(rows);
    return rc;
  }

  /* merge the two sorted lists, then recount the running shift */
  for (i = j = k = 0; i < c->ndays || j < nrows; k++) {
    if (j == nrows || (i < c->ndays && c->days[i].day < rows[j].d.day))
      all[k] = c->days[i++];
    else
      all[k] = rows[j++].d;
  }
  for (k = 0; k < c->ndays + nrows; k++)
    all[k].cum = (k ? all[k - 1].cum : 0) + all[k].shift;
  free(c->days);
  free(rows);
  c->days = all;
  c->ndays += nrows;
  if (n) *n = (int)nrows;
  return CG_OK;
}

int
cal_is_workday(const struct cal *c, int y, int m, int d)
{
  if (!date_valid(y, m, d)) return 0;
  return day_works(c, days_from_civil(y, m, d));
}

const char *
cal_day_name(const struct cal *c, int y, int m, int d)
{
  const struct cal_day *l;
  if (!date_valid(y, m, d)) return NULL;
  l = listed(c, days_from_civil(y, m, d));
  return l ? l->name : NULL;
}

int64_t
cal_day_seconds(const struct cal *c)
{
  return c->day_secs;
}

int64_t
cal_add(const struct cal *c, int64_t t0, int64_t work)
{
  int64_t local = t0 + c->offset, z = floor_div(local, DAY);
  int64_t sod = local - z * DAY, k;

  if (work <= 0) return t0;
  if (day_works(c, z)) {
    for (int i = 0; i < c->nperiod; i++) {
      int64_t from, avail;
      if (c->end[i] <= sod) continue;
      from = sod > c->start[i] ? sod : c->start[i];
      avail = c->end[i] - from;
      if (work <= avail) return z * DAY + from + work - c->offset;
      work -= avail;
    }
  }
  /* the rest falls on the kth working day after z, where it is 0 < work <=
  ** one day's seconds into that day */
  k = (work + c->day_secs - 1) / c->day_secs;
  work -= (k - 1) * c->day_secs;
  z = nth_workday(c, z, k);
  for (int i = 0;; i++) {
    int64_t len = c->end[i] - c->start[i];
    if (work <= len || i == c->nperiod - 1)
      return z * DAY + c->start[i] + work - c->offset;
    work -= len;
  }
}

int64_t
cal_add_days(const struct cal *c, int64_t t0, int64_t n)
{
  return cal_add(c, t0, n * c->day_secs);
}

int64_t
cal_between(const struct cal *c, int64_t t0, int64_t t1)
{
  if (t1 <= t0) return 0;
  return work_clock(c, t1) - work_clock(c, t0);
}

int64_t
cal_local_time(const struct cal *c, int y, int m, int d, int64_t sec)
{
  int64_t yy = y + floor_div(m - 1, 12);
  int mm = (int)floor_mod(m - 1, 12) + 1;
  return (days_from_civil(yy, mm, 1) + d - 1) * DAY + sec - c->offset;
}

int
cal_local_year(const struct cal *c, int64_t t)
{
  int64_t y;
  int m, d;
  civil_from_days(floor_div(t + c->offset, DAY), &y, &m, &d);
  return (int)y;
}

int
cal_each_listed(const struct cal *c, int y,
                int (*fn)(void *arg, int y, int m, int d, int work,
                          const char *name),
                void *arg)
{
  int64_t end = days_from_civil((int64_t)y + 1, 1, 1);

  for (size_t i = listed_after(c, days_from_civil(y, 1, 1) - 1);
       i < c->ndays && c->days[i].day < end; i++) {
    int64_t yy;
    int m, d, rc;
    civil_from_days(c->days[i].day, &yy, &m, &d);
    if ((rc = fn(arg, y, m, d, c->days[i].work, c->days[i].name)) != 0)
      return rc;
  }
  return 0;
}
