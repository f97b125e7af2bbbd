/*
** migrate.c — bring a database's schema up to this binary's version by
** applying the embedded numbered migrations in order (see migrate.h).
*/
#include "migrate.h"

#include <stdio.h>
#include <time.h>

/* Portable: the same statement works on every backend. */
static const char create_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

int
db_schema_latest(void)
{
  return db_nmigrations ? db_migrations[db_nmigrations - 1].version : 0;
}

int
db_schema_version(struct db *db, int *version, struct cg_err *e)
{
  int64_t v;
  int rc;

  *version = 0;
  if ((rc = db_exec(db, create_version_table, e)) != CG_OK) return rc;
  rc =
      db_query_int(db, &v, 0, e, "SELECT max(version) FROM schema_version", "");
  *version = (int)v;
  return rc;
}

int
db_migrate(struct db *db, struct cg_err *e)
{
  int have, rc;

  if ((rc = db_schema_version(db, &have, e)) != CG_OK) return rc;
  if (have > db_schema_latest())
    return cg_fail(e, CG_EVERSION,
                   "database schema version %d is newer than this citygrid "
                   "(which knows up to %d): upgrade citygrid",
                   have, db_schema_latest());
  for (int i = 0; i < db_nmigrations; i++) {
    const struct db_migration *m = &db_migrations[i];
    struct db_stmt *st;

    if (m->version <= have) continue;
    char now[32];
    time_t t = time(NULL);

    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    if ((rc = db_begin(db, e)) != CG_OK) return rc;
    rc = db_exec(db, m->sql, e);
    if (rc == CG_OK)
      rc = db_prepare(db, &st,
                      "INSERT INTO schema_version"
                      " (version, name, applied_at)"
                      " VALUES (?, ?, ?)",
                      e);
    if (rc == CG_OK) {
      db_bindf(st, "itt", (int64_t)m->version, m->name, now);
      rc = db_step(st, e) < 0 ? CG_EDB : CG_OK;
      db_finalize(st);
    }
    if (rc == CG_OK) rc = db_commit(db, e);
    if (rc != CG_OK) {
      db_rollback(db);
      cg_err_prefix(e, "migration '%s' failed", m->name);
      return rc;
    }
  }
  return CG_OK;
}
