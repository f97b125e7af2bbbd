/*
** db.h — citygrid's one SQL interface. Domain code talks to the store only
** through these functions, so that another backend (PostgreSQL) can slot in
** behind them without touching it.
**
** Rules: SQL is portable (no backend-only syntax in domain code), parameters
** are always bound (written as `?`; a backend that wants `$1` gets them
** translated by db_sql_translate(), in one place), and the schema lives only
** in the numbered migrations under src/db/migrations/.
**
** Life cycle: db_open() → db_prepare()/db_bind*()/db_step()/db_finalize(),
** db_begin()/db_commit()/db_rollback() → db_close(). A struct db is used by
** one thread at a time.
*/
#ifndef CG_DB_H
#define CG_DB_H

#include <stdint.h>

#include "../core/err.h"

struct db;      /* a connection; opaque */
struct db_stmt; /* a prepared statement; opaque */

/* Results of db_step(). Errors are negative cg codes. */
enum { DB_DONE = 0, DB_ROW = 1 };

/* Flags for db_open(). */
enum {
  DB_CREATE = 1,  /* create the database if it does not exist */
  DB_READONLY = 2, /* open for reading only */
  DB_SEARCH = 4    /* the full-text index's file writable too (its keeper,
                   ** src/case/search.c, alone: see db_open()) */
};

/* Open the store at `where`: a file path for SQLite (WAL mode, foreign keys
** on, busy timeout 5 s, synchronous FULL: a commit that returned is on
** disk, so a client told a write succeeded never loses it). On success *out is a connection the caller closes
** with db_close(). Does not migrate: see db_migrate() in migrate.h.
** The full-text index of the cases lives in a file of its own beside the
** store ("DIR/citygrid.db" has "DIR/citygrid-search.db"), attached as
** schema `search`, read-only unless DB_SEARCH (src/case/search.c keeps
** it): made when missing, made anew when damaged, and, on a read-only
** connection that finds none, an empty one in memory. */
int db_open(struct db **out, const char *where, int flags, struct cg_err *e);
void db_close(struct db *db);

/* A gate on the connection: fn(arg) is called before each call below that
** uses the connection (prepare, step, reset, finalize, exec,
** transactions, row counts), so that work another thread does on it can
** finish first (see src/case/behind.c). fn decides which threads wait.
** NULL removes it. */
void db_set_gate(struct db *db, void (*fn)(void *), void *arg);

/* A way to cut db's work short: statements on db call stop(arg) every
** little while, and so do its waits for a lock another connection holds;
** once it returns non-zero they fail with CG_EUNAVAIL (a transaction
** they were part of is then to be rolled back, as after any failure).
** For a server that is stopping and will not wait for long reads. NULL
** removes it. */
void db_set_abort(struct db *db, int (*stop)(void *), void *arg);

/* Checkpoint the store on a thread of its own rather than in the thread
** that commits. SQLite copies its write-ahead log into the database, and
** syncs the database, as part of a commit once the log holds 1,000 pages:
** a pause for the writer at every such commit. After this call a commit
** on db only wakes a checkpointer (a thread with a connection of its own,
** ended by db_close()) each 1,000 pages the log grows, which copies the
** log meanwhile; the commit after it is done copies the few pages left,
** so that the log starts over even when the writer commits back to back.
** Should the log grow far all the same (16,000 pages, as when long reads
** hold it), the commit does the whole copy itself. For connections that
** write much: the server's writer, bulk loads. */
int db_checkpoint_behind(struct db *db, struct cg_err *e);

/* Group commit that syncs one batch while the next is written: after
** db_defer_sync(), a commit on db returns once its changes are in the
** write-ahead log, before they are on disk (SQLite synchronous NORMAL: a
** crash may lose the last commits, never half of one); db_sync() then
** makes every commit made so far durable. db_sync() may run on another
** thread while db is in use; nothing committed this way may be called
** durable before a db_sync() that began after the commit returned. */
int db_defer_sync(struct db *db, struct cg_err *e);
int db_sync(struct db *db, struct cg_err *e);

/* Name of the backend behind db: "sqlite". Static string. */
const char *db_backend(const struct db *db);

/* Where db was opened (db_open()'s `where`); db keeps it. */
const char *db_where(const struct db *db);

/* Run one or more SQL statements that take no parameters and return no
** rows (schema, pragmas). */
int db_exec(struct db *db, const char *sql, struct cg_err *e);

/* Run one statement that takes no parameters and returns no rows, from
** the connection's statement cache: for statements run again and again.
** sql must be in static storage (the cache keys by its address). */
int db_exec_cached(struct db *db, const char *sql, struct cg_err *e);

/* Prepare one statement. *out is the caller's, freed with db_finalize().
** The message in *e quotes the start of the SQL on failure. */
int db_prepare(struct db *db, struct db_stmt **out, const char *sql,
               struct cg_err *e);
void db_finalize(struct db_stmt *st);

/* Like db_prepare(), but the statement is prepared once per connection and
** kept for the next call with the same sql, which must be a string that
** lives as long as the connection (a literal): hot statements cost no
** parsing. db_finalize() on it only resets it and clears its bindings; the
** connection frees it at db_close(). Do not hold it across another call of
** the same sql (the cache hands out one statement per sql). */
int db_prepare_cached(struct db *db, struct db_stmt **out, const char *sql,
                      struct cg_err *e);

/* Bind parameter i (1-based). Text is copied. NULL text binds SQL NULL. */
int db_bind_text(struct db_stmt *st, int i, const char *v);
/* The same, but v is borrowed, not copied: it must stay as it is until the
** statement is reset (db_reset(), db_finalize()). For the hot writes. */
int db_bind_text_ref(struct db_stmt *st, int i, const char *v);
int db_bind_int(struct db_stmt *st, int i, int64_t v);
int db_bind_double(struct db_stmt *st, int i, double v);
int db_bind_null(struct db_stmt *st, int i);
int db_bind_blob(struct db_stmt *st, int i, const void *p, int n);

/* Bind parameters 1..n by a format string, one letter each: t text
** (const char *, copied), T text borrowed as by db_bind_text_ref(),
** i int64 (int64_t), d double, n null (no argument), b blob (const void *,
** int). Returns CG_OK or CG_EINVAL on a bad format. */
int db_bindf(struct db_stmt *st, const char *fmt, ...);

/* Step: DB_ROW with a row ready, DB_DONE when finished, or a negative
** cg code with the message in *e (a constraint violation is -CG_ECONFLICT). */
int db_step(struct db_stmt *st, struct cg_err *e);

/* Reset a statement to run again, keeping its bindings until rebound. */
void db_reset(struct db_stmt *st);

/* Column values of the current row (0-based). Text is valid until the next
** db_step/db_reset/db_finalize of the statement; NULL for SQL NULL. */
const char *db_col_text(struct db_stmt *st, int i);
int64_t db_col_int(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
int db_col_is_null(struct db_stmt *st, int i);
int db_col_bytes(struct db_stmt *st, int i);
const void *db_col_blob(struct db_stmt *st, int i);

/* The row id the connection's last INSERT gave its row (SQLite's rowid),
** for tables keyed by it, such as a full-text index. */
int64_t db_last_id(struct db *db);

/* Transactions. db_begin() takes the write lock at once (SQLite BEGIN
** IMMEDIATE), so a transaction never fails half-way for lack of it. */
int db_begin(struct db *db, struct cg_err *e);
int db_commit(struct db *db, struct cg_err *e);
void db_rollback(struct db *db);

/* A read transaction over several statements, so that they read one
** snapshot and take the store's locks once (each statement outside a
** transaction takes and drops them itself, several system calls each
** time). db_read_begin() returns 1 when it began one, which the caller
** ends with db_read_end(); 0 when the connection is in a transaction
** already (or it could not begin: the statements then run on their own). */
int db_read_begin(struct db *db);
void db_read_end(struct db *db);

/* Run a query that returns one integer (count(*), max(...)): *out gets the
** first column of the first row, or `dflt` when there is no row or it is
** NULL. Parameters as in db_bindf(). */
int db_query_int(struct db *db, int64_t *out, int64_t dflt, struct cg_err *e,
                 const char *sql, const char *fmt, ...);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t db_changes(struct db *db);

/* Rows changed by every INSERT/UPDATE/DELETE since the connection opened:
** equal before and after a piece of work that wrote nothing. */
int64_t db_total_changes(struct db *db);

/* Statements prepared and not yet finalized on this connection (tests use
** it to assert that nothing leaks). */
int db_open_statements(const struct db *db);

/* One record of a CSV file being loaded by db_load_csv(). */
struct db_csv_row {
  char **f;          /* the fields, in the order of the cols asked for;
                     ** an optional column the file lacks reads "" */
  const char *where; /* "path:line", for messages */
};

/* Load a CSV file into the store in one transaction: check the header
** names every column in cols (the first nreq required, the rest
** optional), run `before` (SQL such as "DELETE FROM routing", or NULL)
** and then fn for every record. fn returns CG_OK or fails with *e filled
** (its message is prefixed with "path:line: " unless it names the place
** already). Blank lines are skipped; a record with another number of
** fields than the header is refused. Any failure rolls everything back.
** *n gets the records loaded; none at all is an error naming `noun`. */
int db_load_csv(struct db *db, const char *path, const char *const *cols,
                int ncols, int nreq, const char *before,
                int (*fn)(struct db *db, const struct db_csv_row *row,
                          void *arg, struct cg_err *e),
                void *arg, const char *noun, int *n, struct cg_err *e);

/* Placeholder dialects for db_sql_translate(). */
enum db_dialect {
  DB_QMARK = 0, /* `?` as written (SQLite) */
  DB_DOLLAR = 1 /* `$1`, `$2`, ... (PostgreSQL) */
};

/* Copy sql into out (size n) with each `?` placeholder outside string
** literals, quoted identifiers and comments rewritten for the dialect.
** Returns the number of placeholders, or -1 if out is too small. */
int db_sql_translate(const char *sql, enum db_dialect d, char *out, int n);

#endif
