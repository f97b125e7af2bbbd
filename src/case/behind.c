/*
** behind.c — write-behind for bulk loads. In a batch begun with
** env->write_behind set, a case's rows (its case row, full-text entry,
** events and tasks) are written by a second thread while the first works
** out the next case: the locating, numbering, routing, deadlines and
** hashing of one case overlap the SQLite work of the one before, and a
** bulk load uses two cores instead of one.
**
** Both threads use the env's one connection, never at once: the connection
** gets a gate (db_set_gate()) at which any other thread waits until the
** writer has nothing left to do. So whatever the first thread reads — a
** case loaded again, the commit — it reads after every write handed over
** before. What it needs to know of the cases it wrote it mostly keeps in
** memory (the batch's last case, the duplicate search's table of recent
** cases), so that it seldom waits.
**
** A write that fails stops the writer: the jobs after it are dropped, and
** the error comes back from the next case_flush() or from case_commit(),
** which then rolls the whole batch back. So a failure is reported late —
** for bulk loads, where the batch is the unit; the HTTP writer, which
** answers each report on its own, does not write behind.
*/
#include "case_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WB_QUEUE 128 /* jobs waiting at most: the first thread waits then */

struct wb_job {
  struct wb_job *next;
  struct kase k;
  struct case_text t; /* owned strings when fresh */
  int fresh;          /* a new case: insert it with t */
  struct held_event *ev;
  int nev;
};

struct case_wb {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t work; /* a job came, or stop */
  pthread_cond_t done; /* the queue got shorter, or ran dry */
  struct wb_job *head, **tail;
  int queued, busy, stop;
  int want_room, want_idle; /* threads waiting on `done` for either */
  int failed;               /* a write failed: the rest are dropped */
  struct cg_err err;        /* why */
  struct db *db;
};

static void
free_job(struct wb_job *j)
{
  for (int i = 0; i < j->nev; i++)
    free(j->ev[i].text);
  free(j->ev);
  if (j->fresh) case_text_free(&j->t);
  free(j);
}

static void *
writer(void *arg)
{
  struct case_wb *w = arg;

  pthread_mutex_lock(&w->mu);
  for (;;) {
    struct wb_job *j;
    while (!w->head && !w->stop)
      pthread_cond_wait(&w->work, &w->mu);
    if (!w->head) break;
    j = w->head;
    if (!(w->head = j->next)) w->tail = &w->head;
    w->queued--;
    w->busy = 1;
    pthread_mutex_unlock(&w->mu);
    if (!w->failed) {
      struct cg_err e = {0};
      int rc = case_save_rows(w->db, &j->k, j->fresh ? &j->t : NULL, j->ev,
                              j->nev, &e);
      if (rc != CG_OK) {
        w->err = e;
        w->failed = 1;
      }
    }
    free_job(j);
    pthread_mutex_lock(&w->mu);
    w->busy = 0;
    /* wake waiters only when what they wait for holds: a queue half
    ** empty (not a slot at a time), or no work at all */
    if ((w->want_room && w->queued <= WB_QUEUE / 2) ||
        (w->want_idle && !w->head))
      pthread_cond_broadcast(&w->done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* The connection's gate: threads other than the writer wait until it is
** idle. */
static void
gate(void *arg)
{
  struct case_wb *w = arg;

  if (pthread_equal(pthread_self(), w->thread)) return;
  pthread_mutex_lock(&w->mu);
  while (w->head || w->busy) {
    w->want_idle++;
    pthread_cond_wait(&w->done, &w->mu);
    w->want_idle--;
  }
  pthread_mutex_unlock(&w->mu);
}

int
case_wb_start(struct case_env *env, struct cg_err *e)
{
  struct case_wb *w;

  if (env->wb) return CG_OK;
  /* a bulk load commits much: the log is copied on a thread of its own */
  if (db_checkpoint_behind(env->db, e) != CG_OK) return e ? e->code : CG_EDB;
  if (!(w = calloc(1, sizeof *w)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->work, NULL);
  pthread_cond_init(&w->done, NULL);
  w->tail = &w->head;
  w->db = env->db;
  if (pthread_create(&w->thread, NULL, writer, w) != 0) {
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    free(w);
    return cg_fail(e, CG_EINTERNAL, "cannot start the case writer thread");
  }
  env->wb = w;
  db_set_gate(env->db, gate, w);
  return CG_OK;
}

int
case_wb_push(struct case_env *env, const struct kase *k, struct case_text *t,
             struct held_event *ev, int nev, struct cg_err *e)
{
  struct case_wb *w = env->wb;
  struct wb_job *j = calloc(1, sizeof *j);

  if (!j || (nev && !(j->ev = malloc((size_t)nev * sizeof *ev)))) {
    free(j);
    if (t) case_text_free(t);
    for (int i = 0; i < nev; i++)
      free(ev[i].text);
    return cg_fail(e, CG_ENOMEM, "out of memory");
  }
  j->k = *k;
  if (t) {
    j->t = *t;
    j->fresh = 1;
  }
  if (nev) memcpy(j->ev, ev, (size_t)nev * sizeof *ev);
  j->nev = nev;
  pthread_mutex_lock(&w->mu);
  while (w->queued >= WB_QUEUE && !w->failed) {
    w->want_room++;
    pthread_cond_wait(&w->done, &w->mu);
    w->want_room--;
  }
  *w->tail = j;
  w->tail = &j->next;
  w->queued++;
  pthread_cond_signal(&w->work);
  pthread_mutex_unlock(&w->mu);
  return CG_OK;
}

int
case_wb_error(struct case_env *env, struct cg_err *e)
{
  struct case_wb *w = env->wb;
  int rc = CG_OK;

  if (!w) return CG_OK;
  gate(w);
  pthread_mutex_lock(&w->mu);
  if (w->failed) {
    if (e) *e = w->err;
    rc = w->err.code ? w->err.code : CG_EDB;
  }
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void
case_wb_clear(struct case_env *env)
{
  struct case_wb *w = env->wb;

  if (!w) return;
  gate(w);
  pthread_mutex_lock(&w->mu);
  w->failed = 0;
  memset(&w->err, 0, sizeof w->err);
  pthread_mutex_unlock(&w->mu);
}

int
case_wb_failed(struct case_env *env, struct cg_err *e)
{
  struct case_wb *w = env->wb;
  int failed;

  if (!w) return CG_OK;
  pthread_mutex_lock(&w->mu);
  failed = w->failed;
  pthread_mutex_unlock(&w->mu);
  return failed ? case_wb_error(env, e) : CG_OK;
}

void
case_wb_stop(struct case_env *env)
{
  struct case_wb *w = env->wb;

  if (!w) return;
  gate(w); /* what was handed over is written (or dropped) first */
  db_set_gate(env->db, NULL, NULL);
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->work);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->work);
  pthread_cond_destroy(&w->done);
  free(w);
  env->wb = NULL;
}
