/*
** calendar.h — the working calendar that case deadlines run on: working
** hours of the day, Monday to Friday working, public holidays off and
** make-up working days (调休) on, in the district's local time.
**
** Times are Unix seconds (UTC). Local time is UTC plus a fixed offset.
*/
#ifndef CG_CALENDAR_H
#define CG_CALENDAR_H

#include <stdint.h>

#include "err.h"

/* The default working hours and UTC offset. The default offset is +08:00
** for Asia/Shanghai (China Standard Time). China has had no daylight
** saving time since 1991, so a fixed offset is exact for every date a
** case can have. */
#define CAL_DEFAULT_HOURS "08:30-12:00,14:30-18:00"
#define CAL_DEFAULT_UTC_OFFSET (8 * 3600)
#define CAL_MAX_PERIODS 8 /* working periods in one day */

/*
** A working calendar. Create it with cal_new() and free it with cal_free().
** cal_set_hours(), cal_set_utc_offset() and cal_load() change it. All other
** functions only read it, so after setup one calendar can be shared by any
** number of threads.
**
** A day is a working day if a loaded file says so ("workday"). It is a day
** off if a loaded file says "holiday". Any other day is a working day
** exactly when it is Monday to Friday. A year with no loaded file
** therefore falls back to plain Monday to Friday. Every working day has the
** same working hours.
*/
struct cal;

/* A new calendar with CAL_DEFAULT_HOURS, CAL_DEFAULT_UTC_OFFSET and no
** holidays. Returns NULL if out of memory. Free it with cal_free(). */
struct cal *cal_new(void);

/* Free a calendar and the names it holds. NULL is allowed. */
void cal_free(struct cal *c);

/* Set the working hours of a day from text like "08:30-12:00,14:30-18:00":
** periods HH:MM-HH:MM separated by commas. A period must end after it
** starts and the periods must be in order; one may start where the last
** ended. At most CAL_MAX_PERIODS periods. 24:00 is allowed as an end.
** Returns CG_OK, or CG_EINVAL with the calendar unchanged. */
int cal_set_hours(struct cal *c, const char *hours, struct cg_err *e);

/* Set the local time of the district to UTC + seconds (east positive,
** e.g. 8 * 3600). Allowed from -12:00 to +14:00. Returns CG_OK, or
** CG_EINVAL with the calendar unchanged. */
int cal_set_utc_offset(struct cal *c, int seconds, struct cg_err *e);

/* The district's local time minus UTC, in seconds. */
int cal_utc_offset(const struct cal *c);

/* Add the days of a calendar file to c. The file is CSV with the header
** date,kind,name (data/calendar/README.md): date is YYYY-MM-DD, kind is
** "holiday" or "workday", name is free text. Blank lines are skipped.
** Several files can be loaded, one per year, but a date may be given only
** once across all of them. The whole file is added or none of it.
** Returns CG_OK; CG_EIO if the file cannot be read; CG_EINVAL for a bad
** header, a bad date, an unknown kind or a date given twice, with the
** message starting "path:line: "; CG_ENOMEM if out of memory.
** If n is not NULL, *n gets the number of days the file added. */
int cal_load(struct cal *c, const char *path, int *n, struct cg_err *e);

/* Non-zero if the local date y-m-d (month 1-12) is a working day.
** An invalid date returns 0. */
int cal_is_workday(const struct cal *c, int y, int m, int d);

/* The name a loaded file gives the local date y-m-d ("春节", "春节调休"),
** or NULL if no file lists the date. The string belongs to c. */
const char *cal_day_name(const struct cal *c, int y, int m, int d);

/* Working seconds in one working day: 25200 (7 hours) for the default
** hours. A limit of N working days is N times this (see cal_add_days). */
int64_t cal_day_seconds(const struct cal *c);

/* The instant at which `work` seconds of working time have passed after
** t0. The clock runs only inside working periods of working days. A start
** outside working hours counts from the start of the next working period.
** A result that falls exactly at the end of a period stays there: 1 hour
** started at 11:00 with hours 08:30-12:00 ends at 12:00, not 14:30.
** work <= 0 returns t0. work must be below 2^40 (about 35 000 years).
** Costs one binary search plus one step per listed day passed over; whole
** runs of plain weeks are skipped by arithmetic. */
int64_t cal_add(const struct cal *c, int64_t t0, int64_t work);

/* cal_add(c, t0, n * cal_day_seconds(c)): the deadline of a limit of n
** working days. From 10:00 on a working day, 1 day ends at 10:00 on the
** next working day. From a start outside working hours, it ends at the
** end of the last period of the nth working day after the start. */
int64_t cal_add_days(const struct cal *c, int64_t t0, int64_t n);

/* Working seconds in [t0, t1), or 0 if t1 <= t0. It is the inverse of
** cal_add: for work > 0, cal_between(c, t0, cal_add(c, t0, work)) is
** work. The traffic light of a case is cal_between(dispatch, now) over its
** limit. Costs two binary searches. */
int64_t cal_between(const struct cal *c, int64_t t0, int64_t t1);

/* Unix time of local y-m-d (month 1-12) plus sec seconds after local
** midnight. Out-of-range days and seconds roll over (day 0 is the last day
** of the month before). */
int64_t cal_local_time(const struct cal *c, int y, int m, int d, int64_t sec);

/* The district's local year at Unix time t. */
int cal_local_year(const struct cal *c, int64_t t);

/* Call fn(arg, y, m, d, work, name) for each day of local year y that a
** loaded file lists, in date order (work: 1 for "workday", 0 for
** "holiday"; name belongs to c). Stops at fn's first non-zero return and
** returns it; 0 when every day was given. */
int cal_each_listed(const struct cal *c, int y,
                    int (*fn)(void *arg, int y, int m, int d, int work,
                              const char *name),
                    void *arg);

#endif
