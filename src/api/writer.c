/*
** writer.c — group commit for reports sent over HTTP. Every report must
** be on disk before its 201 goes out, and a commit costs an fsync; so one
** writer thread takes all the reports queued meanwhile, writes them in one
** transaction (a refused report leaves the others be, see write_pass()),
** commits once, and only then answers each request. The
** requests' connections are parked while they wait (HTTP_DEFER), so the
** server's workers go on taking more.
*/
#include "api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 512 /* reports in one transaction at most */

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
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_once_t once;
  pthread_t thread;
  int started, stopping;
  struct api_job *head, **tail;
  struct api_app *app;
} w = {PTHREAD_MUTEX_INITIALIZER,
       PTHREAD_COND_INITIALIZER,
       PTHREAD_ONCE_INIT,
       0,
       0,
       0,
       NULL,
       NULL,
       NULL};

/* Write the jobs not refused yet in one transaction, each report after
** the other. A report refused before it wrote anything (bad category,
** outside the district: nearly every refusal) just drops out; one refused
** after it wrote part of itself (a hook's row) cannot be taken back alone
** — a savepoint per report would let it, but a savepoint makes the
** full-text index write out what it holds at every report — so the
** transaction is rolled back and the pass begun again without it: 1 is
** returned for that. Otherwise the store's answer: CG_OK or why the
** whole batch failed, in *e. */
static int
write_pass(struct case_env *env, struct api_job *jobs, struct cg_err *e)
{
  int rc = case_begin(env, e); /* a batch: hot state kept in memory */

  for (struct api_job *j = jobs; j && rc == CG_OK; j = j->next) {
    struct case_mark m;
    int64_t changes;
    if (j->refused) continue;
    if ((rc = case_batch_mark(env, &m, e)) != CG_OK) break;
    changes = db_total_changes(env->db);
    j->rc = case_report(env, &j->who, &j->rep, j->no, &j->e);
    if (j->rc == CG_OK && j->h->after && /* rows that refer to the case */
        (j->rc = case_batch_flush(env, &j->e)) == CG_OK)
      j->rc = j->h->after(env, j->no, j->arg, &j->e);
    if (j->rc == CG_OK) continue;
    if (j->e.code == CG_EDB) { /* the store failed: stop */
      rc = j->rc;
      *e = j->e;
      break;
    }
    j->refused = 1;
    if (db_total_changes(env->db) != changes) { /* begin again without it */
      case_rollback(env);
      return 1;
    }
    case_batch_restore(env, &m);
  }
  if (rc == CG_OK) return case_commit(env, e); /* one fsync for them all */
  if (env->in_tx) case_rollback(env);
  return rc;
}

/* Write one batch; answer every job in it. */
static void
write_batch(struct case_env *env, struct api_job *jobs)
{
  struct cg_err e = {0};
  int rc;

  while ((rc = write_pass(env, jobs, &e)) == 1)
    ;
  /* now, and only now, the answers (finish() builds them on a worker) */
  for (struct api_job *j = jobs, *next; j; j = next) {
    next = j->next;
    if (rc != CG_OK && !j->refused) { /* the commit failed: none kept */
      j->rc = rc;
      j->e = e;
    }
    http_answer(j->r);
  }
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
  free(j);
  r->defer_cls = NULL;
}

static void *
writer_main(void *arg)
{
  struct case_setup *s = w.app->cases;
  struct case_env env;
  struct cg_err e = {0};
  struct db *db;

  if (db_open(&db, w.app->db_path, 0, &e) != CG_OK) return NULL;
  case_env_init(&env, db, s->loc, s->cal, s->data_dir, s->district);
  env.dup_radius_m = s->env.dup_radius_m;
  env.dup_window_s = s->env.dup_window_s;
  pthread_mutex_lock(&w.mu);
  for (;;) {
    struct api_job *jobs, *j;
    int n = 1;
    while (!w.head && !w.stopping)
      pthread_cond_wait(&w.cv, &w.mu);
    if (!w.head) break; /* stopping, and nothing left */
    jobs = w.head;      /* take up to BATCH_MAX */
    for (j = jobs; j->next && n < BATCH_MAX; j = j->next)
      n++;
    w.head = j->next;
    j->next = NULL;
    if (!w.head) w.tail = &w.head;
    pthread_mutex_unlock(&w.mu);
    write_batch(&env, jobs);
    pthread_mutex_lock(&w.mu);
  }
  pthread_mutex_unlock(&w.mu);
  case_env_release(&env);
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

/* The JSON API's reply: the case as its reporter sees it. */
static void
reply_case(struct http_req *r, const struct org_user *who, struct case_env *env,
           const char *no, int rc, const struct cg_err *e, void *arg)
{
  struct cg_err ce = {0};
  json_t *c;

  if (rc != CG_OK)
    http_reply_err(r, e);
  else if ((c = case_get_json(env, who, no, 0, &ce)))
    http_reply_json(r, 201, c);
  else /* committed, but cannot be read back */
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
  static const struct api_write_hooks json_hooks = {NULL, reply_case,
                                                    release_json};
  return api_writer_defer_hooks(r, who, rep, att, natt, &json_hooks, body);
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
