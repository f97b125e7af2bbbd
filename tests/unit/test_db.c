/*
** test_db.c — the store: migrations applied once and recorded, a database
** from a newer citygrid refused untouched, foreign keys enforced, a rolled
** back transaction leaving nothing, text bound by copy and by reference,
** placeholders translated for $n backends, no statement left open, and
** a write-ahead log that starts over under a writer committing back to
** back with the checkpointer behind it, and work cut short on demand (a
** long read, a wait for another connection's lock) failing at once with
** nothing of its transaction kept.
*/
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "db/db.h"
#include "db/migrate.h"

static char *dir;
static char path[4200];

static int
setup(void **state)
{
  dir = tu_tmpdir();
  snprintf(path, sizeof path, "%s/t.db", dir);
  return 0;
}

static int
teardown(void **state)
{
  tu_rmrf(dir);
  free(dir);
  return 0;
}

static void
test_migrate_once_and_record(void **state)
{
  struct cg_err e = {0};
  struct db *db;
  int v;
  int64_t n;

  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_migrate(db, &e), CG_OK);
  assert_int_equal(db_schema_version(db, &v, &e), CG_OK);
  assert_int_equal(v, db_schema_latest());
  assert_true(v >= 1);
  /* again: nothing to do, still one row per migration */
  assert_int_equal(db_migrate(db, &e), CG_OK);
  assert_int_equal(
      db_query_int(db, &n, -1, &e, "SELECT count(*) FROM schema_version", ""),
      CG_OK);
  assert_int_equal(n, db_nmigrations);
  assert_int_equal(
      db_query_int(db, &n, -1, &e, "SELECT count(*) FROM area", ""), CG_OK);
  assert_int_equal(n, 0);
  assert_int_equal(db_open_statements(db), 0);
  db_close(db);
}

static void
test_newer_database_refused(void **state)
{
  struct cg_err e = {0};
  struct db *db;
  int64_t n;
  char sql[200];

  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_migrate(db, &e), CG_OK);
  snprintf(sql, sizeof sql,
           "INSERT INTO schema_version VALUES (%d, "
           "'future.sql', 'x')",
           db_schema_latest() + 5);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  assert_int_equal(db_migrate(db, &e), CG_EVERSION);
  assert_non_null(strstr(e.msg, "is newer than this citygrid"));
  assert_int_equal(db_query_int(db, &n, -1, &e,
                                "SELECT max(version) FROM schema_version", ""),
                   CG_OK);
  assert_int_equal(n, db_schema_latest() + 5);
  db_close(db);
  /* and through the binary: a clear message, exit status 1 */
  {
    char *err = NULL, ddir[4300], dbp[4400];
    snprintf(ddir, sizeof ddir, "%s/cg", dir);
    assert_int_equal(tu_run(NULL, NULL, "--data '%s' init", ddir), 0);
    snprintf(dbp, sizeof dbp, "%s/citygrid.db", ddir);
    assert_int_equal(db_open(&db, dbp, 0, &e), CG_OK);
    assert_int_equal(db_exec(db,
                             "INSERT INTO schema_version VALUES (9999, "
                             "'f', 'x')",
                             &e),
                     CG_OK);
    db_close(db);
    assert_int_equal(tu_run(NULL, &err, "--data '%s' export grids", ddir), 1);
    assert_non_null(strstr(err, "database schema version 9999 is newer"));
    free(err);
  }
}

static void
test_foreign_keys_and_rollback(void **state)
{
  struct cg_err e = {0};
  struct db *db;
  struct db_stmt *st;
  int64_t n;

  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_migrate(db, &e), CG_OK);
  /* a street whose district does not exist */
  assert_int_equal(db_prepare(db, &st,
                              "INSERT INTO area (code, level, name,"
                              " parent_code) VALUES (?, ?, ?, ?)",
                              &e),
                   CG_OK);
  db_bindf(st, "tttt", "999999001", "street", "x", "999999");
  assert_int_equal(db_step(st, &e), -CG_ECONFLICT);
  db_finalize(st);
  /* a transaction rolled back leaves nothing */
  assert_int_equal(db_begin(db, &e), CG_OK);
  assert_int_equal(db_exec(db,
                           "INSERT INTO area (code, level, name) VALUES"
                           " ('410104', 'district', 'x')",
                           &e),
                   CG_OK);
  db_rollback(db);
  assert_int_equal(
      db_query_int(db, &n, -1, &e, "SELECT count(*) FROM area", ""), CG_OK);
  assert_int_equal(n, 0);
  assert_int_equal(db_open_statements(db), 0);
  db_close(db);
}

/* Text bound by copy survives its buffer changing before the step; text
** bound by reference is read at the step, and NULL binds SQL NULL. */
static void
test_text_copied_or_borrowed(void **state)
{
  struct cg_err e = {0};
  struct db *db;
  struct db_stmt *st;
  char buf[16];

  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_exec(db, "CREATE TABLE t (a TEXT, b TEXT, c TEXT)", &e),
                   CG_OK);
  assert_int_equal(
      db_prepare_cached(db, &st, "INSERT INTO t VALUES (?, ?, ?)", &e), CG_OK);
  strcpy(buf, "copied");
  assert_int_equal(db_bindf(st, "tT", buf, "borrowed"), CG_OK);
  assert_int_equal(db_bind_text_ref(st, 3, NULL), CG_OK);
  strcpy(buf, "changed");
  assert_int_equal(db_step(st, &e), DB_DONE);
  db_finalize(st);
  assert_int_equal(db_prepare(db, &st, "SELECT a, b, c IS NULL FROM t", &e),
                   CG_OK);
  assert_int_equal(db_step(st, &e), DB_ROW);
  assert_string_equal(db_col_text(st, 0), "copied");
  assert_string_equal(db_col_text(st, 1), "borrowed");
  assert_int_equal(db_col_int(st, 2), 1);
  db_finalize(st);
  assert_int_equal(db_open_statements(db), 0);
  db_close(db);
}

static void
test_placeholders_translated(void **state)
{
  char out[256];
  const char *sql = "SELECT '?', \"a?\" FROM t -- what?\n"
                    "WHERE a = ? AND b = ?";

  assert_int_equal(db_sql_translate(sql, DB_DOLLAR, out, sizeof out), 2);
  assert_string_equal(out, "SELECT '?', \"a?\" FROM t -- what?\n"
                           "WHERE a = $1 AND b = $2");
  assert_int_equal(db_sql_translate(sql, DB_QMARK, out, sizeof out), 2);
  assert_string_equal(out, sql);
  assert_int_equal(db_sql_translate(sql, DB_DOLLAR, out, 10), -1);
}

/* The server's writer begins its next transaction as soon as it has
** committed. With the checkpointer copying the log behind it, the log
** must still start over now and then rather than grow until the commits
** stall on it: 40 MB written in commits of about 40 KB leaves the log
** far smaller than what was written. */
static void
test_log_starts_over(void **state)
{
  char wal[4300], blob[2000];
  struct cg_err e = {0};
  struct db *db;
  struct stat sb;
  off_t most = 0;
  int restarts = 0;

  snprintf(wal, sizeof wal, "%s-wal", path);
  memset(blob, 'x', sizeof blob - 1);
  blob[sizeof blob - 1] = 0;
  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_exec(db, "CREATE TABLE t (a TEXT)", &e), CG_OK);
  assert_int_equal(db_defer_sync(db, &e), CG_OK);
  assert_int_equal(db_checkpoint_behind(db, &e), CG_OK);
  for (int i = 0; i < 1000; i++) {
    struct db_stmt *st;
    off_t before = stat(wal, &sb) == 0 ? sb.st_size : 0;
    assert_int_equal(db_begin(db, &e), CG_OK);
    assert_int_equal(db_prepare_cached(db, &st, "INSERT INTO t VALUES (?)", &e),
                     CG_OK);
    for (int r = 0; r < 20; r++) {
      db_bind_text(st, 1, blob);
      assert_int_equal(db_step(st, &e), DB_DONE);
      db_reset(st);
    }
    db_finalize(st);
    assert_int_equal(db_commit(db, &e), CG_OK);
    assert_int_equal(stat(wal, &sb), 0);
    /* the log file keeps its size when it starts over; the frames of
    ** the commit then land at its head, and its size stays put */
    if (sb.st_size == before) restarts++;
    if (sb.st_size > most) most = sb.st_size;
  }
  assert_int_equal(db_sync(db, &e), CG_OK);
  db_close(db);
  assert_true(restarts > 0);
  assert_true(most < 24 * 1024 * 1024);
}

static atomic_int cut; /* test_cut_short(): the stop's answer */

static int
is_cut(void *arg)
{
  return atomic_load(&cut);
}

/* Sets `cut` after a fifth of a second. */
static void *
cut_later(void *arg)
{
  nanosleep(&(struct timespec){0, 200000000}, NULL);
  atomic_store(&cut, 1);
  return NULL;
}

static double
seconds_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A server that stops cuts its long reads short (db_set_abort()): a
** statement that would run for a minute, and a wait for a lock another
** connection holds (5 s at most otherwise), each fail within a moment of
** the stop with CG_EUNAVAIL; the rows their transaction had written are
** not kept; without the stop the same connection works as before. */
static void
test_cut_short(void **state)
{
  static const char forever[] =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
      " WHERE i < 100000000) SELECT count(*) FROM n";
  struct cg_err e = {0};
  struct db *db, *other;
  struct db_stmt *st;
  struct timespec t0;
  pthread_t t;
  int64_t n;

  assert_int_equal(db_open(&db, path, DB_CREATE, &e), CG_OK);
  assert_int_equal(db_exec(db, "CREATE TABLE t (a INTEGER)", &e), CG_OK);
  atomic_store(&cut, 0);
  db_set_abort(db, is_cut, NULL);
  assert_int_equal(db_query_int(db, &n, -1, &e, "SELECT count(*) FROM t", ""),
                   CG_OK);

  /* a long read inside a transaction that wrote a row */
  assert_int_equal(db_begin(db, &e), CG_OK);
  assert_int_equal(db_exec(db, "INSERT INTO t VALUES (1)", &e), CG_OK);
  assert_int_equal(db_prepare(db, &st, forever, &e), CG_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(pthread_create(&t, NULL, cut_later, NULL), 0);
  assert_int_equal(db_step(st, &e), -CG_EUNAVAIL);
  assert_true(seconds_since(&t0) < 2.0);
  assert_int_equal(e.code, CG_EUNAVAIL);
  assert_int_equal(e.http_status, 503);
  pthread_join(t, NULL);
  db_finalize(st);
  db_rollback(db);
  db_set_abort(db, NULL, NULL);
  assert_int_equal(db_query_int(db, &n, -1, &e, "SELECT count(*) FROM t", ""),
                   CG_OK);
  assert_int_equal(n, 0);

  /* a write waiting for another connection's transaction */
  assert_int_equal(db_open(&other, path, 0, &e), CG_OK);
  assert_int_equal(db_exec(other, "BEGIN IMMEDIATE", &e), CG_OK);
  assert_int_equal(db_exec(other, "INSERT INTO t VALUES (2)", &e), CG_OK);
  atomic_store(&cut, 0);
  db_set_abort(db, is_cut, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t0); /* before the stop's clock starts */
  assert_int_equal(pthread_create(&t, NULL, cut_later, NULL), 0);
  assert_int_equal(db_exec(db, "INSERT INTO t VALUES (3)", &e), CG_EUNAVAIL);
  assert_true(seconds_since(&t0) > 0.15 && seconds_since(&t0) < 2.0);
  pthread_join(t, NULL);
  assert_int_equal(db_exec(other, "COMMIT", &e), CG_OK);
  db_close(other);

  /* no stop: the same connection reads and writes again */
  db_set_abort(db, NULL, NULL);
  assert_int_equal(db_exec(db, "INSERT INTO t VALUES (4)", &e), CG_OK);
  assert_int_equal(db_query_int(db, &n, -1, &e, "SELECT sum(a) FROM t", ""),
                   CG_OK);
  assert_int_equal(n, 6); /* 2 and 4: the cut ones never landed */
  assert_int_equal(db_open_statements(db), 0);
  db_close(db);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_migrate_once_and_record, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_newer_database_refused, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_foreign_keys_and_rollback, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_text_copied_or_borrowed, setup,
                                      teardown),
      cmocka_unit_test(test_placeholders_translated),
      cmocka_unit_test_setup_teardown(test_log_starts_over, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cut_short, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
