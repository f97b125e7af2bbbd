/*
** case.c — the case module's shared machinery: state names, the
** environment, transactions, loading and saving a case with its tasks, and
** appending hash-chained events to the history.
**
** The hash of an event is BLAKE2b-256 (libsodium's crypto_generichash,
** chosen over its SHA-256 for speed: verify rehashes every event) over its
** content and the hash of the
** case's previous event; the ledger row keeps the district-wide chain head
** (the hash of the previous head and each event hash, in gseq order) and
** the event count, which gives every event its gseq.
*/
#include "case_int.h"

#include <math.h>

#include "attach/attach.h"
#include "core/json.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hex(const unsigned char *d, char out[65]);
static void settle_due(struct kase *k);

/* Indexed by enum case_state. */
static const struct {
  const char *name, *zh;
} states[CS_COUNT] = {
    {"draft", "草稿"},        {"reported", "已上报"},
    {"rejected", "不予受理"}, {"verifying", "核实中"},
    {"verified", "已核实"},   {"registered", "已登记"},
    {"filed", "已立案"},      {"void", "已作废"},
    {"dispatched", "处置中"}, {"suspended", "挂账"},
    {"handled", "已处置"},    {"checking", "核查中"},
    {"checked", "核查通过"},  {"closed", "已结案"},
    {"deferred", "缓办"},     {"self_handled", "自处理待审核"},
    {"duplicate", "重复"},
};

static const char *const task_states[TS_COUNT] = {
    "open",     "returning", "suspending", "handled",
    "returned", "cancelled", "reworked"};

const char *
case_state_name(int s)
{
  return s >= 0 && s < CS_COUNT ? states[s].name : "?";
}

const char *
case_state_zh(int s)
{
  return s >= 0 && s < CS_COUNT ? states[s].zh : "?";
}

int
case_state_parse(const char *s)
{
  for (int i = 0; i < CS_COUNT; i++)
    if (strcmp(s, states[i].name) == 0) return i;
  return -1;
}

const char *
task_state_name(int s)
{
  return s >= 0 && s < TS_COUNT ? task_states[s] : "?";
}

int
task_state_parse(const char *s)
{
  for (int i = 0; i < TS_COUNT; i++)
    if (strcmp(s, task_states[i]) == 0) return i;
  return -1;
}

void
case_env_init(struct case_env *env, struct db *db,
              const struct area_locator *loc, const struct cal *cal,
              const char *data_dir, const char *district)
{
  memset(env, 0, sizeof *env);
  if (sodium_init() < 0) abort(); /* no safe way on without it */
  env->db = db;
  env->loc = loc;
  env->cal = cal;
  env->data_dir = data_dir;
  env->district = district;
  env->dup_radius_m = 50;
  env->dup_window_s = 72 * 3600;
  env->escalate_pct[0] = 100;
  env->escalate_pct[1] = 150;
  env->escalate_pct[2] = 200;
  env->nescalate = 3;
}

int64_t
case_now(const struct case_env *env)
{
  return env->now ? env->now() : (int64_t)time(NULL);
}

/* Begin a write transaction. (Its foreign keys are checked as each
** statement ends: a new case's row is written before its events, see
** struct case_held.) */
static int
begin(struct db *db, struct cg_err *e)
{
  return db_begin(db, e);
}

/* Write out the hours of the events noted (migration 0015): each hour's
** row widened to take in its new events' gseqs. */
static int
hours_flush(struct case_env *env, struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO event_hour (hour, lo, hi) VALUES (?, ?, ?)"
      " ON CONFLICT (hour) DO UPDATE SET"
      " lo = CASE WHEN excluded.lo < event_hour.lo THEN excluded.lo"
      " ELSE event_hour.lo END,"
      " hi = CASE WHEN excluded.hi > event_hour.hi THEN excluded.hi"
      " ELSE event_hour.hi END";
  struct db_stmt *st;
  int rc;

  for (int i = 0; i < env->nhours; i++) {
    if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
    db_bindf(st, "iii", env->hours[i].hour, env->hours[i].lo, env->hours[i].hi);
    rc = db_step(st, e);
    db_finalize(st);
    if (rc < 0) return -rc;
  }
  env->nhours = 0;
  return CG_OK;
}

/* Note that event gseq happened at `at`, for hours_flush(); a transaction
** spanning many hours (a replay) writes them out as they fill the list. */
static int
hours_note(struct case_env *env, int64_t at, int64_t gseq, struct cg_err *e)
{
  int64_t hour = at / 3600;
  int i, rc;

  for (i = 0; i < env->nhours && env->hours[i].hour != hour; i++)
    ;
  if (i == env->nhours) {
    if (i == (int)(sizeof env->hours / sizeof env->hours[0])) {
      if ((rc = hours_flush(env, e)) != CG_OK) return rc;
      i = 0;
    }
    env->hours[i].hour = hour;
    env->hours[i].lo = env->hours[i].hi = gseq;
    env->nhours = i + 1;
  }
  if (gseq < env->hours[i].lo) env->hours[i].lo = gseq;
  if (gseq > env->hours[i].hi) env->hours[i].hi = gseq;
  return CG_OK;
}

/* What a commit writes last, after every row of its transaction: the
** hours of its events. */
static int
before_commit(struct case_env *env, struct cg_err *e)
{
  return hours_flush(env, e);
}

int
case_tx_begin(struct case_env *env, struct cg_err *e)
{
  return env->in_tx ? CG_OK : begin(env->db, e);
}

int
case_tx_commit(struct case_env *env, struct cg_err *e)
{
  int rc;
  if (env->in_tx) return CG_OK;
  if ((rc = before_commit(env, e)) != CG_OK) {
    case_tx_rollback(env);
    return rc;
  }
  rc = db_commit(env->db, e);
  case_recent_end(env, rc == CG_OK);
  if (rc == CG_OK) case_search_after_commit(env);
  return rc;
}

void
case_tx_rollback(struct case_env *env)
{
  if (env->in_tx) return;
  env->nhours = 0;
  case_held_clear(env);
  db_rollback(env->db);
  case_recent_end(env, 0);
}

void
case_held_clear(struct case_env *env)
{
  struct case_held *h = env->held;
  if (!h) return;
  for (int i = 0; i < h->n; i++)
    free(h->ev[i].text);
  h->n = 0;
}

/* Hold an event of a case not written yet; copies the texts. */
static int
held_add(struct case_env *env, const char *const part[9], int seq, int64_t gseq,
         int64_t at, const char *hash, struct cg_err *e)
{
  struct case_held *h = env->held;
  struct held_event *ev;
  size_t len[9], total = 0;
  char *p;

  if (!h && !(h = env->held = calloc(1, sizeof *h)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  if (h->n == h->cap) {
    int cap = h->cap ? 2 * h->cap : 8;
    struct held_event *grown = realloc(h->ev, (size_t)cap * sizeof *grown);
    if (!grown) return cg_fail(e, CG_ENOMEM, "out of memory");
    h->ev = grown;
    h->cap = cap;
  }
  for (int i = 0; i < 9; i++)
    total += (len[i] = strlen(part[i])) + 1;
  ev = &h->ev[h->n];
  if (!(p = ev->text = malloc(total)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  for (int i = 0; i < 9; i++) {
    memcpy(p, part[i], len[i] + 1);
    ev->part[i] = p;
    p += len[i] + 1;
  }
  ev->seq = seq;
  ev->gseq = gseq;
  ev->at = at;
  memcpy(ev->hash, hash, 65);
  h->n++;
  return CG_OK;
}

/* Drop the case a batch holds back, unwritten, and its held events. */
static void
forget_last(struct case_env *env)
{
  struct case_batch *b = env->batch;
  case_held_clear(env);
  case_text_free(&b->fresh);
  b->have_last = b->last_dirty = b->last_fresh = 0;
}

/* Forget the configuration looked up. */
static void
memo_clear(struct case_batch *b)
{
  if (b->nmemo) memset(b->memo, 0, sizeof b->memo);
  b->nmemo = 0;
  b->config = -1;
}

/* Forget everything a batch kept but the configuration looked up. */
static void
batch_clear(struct case_env *env)
{
  struct case_batch *b = env->batch;
  if (!b) return;
  forget_last(env);
  memset(&b->hot, 0, sizeof b->hot);
}

int
case_begin(struct case_env *env, struct cg_err *e)
{
  static const char version_sql[] =
      "SELECT value FROM counter WHERE name = 'config'";
  int64_t version;
  int rc;
  if (!env->batch) {
    if (!(env->batch = calloc(1, sizeof *env->batch)))
      return cg_fail(e, CG_ENOMEM, "out of memory");
    env->batch->config = -1;
  }
  batch_clear(env);
  if (!env->write_behind)
    case_wb_stop(env);
  else if ((rc = case_wb_start(env, e)) != CG_OK)
    return rc;
  case_wb_clear(env); /* nothing left from a batch before */
  if ((rc = begin(env->db, e)) != CG_OK) return rc;
  env->in_tx = 1;
  /* the lookups of the last batch hold while the configuration is as it
  ** was then */
  {
    struct db_stmt *st;
    if ((rc = db_prepare_cached(env->db, &st, version_sql, e)) == CG_OK) {
      rc = db_step(st, e);
      version = rc == DB_ROW ? db_col_int(st, 0) : -1;
      db_finalize(st);
      rc = rc < 0 ? -rc : CG_OK;
    }
    if (rc != CG_OK) {
      case_rollback(env);
      return rc;
    }
  }
  if (version != env->batch->config || version < 0) memo_clear(env->batch);
  env->batch->config = version;
  return CG_OK;
}

/* Write back what the batch kept in memory. */
static int
batch_flush(struct case_env *env, struct cg_err *e)
{
  static const char lsql[] = "UPDATE ledger SET events = ?, head = ? WHERE"
                             " id = 1";
  static const char csql[] =
      "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name)"
      " DO UPDATE SET value = excluded.value";
  struct case_batch *b = env->batch;
  struct db_stmt *st;
  int rc;

  if ((rc = case_flush(env, e)) != CG_OK) return rc;
  if (b->hot.ledger_dirty) {
    char head[65];
    hex(b->hot.ledger_head, head);
    if ((rc = db_prepare_cached(env->db, &st, lsql, e)) != CG_OK) return rc;
    db_bindf(st, "iT", b->hot.ledger_events, head);
    rc = db_step(st, e);
    db_finalize(st);
    if (rc < 0) return -rc;
    b->hot.ledger_dirty = 0;
  }
  if (b->hot.day_dirty) {
    if ((rc = db_prepare_cached(env->db, &st, csql, e)) != CG_OK) return rc;
    db_bindf(st, "ti", b->hot.day_name, b->hot.day_value);
    rc = db_step(st, e);
    db_finalize(st);
    if (rc < 0) return -rc;
    b->hot.day_dirty = 0;
  }
  return CG_OK;
}

int
case_commit(struct case_env *env, struct cg_err *e)
{
  int rc = batch_flush(env, e);
  if (rc == CG_OK) rc = case_wb_error(env, e); /* every row written? */
  if (rc == CG_OK) rc = before_commit(env, e);
  env->in_tx = 0;
  env->nhours = 0;
  batch_clear(env);
  if (rc != CG_OK) {
    db_rollback(env->db);
    case_wb_clear(env);
    case_recent_end(env, 0);
    return rc;
  }
  rc = db_commit(env->db, e);
  case_recent_end(env, rc == CG_OK);
  if (rc == CG_OK) case_search_after_commit(env);
  return rc;
}

void
case_rollback(struct case_env *env)
{
  env->in_tx = 0;
  env->nhours = 0;
  batch_clear(env);
  if (env->batch) memo_clear(env->batch); /* it may have seen changes undone */
  db_rollback(env->db);                   /* (after the writer: the gate) */
  case_wb_clear(env);
  case_recent_end(env, 0);
}

void
case_env_release(struct case_env *env)
{
  case_wb_stop(env);
  if (env->batch) forget_last(env);
  case_held_clear(env);
  if (env->held) free(env->held->ev);
  free(env->held);
  env->held = NULL;
  free(env->batch);
  env->batch = NULL;
  case_recent_free(env->recent);
  env->recent = NULL;
  db_close(env->search_db);
  env->search_db = NULL;
}

static size_t
memo_slot(const char *key)
{
  uint64_t h = 1469598103934665603ull;
  for (; *key; key++)
    h = (h ^ (unsigned char)*key) * 1099511628211ull;
  return (size_t)h & (MEMO_SLOTS - 1);
}

void
case_memo_key(char key[80], char tag, const char *const *part, int n)
{
  size_t at = 0;
  key[at++] = tag;
  for (int i = 0; i < n && at < 78; i++) {
    key[at++] = '|';
    at += cg_copy(key + at, 80 - at, part[i]);
  }
  key[at] = 0;
}

int
case_memo_get(struct case_env *env, const char *key, int64_t *num, char *text,
              size_t n)
{
  struct case_batch *b = env->batch;
  if (!env->in_tx || !b) return 0;
  for (size_t i = memo_slot(key), k = 0; k < MEMO_SLOTS;
       i = (i + 1) & (MEMO_SLOTS - 1), k++) {
    if (!b->memo[i].key[0]) return 0;
    if (strcmp(b->memo[i].key, key) == 0) {
      if (num) *num = b->memo[i].num;
      if (text) cg_copy(text, n, b->memo[i].text);
      return 1;
    }
  }
  return 0;
}

void
case_memo_put(struct case_env *env, const char *key, int64_t num,
              const char *text)
{
  struct case_batch *b = env->batch;
  if (!env->in_tx || !b || strlen(key) >= sizeof b->memo[0].key) return;
  if (b->nmemo >= MEMO_SLOTS / 2) { /* full: start again */
    int64_t config = b->config;
    memo_clear(b);
    b->config = config;
  }
  for (size_t i = memo_slot(key);; i = (i + 1) & (MEMO_SLOTS - 1))
    if (!b->memo[i].key[0]) {
      cg_copy(b->memo[i].key, sizeof b->memo[i].key, key);
      b->memo[i].num = num;
      cg_copy(b->memo[i].text, sizeof b->memo[i].text, text);
      b->nmemo++;
      return;
    }
}

int
case_batch_mark(struct case_env *env, struct case_mark *m, struct cg_err *e)
{
  struct case_batch *b = env->batch;
  int rc = case_flush(env, e);

  memset(m, 0, sizeof *m);
  if (rc != CG_OK || !b) return rc;
  *m = b->hot;
  return CG_OK;
}

void
case_batch_restore(struct case_env *env, const struct case_mark *m)
{
  struct case_batch *b = env->batch;
  if (!b) return;
  b->hot = *m;
  forget_last(env); /* the rolled-back case is gone */
}

int
case_batch_flush(struct case_env *env, struct cg_err *e)
{
  return case_flush(env, e);
}

/* Move the events held for case `no` out of env->held, in their order,
** into *out (caller frees it and their texts), *n of them. CG_OK, or
** CG_ENOMEM with nothing moved. */
static int
take_held(struct case_env *env, const char *no, struct held_event **out, int *n,
          struct cg_err *e)
{
  struct case_held *h = env->held;
  int kept = 0;

  *out = NULL;
  *n = 0;
  if (!h || !h->n) return CG_OK;
  if (!(*out = malloc((size_t)h->n * sizeof **out)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  for (int i = 0; i < h->n; i++)
    if (strcmp(h->ev[i].part[0], no) == 0)
      (*out)[(*n)++] = h->ev[i];
    else
      h->ev[kept++] = h->ev[i];
  h->n = kept;
  return CG_OK;
}

/* case_flush() writing behind: the case goes to the writer thread with
** its texts and held events, and the batch goes on as if it were written
** (src/case/behind.c). */
static int
flush_behind(struct case_env *env, struct cg_err *e)
{
  struct case_batch *b = env->batch;
  struct held_event *mine = NULL;
  int n = 0, rc;

  if ((rc = case_wb_failed(env, e)) != CG_OK) {
    forget_last(env);
    return rc;
  }
  settle_due(&b->last);
  /* its events become the writer's */
  if (b->last_fresh &&
      (rc = take_held(env, b->last.no, &mine, &n, e)) != CG_OK) {
    forget_last(env);
    return rc;
  }
  rc =
      case_wb_push(env, &b->last, b->last_fresh ? &b->fresh : NULL, mine, n, e);
  free(mine);
  if (b->last_fresh) { /* its texts are the writer's (or freed) now */
    memset(&b->fresh, 0, sizeof b->fresh);
    b->last_fresh = 0;
    b->last.unsaved = 0;
  }
  for (int i = 0; i < b->last.ntasks; i++)
    b->last.tasks[i].dirty = b->last.tasks[i].fresh = 0;
  b->last_dirty = 0;
  if (rc != CG_OK) forget_last(env);
  return rc;
}

int
case_flush(struct case_env *env, struct cg_err *e)
{
  struct case_batch *b = env->batch;
  int rc;
  if (!env->in_tx || !b || !b->have_last || !b->last_dirty) return CG_OK;
  if (env->wb) return flush_behind(env, e);
  rc = case_save(env, &b->last, b->last_fresh ? &b->fresh : NULL, e);
  if (rc != CG_OK) {
    forget_last(env);
    return rc;
  }
  if (b->last_fresh) { /* in the store now */
    case_text_free(&b->fresh);
    b->last_fresh = 0;
    b->last.unsaved = 0;
  }
  b->last_dirty = 0;
  return CG_OK;
}

int
case_load_env(struct case_env *env, const char *no, struct kase *k,
              struct cg_err *e)
{
  struct case_batch *b = env->batch;
  int rc;
  if (env->in_tx && b && b->have_last) {
    if (strcmp(b->last.no, no) == 0) {
      *k = b->last;
      return CG_OK;
    }
    if ((rc = case_flush(env, e)) != CG_OK) return rc;
  }
  return case_load(env->db, no, k, e);
}

int
case_save_env(struct case_env *env, struct kase *k, struct cg_err *e)
{
  struct case_batch *b = env->batch;
  int rc;
  if (!env->in_tx || !b) return case_save(env, k, NULL, e);
  if (b->have_last && strcmp(b->last.no, k->no) != 0 &&
      (rc = case_flush(env, e)) != CG_OK)
    return rc;
  b->last = *k;
  b->have_last = b->last_dirty = 1;
  return CG_OK;
}

/* A copy of s, or NULL for NULL; *bad set when memory runs out. */
static char *
dup_text(const char *s, int *bad)
{
  char *d;
  if (!s) return NULL;
  if (!(d = strdup(s))) *bad = 1;
  return d;
}

int
case_text_dup(struct case_text *dst, const struct case_text *src)
{
  int bad = 0;
  dst->address = dup_text(src->address, &bad);
  dst->description = dup_text(src->description, &bad);
  dst->reporter_name = dup_text(src->reporter_name, &bad);
  dst->reporter_phone = dup_text(src->reporter_phone, &bad);
  dst->component_id = dup_text(src->component_id, &bad);
  dst->component_state = dup_text(src->component_state, &bad);
  return bad ? CG_ENOMEM : CG_OK;
}

void
case_text_free(struct case_text *t)
{
  free((char *)t->address);
  free((char *)t->description);
  free((char *)t->reporter_name);
  free((char *)t->reporter_phone);
  free((char *)t->component_id);
  free((char *)t->component_state);
  memset(t, 0, sizeof *t);
}

int
case_create_env(struct case_env *env, struct kase *k, const struct case_text *t,
                struct cg_err *e)
{
  struct case_batch *b = env->batch;
  int rc;
  env->search_due = 1; /* a case the full-text index lacks */
  if (!env->in_tx || !b) return case_save(env, k, t, e);
  if ((rc = case_flush(env, e)) != CG_OK) return rc;
  case_text_free(&b->fresh); /* (held events stay: they are k's) */
  b->have_last = b->last_dirty = b->last_fresh = 0;
  if (case_text_dup(&b->fresh, t) != CG_OK) {
    forget_last(env);
    return cg_fail(e, CG_ENOMEM, "out of memory");
  }
  b->last = *k;
  b->have_last = b->last_dirty = b->last_fresh = 1;
  return CG_OK;
}

/* Copy a text column into a fixed buffer ("" for NULL). */
static void
col(struct db_stmt *st, int i, char *buf, size_t n)
{
  const char *s = db_col_text(st, i);
  cg_copy(buf, n, s);
}

static int64_t
col_time(struct db_stmt *st, int i)
{
  return db_col_is_null(st, i) ? 0 : db_col_int(st, i);
}

int
case_load(struct db *db, const char *no, struct kase *k, struct cg_err *e)
{
  static const char sql[] =
      "SELECT no, kind, scheme, category_code, source, case_type, lat, lon,"
      " coalesce(grid_code, ''), coalesce(community_code, ''),"
      " coalesce(street_code, ''), urgency, area_class,"
      " coalesce(reporter_login, ''), coalesce(dept_code, ''), state,"
      " coalesce(duplicate_of, ''), created_at, step_started, step_due,"
      " dispatched_at, due_at, suspended_at, closed_at, on_time, escalation,"
      " n_rework, n_wrong, n_return, n_extend, n_suspend, n_shirk, deferred,"
      " last_seq, last_hash, coalesce(rating, '') FROM cases WHERE no = ?";
  static const char tsql[] =
      "SELECT n, dept_code, state, dispatched_at, limit_s, due_at, extra_s,"
      " handled_at, rework, request_s FROM task WHERE case_no = ? ORDER BY n";
  struct db_stmt *st;
  int rc;

  memset(k, 0, sizeof *k);
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "t", no);
  rc = db_step(st, e);
  if (rc == DB_ROW) {
    col(st, 0, k->no, sizeof k->no);
    col(st, 1, k->kind, sizeof k->kind);
    col(st, 2, k->scheme, sizeof k->scheme);
    col(st, 3, k->code, sizeof k->code);
    col(st, 4, k->source, sizeof k->source);
    col(st, 5, k->case_type, sizeof k->case_type);
    k->lat = db_col_double(st, 6);
    k->lon = db_col_double(st, 7);
    col(st, 8, k->grid, sizeof k->grid);
    col(st, 9, k->community, sizeof k->community);
    col(st, 10, k->street, sizeof k->street);
    k->urgency = (int)db_col_int(st, 11);
    col(st, 12, k->area_class, sizeof k->area_class);
    col(st, 13, k->reporter, sizeof k->reporter);
    col(st, 14, k->dept, sizeof k->dept);
    k->state = case_state_parse(db_col_text(st, 15));
    col(st, 16, k->duplicate_of, sizeof k->duplicate_of);
    k->created_at = col_time(st, 17);
    k->step_started = col_time(st, 18);
    k->step_due = col_time(st, 19);
    k->dispatched_at = col_time(st, 20);
    k->due_at = col_time(st, 21);
    k->suspended_at = col_time(st, 22);
    k->closed_at = col_time(st, 23);
    k->on_time = db_col_is_null(st, 24) ? -1 : (int)db_col_int(st, 24);
    k->escalation = (int)db_col_int(st, 25);
    k->n_rework = (int)db_col_int(st, 26);
    k->n_wrong = (int)db_col_int(st, 27);
    k->n_return = (int)db_col_int(st, 28);
    k->n_extend = (int)db_col_int(st, 29);
    k->n_suspend = (int)db_col_int(st, 30);
    k->n_shirk = (int)db_col_int(st, 31);
    k->deferred = (int)db_col_int(st, 32);
    k->last_seq = (int)db_col_int(st, 33);
    col(st, 34, k->last_hash, sizeof k->last_hash);
    col(st, 35, k->rating, sizeof k->rating);
  }
  db_finalize(st);
  if (rc != DB_ROW)
    return rc < 0 ? -rc : cg_fail(e, CG_ENOTFOUND, "no case '%s'", no);
  if ((rc = db_prepare_cached(db, &st, tsql, e)) != CG_OK) return rc;
  db_bindf(st, "t", no);
  while ((rc = db_step(st, e)) == DB_ROW && k->ntasks < CASE_MAX_TASKS) {
    struct task *t = &k->tasks[k->ntasks++];
    t->n = (int)db_col_int(st, 0);
    col(st, 1, t->dept, sizeof t->dept);
    t->state = task_state_parse(db_col_text(st, 2));
    t->dispatched_at = col_time(st, 3);
    t->limit_s = col_time(st, 4);
    t->due_at = col_time(st, 5);
    t->extra_s = col_time(st, 6);
    t->handled_at = col_time(st, 7);
    t->rework = (int)db_col_int(st, 8);
    t->request_s = col_time(st, 9);
  }
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

/* The case's disposal deadline: the latest of its active tasks'. */
static void
settle_due(struct kase *k)
{
  int64_t latest = 0;
  for (int i = 0; i < k->ntasks; i++)
    if (k->tasks[i].state <= TS_SUSPENDING && k->tasks[i].due_at > latest)
      latest = k->tasks[i].due_at;
  if (latest) k->due_at = latest;
}

/* Bind a time, NULL when 0. */
static void
bind_time(struct db_stmt *st, int i, int64_t t)
{
  if (t)
    db_bind_int(st, i, t);
  else
    db_bind_null(st, i);
}

/* Insert one event row. */
static int
event_insert(struct db *db, const char *const part[9], int seq, int64_t gseq,
             int64_t at, const char *hash, struct cg_err *e)
{
  /* part[8], the previous event's hash, is hashed but not stored: it is
  ** that event's own hash (migration 0009) */
  static const char esql[] =
      "INSERT INTO event (case_no, seq, gseq, at, actor, role, action,"
      " from_state, to_state, note, data, hash)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  struct db_stmt *st;
  int rc;

  if ((rc = db_prepare_cached(db, &st, esql, e)) != CG_OK) return rc;
  db_bindf(st, "TiiiTTTTTTTT", part[0], (int64_t)seq, gseq, at, part[1],
           part[2], part[3], part[4], part[5], part[6], part[7], hash);
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
case_save_rows(struct db *db, struct kase *k, const struct case_text *txt,
               const struct held_event *ev, int nev, struct cg_err *e)
{
  static const char sql[] =
      "UPDATE cases SET state = ?, dept_code = ?, updated_at = ?,"
      " step_started = ?, step_due = ?, dispatched_at = ?, due_at = ?,"
      " suspended_at = ?, closed_at = ?, on_time = ?, escalation = ?,"
      " n_rework = ?, n_wrong = ?, n_return = ?, n_extend = ?,"
      " n_suspend = ?, n_shirk = ?, deferred = ?, last_seq = ?,"
      " last_hash = ?, rating = ? WHERE no = ?";
  /* the same first 22 parameters, then what only a new row has */
  static const char new_sql[] =
      "INSERT INTO cases (state, dept_code, updated_at, step_started,"
      " step_due, dispatched_at, due_at, suspended_at, closed_at, on_time,"
      " escalation, n_rework, n_wrong, n_return, n_extend, n_suspend,"
      " n_shirk, deferred, last_seq, last_hash, rating, no, kind, scheme,"
      " category_code, source, case_type, lat, lon, grid_code,"
      " community_code, street_code, address, description, urgency,"
      " area_class, reporter_login, reporter_name, reporter_phone,"
      " duplicate_of, created_at, component_id, component_state) VALUES"
      " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
      " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static const char ins[] =
      "INSERT INTO task (case_no, n, dept_code, state, dispatched_at,"
      " limit_s, due_at, extra_s, handled_at, rework, request_s)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static const char upd[] =
      "UPDATE task SET state = ?, due_at = ?, extra_s = ?, handled_at = ?,"
      " request_s = ? WHERE case_no = ? AND n = ?";
  struct db_stmt *st;
  int rc;

  settle_due(k);
  if ((rc = db_prepare_cached(db, &st, txt ? new_sql : sql, e)) != CG_OK)
    return rc;
  db_bind_text_ref(st, 1, case_state_name(k->state));
  db_bind_text_ref(st, 2, *k->dept ? k->dept : NULL);
  db_bind_int(st, 3, k->step_started ? k->step_started : k->created_at);
  bind_time(st, 4, k->step_started);
  bind_time(st, 5, k->step_due);
  bind_time(st, 6, k->dispatched_at);
  bind_time(st, 7, k->due_at);
  bind_time(st, 8, k->suspended_at);
  bind_time(st, 9, k->closed_at);
  if (k->on_time >= 0)
    db_bind_int(st, 10, k->on_time);
  else
    db_bind_null(st, 10);
  db_bind_int(st, 11, k->escalation);
  db_bind_int(st, 12, k->n_rework);
  db_bind_int(st, 13, k->n_wrong);
  db_bind_int(st, 14, k->n_return);
  db_bind_int(st, 15, k->n_extend);
  db_bind_int(st, 16, k->n_suspend);
  db_bind_int(st, 17, k->n_shirk);
  db_bind_int(st, 18, k->deferred);
  db_bind_int(st, 19, k->last_seq);
  db_bind_text_ref(st, 20, k->last_hash);
  db_bind_text_ref(st, 21, *k->rating ? k->rating : NULL);
  db_bind_text_ref(st, 22, k->no);
  if (txt) {
    db_bind_text_ref(st, 23, k->kind);
    db_bind_text_ref(st, 24, k->scheme);
    db_bind_text_ref(st, 25, k->code);
    db_bind_text_ref(st, 26, k->source);
    db_bind_text_ref(st, 27, k->case_type);
    db_bind_double(st, 28, k->lat);
    db_bind_double(st, 29, k->lon);
    db_bind_text_ref(st, 30, k->grid);
    db_bind_text_ref(st, 31, k->community);
    db_bind_text_ref(st, 32, k->street);
    db_bind_text_ref(st, 33, txt->address ? txt->address : "");
    db_bind_text_ref(st, 34, txt->description ? txt->description : "");
    db_bind_int(st, 35, k->urgency);
    db_bind_text_ref(st, 36, k->area_class);
    db_bind_text_ref(st, 37, k->reporter);
    db_bind_text_ref(st, 38, txt->reporter_name);
    db_bind_text_ref(st, 39, txt->reporter_phone);
    db_bind_text_ref(st, 40, *k->duplicate_of ? k->duplicate_of : NULL);
    db_bind_int(st, 41, k->created_at);
    db_bind_text_ref(st, 42, txt->component_id);
    db_bind_text_ref(st, 43, txt->component_state);
  }
  rc = db_step(st, e);
  db_finalize(st);
  if (rc < 0) return -rc;
  if (txt) {
    /* a new case's events, held until the row they refer to was written
    ** (its full-text entry comes at the commit: search_catch_up()); one
    ** INSERT a row: a statement of several rows would cost SQLite a
    ** statement journal, more than it saves */
    for (int i = 0; i < nev; i++)
      if ((rc = event_insert(db, ev[i].part, ev[i].seq, ev[i].gseq, ev[i].at,
                             ev[i].hash, e)) != CG_OK)
        return rc;
    k->unsaved = 0;
  }
  for (int i = 0; i < k->ntasks; i++) {
    struct task *t = &k->tasks[i];
    if (!t->dirty && !t->fresh) continue;
    if (t->fresh) {
      if ((rc = db_prepare_cached(db, &st, ins, e)) != CG_OK) return rc;
      db_bindf(st, "TiTTi", k->no, (int64_t)t->n, t->dept,
               task_state_name(t->state), t->dispatched_at);
      db_bind_int(st, 6, t->limit_s);
      db_bind_int(st, 7, t->due_at);
      db_bind_int(st, 8, t->extra_s);
      bind_time(st, 9, t->handled_at);
      db_bind_int(st, 10, t->rework);
      bind_time(st, 11, t->request_s);
    } else {
      if ((rc = db_prepare_cached(db, &st, upd, e)) != CG_OK) return rc;
      db_bindf(st, "Tii", task_state_name(t->state), t->due_at, t->extra_s);
      bind_time(st, 4, t->handled_at);
      bind_time(st, 5, t->request_s);
      db_bind_text_ref(st, 6, k->no);
      db_bind_int(st, 7, t->n);
    }
    rc = db_step(st, e);
    db_finalize(st);
    if (rc < 0) return -rc;
    t->dirty = t->fresh = 0;
  }
  return CG_OK;
}

int
case_save(struct case_env *env, struct kase *k, const struct case_text *t,
          struct cg_err *e)
{
  struct held_event *mine = NULL;
  int n = 0, rc;

  /* a new row: the events held for it go in after it (and, written or
  ** not, are done with: a failed write fails the transaction) */
  if (t && (rc = take_held(env, k->no, &mine, &n, e)) != CG_OK) return rc;
  rc = case_save_rows(env->db, k, t, mine, n, e);
  for (int i = 0; i < n; i++)
    free(mine[i].text);
  free(mine);
  return rc;
}

/* Hex of a 32-byte digest into out[65]. (sodium_bin2hex is constant-time
** and slow; nothing secret is encoded here.) */
static void
hex(const unsigned char *d, char out[65])
{
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[64] = 0;
}

/* Decimal digits of v (v >= 0 or not) at the end of buf[24]; returns the
** start. The hash input is built with this, not printf: it runs for every
** event written and read back. */
static char *
decimal(int64_t v, char *buf)
{
  char *p = buf + 23;
  uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
  *p = 0;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) *--p = '-';
  return p;
}

/* Feed "text" or "len:" pieces to the hash. */
static void
feed(crypto_generichash_state *s, const char *p, size_t n)
{
  crypto_generichash_update(s, (const unsigned char *)p, n);
}

/* Append "length:bytes" of a part to in[*n] (room checked by the caller). */
static void
put_part(char *in, size_t *n, const char *p, size_t len)
{
  char buf[24], *num = decimal((int64_t)len, buf);
  size_t k = (size_t)(buf + 23 - num);
  memcpy(in + *n, num, k);
  *n += k;
  in[(*n)++] = ':';
  memcpy(in + *n, p, len);
  *n += len;
}

void
case_event_hash_start(crypto_generichash_state *s, const char *const part[8],
                      const size_t len[8], int seq, int64_t gseq, int64_t at)
{
  char in[2048], buf[24], *num;
  const int64_t nums[] = {seq, gseq, at};
  size_t total = 4 + 3 * 21 + 8 * 21, n = 4;

  /* "cg1|seq|gseq|at|" then each part as "length:bytes", so that no two
  ** different contents hash alike; assembled in one buffer when it fits
  ** (one call to the hash, not thirty), else fed piece by piece */
  crypto_generichash_init(s, NULL, 0, 32);
  for (int i = 0; i < 8; i++)
    total += len[i];
  memcpy(in, "cg1|", 4);
  for (int i = 0; i < 3; i++) {
    num = decimal(nums[i], buf);
    memcpy(in + n, num, (size_t)(buf + 23 - num));
    n += (size_t)(buf + 23 - num);
    in[n++] = '|';
  }
  if (total <= sizeof in) {
    for (int i = 0; i < 8; i++)
      put_part(in, &n, part[i], len[i]);
    feed(s, in, n);
    return;
  }
  feed(s, in, n);
  for (int i = 0; i < 8; i++) {
    num = decimal((int64_t)len[i], buf);
    feed(s, num, (size_t)(buf + 23 - num));
    feed(s, ":", 1);
    feed(s, part[i], len[i]);
  }
}

void
case_event_hash_finish(crypto_generichash_state *s, const char *prev, size_t n,
                       char out[65], unsigned char bin[32])
{
  unsigned char d[32];
  char in[160];
  size_t k = 0;

  if (n <= 128) { /* a hash, or none */
    put_part(in, &k, prev, n);
    feed(s, in, k);
  } else {
    char buf[24], *num = decimal((int64_t)n, buf);
    feed(s, num, (size_t)(buf + 23 - num));
    feed(s, ":", 1);
    feed(s, prev, n);
  }
  crypto_generichash_final(s, d, sizeof d);
  hex(d, out);
  if (bin) memcpy(bin, d, sizeof d);
}

void
case_event_hashn(const char *const part[9], const size_t len[9], int seq,
                 int64_t gseq, int64_t at, char out[65], unsigned char bin[32])
{
  crypto_generichash_state s;
  case_event_hash_start(&s, part, len, seq, gseq, at);
  case_event_hash_finish(&s, part[8], len[8], out, bin);
}

/* 32 bytes from 64 hex digits; zeros for anything else (the empty head
** of a new district). */
static void
unhex(const char *h, unsigned char out[32])
{
  memset(out, 0, 32);
  if (strlen(h) != 64) return;
  for (int i = 0; i < 32; i++) {
    int hi = h[2 * i], lo = h[2 * i + 1];
    hi = hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10;
    lo = lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
}

void
case_ledger_step(unsigned char head[32], const unsigned char hash[32])
{
  unsigned char in[64];

  /* over the two digests, not their hex: one BLAKE2b block */
  memcpy(in, head, 32);
  memcpy(in + 32, hash, 32);
  crypto_generichash(head, 32, in, sizeof in, NULL, 0);
}

void
case_ledger_next(const char *head, const char *hash, char out[65])
{
  unsigned char h[32], d[32];

  unhex(head, h);
  unhex(hash, d);
  case_ledger_step(h, d);
  hex(h, out);
}

/* The event's data as compact JSON into buf[n], or into a new string in
** *big (the caller frees it) when it does not fit. NULL if memory ran out. */
static const char *
data_text(json_t *data, char *buf, size_t n, char **big)
{
  size_t len;

  *big = NULL;
  if (!data || !json_object_size(data)) return "{}";
  /* members in the order they were set: the hash is over the stored text,
  ** so no order needs to be canonical */
  if ((len = cg_json_dumpb(data, buf, n - 1, 0)) > 0 && len < n) {
    buf[len] = 0;
    return buf;
  }
  return *big = cg_json_dumps(data, 0, NULL);
}

int
case_event(struct case_env *env, struct kase *k, int64_t at,
           const struct org_user *who, const char *action, int from, int to,
           const char *note, json_t *data, struct cg_err *e)
{
  static const char lsql[] = "SELECT events, head FROM ledger WHERE id = 1";
  static const char usql[] = "UPDATE ledger SET events = ?, head = ? WHERE"
                             " id = 1";
  char hash[65], buf[1024], *big;
  const char *text = data_text(data, buf, sizeof buf, &big);
  unsigned char head[32], bin[32];
  int64_t gseq = 0;
  struct db_stmt *st;
  int rc;

  struct case_batch *b = env->in_tx ? env->batch : NULL;

  if (!text) return cg_fail(e, CG_ENOMEM, "out of memory");
  if (b && b->hot.ledger_loaded) {
    gseq = b->hot.ledger_events + 1;
    memcpy(head, b->hot.ledger_head, sizeof head);
  } else {
    if ((rc = db_prepare_cached(env->db, &st, lsql, e)) != CG_OK) goto out;
    if ((rc = db_step(st, e)) == DB_ROW) {
      gseq = db_col_int(st, 0) + 1;
      unhex(db_col_text(st, 1), head);
    }
    db_finalize(st);
    if (rc != DB_ROW) {
      rc = rc < 0 ? -rc : cg_fail(e, CG_EDB, "the ledger row is missing");
      goto out;
    }
  }
  {
    const char *const part[9] = {k->no,
                                 who->login,
                                 org_role_name(who->role),
                                 action,
                                 from < 0 ? "" : case_state_name(from),
                                 case_state_name(to),
                                 note ? note : "",
                                 text,
                                 k->last_hash};
    size_t len[9];
    for (int i = 0; i < 9; i++)
      len[i] = strlen(part[i]);
    case_event_hashn(part, len, k->last_seq + 1, gseq, at, hash, bin);
    rc = k->unsaved
             ? held_add(env, part, k->last_seq + 1, gseq, at, hash, e)
             : event_insert(env->db, part, k->last_seq + 1, gseq, at, hash, e);
    if (rc != CG_OK) goto out;
  }
  if ((rc = hours_note(env, at, gseq, e)) != CG_OK) goto out;
  /* the duplicate search's table follows the case's state */
  if ((rc = case_recent_note(env, k, to, gseq, e)) != CG_OK) goto out;
  case_ledger_step(head, bin);
  if (b) { /* written back at case_commit() */
    b->hot.ledger_loaded = b->hot.ledger_dirty = 1;
    b->hot.ledger_events = gseq;
    memcpy(b->hot.ledger_head, head, sizeof head);
    rc = CG_OK;
  } else {
    char hexhead[65];
    hex(head, hexhead);
    if ((rc = db_prepare_cached(env->db, &st, usql, e)) != CG_OK) goto out;
    db_bindf(st, "iT", gseq, hexhead);
    rc = db_step(st, e);
    db_finalize(st);
    rc = rc < 0 ? -rc : CG_OK;
  }
  if (rc == CG_OK) {
    k->last_seq++;
    memcpy(k->last_hash, hash, sizeof hash);
  }
out:
  free(big);
  return rc;
}

int
case_add_attachments(struct case_env *env, const char *no, int seq,
                     const struct case_attach *att, int natt, struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO attachment (case_no, sha256, mime, bytes, stage, seq)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_no, sha256, stage)"
      " DO NOTHING";
  for (int i = 0; i < natt; i++) {
    const char *stage = att[i].stage ? att[i].stage : "document", *mime;
    unsigned char head[16];
    struct db_stmt *st;
    size_t got;
    long bytes;
    FILE *f;
    int rc;

    if (strcmp(stage, "before") && strcmp(stage, "after") &&
        strcmp(stage, "document"))
      return cg_fail(e, CG_EINVAL,
                     "unknown attachment stage '%s' (before, after or "
                     "document)",
                     stage);
    if (!(f = attach_open(env->data_dir, att[i].sha256, e)))
      return cg_fail(e, CG_EINVAL,
                     "attachment '%.64s' is not stored: upload it first",
                     att[i].sha256);
    got = fread(head, 1, sizeof head, f);
    mime = attach_sniff(head, got);
    fseek(f, 0, SEEK_END);
    bytes = ftell(f);
    fclose(f);
    if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
    db_bindf(st, "tttiti", no, att[i].sha256,
             mime ? mime : "application/octet-stream", (int64_t)bytes, stage,
             (int64_t)seq);
    rc = db_step(st, e);
    db_finalize(st);
    if (rc < 0) return -rc;
  }
  return CG_OK;
}
