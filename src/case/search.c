/*
** search.c — keeping the full-text index of the cases up to date: every
** pair of neighbouring characters of a case's address and description, and
** its grid as a word (the searches are in read.c). The index lives in a
** file of its own beside the store, attached as schema `search` (see
** db_open()), and follows the cases from a mark, the greatest cases.rowid
** it holds. Cases are never deleted, so their rowids only grow: a catch-up
** adds those above the mark, in one transaction with the mark's move, and
** reads the store only. A search reads the few cases above the mark by
** LIKE, so it never misses one.
**
** Who catches up: after a commit that made a case, the thread that
** committed (the CLI, imports, bulk loads); in a server, the indexer
** thread started here, woken by those commits and at most every 100 ms.
** The server's writer then never waits for FTS5, whose segment writes and
** merges, every 100 ms in the writer's own transaction, held up all the
** reports behind them for milliseconds at a time.
*/
#include "case_int.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#define INDEXER_EVERY_MS 100 /* the indexer catches up at most this often */
#define INDEXER_CHUNK 20000  /* cases a catch-up transaction adds at most */

int
case_search_catch_up(struct db *db, int64_t most, int64_t *added,
                     struct cg_err *e)
{
  /* the file belongs to another store, or to this one as it was (put back
  ** from a backup): the index starts again */
  static const char stale_sql[] = "SELECT count(*) FROM search.mark m"
                                  " WHERE NOT (" CASE_SQL_MARK_HOLDS ")";
  static const char clear_sql[] =
      "INSERT INTO search.case_bigram (case_bigram) VALUES ('delete-all');"
      "UPDATE search.mark SET value = 0, hash = ''";
  static const char hi_sql[] =
      "SELECT max(rowid) FROM (SELECT rowid FROM main.cases"
      " WHERE rowid > (SELECT value FROM search.mark) ORDER BY rowid LIMIT ?)";
  static const char add_sql[] =
      "INSERT INTO search.case_bigram (rowid, words)"
      " SELECT rowid, bigrams(address || ' ' || description) || ' g' ||"
      " coalesce(grid_code, '') FROM main.cases"
      " WHERE rowid > (SELECT value FROM search.mark) AND rowid <= ?";
  static const char mark_sql[] =
      "UPDATE search.mark SET value = ?1, hash = (SELECT " CASE_SQL_FIRST_HASH
      " FROM main.cases k WHERE k.rowid = ?1)";
  struct db_stmt *st;
  int64_t stale = 0, hi = 0, n = 0;
  int rc;

  if (added) *added = 0;
  /* a deferred transaction: it writes the search file alone, and only
  ** reads the store, whose writer goes on meanwhile */
  if ((rc = db_exec(db, "BEGIN", e)) != CG_OK) return rc;
  rc = db_query_int(db, &stale, 0, e, stale_sql, "");
  if (rc == CG_OK && stale) rc = db_exec(db, clear_sql, e);
  if (rc == CG_OK)
    rc = db_query_int(db, &hi, 0, e, hi_sql, "i", most > 0 ? most : -1);
  if (rc == CG_OK && hi > 0 &&
      (rc = db_prepare_cached(db, &st, add_sql, e)) == CG_OK) {
    db_bindf(st, "i", hi);
    rc = db_step(st, e);
    db_finalize(st);
    rc = rc < 0 ? -rc : CG_OK;
    n = db_changes(db);
    if (rc == CG_OK && (rc = db_prepare_cached(db, &st, mark_sql, e)) == CG_OK) {
      db_bindf(st, "i", hi);
      rc = db_step(st, e);
      db_finalize(st);
      rc = rc < 0 ? -rc : CG_OK;
    }
  }
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    return rc;
  }
  if (added) *added = n;
  return CG_OK;
}

void
case_search_after_commit(struct case_env *env)
{
  struct cg_err e = {0};

  if (!env->search_due) return;
  env->search_due = 0;
  if (env->search_behind)
    case_indexer_poke();
  else if (!strcmp(db_where(env->db), ":memory:")) /* one connection */
    case_search_catch_up(env->db, 0, NULL, &e);
  else if ((!env->search_db &&
            db_open(&env->search_db, db_where(env->db), DB_SEARCH, &e) !=
                CG_OK) ||
           case_search_catch_up(env->search_db, 0, NULL, &e) != CG_OK)
    env->search_due = 1; /* the next commit tries again */
}

/* The indexer: one per process, with a connection of its own. */
static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* due, or stopping */
  pthread_t thread;
  int started, stopping, due;
  struct db *db;
  int64_t added, failed; /* cases indexed; catch-ups that failed */
} ix = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Catch up on everything there is, a chunk a transaction: 0, or -1 if a
** catch-up failed (the next one tries again). */
static int
catch_up_all(void)
{
  struct cg_err e = {0};
  int64_t n;

  do {
    if (case_search_catch_up(ix.db, INDEXER_CHUNK, &n, &e) != CG_OK) {
      __atomic_add_fetch(&ix.failed, 1, __ATOMIC_RELAXED);
      return -1;
    }
    __atomic_add_fetch(&ix.added, n, __ATOMIC_RELAXED);
  } while (n == INDEXER_CHUNK);
  return 0;
}

/* now + ms on the clock pthread_cond_timedwait() reads */
static struct timespec
after_ms(int ms)
{
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += (long)ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

static void *
indexer_main(void *arg)
{
  (void)arg;
  pthread_setname_np(pthread_self(), "cg-indexer");
  pthread_mutex_lock(&ix.mu);
  for (;;) {
    struct timespec next;
    int failed;
    while (!ix.due && !ix.stopping)
      pthread_cond_wait(&ix.cv, &ix.mu);
    if (ix.stopping) break;
    __atomic_store_n(&ix.due, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&ix.mu);
    failed = catch_up_all();
    pthread_mutex_lock(&ix.mu);
    if (failed) __atomic_store_n(&ix.due, 1, __ATOMIC_RELAXED);
    /* the cases of the next moments, all in the next catch-up; after a
    ** failure, a second's rest */
    next = after_ms(failed ? 1000 : INDEXER_EVERY_MS);
    while (!ix.stopping &&
           pthread_cond_timedwait(&ix.cv, &ix.mu, &next) == 0)
      ;
  }
  pthread_mutex_unlock(&ix.mu);
  catch_up_all(); /* the last ones too */
  return NULL;
}

int
case_indexer_start(const char *db_path, struct cg_err *e)
{
  struct db *db;
  int rc;

  if (ix.started) return CG_OK;
  if ((rc = db_open(&db, db_path, DB_SEARCH, e)) != CG_OK) return rc;
  ix.db = db;
  ix.stopping = 0;
  ix.due = 1; /* whatever the index lacks already */
  if (pthread_create(&ix.thread, NULL, indexer_main, NULL) != 0) {
    ix.db = NULL;
    db_close(db);
    return cg_fail(e, CG_EINTERNAL, "cannot start the indexer thread");
  }
  ix.started = 1;
  return CG_OK;
}

void
case_indexer_poke(void)
{
  if (!ix.started || __atomic_load_n(&ix.due, __ATOMIC_RELAXED)) return;
  pthread_mutex_lock(&ix.mu);
  if (!ix.due) {
    __atomic_store_n(&ix.due, 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&ix.cv);
  }
  pthread_mutex_unlock(&ix.mu);
}

void
case_indexer_stop(void)
{
  if (!ix.started) return;
  pthread_mutex_lock(&ix.mu);
  ix.stopping = 1;
  pthread_cond_signal(&ix.cv);
  pthread_mutex_unlock(&ix.mu);
  pthread_join(ix.thread, NULL);
  db_close(ix.db);
  ix.db = NULL;
  ix.started = 0;
}

int
case_search_lag(struct db *db, int64_t *n, struct cg_err *e)
{
  /* rowids are dense (cases are never deleted): no count over them */
  int rc = db_query_int(db, n, 0, e,
                        "SELECT coalesce((SELECT max(rowid) FROM main.cases),"
                        " 0) - " CASE_SQL_MARK,
                        "");
  if (rc == CG_OK && *n < 0) *n = 0;
  return rc;
}

void
case_indexer_counts(int64_t *added, int64_t *failed)
{
  *added = __atomic_load_n(&ix.added, __ATOMIC_RELAXED);
  *failed = __atomic_load_n(&ix.failed, __ATOMIC_RELAXED);
}
