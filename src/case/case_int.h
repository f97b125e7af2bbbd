/*
** case_int.h — what the files of the case module share: the loaded form
** of a case and its tasks, and the helpers that read and write them and
** append events. Not for use outside src/case/.
*/
#ifndef CG_CASE_INT_H
#define CG_CASE_INT_H

#include <sodium.h>
#include <stdio.h>

#include "case.h"
#include "core/str.h"

#define CASE_MAX_TASKS 32

/* Task states, stored by name. */
enum task_state {
  TS_OPEN = 0,   /* at the department */
  TS_RETURNING,  /* department asked to give it back (申请退回) */
  TS_SUSPENDING, /* department asked to park it (申请挂账) */
  TS_HANDLED,    /* fed back (处置反馈) */
  TS_RETURNED,   /* given back, approved (回退) */
  TS_CANCELLED,  /* closed without handling */
  TS_REWORKED,   /* handled, but the check failed: sent again (返工) */
  TS_COUNT
};
const char *task_state_name(int s);
int task_state_parse(const char *s);

struct task {
  int n;
  char dept[32];
  int state;
  int64_t dispatched_at, limit_s, due_at, extra_s, handled_at, request_s;
  int rework;
  int dirty, fresh; /* changed / new: write back */
};

/* A case as loaded for an action. */
struct kase {
  char no[32];
  char kind[16], scheme[16], code[16], source[16], case_type[16];
  double lat, lon;
  char grid[16], community[16], street[16];
  int urgency;
  char area_class[4];
  char reporter[64];
  char dept[32];
  int state;
  char duplicate_of[32];
  int64_t created_at, step_started, step_due, dispatched_at, due_at,
      suspended_at, closed_at;
  int on_time, escalation;
  int n_rework, n_wrong, n_return, n_extend, n_suspend, n_shirk, deferred;
  int last_seq;
  char last_hash[65];
  char rating[16];
  int unsaved; /* a new case whose row is not in the store yet: its
               ** events wait in env->held until the row is written */
  struct task tasks[CASE_MAX_TASKS];
  int ntasks;
};

/* The texts of a new case that struct kase does not carry, written with
** its row. */
struct case_text {
  const char *address, *description, *reporter_name, *reporter_phone;
  const char *component_id, *component_state; /* NULL: none named */
};

/* Copy every text of src into *dst (the caller frees them with
** case_text_free(), also after a failure); CG_OK or CG_ENOMEM. */
int case_text_dup(struct case_text *dst, const struct case_text *src);
void case_text_free(struct case_text *t);

/* What a batch transaction keeps in memory (see case_begin()): lookups of
** configuration by key, the ledger head, the day's case counter, and the
** case written last. Valid only while env->in_tx; the lookups are kept
** for the next batch too, as long as the configuration's version (counter
** 'config', migration 0010) stays the same. */
#define MEMO_SLOTS 4096 /* power of two */
#define MEMO_TEXT 96    /* a text remembered: a code, a name */
struct memo {
  char key[80];
  int64_t num;
  char text[MEMO_TEXT];
};
struct case_batch {
  struct memo memo[MEMO_SLOTS];
  int nmemo;
  int64_t config; /* the configuration's version the memo is of; -1 none */
  struct case_mark hot;      /* the ledger head and the day's case counter */
  int have_last, last_dirty; /* last: the case worked on; dirty: its row
                             ** and tasks are not written yet */
  int last_fresh;            /* ...and its row is not in the store yet */
  struct kase last;
  struct case_text fresh; /* last's texts while last_fresh; owned */
};

/* Events of a case whose row is not written yet (struct kase.unsaved):
** the row goes first, then these, so that every foreign key holds when
** its statement ends and no transaction needs its checks deferred
** (PRAGMA defer_foreign_keys would make SQLite prepare every cached
** statement again in each transaction). Owned by the env. */
struct held_event {
  int seq;
  int64_t gseq, at;
  char *text;          /* owned: the nine parts below, NUL-separated */
  const char *part[9]; /* into text: no, actor, role, action, from, to,
                       ** note, data, prev */
  char hash[65];
};
struct case_held {
  struct held_event *ev;
  int n, cap;
};

/* Write k's row — inserted with t's texts when t is given, else updated —
** then, after a new row, the events ev[0..nev),
** then k's dirty or fresh tasks, on db. Clears the dirty flags of k and
** its tasks. */
int case_save_rows(struct db *db, struct kase *k, const struct case_text *t,
                   const struct held_event *ev, int nev, struct cg_err *e);

/* Write-behind for bulk loads (behind.c): start the writer thread and put
** a gate on env->db; hand it a case to write (t's strings and ev's texts
** become the writer's); the error of a write that failed, after the
** writer is idle (CG_OK if none; it stays until case_wb_clear(), at the
** next batch or a rollback); the same, but only if one is known already,
** without waiting; forget it; stop the thread. */
int case_wb_start(struct case_env *env, struct cg_err *e);
int case_wb_push(struct case_env *env, const struct kase *k,
                 struct case_text *t, struct held_event *ev, int nev,
                 struct cg_err *e);
int case_wb_error(struct case_env *env, struct cg_err *e);
int case_wb_failed(struct case_env *env, struct cg_err *e);
void case_wb_clear(struct case_env *env);
void case_wb_stop(struct case_env *env);

/* Drop the held events unwritten (the case they belong to is gone). */
void case_held_clear(struct case_env *env);

/* Write the case a batch holds back (see case_save_env()). Functions that
** read cases with SQL call it first. */
int case_flush(struct case_env *env, struct cg_err *e);

/* Lists' cache (cache.c): if it holds key[0..klen) as built from the
** store's `version`, to be served until after `now`, append its text to
** out, set *until (if not NULL) to the time it is served until, and
** return 1; else 0, nothing written. With `claim`, the first caller not
** finding a key builds it and must end with case_cache_put() or
** case_cache_abandon(); others who claim it meanwhile wait for that. */
int case_cache_write(struct case_cache *c, const char *key, size_t klen,
                     int64_t version, int64_t now, int claim, int64_t *until,
                     FILE *out);
/* Keep a copy of text[0..len) as key[0..klen), built from `version`, to
** be served before `until`. */
void case_cache_put(struct case_cache *c, const char *key, size_t klen,
                    int64_t version, int64_t until, const char *text,
                    size_t len);
/* A claimed build that failed: those waiting for it go on their own. */
void case_cache_abandon(struct case_cache *c, const char *key, size_t klen,
                        int64_t version);
/* Until when what is built now for key[0..klen) may be served: a minute
** at most, half a minute at least, spread by the key. */
int64_t case_cache_until(const char *key, size_t klen, int64_t now);

/* A memo key: tag and the parts joined by '|' into key[80] (cut short if
** longer). */
void case_memo_key(char key[80], char tag, const char *const *part, int n);

/* A memoised lookup in a batch: 1 and *num/text filled if key is known. */
int case_memo_get(struct case_env *env, const char *key, int64_t *num,
                  char *text, size_t n);
/* Remember a lookup for the rest of the batch (no-op outside one). */
void case_memo_put(struct case_env *env, const char *key, int64_t num,
                   const char *text);

/* Begin/commit unless the caller holds a transaction (env->in_tx). */
int case_tx_begin(struct case_env *env, struct cg_err *e);
int case_tx_commit(struct case_env *env, struct cg_err *e);
void case_tx_rollback(struct case_env *env);

/* The duplicate search's table of recent open cases (recent.c). */
/* The earliest open case of (scheme, kind, code) within env->dup_radius_m
** of (lat, lon) reported at or after at - env->dup_window_s: its number
** into dup, or "" if there is none. Must run inside the transaction that
** writes the report (the table follows the event log once in each). */
int case_recent_find(struct case_env *env, const char *scheme, const char *kind,
                     const char *code, double lat, double lon, int64_t at,
                     char dup[32], struct cg_err *e);
/* Case k is now in `state`, by the env's own event number gseq
** (case_event() calls it). */
int case_recent_note(struct case_env *env, const struct kase *k, int state,
                     int64_t gseq, struct cg_err *e);
/* The env's transaction ended: committed, or rolled back (the table is
** dropped then, to be loaded again when next needed). */
void case_recent_end(struct case_env *env, int committed);
void case_recent_free(struct case_recent *r);

/* SQL: the hash of case k's first event, '' if it has none. */
#define CASE_SQL_FIRST_HASH                                                    \
  "coalesce((SELECT v.hash FROM main.event v WHERE v.case_no = k.no AND"      \
  " v.seq = 1), '')"

/* SQL: the full-text index's mark m (search.c) is one of this store's:
** nothing indexed yet, or the case where it says has the first event it
** names. */
#define CASE_SQL_MARK_HOLDS                                                    \
  "m.value = 0 OR EXISTS (SELECT 1 FROM main.cases k WHERE k.rowid ="         \
  " m.value AND m.hash = " CASE_SQL_FIRST_HASH ")"

/* SQL: the greatest cases.rowid the full-text index holds, 0 if the index
** is not this store's. */
#define CASE_SQL_MARK                                                          \
  "coalesce((SELECT m.value FROM search.mark m WHERE " CASE_SQL_MARK_HOLDS    \
  "), 0)"

/* After a commit: if it made a case, bring the full-text index up to
** date, or have the indexer do so (env->search_behind). A failure leaves
** it to the next commit (search.c). */
void case_search_after_commit(struct case_env *env);

/* Load case `no` and its tasks into *k. CG_ENOTFOUND if absent. */
int case_load(struct db *db, const char *no, struct kase *k, struct cg_err *e);

/* Write the mutable fields of k and its dirty or fresh tasks. With t,
** k is a new case: its whole row is inserted, with t's texts, and then
** the events env holds for it. */
int case_save(struct case_env *env, struct kase *k, const struct case_text *t,
              struct cg_err *e);

/* Append an event to k's history: hash-chained to the case's previous
** event and to the district-wide ledger; updates k->last_seq/last_hash.
** data: a JSON object (borrowed) or NULL. The event of a case whose row
** is not written yet (k->unsaved) is held in env until it is. */
int case_event(struct case_env *env, struct kase *k, int64_t at,
               const struct org_user *who, const char *action, int from, int to,
               const char *note, json_t *data, struct cg_err *e);

/* The hash of an event's content, hex into out[65] and, if bin is not
** NULL, its 32 bytes into bin: part[] holds no, actor, role, action, from,
** to, note, data and prev, len[] their lengths. */
void case_event_hashn(const char *const part[9], const size_t len[9], int seq,
                      int64_t gseq, int64_t at, char out[65],
                      unsigned char bin[32]);

/* The same in two steps, for verify: _start() over all but the previous
** event's hash (part[0..7]), _finish() with it. */
void case_event_hash_start(crypto_generichash_state *s,
                           const char *const part[8], const size_t len[8],
                           int seq, int64_t gseq, int64_t at);
void case_event_hash_finish(crypto_generichash_state *s, const char *prev,
                            size_t n, char out[65], unsigned char bin[32]);

/* The next district-wide chain head from head and an event hash (hex). */
void case_ledger_next(const char *head, const char *hash, char out[65]);
/* The same on their bytes: head becomes the next head. */
void case_ledger_step(unsigned char head[32], const unsigned char hash[32]);

/* Record attachments on a case for event seq: each must be stored under
** env->data_dir (CG_EINVAL otherwise); its type and size come from the
** file. */
int case_add_attachments(struct case_env *env, const char *no, int seq,
                         const struct case_attach *att, int natt,
                         struct cg_err *e);

/* Working seconds of a limit for `step` ('disposal', 'verify', ...) for
** the case's category, area class and urgency; 0 if none is configured
** (for 'disposal' the fallback is 5 working days). */
int64_t case_limit(struct case_env *env, const struct kase *k, const char *step,
                   struct cg_err *e);

/* Set k's step deadline for its current state, starting at `at`. */
int case_set_step(struct case_env *env, struct kase *k, int64_t at,
                  struct cg_err *e);

/* Department responsible for k's category by routing, into buf ("" when
** no rule matches). */
int case_route(struct case_env *env, const struct kase *k, char *buf, size_t n,
               struct cg_err *e);

/* The actions `who` may take now on the loaded case k, as a JSON array
** of names (caller decrefs). */
json_t *case_actions_json(const struct org_user *who, const struct kase *k);

/* case_load() that reuses the case the batch wrote last. */
int case_load_env(struct case_env *env, const char *no, struct kase *k,
                  struct cg_err *e);

/* case_save(); inside a batch the write is put off until the batch moves
** to another case, reads cases with SQL, or commits: a case run through
** several actions in a row is written once. */
int case_save_env(struct case_env *env, struct kase *k, struct cg_err *e);

/* case_save_env() for a new case (k->unsaved), with the texts its row
** carries (copied when the batch holds the row back). Its events wait in
** env->held and are written right after its row. */
int case_create_env(struct case_env *env, struct kase *k,
                    const struct case_text *t, struct cg_err *e);

/* A query over cases being built: SQL text with its bound values (all
** text or integers), for the readers of the module (read.c, stats.c).
** Bound strings are borrowed: they must outlive the statement. */
struct case_q {
  char sql[4096];
  size_t len;
  /* the values bound, in order: at most 14 for the filters, 17 for 8
  ** words, 34 for a login and 16 scope codes */
  const char *text[80];
  int64_t num[80];
  char kind[81];
  int n;
  int full; /* the text or the values did not fit: the query is refused */
  char words[1200]; /* search words the query binds, NUL-separated */
  size_t wlen;
  char pairs[1400];   /* the FTS5 expression it binds: the words' pairs */
  char grids[2][400]; /* ...and the areas' words: the filter's, the scope's */
};

/* Append SQL text; with a value bound to its one placeholder. */
void case_q_add(struct case_q *q, const char *sql);
void case_q_text(struct case_q *q, const char *sql, const char *v);
void case_q_num(struct case_q *q, const char *sql, int64_t v);

/* SQL: the states of a case that is not open — ended, or a draft not
** sent yet — as a list for IN; and "case c is open", the list's
** state=open and the statistics' "open", as five comparisons ANDed (the
** caller puts it in parentheses where it is a value, not a condition).
** The open cases' index (migration 0021) holds the cases that meet
** CASE_SQL_OPEN as written here, and the lists use it only while the two
** agree term for term: change both. CASE_SQL_OPEN_NOT_INDEXED says the
** same with each term's column behind a unary +, so that SQLite does not
** use the index for it. */
#define CASE_SQL_NOT_OPEN "'closed', 'void', 'rejected', 'duplicate', 'draft'"
#define CASE_SQL_OPEN_AS(c)                                                    \
  c "state <> 'closed' AND " c "state <> 'void' AND " c "state <> 'rejected'"  \
    " AND " c "state <> 'duplicate' AND " c "state <> 'draft'"
#define CASE_SQL_OPEN CASE_SQL_OPEN_AS("c.")
#define CASE_SQL_OPEN_NOT_INDEXED CASE_SQL_OPEN_AS("+c.")

/* Append the SQL of "case c is overdue at now" (binding now twice): past
** the department's deadline while dispatched, else past the current
** step's while the clock runs. The list's overdue=1 and the statistics'
** "overdue". */
void case_q_overdue(struct case_q *q, int64_t now);

/* Bind every value to st, in order. */
void case_q_bind(struct case_q *q, struct db_stmt *st);

/* The two queries of a list of at most `limit` cases of filter f that who
** may see: *count (its total, counted up to CASE_COUNT_MAX + 1) and *page
** (number, last event and reporter of each case of the page), both zeroed
** by the caller. Scope codes are copied into scopes, which must outlive
** them. CG_OK, or CG_EINVAL for a filter that cannot be asked. */
int case_list_sql(struct case_env *env, const struct org_user *who,
                  const struct case_filter *f, int limit, struct case_q *count,
                  struct case_q *page, char scopes[16][32], struct cg_err *e);

/* Append " WHERE ..." over `cases c`: the terms of filter f and the rule of
** which cases `who` may see. Scope codes are copied into scopes, which
** must outlive the query. CG_EINVAL for a bad filter. */
int case_q_where(struct case_q *q, struct case_env *env,
                 const struct org_user *who, const struct case_filter *f,
                 char scopes[16][32], struct cg_err *e);

/* The light of a case as a whole (static string, or NULL for none): the
** worst light of its active tasks, each given as {dispatched_at, due_at}
** and read with the clock stopped at suspended_at if that is set; else,
** for a case that is not closed, the light of its current step, if it has
** a deadline. */
const char *case_worst_light(const struct cal *cal, int64_t now, int state,
                             int64_t suspended_at, int64_t step_started,
                             int64_t step_due, const int64_t (*task)[2],
                             int ntask);

#endif
