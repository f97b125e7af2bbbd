/*
** writer.c — group commit for reports sent over HTTP. Every report must
** be on disk before its 201 goes out, and a sync of the disk takes a
** while. So one writer thread writes the reports into one open
** transaction as they come (a refused report leaves the others be, see
** write_jobs()), and a syncer thread makes committed transactions durable
** (db_sync()) and only then answers their requests. The writer commits
** when the syncer is free to take the commit at once: while a sync is
** under way the reports that arrive go into the open transaction, which
** then holds as many of them as that sync took time. So the store is
** synced back to back, each sync covers every report that could have
** been answered by then, and each commit writes the pages it touches
** once for as many reports as possible. The requests' connections are
** parked while they wait (HTTP_DEFER), so the server's workers go on
** taking more.
*/
#include "api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 512         /* reports in one transaction at most */
#define BATCH_FULL 32         /* ...and enough to commit without waiting */
#define BATCH_WAIT_NS 1000000 /* else at most this long for more */

struct api_job {
  struct api_job *next;
  struct http_req *r;
  struct org_user who;
  struct case_report rep;
  struct case_attach att[16];
  const struct api_write_hooks *h;
  void *arg; /* owned, freed by h->release: rep's strings point into it */
  char no[32];
  int rc;
  int refused; /* its own error in rc and e: left out of the batch */
  struct cg_err e;
  struct case_view *view; /* the new case as the batch held it; owned */
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* reports queued, the syncer free, or stopping */
  pthread_once_t once;
  pthread_t thread;
  int started, stopping;
  struct api_job *head, **tail;
  struct api_app *app;
  /* the syncer: committed batches waiting for db_sync() and answers */
  pthread_t sync_thread;
  pthread_cond_t sync_cv;
  struct api_job *synced_head, **synced_tail;
  int syncing; /* a sync (and its answers) under way */
  int sync_started, sync_stopping;
  struct db *db; /* the writer's connection, for db_sync() */
} w = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .once = PTHREAD_ONCE_INIT,
       .sync_cv = PTHREAD_COND_INITIALIZER};

/* Write the jobs not refused yet into the open batch transaction, each
** report after the other. A report refused before it wrote anything (bad
** category, outside the district: nearly every refusal) just drops out;
** one refused after it wrote part of itself (a hook's row) cannot be
** taken back alone — a savepoint per report would let it, but a savepoint
** makes the full-text index write out what it holds at every report — so
** 1 is returned: the caller rolls the transaction back and writes its jobs
** again, without that one. Otherwise the store's answer: CG_OK, or why the
** whole transaction failed, in *e. */
static int
write_jobs(struct case_env *env, struct api_job *jobs, struct cg_err *e)
{
  for (struct api_job *j = jobs; j; j = j->next) {
    struct case_mark m;
    int64_t changes;
    int rc;
    if (j->refused) continue;
    if ((rc = case_batch_mark(env, &m, e)) != CG_OK) return rc;
    changes = db_total_changes(env->db);
    case_view_free(j->view);
    j->view = NULL;
    j->rc = case_report(env, &j->who, &j->rep, j->no, &j->e);
    /* for its reply, the case as the batch holds it: no reading it again
    ** after the commit (a worker makes the JSON of it) */
    if (j->rc == CG_OK && j->h->view) j->view = case_view_take(env, j->no);
    if (j->rc == CG_OK && j->h->after && /* rows that refer to the case */
        (j->rc = case_batch_flush(env, &j->e)) == CG_OK)
      j->rc = j->h->after(env, j->no, j->arg, &j->e);
    if (j->rc == CG_OK) continue;
    if (j->e.code == CG_EDB) { /* the store failed: stop */
      *e = j->e;
      return j->rc;
    }
    j->refused = 1;
    if (db_total_changes(env->db) != changes) return 1;
    case_batch_restore(env, &m);
  }
  return CG_OK;
}

/* Begin a transaction and write jobs into it, over again as long as one
** is refused after it wrote (see write_jobs()). */
static int
begin_and_write(struct case_env *env, struct api_job *jobs, struct cg_err *e)
{
  for (;;) {
    int rc = case_begin(env, e); /* a batch: hot state kept in memory */
    if (rc == CG_OK) rc = write_jobs(env, jobs, e);
    if (rc == CG_OK) return CG_OK;
    if (env->in_tx) case_rollback(env);
    if (rc != 1) return rc;
  }
}

/* Answer every job of a list (finish() builds the replies on a worker). */
static void
answer(struct api_job *jobs)
{
  for (struct api_job *j = jobs, *next; j; j = next) {
    next = j->next;
    http_answer(j->r);
  }
}

/* Answer jobs with the error of their transaction: none was kept. */
static void
fail_all(struct api_job *jobs, int rc, const struct cg_err *e)
{
  for (struct api_job *j = jobs; j; j = j->next)
    if (!j->refused) {
      j->rc = rc;
      j->e = *e;
    }
  answer(jobs);
}

/* The syncer: takes every batch committed so far, syncs the store once,
** answers them. A sync that fails turns their answers into errors: what
** cannot be known to be on disk is not acknowledged. */
static void *
syncer_main(void *arg)
{
  pthread_setname_np(pthread_self(), "cg-syncer");
  pthread_mutex_lock(&w.mu);
  for (;;) {
    struct api_job *jobs;
    struct cg_err e = {0};
    while (!w.synced_head && !w.sync_stopping)
      pthread_cond_wait(&w.sync_cv, &w.mu);
    if (!w.synced_head) break;
    jobs = w.synced_head;
    w.synced_head = NULL;
    w.synced_tail = &w.synced_head;
    w.syncing = 1;
    pthread_mutex_unlock(&w.mu);
    if (db_sync(w.db, &e) != CG_OK)
      for (struct api_job *j = jobs; j; j = j->next)
        if (j->rc == CG_OK) {
          j->rc = e.code;
          j->e = e;
        }
    /* the writer may commit the next batch while these are answered */
    pthread_mutex_lock(&w.mu);
    w.syncing = 0;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
    answer(jobs);
    pthread_mutex_lock(&w.mu);
  }
  pthread_mutex_unlock(&w.mu);
  return NULL;
}

/* On a server worker, after the commit: the reply, and the job freed. */
static void
finish(struct http_req *r)
{
  struct api_job *j = r->defer_cls;
  struct case_env *env = j->rc == CG_OK ? api_case_env(r, &j->e) : NULL;

  if (j->rc == CG_OK && !env) /* committed, but nothing to read it with */
    http_reply_err(r, &j->e);
  else
    j->h->reply(r, &j->who, env, j->no, j->rc, &j->e, j->arg);
  if (j->h->release) j->h->release(j->arg);
  case_view_free(j->view);
  free(j);
  r->defer_cls = NULL;
}

char *
api_writer_view(struct http_req *r, struct case_env *env, size_t *len)
{
  struct api_job *j = r->defer_cls;
  return j && j->view && env ? case_view_text(env, &j->who, j->view, len)
                             : NULL;
}

/* The writer's connection and env, ready to write; CG_OK or why not. */
static int
writer_open(struct case_env *env, struct db **out, struct cg_err *e)
{
  struct case_setup *s = w.app->cases;
  struct db *db;

  *out = NULL;
  if (db_open(&db, w.app->db_path, 0, e) != CG_OK) return e->code;
  /* commits only reach the log; the syncer makes them durable, and the
  ** log is copied into the database on a thread of its own */
  if (db_defer_sync(db, e) != CG_OK || db_checkpoint_behind(db, e) != CG_OK) {
    db_close(db);
    return e->code;
  }
  w.db = db;
  w.synced_tail = &w.synced_head;
  if (pthread_create(&w.sync_thread, NULL, syncer_main, NULL) != 0) {
    w.db = NULL;
    db_close(db);
    return cg_fail(e, CG_EINTERNAL, "cannot start the syncer thread");
  }
  w.sync_started = 1;
  case_env_init(env, db, s->loc, s->cal, s->data_dir, s->district);
  env->dup_radius_m = s->env.dup_radius_m;
  env->dup_window_s = s->env.dup_window_s;
  env->search_behind = s->env.search_behind;
  *out = db;
  return CG_OK;
}

/* Is a transaction of n reports, opened at `since`, worth its commit
** yet? Each commit writes the pages it touched whole, a dozen of them
** whatever the number of reports (the tails of the tables and indexes,
** the ledger, the counter), so under load it waits a little for more
** reports to share them; alone, a report waits at most BATCH_WAIT_NS. */
static int
ready(int n, const struct timespec *since)
{
  struct timespec now;
  if (n >= BATCH_FULL) return 1;
  clock_gettime(CLOCK_REALTIME, &now);
  return (now.tv_sec - since->tv_sec) * 1000000000L +
             (now.tv_nsec - since->tv_nsec) >=
         BATCH_WAIT_NS;
}

static void *
writer_main(void *arg)
{
  struct case_env env;
  struct cg_err e = {0};
  struct api_job *open = NULL, **open_tail = &open; /* in the transaction */
  struct timespec since = {0}, until = {0}; /* it was opened; its deadline */
  struct db *db;
  int rc, n = 0;

  pthread_setname_np(pthread_self(), "cg-writer");
  rc = writer_open(&env, &db, &e);

  pthread_mutex_lock(&w.mu);
  for (;;) {
    struct api_job *jobs, *j;
    int commit, got = 0;
    /* wait for reports, or for the syncer to be free to take a commit */
    while (!w.head && !w.stopping &&
           !(open && !w.syncing && !w.synced_head && ready(n, &since)))
      if (open && !w.syncing && !w.synced_head) /* not yet: a little more */
        pthread_cond_timedwait(&w.cv, &w.mu, &until);
      else
        pthread_cond_wait(&w.cv, &w.mu);
    if (!w.head && !open) break; /* stopping, and nothing left */
    jobs = w.head;
    if (jobs) { /* take what fits */
      for (j = jobs, got = 1; j->next && n + got < BATCH_MAX; j = j->next)
        got++;
      w.head = j->next;
      j->next = NULL;
      if (!w.head) w.tail = &w.head;
    }
    pthread_mutex_unlock(&w.mu);
    if (jobs && rc != CG_OK) { /* no store to write to: every report fails */
      fail_all(jobs, rc, &e);
      jobs = NULL;
    }
    if (jobs) {
      struct cg_err te = {0};
      int wr;
      case_setup_env_now(w.app->cases, &env, db);
      /* into the open transaction; a refusal after writing, or none open,
      ** means beginning one with every job it holds */
      if (!open) {
        clock_gettime(CLOCK_REALTIME, &since);
        until = since;
        until.tv_nsec += BATCH_WAIT_NS;
        if (until.tv_nsec >= 1000000000L) {
          until.tv_sec++;
          until.tv_nsec -= 1000000000L;
        }
      }
      *open_tail = jobs;
      wr = env.in_tx ? write_jobs(&env, jobs, &te) : 1;
      if (wr == 1) {
        if (env.in_tx) case_rollback(&env);
        wr = begin_and_write(&env, open, &te);
      } else if (wr != CG_OK) {
        case_rollback(&env);
      }
      for (j = jobs; j; j = j->next)
        open_tail = &j->next;
      n += got;
      if (wr != CG_OK) { /* the store failed: none of them kept */
        fail_all(open, wr, &te);
        open = NULL;
        open_tail = &open;
        n = 0;
      }
    }
    pthread_mutex_lock(&w.mu);
    commit = open && ((!w.syncing && !w.synced_head && ready(n, &since)) ||
                      n >= BATCH_MAX || w.stopping);
    if (commit) {
      struct api_job *done = open, *last = open;
      struct cg_err ce = {0};
      int crc;
      pthread_mutex_unlock(&w.mu);
      crc = case_commit(&env, &ce);
      open = NULL;
      open_tail = &open;
      n = 0;
      if (crc != CG_OK) {
        fail_all(done, crc, &ce);
        pthread_mutex_lock(&w.mu);
        continue;
      }
      while (last->next)
        last = last->next;
      pthread_mutex_lock(&w.mu);
      *w.synced_tail = done; /* the syncer answers them once synced */
      w.synced_tail = &last->next;
      pthread_cond_signal(&w.sync_cv);
    }
  }
  /* the last batches synced and answered before the connection goes */
  w.sync_stopping = 1;
  pthread_cond_signal(&w.sync_cv);
  pthread_mutex_unlock(&w.mu);
  if (rc != CG_OK) return NULL;
  pthread_join(w.sync_thread, NULL);
  w.sync_started = 0;
  case_env_release(&env);
  w.db = NULL;
  db_close(db);
  return NULL;
}

static void
start(void)
{
  w.tail = &w.head;
  if (pthread_create(&w.thread, NULL, writer_main, NULL) == 0) w.started = 1;
}

/* The server parked the connection: queue the job. */
static void
enqueue(struct http_req *r)
{
  struct api_job *j = r->defer_cls;
  pthread_mutex_lock(&w.mu);
  j->next = NULL;
  *w.tail = j;
  w.tail = &j->next;
  pthread_cond_signal(&w.cv);
  pthread_mutex_unlock(&w.mu);
}

/* Where the new case `no` is, for a 201's Location. */
static void
locate(struct http_req *r, const char *no)
{
  snprintf(r->location, sizeof r->location, "/api/v1/cases/%s", no);
}

/* The JSON API's reply: the case as its reporter sees it, and where it
** is (Location). */
static void
reply_case(struct http_req *r, const struct org_user *who, struct case_env *env,
           const char *no, int rc, const struct cg_err *e, void *arg)
{
  struct cg_err ce = {0};
  json_t *c;

  if (rc != CG_OK) {
    http_reply_err(r, e);
    return;
  }
  locate(r, no);
  if ((r->text = api_writer_view(r, env, &r->text_len))) {
    r->status = 201;
    r->content_type = HTTP_JSON_TYPE;
  } else if ((c = case_get_json(env, who, no, 0, &ce)))
    http_reply_json(r, 201, c);
  else /* committed, but cannot be read back */
    http_reply_json(r, 201, json_pack("{s:s}", "no", no));
}

/* The reply to a client that prefers it minimal (Prefer: return=minimal,
** RFC 7240: a sensor gateway, an import): the case's number and where it
** is, without the whole case. */
static void
reply_minimal(struct http_req *r, const struct org_user *who,
              struct case_env *env, const char *no, int rc,
              const struct cg_err *e, void *arg)
{
  if (rc != CG_OK) {
    http_reply_err(r, e);
    return;
  }
  locate(r, no);
  r->applied = "return=minimal";
  http_reply_json(r, 201, json_pack("{s:s}", "no", no));
}

static void
release_json(void *arg)
{
  json_decref(arg);
}

int
api_writer_defer(struct http_req *r, const struct org_user *who,
                 const struct case_report *rep, const struct case_attach *att,
                 int natt, json_t *body)
{
  static const struct api_write_hooks json_hooks = {1, NULL, reply_case,
                                                    release_json},
                                      minimal_hooks = {0, NULL, reply_minimal,
                                                       release_json};
  return api_writer_defer_hooks(
      r, who, rep, att, natt,
      http_prefers_minimal(r) ? &minimal_hooks : &json_hooks, body);
}

int
api_writer_defer_hooks(struct http_req *r, const struct org_user *who,
                       const struct case_report *rep,
                       const struct case_attach *att, int natt,
                       const struct api_write_hooks *h, void *arg)
{
  struct api_job *j = calloc(1, sizeof *j);

  if (!j) {
    if (h->release) h->release(arg);
    return http_reply_error(r, 500, "internal", "out of memory");
  }
  pthread_mutex_lock(&w.mu);
  if (!w.app) w.app = api_app(r);
  pthread_mutex_unlock(&w.mu);
  pthread_once(&w.once, start);
  if (!w.started) {
    free(j);
    if (h->release) h->release(arg);
    return http_reply_error(r, 500, "internal", "cannot start the writer");
  }
  j->r = r;
  j->who = *who;
  j->rep = *rep;
  if (natt > 16) natt = 16;
  if (natt > 0) memcpy(j->att, att, (size_t)natt * sizeof *att);
  j->rep.att = j->att;
  j->rep.natt = natt;
  j->h = h;
  j->arg = arg;
  r->defer_cls = j;
  r->defer_start = enqueue;
  r->defer_finish = finish;
  return HTTP_DEFER;
}

void
api_writer_stop(void)
{
  pthread_mutex_lock(&w.mu);
  w.stopping = 1;
  pthread_cond_broadcast(&w.cv);
  pthread_mutex_unlock(&w.mu);
  if (w.started) pthread_join(w.thread, NULL);
  w.started = 0;
}
