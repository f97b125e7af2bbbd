/*
** refresh.c — keeping the evaluation's counts (eval_fact) up to date with
** the event history, without any call from the case module.
**
** What a case contributes is a function of its events alone: f(events) =
** the contributions of each event given the events before it (a filing,
** a step done in time, judged when first counted) plus those of the case
** as a whole (a report that turned out valid, the outcome of a dispatched
** case), which later events may change. A refresh reads the events past
** its high-water mark on event.gseq, and for every case they belong to adds
** f(all its events) − f(those it had at the last refresh): the first part
** reduces to the new events' own contributions, the second takes back the
** whole-case contributions counted before and adds the new ones. Counts,
** open cases and the mark change in one transaction.
**
** The attribution of cases to segments is part of f: importing segments
** resets the aggregates (eval_reset) and the next refresh recounts all.
*/
#include "eval_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the sink: contributions summed in memory, then added to the store */

struct sink_entry {
  int used;
  int kind;
  int64_t day;
  char unit[64];
  int32_t m[EM_COUNT];
};

struct sink {
  struct sink_entry *tab;
  size_t cap, n; /* cap: a power of two */
};

static uint64_t
sink_hash(int kind, int64_t day, const char *unit)
{
  uint64_t h = 1469598103934665603ull ^ (uint64_t)kind ^
               ((uint64_t)day * 0x9E3779B97F4A7C15ull);
  for (; *unit; unit++)
    h = (h ^ (unsigned char)*unit) * 1099511628211ull;
  return h;
}

static int
sink_grow(struct sink *s)
{
  struct sink_entry *old = s->tab;
  size_t oldcap = s->cap, cap = oldcap ? oldcap * 2 : 4096;
  if (!(s->tab = calloc(cap, sizeof *s->tab))) {
    s->tab = old;
    return -1;
  }
  s->cap = cap;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].used) {
      size_t j = sink_hash(old[i].kind, old[i].day, old[i].unit) & (cap - 1);
      while (s->tab[j].used)
        j = (j + 1) & (cap - 1);
      s->tab[j] = old[i];
    }
  free(old);
  return 0;
}

/* Add delta to measure m of (kind, day, unit). */
static int
sink_add(struct sink *s, int kind, int64_t day, const char *unit, int m,
         int delta)
{
  size_t j;
  if (!unit || !*unit || delta == 0) return 0;
  if ((s->n + 1) * 2 > s->cap && sink_grow(s)) return -1;
  j = sink_hash(kind, day, unit) & (s->cap - 1);
  while (s->tab[j].used && (s->tab[j].kind != kind || s->tab[j].day != day ||
                            strcmp(s->tab[j].unit, unit)))
    j = (j + 1) & (s->cap - 1);
  if (!s->tab[j].used) {
    s->tab[j].used = 1;
    s->tab[j].kind = kind;
    s->tab[j].day = day;
    snprintf(s->tab[j].unit, sizeof s->tab[j].unit, "%s", unit);
    s->n++;
  }
  s->tab[j].m[m] += delta;
  return 0;
}

/* The upsert adding a row of deltas; built once from the measure names
** (by whichever thread asks first; the others wait for it). */
static char upsert_text[4096];
static void
build_upsert_sql(void)
{
  char *sql = upsert_text;
  const size_t size = sizeof upsert_text;
  size_t n = 0;
  n += snprintf(sql + n, size - n, "INSERT INTO eval_fact (kind, day, unit");
  for (int m = 0; m < EM_COUNT; m++)
    n += snprintf(sql + n, size - n, ", %s", eval_measure_name(m));
  n += snprintf(sql + n, size - n, ") VALUES (?, ?, ?");
  for (int m = 0; m < EM_COUNT; m++)
    n += snprintf(sql + n, size - n, ", ?");
  n += snprintf(sql + n, size - n,
                ") ON CONFLICT (kind, day, unit) DO UPDATE SET ");
  for (int m = 0; m < EM_COUNT; m++)
    n += snprintf(sql + n, size - n, "%s%s = eval_fact.%s + excluded.%s",
                  m ? ", " : "", eval_measure_name(m), eval_measure_name(m),
                  eval_measure_name(m));
}

static const char *
upsert_sql(void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, build_upsert_sql);
  return upsert_text;
}

/* Order of eval_fact's key: kind, day, unit. */
static int
cmp_entry(const void *a, const void *b)
{
  const struct sink_entry *x = *(struct sink_entry *const *)a;
  const struct sink_entry *y = *(struct sink_entry *const *)b;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return strcmp(x->unit, y->unit);
}

/* Add everything in the sink to eval_fact and empty it. The rows go in
** key order, so that a report's rows (one kind, a few days) lie together
** in the table. */
static int
sink_flush(struct sink *s, struct db *db, struct cg_err *e)
{
  const char *sql = upsert_sql();
  struct sink_entry **order;
  struct db_stmt *st;
  size_t k = 0;
  int rc = CG_OK;

  if (!s->n) return CG_OK;
  if (!(order = malloc(s->n * sizeof *order)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  for (size_t i = 0; i < s->cap; i++)
    if (s->tab[i].used) order[k++] = &s->tab[i];
  qsort(order, k, sizeof *order, cmp_entry);
  for (size_t i = 0; i < k && rc == CG_OK; i++) {
    struct sink_entry *x = order[i];
    int any = 0;
    for (int m = 0; m < EM_COUNT; m++)
      any |= x->m[m] != 0;
    if (!any) continue;
    if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) break;
    db_bind_text(st, 1, eval_kind_name(x->kind));
    db_bind_int(st, 2, x->day);
    db_bind_text(st, 3, x->unit);
    for (int m = 0; m < EM_COUNT; m++)
      db_bind_int(st, 4 + m, x->m[m]);
    rc = db_step(st, e);
    db_finalize(st);
    rc = rc < 0 ? -rc : CG_OK;
  }
  free(order);
  if (rc != CG_OK) return rc;
  memset(s->tab, 0, s->cap * sizeof *s->tab);
  s->n = 0;
  return CG_OK;
}

/* ---- what a refresh knows besides the events ----------------------------- */

/* A grid worker's scope entry: the area code and the login. */
struct scope_pair {
  char code[16];
  char login[64];
};

/* A step limit looked up once: key -> working seconds. */
struct limit_memo {
  char key[96];
  int64_t secs;
};

struct ctx {
  struct case_env *env;
  struct db *db;
  int utc;
  int64_t hw; /* events with gseq <= hw were counted before */
  struct sink sink;
  struct seg_index *segs;
  struct scope_pair *scopes; /* sorted by code; code "" = whole district */
  int nscopes;
  struct limit_memo *limits;
  int nlimits, caplimits;
  struct cg_err *e;
};

static int
cmp_scope(const void *a, const void *b)
{
  return strcmp(((const struct scope_pair *)a)->code,
                ((const struct scope_pair *)b)->code);
}

/* The grid workers and the areas they answer for. */
static int
load_scopes(struct ctx *x)
{
  struct db_stmt *st;
  int rc, cap = 0;

  if ((rc = db_prepare(x->db, &st,
                       "SELECT login, scope FROM app_user WHERE role ="
                       " 'grid_worker' AND disabled = 0",
                       x->e)) != CG_OK)
    return rc;
  while ((rc = db_step(st, x->e)) == DB_ROW) {
    char scope[512], *p, *c;
    snprintf(scope, sizeof scope, "%s", db_col_text(st, 1));
    p = scope;
    do {
      if ((c = strchr(p, ','))) *c = 0;
      if (x->nscopes == cap) {
        cap = cap ? cap * 2 : 64;
        x->scopes = realloc(x->scopes, cap * sizeof *x->scopes);
        if (!x->scopes) abort();
      }
      snprintf(x->scopes[x->nscopes].code, 16, "%.15s", p);
      snprintf(x->scopes[x->nscopes].login, 64, "%s", db_col_text(st, 0));
      x->nscopes++;
      p = c ? c + 1 : NULL;
    } while (p && *scope);
  }
  db_finalize(st);
  if (x->nscopes) qsort(x->scopes, x->nscopes, sizeof *x->scopes, cmp_scope);
  return rc < 0 ? -rc : CG_OK;
}

/* Working seconds of a step's limit for a case (memoised per refresh). */
static int64_t
step_limit(struct ctx *x, const char *scheme, const char *code,
           const char *area_class, int urgency, const char *step)
{
  char key[96];
  int64_t secs;
  snprintf(key, sizeof key, "%s|%s|%s|%s|%d", step, scheme, code, area_class,
           urgency);
  for (int i = 0; i < x->nlimits; i++)
    if (strcmp(x->limits[i].key, key) == 0) return x->limits[i].secs;
  secs = case_step_limit(x->env, scheme, code, area_class, urgency, step, NULL);
  if (x->nlimits == x->caplimits) {
    x->caplimits = x->caplimits ? x->caplimits * 2 : 64;
    x->limits = realloc(x->limits, x->caplimits * sizeof *x->limits);
    if (!x->limits) abort();
  }
  snprintf(x->limits[x->nlimits].key, sizeof key, "%s", key);
  x->limits[x->nlimits++].secs = secs;
  return secs;
}

/* ---- one case ------------------------------------------------------------ */

/* A case's attributes that never change. */
struct kcase {
  char no[32], scheme[16], code[16], area_class[4], source[16];
  char grid[16], community[16], street[16];
  const char *segment; /* belongs to the segment index; NULL: none */
  int urgency;
  int64_t due_at;
  char state[16];
};

/* What the walk over a case's events has learnt so far. */
struct walk {
  int64_t since; /* when the case entered its current state */
  int reported, duplicate, self_approved;
  int64_t report_day;
  char reporter[64];
  int reporter_sup;
  int filed, voided_after_file;
  int64_t file_day;
  char filer[64];
  int filer_sl;
  int dispatched, have_last_disp, last_disp_dispatcher;
  int64_t disp_day, last_disp_day;
  char last_disp[64];
  char dept[8][32]; /* the departments of the latest dispatch (吹哨报到:
                    ** each is credited with the case) */
  int ndept;
  int deferred, closed, close_ontime, rework, extended, suspended, wrong;
  int handles, handles_late;
};

/* Add delta to m for the case's areas and, if seg, its segment. */
static int
to_areas(struct ctx *x, const struct kcase *k, int64_t day, int m, int delta,
         int seg)
{
  int rc = sink_add(&x->sink, EK_DISTRICT, day, x->env->district, m, delta);
  rc |= sink_add(&x->sink, EK_STREET, day, k->street, m, delta);
  rc |= sink_add(&x->sink, EK_COMMUNITY, day, k->community, m, delta);
  rc |= sink_add(&x->sink, EK_GRID, day, k->grid, m, delta);
  if (seg && k->segment)
    rc |= sink_add(&x->sink, EK_SEGMENT, day, k->segment, m, delta);
  return rc;
}

/* Add to m for the grid workers whose scope covers the case's grid. */
static int
to_scope(struct ctx *x, const struct kcase *k, int64_t day, int m)
{
  const char *keys[4] = {"", NULL, NULL, NULL};
  char street[10], community[13];
  int rc = 0;

  snprintf(street, sizeof street, "%.9s", k->grid);
  snprintf(community, sizeof community, "%.12s", k->grid);
  keys[1] = street;
  keys[2] = community;
  keys[3] = k->grid;
  for (int i = 0; i < 4; i++) {
    struct scope_pair key, *hit;
    if (i > 0 && !*keys[i]) continue;
    snprintf(key.code, sizeof key.code, "%s", keys[i]);
    hit = bsearch(&key, x->scopes, x->nscopes, sizeof *x->scopes, cmp_scope);
    if (!hit) continue;
    while (hit > x->scopes && strcmp(hit[-1].code, key.code) == 0)
      hit--;
    for (; hit < x->scopes + x->nscopes && !strcmp(hit->code, key.code); hit++)
      rc |= sink_add(&x->sink, EK_SUPERVISOR, day, hit->login, m, 1);
  }
  return rc;
}

/* A step done at `at`, begun at w->since: in time? */
static int
in_time(struct ctx *x, const struct kcase *k, const struct walk *w,
        const char *step, int64_t at)
{
  int64_t limit =
      step_limit(x, k->scheme, k->code, k->area_class, k->urgency, step);
  if (limit <= 0) return 1;
  return cal_between(x->env->cal, w->since, at) <= limit;
}

/* The contributions of the case as a whole, from what the walk learnt,
** with sign delta (−1 to take back what was counted before). */
static int
whole_case(struct ctx *x, const struct kcase *k, const struct walk *w,
           int delta)
{
  int rc = 0;
  if (w->reported && !w->duplicate &&
      ((w->filed && !w->voided_after_file) || w->self_approved)) {
    rc |= to_areas(x, k, w->report_day, EM_VALID_REPORTS, delta, 1);
    if (w->reporter_sup)
      rc |= sink_add(&x->sink, EK_SUPERVISOR, w->report_day, w->reporter,
                     EM_VALID_REPORTS, delta);
  }
  if (w->dispatched) {
    int ms[EM_COUNT], n = 0;
    ms[n++] = EM_COHORT;
    if (w->deferred) {
      ms[n++] = EM_C_DEFERRED;
    } else {
      if (w->closed) ms[n++] = EM_C_CLOSED;
      if (w->closed && w->close_ontime) ms[n++] = EM_C_ONTIME;
      if (w->closed && w->rework) ms[n++] = EM_C_REWORK;
      if (w->closed && w->extended) ms[n++] = EM_C_EXTENDED;
      if (w->closed && w->wrong) ms[n++] = EM_C_WRONG;
      if (w->handles && !w->handles_late) ms[n++] = EM_C_HANDLED_ONTIME;
      if (w->suspended) ms[n++] = EM_C_SUSPENDED;
    }
    for (int i = 0; i < n; i++) {
      rc |= to_areas(x, k, w->disp_day, ms[i], delta, 1);
      for (int j = 0; j < w->ndept; j++)
        rc |=
            sink_add(&x->sink, EK_DEPT, w->disp_day, w->dept[j], ms[i], delta);
    }
  }
  return rc;
}

/* One event's fields. */
struct ev {
  int64_t gseq, at;
  const char *actor, *role, *action, *from, *to, *data;
};

/* A field of an event's data: a JSON object parsed on demand. */
static json_t *
ev_data(const struct ev *v)
{
  return json_loads(v->data ? v->data : "{}", 0, NULL);
}

/* Learn from one event; when count is set, add its own contributions. */
static int
step_event(struct ctx *x, const struct kcase *k, struct walk *w,
           const struct ev *v, int count)
{
  const char *a = v->action;
  int64_t day = eval_day_of(v->at, x->utc);
  int rc = 0, sup = !strcmp(v->role, "grid_worker");
  int op = !strcmp(v->role, "operator"), sl = !strcmp(v->role, "shift_leader");
  int di = !strcmp(v->role, "dispatcher");
  struct sink *s = &x->sink;

#define PERSON(kind, m)                                                        \
  (rc |= count ? sink_add(s, kind, day, v->actor, m, 1) : 0)
#define AREAS(m, seg) (rc |= count ? to_areas(x, k, day, m, 1, seg) : 0)
  if (!strcmp(a, "report") || !strcmp(a, "submit")) {
    if (strcmp(v->to, "draft")) {
      w->reported = 1;
      w->report_day = day;
      w->duplicate = !strcmp(v->to, "duplicate");
      snprintf(w->reporter, sizeof w->reporter, "%s", v->actor);
      w->reporter_sup = sup;
      AREAS(EM_REPORTS, 1);
      if (sup) PERSON(EK_SUPERVISOR, EM_REPORTS);
    }
  } else if (!strcmp(a, "register") || !strcmp(a, "reject")) {
    AREAS(EM_INTAKE, 0);
    if (op) PERSON(EK_OPERATOR, EM_INTAKE);
  } else if (!strcmp(a, "verify_request")) {
    if (op) {
      PERSON(EK_OPERATOR, EM_VERIFY_SENT);
      if (in_time(x, k, w, "intake", v->at))
        PERSON(EK_OPERATOR, EM_VERIFY_SENT_ONTIME);
    }
  } else if (!strcmp(a, "verify")) {
    int ok = in_time(x, k, w, "verify", v->at);
    AREAS(EM_VERIFIED, 0);
    if (ok) AREAS(EM_VERIFY_ONTIME, 0);
    if (sup) {
      PERSON(EK_SUPERVISOR, EM_VERIFIED);
      if (ok) PERSON(EK_SUPERVISOR, EM_VERIFY_ONTIME);
    }
  } else if (!strcmp(a, "file")) {
    int ok = in_time(x, k, w, "file", v->at);
    int missed = !strcmp(k->source, "public") ||
                 !strcmp(k->source, "hotline") ||
                 !strcmp(k->source, "referral");
    w->filed = 1;
    w->file_day = day;
    snprintf(w->filer, sizeof w->filer, "%s", v->actor);
    w->filer_sl = sl;
    AREAS(EM_FILED, 1);
    if (ok) AREAS(EM_FILE_ONTIME, 0);
    if (missed) AREAS(EM_MISSED, 0);
    if (sl) {
      PERSON(EK_SHIFT_LEADER, EM_FILED);
      if (ok) PERSON(EK_SHIFT_LEADER, EM_FILE_ONTIME);
    }
    if (count) {
      rc |= to_scope(x, k, day, EM_FILED);
      if (missed) rc |= to_scope(x, k, day, EM_MISSED);
    }
  } else if (!strcmp(a, "void")) {
    if (!strcmp(v->from, "filed") && w->filed) {
      w->voided_after_file = 1;
      if (count) {
        rc |= to_areas(x, k, w->file_day, EM_FILE_VOID, 1, 0);
        if (w->filer_sl)
          rc |= sink_add(s, EK_SHIFT_LEADER, w->file_day, w->filer,
                         EM_FILE_VOID, 1);
      }
    }
  } else if (!strcmp(a, "dispatch")) {
    json_t *d = ev_data(v);
    int from_filed = !strcmp(v->from, "filed");
    if (from_filed) {
      int ok = in_time(x, k, w, "dispatch", v->at);
      json_t *depts = json_object_get(d, "depts");
      AREAS(EM_DISPATCHES, 0);
      if (ok) AREAS(EM_DISPATCH_ONTIME, 0);
      if (di) {
        PERSON(EK_DISPATCHER, EM_DISPATCHES);
        if (ok) PERSON(EK_DISPATCHER, EM_DISPATCH_ONTIME);
      }
      if (json_is_true(json_object_get(d, "wrong_dispatch"))) {
        w->wrong = 1;
        if (count && w->have_last_disp && w->last_disp_dispatcher)
          rc |= sink_add(s, EK_DISPATCHER, w->last_disp_day, w->last_disp,
                         EM_DISPATCH_WRONG, 1);
      }
      if (json_array_size(depts)) { /* the case is theirs now */
        w->ndept = 0;
        for (size_t i = 0; i < json_array_size(depts) && w->ndept < 8; i++)
          if (json_is_string(json_array_get(depts, i)))
            snprintf(w->dept[w->ndept++], sizeof w->dept[0], "%s",
                     json_string_value(json_array_get(depts, i)));
      }
      w->have_last_disp = 1;
      w->last_disp_dispatcher = di;
      w->last_disp_day = day;
      snprintf(w->last_disp, sizeof w->last_disp, "%s", v->actor);
    }
    if (!w->dispatched) {
      w->dispatched = 1;
      w->disp_day = day;
    }
    json_decref(d);
  } else if (!strcmp(a, "handle")) {
    json_t *d = ev_data(v);
    w->handles++;
    if (json_is_false(json_object_get(d, "on_time"))) w->handles_late++;
    json_decref(d);
  } else if (!strcmp(a, "check_request")) {
    if (op) {
      PERSON(EK_OPERATOR, EM_CHECK_SENT);
      if (in_time(x, k, w, "check_request", v->at))
        PERSON(EK_OPERATOR, EM_CHECK_SENT_ONTIME);
    }
  } else if (!strcmp(a, "check")) {
    int ok = in_time(x, k, w, "check", v->at);
    if (!strcmp(v->to, "dispatched")) w->rework = 1; /* failed: 返工 */
    AREAS(EM_CHECKED, 0);
    if (ok) AREAS(EM_CHECK_ONTIME, 0);
    if (sup) {
      PERSON(EK_SUPERVISOR, EM_CHECKED);
      if (ok) PERSON(EK_SUPERVISOR, EM_CHECK_ONTIME);
    }
  } else if (!strcmp(a, "close")) {
    json_t *d = ev_data(v);
    w->closed = 1;
    w->close_ontime = json_is_true(json_object_get(d, "on_time"));
    json_decref(d);
    if (sl) {
      PERSON(EK_SHIFT_LEADER, EM_CLOSES);
      if (in_time(x, k, w, "close", v->at))
        PERSON(EK_SHIFT_LEADER, EM_CLOSE_ONTIME);
    }
  } else if (!strcmp(a, "self_approve")) {
    w->self_approved = 1;
    AREAS(EM_SELF_CLOSED, 1);
    if (count && w->reporter_sup)
      rc |= sink_add(s, EK_SUPERVISOR, day, w->reporter, EM_SELF_CLOSED, 1);
  } else if (!strcmp(a, "defer")) {
    w->deferred = 1;
  } else if (!strcmp(a, "extend_approve")) {
    w->extended = 1;
  } else if (!strcmp(a, "suspend_approve")) {
    w->suspended = 1;
  } else if (!strcmp(a, "rate")) {
    json_t *d = ev_data(v);
    const char *r = json_string_value(json_object_get(d, "rating"));
    int good = r && (!strcmp(r, "satisfied") || !strcmp(r, "basic"));
    AREAS(EM_RATED, 1);
    if (good) AREAS(EM_SATISFIED, 1);
    for (int j = 0; count && j < w->ndept; j++) {
      rc |= sink_add(s, EK_DEPT, day, w->dept[j], EM_RATED, 1);
      if (good) rc |= sink_add(s, EK_DEPT, day, w->dept[j], EM_SATISFIED, 1);
    }
    json_decref(d);
  }
#undef PERSON
#undef AREAS
  if (strcmp(v->from, v->to)) w->since = v->at;
  return rc ? CG_ENOMEM : CG_OK;
}

/* Keep the case's row in eval_open: dispatched, not deferred, not closed
** (or void); else none. */
static int
keep_open(struct ctx *x, const struct kcase *k, const struct walk *w)
{
  static const char put[] =
      "INSERT INTO eval_open (case_no, day, due_at, parked, street,"
      " community, grid, dept, segment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (case_no) DO UPDATE SET day = excluded.day,"
      " due_at = excluded.due_at, parked = excluded.parked,"
      " street = excluded.street, community = excluded.community,"
      " grid = excluded.grid, dept = excluded.dept,"
      " segment = excluded.segment";
  static const char del[] = "DELETE FROM eval_open WHERE case_no = ?";
  static const char del_depts[] =
      "DELETE FROM eval_open_dept WHERE case_no = ?";
  static const char put_dept[] =
      "INSERT INTO eval_open_dept (case_no, dept) VALUES (?, ?)"
      " ON CONFLICT (case_no, dept) DO NOTHING";
  struct db_stmt *st;
  int rc,
      open = w->dispatched && !w->deferred &&
             (!strcmp(k->state, "dispatched") ||
              !strcmp(k->state, "suspended") || !strcmp(k->state, "handled") ||
              !strcmp(k->state, "checking") || !strcmp(k->state, "checked"));

  /* the departments first: their rows refer to the case's */
  if ((rc = db_prepare_cached(x->db, &st, del_depts, x->e)) != CG_OK) return rc;
  db_bindf(st, "t", k->no);
  rc = db_step(st, x->e);
  db_finalize(st);
  if (rc < 0) return -rc;
  if (!open) {
    if ((rc = db_prepare_cached(x->db, &st, del, x->e)) != CG_OK) return rc;
    db_bindf(st, "t", k->no);
  } else {
    if ((rc = db_prepare_cached(x->db, &st, put, x->e)) != CG_OK) return rc;
    db_bindf(st, "tiiittttt", k->no, w->disp_day, k->due_at,
             (int64_t)!strcmp(k->state, "suspended"), k->street, k->community,
             k->grid, w->ndept ? w->dept[0] : "", k->segment ? k->segment : "");
  }
  rc = db_step(st, x->e);
  db_finalize(st);
  for (int j = 0; open && rc >= 0 && j < w->ndept; j++) {
    if ((rc = db_prepare_cached(x->db, &st, put_dept, x->e)) != CG_OK)
      return rc;
    db_bindf(st, "tt", k->no, w->dept[j]);
    rc = db_step(st, x->e);
    db_finalize(st);
  }
  return rc < 0 ? -rc : CG_OK;
}

/* Recount one case: its new events' contributions, its whole-case ones
** taken back as they were at the mark and added as they are now. */
static int
recount(struct ctx *x, struct kcase *k, int64_t *nev)
{
  static const char sql[] =
      "SELECT gseq, at, actor, role, action, from_state, to_state, data"
      " FROM event WHERE case_no = ? ORDER BY seq";
  struct walk w;
  struct db_stmt *st;
  int rc, cut = 0, any_old = 0;

  memset(&w, 0, sizeof w);
  if ((rc = db_prepare_cached(x->db, &st, sql, x->e)) != CG_OK) return rc;
  db_bindf(st, "t", k->no);
  while ((rc = db_step(st, x->e)) == DB_ROW) {
    struct ev v;
    v.gseq = db_col_int(st, 0);
    v.at = db_col_int(st, 1);
    v.actor = db_col_text(st, 2);
    v.role = db_col_text(st, 3);
    v.action = db_col_text(st, 4);
    v.from = db_col_text(st, 5);
    v.to = db_col_text(st, 6);
    v.data = db_col_text(st, 7);
    if (v.gseq > x->hw && !cut) {
      cut = 1; /* the case as the last refresh saw it: taken back */
      if (any_old && whole_case(x, k, &w, -1)) {
        rc = CG_ENOMEM;
        break;
      }
    }
    if (v.gseq <= x->hw)
      any_old = 1;
    else
      ++*nev;
    if ((rc = step_event(x, k, &w, &v, v.gseq > x->hw)) != CG_OK) break;
  }
  db_finalize(st);
  if (rc < 0) return -rc;
  if (rc != CG_OK && rc != DB_DONE) return cg_fail(x->e, rc, "out of memory");
  if (!cut) return CG_OK; /* nothing new */
  if (whole_case(x, k, &w, 1)) return cg_fail(x->e, CG_ENOMEM, "out of memory");
  return keep_open(x, k, &w);
}

int
eval_reset(struct db *db, struct cg_err *e)
{
  int rc = db_exec(db,
                   "DELETE FROM eval_fact; DELETE FROM eval_open_dept;"
                   " DELETE FROM eval_open",
                   e);
  if (rc == CG_OK) rc = eval_setting_put(db, "eval.gseq", "0", e);
  return rc;
}

int
eval_refresh(struct case_env *env, int rebuild, struct eval_refresh_stats *st,
             struct cg_err *e)
{
  static const char some[] =
      "SELECT no, scheme, category_code, area_class, source,"
      " coalesce(grid_code, ''), coalesce(community_code, ''),"
      " coalesce(street_code, ''), urgency, lat, lon, coalesce(due_at, 0),"
      " state FROM cases WHERE no IN (SELECT case_no FROM event WHERE"
      " gseq > ?) ORDER BY no";
  static const char all[] =
      "SELECT no, scheme, category_code, area_class, source,"
      " coalesce(grid_code, ''), coalesce(community_code, ''),"
      " coalesce(street_code, ''), urgency, lat, lon, coalesce(due_at, 0),"
      " state FROM cases ORDER BY no";
  struct ctx x;
  struct db_stmt *cur = NULL;
  double hw, seg_m;
  int64_t head = 0;
  int rc;

  memset(st, 0, sizeof *st);
  memset(&x, 0, sizeof x);
  x.env = env;
  x.db = env->db;
  x.e = e;
  x.utc = cal_utc_offset(env->cal);
  if ((rc = db_begin(x.db, e)) != CG_OK) return rc;
  if (rebuild && (rc = eval_reset(x.db, e)) != CG_OK) goto out;
  if ((rc = eval_setting_num(x.db, "eval.gseq", 0, &hw, e)) != CG_OK ||
      (rc = db_query_int(x.db, &head, 0, e, "SELECT max(gseq) FROM event",
                         "")) != CG_OK)
    goto out;
  x.hw = (int64_t)hw;
  if (head <= x.hw) goto out; /* nothing new: commit the no-op */
  st->rebuilt = x.hw == 0;
  if ((rc = eval_setting_num(x.db, "eval.segment_m", 50, &seg_m, e)) != CG_OK ||
      (rc = seg_index_load(x.db, seg_m, &x.segs, e)) != CG_OK ||
      (rc = load_scopes(&x)) != CG_OK)
    goto out;
  if ((rc = db_prepare(x.db, &cur, x.hw ? some : all, e)) != CG_OK) goto out;
  if (x.hw) db_bindf(cur, "i", x.hw);
  while ((rc = db_step(cur, e)) == DB_ROW) {
    struct kcase k;
    memset(&k, 0, sizeof k);
#define COL(i, f) snprintf(k.f, sizeof k.f, "%s", db_col_text(cur, i))
    COL(0, no);
    COL(1, scheme);
    COL(2, code);
    COL(3, area_class);
    COL(4, source);
    COL(5, grid);
    COL(6, community);
    COL(7, street);
    COL(12, state);
#undef COL
    k.urgency = (int)db_col_int(cur, 8);
    k.due_at = db_col_int(cur, 11);
    k.segment = x.segs ? seg_index_nearest(x.segs, db_col_double(cur, 10),
                                           db_col_double(cur, 9))
                       : NULL;
    if ((rc = recount(&x, &k, &st->events)) != CG_OK) break;
    st->cases++;
    if (x.sink.n > 200000 && (rc = sink_flush(&x.sink, x.db, e)) != CG_OK)
      break;
  }
  db_finalize(cur);
  if (rc < 0) rc = -rc;
  if (rc == DB_DONE) rc = CG_OK;
  if (rc == CG_OK) rc = sink_flush(&x.sink, x.db, e);
  if (rc == CG_OK) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)head);
    rc = eval_setting_put(x.db, "eval.gseq", buf, e);
  }
out:
  free(x.sink.tab);
  free(x.scopes);
  free(x.limits);
  seg_index_free(x.segs);
  if (rc != CG_OK) {
    db_rollback(x.db);
    return rc;
  }
  return db_commit(x.db, e);
}
