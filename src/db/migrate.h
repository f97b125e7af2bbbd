/*
** migrate.h — applying the schema. The migrations are the numbered SQL
** files in src/db/migrations/, compiled into the binary in number order
** (see embed_migrations.cmake). Each runs once, inside a transaction
** together with the row that records it in schema_version.
*/
#ifndef CG_MIGRATE_H
#define CG_MIGRATE_H

#include "db.h"

struct db_migration {
  int version;      /* the file's number */
  const char *name; /* the file's name */
  const char *sql;  /* its text */
};

extern const struct db_migration db_migrations[]; /* in version order */
extern const int db_nmigrations;

/* The schema version this binary knows (the highest migration). */
int db_schema_latest(void);

/* The version recorded in the database, 0 if none (a new file). */
int db_schema_version(struct db *db, int *version, struct cg_err *e);

/* Apply every migration newer than the database's version, in order, each
** in its own transaction. A database whose version is newer than this
** binary is refused with CG_EVERSION and left untouched. */
int db_migrate(struct db *db, struct cg_err *e);

#endif
