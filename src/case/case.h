/*
** case.h — the closed loop of a case (案件): report → register → file →
** dispatch → handle → check → close, with returns, wrong dispatches,
** extensions, suspensions, rework, self-handling and deferral
** (DOMAIN.md §1.3); deadlines on the working calendar; escalation of
** overdue work; an append-only, hash-chained history; and the counters the
** evaluation reads.
**
** Every change goes through case_report() or case_apply(), which check the
** actor's role and scope, write the event and the case row in one
** transaction, and leave both unchanged on any failure. No HTTP here: the
** CLI and the API are clients of these functions.
*/
#ifndef CG_CASE_H
#define CG_CASE_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "area/area.h"
#include "core/calendar.h"
#include "core/err.h"
#include "db/db.h"
#include "org/org.h"

/* Case states, stored by name. Keep in step with state_names in flow.c. */
enum case_state {
  CS_DRAFT = 0,    /* 草稿: a grid worker's report not yet sent */
  CS_REPORTED,     /* 已上报: waiting for intake */
  CS_REJECTED,     /* 不予受理 (terminal) */
  CS_VERIFYING,    /* 核实中: sent to a grid worker to verify on site */
  CS_VERIFIED,     /* 已核实: waiting for registration */
  CS_REGISTERED,   /* 已登记: waiting for filing */
  CS_FILED,        /* 已立案: waiting for dispatch (again) */
  CS_VOID,         /* 作废 (terminal) */
  CS_DISPATCHED,   /* 处置中: tasks open at departments */
  CS_SUSPENDED,    /* 挂账: parked, clock stopped */
  CS_HANDLED,      /* 已处置: every task fed back; waiting for a check */
  CS_CHECKING,     /* 核查中: sent to a grid worker to check on site */
  CS_CHECKED,      /* 核查通过: waiting to be closed */
  CS_CLOSED,       /* 结案 (terminal but for the rating) */
  CS_DEFERRED,     /* 缓办: put off, clock stopped */
  CS_SELF_HANDLED, /* 自处理: fixed on the spot, waiting for approval */
  CS_DUPLICATE,    /* 重复: linked to an open case (terminal) */
  CS_COUNT
};

const char *case_state_name(int state); /* "filed"; static */
const char *case_state_zh(int state);   /* "已立案"; static */
int case_state_parse(const char *s);    /* -1 if unknown */

/* What the case functions need. The caller owns every pointer. */
struct case_env {
  struct db *db;
  const struct area_locator *loc; /* locates reports */
  const struct cal *cal;          /* working calendar for deadlines */
  const char *data_dir;           /* attachments live under it */
  const char *district;           /* 6-digit code, prefix of case numbers */
  double dup_radius_m;            /* duplicates: same category this close */
  int64_t dup_window_s;           /*   and this recent; 0 turns it off */
  int escalate_pct[4];            /* 督办 levels at these % of a limit */
  int nescalate;
  int64_t (*now)(void);       /* clock; NULL: time(NULL) */
  int in_tx;                  /* set by case_begin(): no own BEGIN */
  struct case_batch *batch;   /* what case_begin() keeps in memory
                              ** until case_commit(); owned */
  struct case_held *held;     /* events of a case not written yet; owned */
  struct case_recent *recent; /* open cases the duplicate search looks
                              ** at (recent.c); owned */
  int write_behind;           /* batches write on a second thread */
  struct case_wb *wb;         /* that thread (behind.c); owned */
  int search_behind;          /* the indexer thread (search.c), not the
                              ** commit, brings the full-text index up
                              ** to date */
  int search_due;             /* cases were made since it last did */
  struct db *search_db;       /* the connection that does so (search.c),
                              ** opened at the first time; owned */
  struct case_hour {          /* the hours of the events of the open */
    int64_t hour, lo, hi;     /* transaction, each with its least and */
  } hours[8];                 /* greatest gseq (migration 0015) */
  int nhours;
  struct case_cache *cache; /* lists' rendered cases (cache.c); NULL:
                            ** none; not owned */
};

/* Free what an env holds (the batch memory). */
void case_env_release(struct case_env *env);

/* Fill env with defaults: duplicates within 50 m and 72 hours, escalation
** at 100 %, 150 % and 200 % of a limit. */
void case_env_init(struct case_env *env, struct db *db,
                   const struct area_locator *loc, const struct cal *cal,
                   const char *data_dir, const char *district);

/* Group many case operations into one transaction (bulk loads,
** benchmarks): between case_begin() and case_commit() the functions below
** do not begin or commit on their own, and what a transaction reads again
** and again (the ledger head, the day's case counter, the dictionaries,
** routing and limits, the case just written) is kept in memory and written
** back at case_commit(). Nobody else writes meanwhile: the transaction
** holds the write lock. On failure call case_rollback().
**
** Bulk loads set env->write_behind before case_begin(): the rows of each
** case are then written by a second thread while the next case is worked
** out (src/case/behind.c). A write that fails is reported by a later call
** or by case_commit(), which then keeps nothing of the batch; and while
** such a batch is open, the caller's own statements on env->db must not
** stay open across a call of these functions. */
int case_begin(struct case_env *env, struct cg_err *e);
int case_commit(struct case_env *env, struct cg_err *e);
void case_rollback(struct case_env *env);

/* Inside a batch: the batch's in-memory state, kept before a piece of work
** that may fail, and put back if it failed before it wrote anything (the
** HTTP writer's group commit does this per report). case_batch_mark()
** writes pending work first, so that what follows is the work's alone. */
struct case_mark { /* what a batch keeps of the ledger and the counter */
  int ledger_loaded, ledger_dirty, day_dirty;
  int64_t ledger_events, day_value;
  unsigned char ledger_head[32]; /* the chain head's bytes */
  char day_name[32];
};
int case_batch_mark(struct case_env *env, struct case_mark *m,
                    struct cg_err *e);
void case_batch_restore(struct case_env *env, const struct case_mark *m);

/* Inside a batch: write the case it holds back now, so that rows of other
** tables written next may refer to it. CG_OK outside a batch. */
int case_batch_flush(struct case_env *env, struct cg_err *e);

/* An attachment already stored with attach_put() (src/attach/attach.h),
** named by its hash. Reporting and actions refuse one that is not stored
** and take its type and size from the stored file itself. */
struct case_attach {
  char sha256[65];
  const char *stage; /* "before", "after" or "document" */
};

/* A new report. Strings may be NULL where optional. */
struct case_report {
  const char *kind;      /* component | event | matter */
  const char *scheme;    /* cjt214 | gb47678 | a local scheme */
  const char *code;      /* category code within the scheme */
  const char *source;    /* patrol public hotline sensor referral inspection */
  const char *case_type; /* daily (default) | inspection | other */
  double lat, lon;       /* position in crs */
  enum geo_crs crs;
  const char *address;
  const char *description;
  int urgency;                 /* 0 normal, 1 urgent, 2 emergency */
  const char *area_class;      /* A, B or C; NULL: B */
  const char *component_id;    /* a component report: its 部件标识码, or
                              ** NULL (see case_component_check()) */
  const char *component_state; /* ...and what became of it: a key of
                               ** case_component_states[], or NULL */
  const char *reporter_name;   /* kept private */
  const char *reporter_phone;  /* kept private */
  int draft;                   /* grid worker: keep as a draft */
  int self_handled;            /* grid worker: fixed on the spot (自处理) */
  const struct case_attach *att;
  int natt;
  int64_t at; /* report time; 0: now (replays pass the past) */
};

/* What a reported component may be found to be (管理部件状态, GB/T
** 47678.5): {key, Chinese name} pairs, ending with {NULL, NULL}. */
struct case_choice {
  const char *key, *zh;
};
extern const struct case_choice case_component_states[];

/* The entry of case_component_states[] with key `key`, or NULL (also for
** a NULL key). */
const struct case_choice *case_component_state(const char *key);

/* Check what a report of category scheme/kind/code says of its component:
** an identifier only for a component (kind "component"): the district's
** 6-digit code, the category's code (5 digits in gb47678, 4 in cjt214)
** and a 6-digit number — 17 or 16 digits; in a local scheme, 6 to 32
** digits beginning with the district's code; a state only from
** case_component_states[]. Either may be NULL. CG_OK or CG_EINVAL with
** why in *e. */
int case_component_check(const char *district, const char *scheme,
                         const char *kind, const char *code, const char *id,
                         const char *state, struct cg_err *e);

/* Non-zero if s names a source of reports: patrol, public, hotline,
** sensor, referral or inspection. */
int case_source_known(const char *s);

/* File a report. The position is located into grid, community and street
** (outside the district is refused), the category checked against the
** dictionaries, the responsible department taken from routing. A report
** of the same category within dup_radius_m and dup_window_s of an open
** case is stored as a duplicate linked to it. The new case number goes to
** no (at least 32 bytes). Roles: grid worker, operator, public, system,
** street, community, road chief. */
int case_report(struct case_env *env, const struct org_user *who,
                const struct case_report *r, char *no, struct cg_err *e);

/* A workflow action on an existing case. Fields a given action does not
** use are ignored. */
struct case_act {
  const char *action; /* see case_actions() */
  const char *note;
  const char *const *depts; /* dispatch: department codes (default: routing) */
  int ndepts;
  int task;           /* department actions: task number (0: the
                            ** actor's department's open task) */
  double hours;       /* extend_request: working hours asked for */
  double limit_hours; /* dispatch: the new tasks' limit in working
                            ** hours (0: the configured disposal limit) */
  int pass;           /* verify, check: 1 passed, 0 failed */
  const char *rating; /* rate: satisfied | basic | unsatisfied */
  const struct case_attach *att;
  int natt;
  int64_t at; /* time of the action; 0: now */
};

/* Apply an action to case `no` as `who`. A refused action leaves the case
** and its history unchanged and says which state and role it needs:
**   cannot 'file' case 410104...: it is 'reported'; 'file' needs
**   'registered'
**   cannot 'file' case 410104...: 'file' is for shift_leader, not
**   grid_worker
** Returns CG_OK, CG_ENOTFOUND, CG_ECONFLICT (state), CG_EPERM (role or
** scope) or CG_EINVAL (missing or bad fields). */
int case_apply(struct case_env *env, const struct org_user *who, const char *no,
               const struct case_act *a, struct cg_err *e);

/* One action's description, for help and for the API reference. */
struct case_action_info {
  const char *name;   /* "file" */
  const char *zh;     /* "立案" */
  unsigned from;      /* bit set of states it applies in */
  unsigned roles;     /* bit set of roles allowed */
  const char *fields; /* fields it takes, e.g. "depts, note" */
};

/* The action table (sorted by name) and its length. */
const struct case_action_info *case_actions(int *n);

/* The case as JSON (caller decrefs): its fields, position and areas,
** tasks with deadlines and traffic lights, counters, attachments and, with
** history, every event. Reporter contact details are left out unless
** `who` is the reporter or works in intake, filing, dispatch or
** administration. NULL with CG_ENOTFOUND, or CG_EPERM if `who` may not
** see the case. */
json_t *case_get_json(struct case_env *env, const struct org_user *who,
                      const char *no, int history, struct cg_err *e);

/* A case just reported in the batch under way and held back by it (see
** case_begin()), taken from memory: case_view_take() copies what the
** batch holds of case `no` (NULL if it is not that case: written out
** already, say for its attachments), reading no row; case_view_text()
** writes of it what case_get_json() without history would show `who`, as
** compact JSON text (the caller frees it; its length in *len; NULL if
** `who` may not see it or memory ran out), on any thread, with any env of
** the same calendar; case_view_free() frees it. For the replies to
** reports written in batches: the writer takes, a server worker writes
** the text. */
struct case_view;
struct case_view *case_view_take(struct case_env *env, const char *no);
char *case_view_text(struct case_env *env, const struct org_user *who,
                     const struct case_view *v, size_t *len);
void case_view_free(struct case_view *v);

/* Non-zero if the public may read the notes of events of this action:
** what the reporter and the public said (report, comment, rate) and what
** was done or decided for them (handle, close, reject, verify, void,
** self_reject). Other notes are staff talk. */
int case_note_public(const char *action);

/* The stored file of attachment `sha` (hex SHA-256), if it belongs to a
** case `who` may see — only images when images_only (the public view of a
** case shows its photos, not its documents). Opened for reading (caller
** fcloses), or NULL with *e: CG_ENOTFOUND alike for an attachment that
** does not exist and one of a case `who` may not see. */
FILE *case_attachment_open(struct case_env *env, const struct org_user *who,
                           const char *sha, int images_only, struct cg_err *e);

/* How much of case `no` `who` may see: 0 nothing (or no such case), 1 the
** public view, 2 all of it. The rule case_get_json() applies. */
int case_visibility(struct case_env *env, const struct org_user *who,
                    const char *no);

/* How cases are written out as JSON text: compact, as the server sends
** every reply (http_json_text()). */
#define CASE_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(10))

/* Filters for case_list_json(). Zero/NULL fields do not filter. */
struct case_filter {
  const char *state; /* a state name, or "open" */
  const char *scheme, *code_prefix;
  const char *area;      /* street, community or grid code */
  const char *dept;      /* cases with a task at this department */
  const char *component; /* cases reporting this component identifier */
  const char *source;
  int overdue;       /* 1: only cases past a deadline */
  int64_t from, to;  /* created_at in [from, to) */
  const char *text;  /* words in address or description */
  int limit, offset; /* paging; limit 0: 50, at most 1000 */
  const char *sort;  /* NULL or "new": newest first; "due": the earliest
                     ** deadline first (so the overdue lead), cases
                     ** without one last */
};

/* Cases `who` may see that match f, in f->sort's order, as
** {"total":N,"total_exact":B,"limit","offset","cases":[...]} (caller
** decrefs). The total is exact up to CASE_COUNT_MAX; past it, it is
** CASE_COUNT_MAX and total_exact false (case_stats_json() counts them
** all). CG_EINVAL for a bad filter or sort. */
#define CASE_COUNT_MAX 1000
json_t *case_list_json(struct case_env *env, const struct org_user *who,
                       const struct case_filter *f, struct cg_err *e);

/* The same list as compact JSON text (malloc'd, NUL-terminated, caller
** frees; *len its length): what the server sends. Cases on it come from
** env->cache when it holds them as they are now (cache.c). */
char *case_list_text(struct case_env *env, const struct org_user *who,
                     const struct case_filter *f, size_t *len,
                     struct cg_err *e);

/* Lists as the server sends them, and their cases, rendered and shared
** by the threads of a server (cache.c). case_cache_new() makes one that
** holds up to max bytes of them: NULL for max 0 (no cache) or without
** memory. case_cache_free() frees it with its texts. case_cache_counts()
** reads how many lookups found what they looked for, how many built it,
** and the bytes held. */
struct case_cache;
struct case_cache *case_cache_new(size_t max);
void case_cache_free(struct case_cache *c);
void case_cache_counts(struct case_cache *c, int64_t *hits, int64_t *misses,
                       size_t *bytes);

/* Counts of the cases `who` may see that match f (paging and sort are
** ignored), for the statistics page (caller decrefs):
**   {"total","open","closed","overdue",
**    "by_state","by_category","by_street","by_source","by_dept":
**       [{"key","name","count"}] largest first (category keys are
**       "scheme:major code"),
**    "daily": [{"day":"YYYY-MM-DD","intake","closed"}] for each day of
**       [f->from, f->to), or of the 30 days up to today, at most 366:
**       cases created and cases closed that day (district time),
**    "on_time_by_dept","on_time_by_street":
**       [{"key","name","closed","on_time","rate"}] over closed cases}
** Every figure comes from one pass over the cases of the same WHERE as
** case_list_json() (open and overdue by the list's own SQL for them), so
** "total" equals the list's total for the same filter. */
json_t *case_stats_json(struct case_env *env, const struct org_user *who,
                        const struct case_filter *f, struct cg_err *e);

/* The cases `who` may see that match f as map points, at most 250,000
** in case number order (caller decrefs):
**   {"fields":["no","lat","lon","light","state","category"],
**    "scale":100000, "lights":["green","yellow","red"],
**    "states":[every state name], "categories":[["scheme:kind:code",
**    "name"]], "count", "truncated",
**    "points":[[no, lat, lon, light, state, category], ...]}
** where lat and lon are whole 1/scale degrees (WGS84), light, state and
** category index those lists (light -1: none), and the light is the
** case's own (see case_get_json()). */
json_t *case_points_json(struct case_env *env, const struct org_user *who,
                         const struct case_filter *f, struct cg_err *e);

/* The changes to cases after event `after` (a gseq) in the district's
** order, at most max, each as {"gseq", "no", "action", "from", "to",
** "at", "lat", "lon", "street", "state", "category" ("scheme:kind:code"),
** "light" (the case's at `now`, absent for none)}: a JSON array (caller
** decrefs), or NULL with *e if the store fails. Every case's changes; who
** may see which is the caller's to check (case_visibility()). */
json_t *case_events_json(struct db *db, const struct cal *cal, int64_t after,
                         int max, int64_t now, struct cg_err *e);

/* The light of case `no` as a whole at time now, as case_get_json()
** gives it: "green", "yellow", "red" (static), or NULL for none or no
** such case. */
const char *case_light_of(struct db *db, const struct cal *cal, const char *no,
                          int64_t now);

/* Traffic light of a deadline: "green" below 80 % of the limit used,
** "yellow" from 80 % to 100 %, "red" past it. *pct gets the share used
** in percent. The clock is read at `now`, or at `frozen` if non-zero (a
** suspended or deferred case). */
const char *case_light(const struct cal *cal, int64_t start, int64_t due,
                       int64_t now, int64_t frozen, double *pct);

/* The escalation sweep (督办): every open task or step past a level of
** env->escalate_pct not reached before gets an 'escalate' event and the
** case's escalation level raised. *n gets the number of escalations.
** Safe to run as often as wished. */
int case_sweep(struct case_env *env, int64_t now, int *n, struct cg_err *e);

/* The time now by env's clock. */
int64_t case_now(const struct case_env *env);

/* Check the whole history: every event's hash, each case's chain of
** events (nothing removed, reordered or inserted), each case row's cached
** last event, and the district-wide chain head. fn is called once per
** problem found with the case number and a description. *events and
** *cases get the number of events and of cases checked. Returns CG_OK when the check ran (problems or
** not). */
int case_verify(struct db *db,
                void (*fn)(const char *no, const char *problem, void *arg),
                void *arg, int64_t *events, int64_t *cases, char head[65],
                struct cg_err *e);

/* Load routing (CSV: scheme,kind,code_prefix,street,area_class,dept) or
** time limits (CSV: step,scheme,code_prefix,area_class,urgency,amount,
** unit), replacing what was stored. Whole file or nothing. */
int case_import_routing(struct db *db, const char *path, int *n,
                        struct cg_err *e);
int case_import_limits(struct db *db, const char *path, int *n,
                       struct cg_err *e);

/* Working seconds of the limit of `step` ('disposal', 'intake', 'verify',
** 'file', 'dispatch', 'check_request', 'check', 'close', ...) for a case
** of this category, area class and urgency, as case_apply() finds it; 0
** when none is configured (for 'disposal': 5 working days). For the
** evaluation, which judges steps against them. */
int64_t case_step_limit(struct case_env *env, const char *scheme,
                        const char *code, const char *area_class, int urgency,
                        const char *step, struct cg_err *e);

/* Replay a 311 workload (CSV: id,category,opened_at,closed_at,status,lat,
** lon, the format of data/sample-cases.csv) as cases of this district.
** map: CSV category,scheme,kind,code mapping foreign categories (rows
** with an unmapped category are skipped and counted). With fit, positions
** are moved from the file's bounding box onto the district's (a point that
** lands outside is pulled toward the centre until inside); without it they
** are taken as they are, and rows outside the district are skipped and
** counted. Times shift so that the newest report is two hours old. Each
** case is driven along the path its status implies. */
struct case_replay_stats {
  int read, created, skipped, outside, closed;
};
int case_replay(struct case_env *env, const char *path, const char *map,
                int fit, struct case_replay_stats *st, struct cg_err *e);

/* ---- Setting up from a data directory ---------------------------------- */

#include "core/conf.h"

/* Everything a case_env needs, loaded from a data directory: its settings
** (citygrid.conf), its working calendar (work hours, utc offset, and the
** holiday files in DIR/calendar/), the locator, the district's code. */
struct case_setup {
  struct conf conf;
  struct cal *cal;          /* in a server, read with case_setup_cal() */
  struct area_locator *loc; /* NULL while the district has no areas */
  char district[8];         /* its code at load ("000000": none yet) */
  char first[8];            /* its code since its first areas arrived */
  const char *code;         /* district or first: case_setup_district() */
  char data_dir[4096];
  struct case_env env;      /* ready to use */
  struct case_cache *cache; /* the server's lists (NULL: none); owned,
                            ** freed by case_setup_release() */
  /* the calendars and locators a server replaced while it ran (threads
  ** may still hold them), freed by case_setup_release(); and what it last
  ** saw of DIR/calendar and of the store's areas (counter 'areas') */
  struct case_retired *retired;
  pthread_mutex_t cal_mu, loc_mu;
  int64_t cal_checked_ms, loc_checked_ms;
  int64_t cal_stamp, areas;
};

/* Load s from data_dir using the open store db. A district without areas
** yet still gets an env (reports will be refused as outside). Release with
** case_setup_release(). */
int case_setup_load(struct case_setup *s, const char *data_dir, struct db *db,
                    struct cg_err *e);
void case_setup_release(struct case_setup *s);

/* The working calendar to use now, for a server, whose calendar may be
** replaced while it runs: by case_setup_reload_calendar(), or when a file
** arrives in DIR/calendar (`citygrid import calendar`), which this notices
** within a second. What it returns stays valid until case_setup_release(). */
const struct cal *case_setup_cal(struct case_setup *s);

/* The district's locator to use now (NULL while it has no areas), for a
** server, whose areas may be imported while it runs: when the store's
** counter 'areas' has moved (asked of db at most once a second), the
** locator is loaded again from db. A district that had none gets its code
** with its first areas (case_setup_district()); a district whose code
** changed to another keeps the areas it had until a restart, for its cases
** are numbered by it. What it returns stays valid until
** case_setup_release(). */
const struct area_locator *case_setup_loc(struct case_setup *s, struct db *db);

/* The district's code to use now ("000000" while it has no areas): the
** code it had at load, or the one it got with its first areas. Ask it
** after case_setup_loc(), whose locator it belongs to. Valid until
** case_setup_release(); not to be freed. */
const char *case_setup_district(struct case_setup *s);

/* Point env, a server thread's, at what to use now: the working calendar,
** the locator and the district's code (the code after the locator, as
** case_setup_district() asks), any of which may have been loaded again
** since the thread last asked. */
void case_setup_env_now(struct case_setup *s, struct case_env *env,
                        struct db *db);

/* Load the working calendar again from citygrid.conf's hours and the files
** of DIR/calendar, and make it the one case_setup_cal() returns. CG_OK, or
** why not, with the calendar before kept. */
int case_setup_reload_calendar(struct case_setup *s, struct cg_err *e);

/* The working calendar cal (of setup s) in year y as JSON (caller
** decrefs; NULL if out of memory): {"year", "hours" (citygrid.conf's),
** "utc_offset" (seconds), "files": the names in DIR/calendar, "days": the
** days they name, [{"date", "kind": "holiday" or "workday", "name"}]}. */
json_t *case_calendar_json(const struct case_setup *s, const struct cal *cal,
                           int y);

/* The year a calendar is shown for: s ("2027", from 1970 to 2999), or for
** s NULL this year in the district's time. CG_OK, or CG_EINVAL naming s. */
int case_calendar_year(const struct cal *cal, const char *s, int *y,
                       struct cg_err *e);

/* The same days, as the CSV `citygrid import calendar` reads, to out.
** CG_OK, or CG_EIO if it cannot be written. */
int case_calendar_csv(const struct cal *cal, int y, FILE *out,
                      struct cg_err *e);

/* Check a holiday calendar file against those already in DIR/calendar/
** and copy it there, under the name `name` (NULL: the file's own), which
** must end in ".csv"; a file of that name is replaced. *n gets the days
** it lists. */
int case_import_calendar(const char *data_dir, const char *path,
                         const char *name, int *n, struct cg_err *e);

/* The full-text index (search.c). Add to it up to `most` cases above its
** mark (most <= 0: every one), in one transaction on its file that only
** reads the store; *added (unless NULL) gets how many. CG_OK, or why not,
** with the index and its mark as they were. db, opened with DB_SEARCH,
** must not be in a transaction. */
int case_search_catch_up(struct db *db, int64_t most, int64_t *added,
                         struct cg_err *e);

/* The server's indexer: a thread with its own connection to the store at
** db_path that catches the index up whenever an env with search_behind set
** committed a case (case_indexer_poke()), at most every 100 ms; it starts
** by catching up on what the index lacks. Stopping catches up one last
** time. A second start while it runs does nothing. CG_OK, or why it
** cannot start. */
int case_indexer_start(const char *db_path, struct cg_err *e);
void case_indexer_poke(void);
void case_indexer_stop(void);

/* How many cases the full-text index lacks (searches read them by LIKE)
** into *n. CG_OK, or why not. */
int case_search_lag(struct db *db, int64_t *n, struct cg_err *e);

/* What the indexer did since the process started: cases added to the
** index, and catch-ups that failed (each tried again later). */
void case_indexer_counts(int64_t *added, int64_t *failed);

#endif
