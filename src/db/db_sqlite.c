/*
** db_sqlite.c — the SQLite backend of db.h: the default store, one file in
** the data directory, in WAL mode with foreign keys enforced.
**
** A struct db wraps one sqlite3 connection; a struct db_stmt wraps one
** sqlite3_stmt and remembers its connection for error messages.
*/
#include "db.h"

#include "../core/bigram.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CACHE_SLOTS 256  /* cached statements per connection (power of 2) */
#define CKPT_PAGES 1000  /* log pages that wake the checkpointer */
#define CKPT_STALL 16000 /* ...and that make the committer copy itself */

struct ckpt; /* db_checkpoint_behind() */

struct db_stmt {
  struct db *db;
  sqlite3_stmt *h;
  const char *cached_sql; /* the cache key for cached ones, else NULL */
};

struct db {
  sqlite3 *h;
  char path[1024];
  int nstmt;            /* statements handed out and not finalized */
  void (*gate)(void *); /* see db_set_gate() */
  void *gate_arg;
  int (*stop)(void *); /* see db_set_abort() */
  void *stop_arg;
  struct ckpt *ckpt;                  /* the checkpointer, if any; owned */
  pthread_mutex_t sync_mu;            /* db_sync(): its own file handle */
  int sync_fd;                        /* of the write-ahead log; -1 none */
  struct db_stmt *cache[CACHE_SLOTS]; /* open addressing on the sql pointer */
};

/* Wait at the gate, if the connection has one. */
#define GATE(db)                                                               \
  do {                                                                         \
    if ((db)->gate) (db)->gate((db)->gate_arg);                                \
  } while (0)

void
db_set_gate(struct db *db, void (*fn)(void *), void *arg)
{
  db->gate = fn;
  db->gate_arg = arg;
}

/* Has db's work been told to stop (db_set_abort())? */
static int
stopped(struct db *db)
{
  return db->stop && db->stop(db->stop_arg);
}

/* The cg code of the connection's last error: CG_EUNAVAIL when its work
** was cut short (db_set_abort()). */
static int
last_code(struct db *db)
{
  int rc = sqlite3_extended_errcode(db->h) & 0xff;

  if (rc == SQLITE_CONSTRAINT) return CG_ECONFLICT;
  if (rc == SQLITE_NOMEM) return CG_ENOMEM;
  if (rc == SQLITE_INTERRUPT || (rc == SQLITE_BUSY && stopped(db)))
    return CG_EUNAVAIL;
  return CG_EDB;
}

/* Fill *e from the connection's last error, with `what` as context. */
static int
fail_sqlite(struct db *db, struct cg_err *e, const char *what)
{
  return cg_fail(e, last_code(db), "%s: %s", what, sqlite3_errmsg(db->h));
}

/* SQLite's progress handler on a connection with a stop: non-zero
** interrupts the statement under way. */
static int
progress(void *arg)
{
  return stopped(arg);
}

/* The busy handler of a connection with a stop: the waits of
** sqlite3_busy_timeout(db, 5000) — short at first, then a tenth of a
** second each, 5 s in all — but no more once told to stop. */
static int
busy(void *arg, int n)
{
  static const unsigned char ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50};
  int waited = 0, step;

  if (stopped(arg)) return 0;
  for (int i = 0; i < n; i++)
    waited += i < (int)sizeof ms ? ms[i] : 100;
  step = n < (int)sizeof ms ? ms[n] : 100;
  if (waited >= 5000) return 0;
  if (step > 5000 - waited) step = 5000 - waited;
  nanosleep(&(struct timespec){step / 1000, (long)(step % 1000) * 1000000},
            NULL);
  return 1;
}

void
db_set_abort(struct db *db, int (*stop)(void *), void *arg)
{
  db->stop = stop;
  db->stop_arg = arg;
  if (stop) {
    /* a look every thousand steps of the VM: some microseconds */
    sqlite3_progress_handler(db->h, 1000, progress, db);
    sqlite3_busy_handler(db->h, busy, db);
  } else {
    sqlite3_progress_handler(db->h, 0, NULL, NULL);
    sqlite3_busy_timeout(db->h, 5000);
  }
}

/* Once per process, before the first connection: no memory statistics.
** With them every allocation of every connection takes one global mutex,
** which the server's threads then queue on. */
static void
configure(void)
{
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* bigrams(text): cg_bigrams() in SQL, for the index of two-character
** words (migration 0017), filled by the same statements as the others. */
static void
sql_bigrams(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
  const char *t = (const char *)sqlite3_value_text(argv[0]);
  char *b;
  (void)argc;
  if (!t) {
    sqlite3_result_null(cx);
    return;
  }
  if (!(b = cg_bigrams(t))) {
    sqlite3_result_error_nomem(cx);
    return;
  }
  sqlite3_result_text(cx, b, -1, free);
}

/* The full-text index's file beside the store at `where` into path:
** "DIR/citygrid.db" gives "DIR/citygrid-search.db"; a store in memory
** gives ":memory:". */
static void
search_path(char *path, size_t size, const char *where)
{
  size_t n = strlen(where);
  if (!n || !strcmp(where, ":memory:")) {
    snprintf(path, size, ":memory:");
    return;
  }
  if (n > 3 && !strcmp(where + n - 3, ".db")) n -= 3;
  snprintf(path, size, "%.*s-search.db", (int)n, where);
}

/* The search file's schema (src/case/search.c fills it). It holds only
** what can be made again from the store: the index of character pairs of
** the cases' addresses and descriptions (as migration 0017 made it in the
** store, where it stayed until 0022), the greatest cases.rowid it holds
** (`mark`) and the hash of that case's first event, which says whether
** the file belongs to the store beside it (a store made anew, or put back
** from a backup, has another case there, maybe of the same number, or
** none). A missing or damaged file is made anew, empty, at the next
** open, and filled again from the cases. */
static const char search_schema[] =
    "CREATE VIRTUAL TABLE IF NOT EXISTS search.case_bigram USING fts5("
    " words, content = '', detail = 'none', tokenize = 'unicode61');"
    "CREATE TABLE IF NOT EXISTS search.mark ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " value INTEGER NOT NULL,"
    " hash TEXT NOT NULL);"
    "INSERT OR IGNORE INTO search.mark (id, value, hash) VALUES (1, 0, '');";

/* Attach the database file at path as schema `search`, and read it (a
** file that is not a database shows only then): SQLITE_OK, or SQLite's
** error with nothing attached. */
static int
attach(struct db *db, const char *path)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db->h, "ATTACH ? AS search", -1, &st, NULL);

  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    if ((rc = sqlite3_step(st)) == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_exec(db->h, "SELECT count(*) FROM search.sqlite_master", NULL,
                    NULL, NULL);
  if (rc != SQLITE_OK) sqlite3_exec(db->h, "DETACH search", NULL, NULL, NULL);
  return rc;
}

/* Has the attached search schema its tables? */
static int
search_made(struct db *db)
{
  return sqlite3_exec(db->h, "SELECT value FROM search.mark", NULL, NULL,
                      NULL) == SQLITE_OK;
}

/* path as a read-only URI ("file:PATH?mode=ro", its %, ? and # escaped)
** into uri. */
static void
read_only_uri(char *uri, size_t size, const char *path)
{
  size_t n = snprintf(uri, size, "file:");
  for (const char *p = path; *p && n + 4 < size; p++)
    if (*p == '%' || *p == '?' || *p == '#')
      n += snprintf(uri + n, size - n, "%%%02X", (unsigned char)*p);
    else
      uri[n++] = *p;
  snprintf(uri + n, size - n, "?mode=ro");
}

/* Attach the search file at path for writing, made anew if damaged, its
** schema made if missing. CG_OK, or why not. */
static int
attach_writable(struct db *db, const char *path, struct cg_err *e)
{
  char side[1120];
  int fd, rc;

  /* made here if missing: an empty file is an empty database, and a
  ** connection opened without DB_CREATE may not make one */
  if (strcmp(path, ":memory:") &&
      (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
    close(fd);
  rc = attach(db, path) & 0xff; /* the primary code */

  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
    /* damaged: derived data, made again. Emptied rather than removed: an
    ** empty file is an empty database, and it stays the file that
    ** SQLite, in this process, may still know by its inode. */
    if (truncate(path, 0) != 0)
      return cg_fail(e, CG_EIO, "cannot empty the damaged search index '%s'",
                     path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rc = attach(db, path);
  }
  if (rc != SQLITE_OK)
    return cg_fail(e, CG_EDB, "cannot open the search index '%s': %s", path,
                   sqlite3_errstr(rc));
  /* derived data: its commits need not wait for the disk */
  if (strcmp(path, ":memory:") &&
      (db_exec(db, "PRAGMA search.journal_mode = WAL", e) != CG_OK ||
       db_exec(db, "PRAGMA search.synchronous = NORMAL", e) != CG_OK))
    return e->code;
  return search_made(db) ? CG_OK : db_exec(db, search_schema, e);
}

/* Attach an empty search index in memory as schema `search`, for a
** read-only connection that finds no file (which cannot make tables, not
** even in memory): the schema made on a connection of its own, whose
** image db then reads. CG_OK, or why not. */
static int
attach_empty(struct db *db, struct cg_err *e)
{
  sqlite3 *m = NULL;
  unsigned char *image = NULL;
  sqlite3_int64 n = 0;
  int rc = SQLITE_ERROR;

  if (sqlite3_open_v2(":memory:", &m, SQLITE_OPEN_READWRITE, NULL) ==
          SQLITE_OK &&
      sqlite3_exec(m, "ATTACH ':memory:' AS search", NULL, NULL, NULL) ==
          SQLITE_OK &&
      sqlite3_exec(m, search_schema, NULL, NULL, NULL) == SQLITE_OK)
    image = sqlite3_serialize(m, "search", &n, 0);
  sqlite3_close(m);
  if (image && attach(db, ":memory:") == SQLITE_OK)
    rc = sqlite3_deserialize(db->h, "search", image, n, n,
                             SQLITE_DESERIALIZE_FREEONCLOSE |
                                 SQLITE_DESERIALIZE_READONLY);
  else
    sqlite3_free(image); /* (deserialize frees it, even when it fails) */
  if (rc != SQLITE_OK)
    return cg_fail(e, CG_EDB, "cannot attach an empty search index: %s",
                   sqlite3_errmsg(db->h));
  return CG_OK;
}

/* Attach the full-text index's file (see search_schema) as schema
** `search`: its own file, so that the thread that keeps the index up to
** date writes it while the store's writer writes the store (SQLite has one
** writer a file). Read-only but for its keeper (DB_SEARCH): a BEGIN
** IMMEDIATE takes the write lock of every database attached for writing,
** and every transaction of the store's would then wait for the keeper's.
** A file missing or damaged is made anew, empty; a read-only connection
** that finds none reads an empty index in memory (attach_empty(): its
** searches then read the cases by LIKE). CG_OK, or why not. */
static int
search_attach(struct db *db, const char *where, int flags, struct cg_err *e)
{
  char path[1100], uri[3400];
  int rc;

  search_path(path, sizeof path, where);
  if (!strcmp(path, ":memory:") || (flags & DB_SEARCH))
    return attach_writable(db, path, e);
  read_only_uri(uri, sizeof uri, path);
  if ((rc = attach(db, uri)) == SQLITE_OK) {
    if (search_made(db)) return CG_OK;
    sqlite3_exec(db->h, "DETACH search", NULL, NULL, NULL);
  }
  if (flags & DB_READONLY) return attach_empty(db, e);
  /* made (or made again) by this connection, then read as the others do */
  if (attach_writable(db, path, e) != CG_OK) return e->code;
  sqlite3_exec(db->h, "DETACH search", NULL, NULL, NULL);
  if ((rc = attach(db, uri)) != SQLITE_OK)
    return cg_fail(e, CG_EDB, "cannot open the search index '%s': %s", path,
                   sqlite3_errstr(rc));
  return CG_OK;
}

int
db_open(struct db **out, const char *where, int flags, struct cg_err *e)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  struct db *db = calloc(1, sizeof *db);
  int oflags =
      (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;

  *out = NULL;
  pthread_once(&once, configure);
  if (!db) return cg_fail(e, CG_ENOMEM, "out of memory");
  pthread_mutex_init(&db->sync_mu, NULL);
  db->sync_fd = -1;
  if (flags & DB_CREATE) oflags |= SQLITE_OPEN_CREATE;
  oflags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI; /* for search_attach() */
  snprintf(db->path, sizeof db->path, "%s", where);
  if (sqlite3_open_v2(where, &db->h, oflags, NULL) != SQLITE_OK) {
    cg_fail(e, CG_EDB, "cannot open database '%s': %s", where,
            db->h ? sqlite3_errmsg(db->h) : "out of memory");
    sqlite3_close(db->h);
    free(db);
    return CG_EDB;
  }
  sqlite3_busy_timeout(db->h, 5000);
  sqlite3_extended_result_codes(db->h, 1);
  sqlite3_create_function(db->h, "bigrams", 1,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                          NULL, sql_bigrams, NULL, NULL);
  /* 8 KiB pages (takes effect only when the file is created): larger
  ** pages make bulk loads of the append-mostly case tables faster, but
  ** every commit writes each page it touched whole, and the HTTP writer
  ** commits a few dozen reports at a time; 8 KiB is the measured middle
  ** (bench_cases 52k cases/s against 40k with 4 KiB; the HTTP writer
  ** writes a third less than with 16 KiB) */
  if (db_exec(db, "PRAGMA foreign_keys = ON", e) != CG_OK ||
      (!(flags & DB_READONLY) &&
       (db_exec(db, "PRAGMA page_size = 8192", e) != CG_OK ||
        db_exec(db, "PRAGMA journal_mode = WAL", e) != CG_OK ||
        db_exec(db, "PRAGMA synchronous = FULL", e) != CG_OK ||
        db_exec(db, "PRAGMA cache_size = -65536", e) != CG_OK ||
        /* statement journals in memory, not in temporary files */
        db_exec(db, "PRAGMA temp_store = MEMORY", e) != CG_OK)) ||
      search_attach(db, where, flags, e) != CG_OK) {
    cg_err_prefix(e, "cannot open database '%s'", where);
    db_close(db);
    return CG_EDB;
  }
  *out = db;
  return CG_OK;
}

static void ckpt_stop(struct db *db);

void
db_close(struct db *db)
{
  if (!db) return;
  ckpt_stop(db);
  if (db->sync_fd >= 0) close(db->sync_fd);
  pthread_mutex_destroy(&db->sync_mu);
  for (int i = 0; i < CACHE_SLOTS; i++)
    if (db->cache[i]) {
      sqlite3_finalize(db->cache[i]->h);
      free(db->cache[i]);
    }
  sqlite3_close_v2(db->h);
  free(db);
}

/* The checkpointer: a thread with its own connection to the store, woken
** by the writer's commits (see db_checkpoint_behind() in db.h). */
struct ckpt {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int wake, stop;
  int busy;    /* copying */
  int woke_at; /* the log's pages when it was last woken; 0 none since
                  the log started over */
  int tail;    /* the writer copied the rest after it (see ckpt_hook()) */
  sqlite3 *h;
};

static void *
ckpt_main(void *arg)
{
  struct ckpt *c = arg;

  pthread_setname_np(pthread_self(), "cg-checkpoint");
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->wake && !c->stop)
      pthread_cond_wait(&c->cv, &c->mu);
    if (c->stop) break;
    c->wake = 0;
    c->busy = 1;
    pthread_mutex_unlock(&c->mu);
    /* PASSIVE: copies what it can, waits for no reader or writer */
    sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

/* The writer's commit hook. The log starts over only when a write
** begins with all of it copied into the database, and a busy writer
** begins its next transaction at once, while the checkpointer is still
** copying. So the checkpointer is woken once the log has grown by
** CKPT_PAGES and copies the bulk of it; once it is done, the writer
** copies the pages committed since, itself, at its next commit, and the
** write after that starts the log over. (Waking the checkpointer at every
** commit past CKPT_PAGES instead has it copy a commit's pages at a time,
** with two syncs each.) A log that grows far all the same is copied
** here. */
static int
ckpt_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
  struct ckpt *c = arg;
  int self, idle;

  pthread_mutex_lock(&c->mu);
  if (pages < c->woke_at) c->woke_at = c->tail = 0; /* it started over */
  idle = !c->wake && !c->busy;
  self = pages >= CKPT_STALL;
  if (!self && idle && c->woke_at && !c->tail) {
    self = c->tail = 1; /* its copy done: the rest, here */
  } else if (!self && idle && pages - c->woke_at >= CKPT_PAGES) {
    c->woke_at = pages;
    c->tail = 0;
    c->wake = 1;
    pthread_cond_signal(&c->cv);
  }
  pthread_mutex_unlock(&c->mu);
  if (self)
    sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  return SQLITE_OK;
}

int
db_checkpoint_behind(struct db *db, struct cg_err *e)
{
  struct ckpt *c;

  if (db->ckpt) return CG_OK;
  if (!(c = calloc(1, sizeof *c)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  if (sqlite3_open_v2(db->path, &c->h,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK ||
      sqlite3_exec(c->h, "PRAGMA synchronous = FULL", NULL, NULL, NULL) !=
          SQLITE_OK) {
    cg_fail(e, CG_EDB, "cannot open database '%s' to checkpoint: %s", db->path,
            c->h ? sqlite3_errmsg(c->h) : "out of memory");
    sqlite3_close(c->h);
    free(c);
    return CG_EDB;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    sqlite3_close(c->h);
    free(c);
    return cg_fail(e, CG_EINTERNAL, "cannot start the checkpointer");
  }
  db->ckpt = c;
  sqlite3_wal_hook(db->h, ckpt_hook, c); /* (ends automatic checkpoints) */
  return CG_OK;
}

/* End the checkpointer and put the automatic checkpoints back. */
static void
ckpt_stop(struct db *db)
{
  struct ckpt *c = db->ckpt;

  if (!c) return;
  sqlite3_wal_autocheckpoint(db->h, CKPT_PAGES);
  pthread_mutex_lock(&c->mu);
  c->stop = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  sqlite3_close(c->h);
  free(c);
  db->ckpt = NULL;
}

int
db_defer_sync(struct db *db, struct cg_err *e)
{
  return db_exec(db, "PRAGMA synchronous = NORMAL", e);
}

/* The file's device and inode in *dev and *ino, of the path or, with
** path NULL, of fd: 0, or -1 with errno. Only these are asked for, not
** the times. A recent Linux gives a file whose change time was read a
** finer one at its next write, so that write dirties the inode, and the
** fdatasync() after it writes the inode too: a second write to wait for
** at every sync of the log (a third longer, measured on ext4). */
static int
file_id(int fd, const char *path, dev_t *dev, ino_t *ino)
{
#ifdef STATX_INO
  struct statx x;
  if (statx(path ? AT_FDCWD : fd, path ? path : "", path ? 0 : AT_EMPTY_PATH,
            STATX_INO, &x) != 0)
    return -1;
  *dev = makedev(x.stx_dev_major, x.stx_dev_minor);
  *ino = x.stx_ino;
#else
  struct stat st;
  if ((path ? stat(path, &st) : fstat(fd, &st)) != 0) return -1;
  *dev = st.st_dev;
  *ino = st.st_ino;
#endif
  return 0;
}

int
db_sync(struct db *db, struct cg_err *e)
{
  char wal[1100];
  dev_t now_dev, held_dev;
  ino_t now_ino, held_ino;
  int rc = CG_OK;

  /* The log's own handle: fdatasync() flushes what every handle of the
  ** file wrote, SQLite's included. It is opened again if the log was
  ** replaced (deleted when its last connection closed, then made anew).
  ** SQLite takes no locks on the log itself, so this handle's closing
  ** cannot drop any of them. */
  snprintf(wal, sizeof wal, "%s-wal", db->path);
  pthread_mutex_lock(&db->sync_mu);
  if (db->sync_fd >= 0 &&
      (file_id(db->sync_fd, NULL, &held_dev, &held_ino) != 0 ||
       file_id(-1, wal, &now_dev, &now_ino) != 0 || held_ino != now_ino ||
       held_dev != now_dev)) {
    close(db->sync_fd);
    db->sync_fd = -1;
  }
  if (db->sync_fd < 0 && (db->sync_fd = open(wal, O_RDONLY | O_CLOEXEC)) < 0)
    rc = errno == ENOENT
             ? CG_OK /* no log: every commit is checkpointed */
             : cg_fail(e, CG_EIO, "cannot open '%s': %s", wal, strerror(errno));
  else if (fdatasync(db->sync_fd) != 0)
    rc = cg_fail(e, CG_EIO, "cannot sync '%s': %s", wal, strerror(errno));
  pthread_mutex_unlock(&db->sync_mu);
  return rc;
}

const char *
db_backend(const struct db *db)
{
  return "sqlite";
}

const char *
db_where(const struct db *db)
{
  return db->path;
}

int
db_exec(struct db *db, const char *sql, struct cg_err *e)
{
  char *msg = NULL;
  GATE(db);
  if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
    int rc = cg_fail(e, last_code(db), "%s", msg ? msg : sqlite3_errmsg(db->h));
    sqlite3_free(msg);
    return rc;
  }
  return CG_OK;
}

int
db_prepare(struct db *db, struct db_stmt **out, const char *sql,
           struct cg_err *e)
{
  struct db_stmt *st = calloc(1, sizeof *st);

  *out = NULL;
  if (!st) return cg_fail(e, CG_ENOMEM, "out of memory");
  GATE(db);
  if (sqlite3_prepare_v2(db->h, sql, -1, &st->h, NULL) != SQLITE_OK) {
    char what[96];
    snprintf(what, sizeof what, "cannot prepare '%.60s'", sql);
    free(st);
    return fail_sqlite(db, e, what);
  }
  st->db = db;
  db->nstmt++;
  *out = st;
  return CG_OK;
}

void
db_finalize(struct db_stmt *st)
{
  if (!st) return;
  GATE(st->db);
  st->db->nstmt--;
  if (st->cached_sql) {
    sqlite3_reset(st->h);
    sqlite3_clear_bindings(st->h);
    return;
  }
  sqlite3_finalize(st->h);
  free(st);
}

int
db_prepare_cached(struct db *db, struct db_stmt **out, const char *sql,
                  struct cg_err *e)
{
  size_t slot = ((uintptr_t)sql >> 3) & (CACHE_SLOTS - 1);
  int rc;

  GATE(db);
  for (int probe = 0; probe < CACHE_SLOTS; probe++) {
    struct db_stmt *st = db->cache[slot];
    if (st && st->cached_sql == sql) {
      db->nstmt++;
      *out = st;
      return CG_OK;
    }
    if (!st) {
      if ((rc = db_prepare(db, out, sql, e)) != CG_OK) return rc;
      (*out)->cached_sql = sql;
      db->cache[slot] = *out;
      return CG_OK;
    }
    slot = (slot + 1) & (CACHE_SLOTS - 1);
  }
  return db_prepare(db, out, sql, e); /* cache full: an ordinary one */
}

int
db_bind_text(struct db_stmt *st, int i, const char *v)
{
  if (!v) return db_bind_null(st, i);
  return sqlite3_bind_text(st->h, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK
             ? CG_OK
             : CG_EDB;
}

int
db_bind_text_ref(struct db_stmt *st, int i, const char *v)
{
  if (!v) return db_bind_null(st, i);
  return sqlite3_bind_text(st->h, i, v, -1, SQLITE_STATIC) == SQLITE_OK
             ? CG_OK
             : CG_EDB;
}

int
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
  return sqlite3_bind_int64(st->h, i, v) == SQLITE_OK ? CG_OK : CG_EDB;
}

int
db_bind_double(struct db_stmt *st, int i, double v)
{
  return sqlite3_bind_double(st->h, i, v) == SQLITE_OK ? CG_OK : CG_EDB;
}

int
db_bind_null(struct db_stmt *st, int i)
{
  return sqlite3_bind_null(st->h, i) == SQLITE_OK ? CG_OK : CG_EDB;
}

int
db_bind_blob(struct db_stmt *st, int i, const void *p, int n)
{
  return sqlite3_bind_blob(st->h, i, p, n, SQLITE_TRANSIENT) == SQLITE_OK
             ? CG_OK
             : CG_EDB;
}

/* Bind by format; shared by db_bindf() and db_query_int(). */
static int
bind_va(struct db_stmt *st, const char *fmt, va_list ap)
{
  int rc = CG_OK;
  for (int i = 1; fmt && *fmt && rc == CG_OK; fmt++, i++) {
    switch (*fmt) {
    case 't':
      rc = db_bind_text(st, i, va_arg(ap, const char *));
      break;
    case 'T':
      rc = db_bind_text_ref(st, i, va_arg(ap, const char *));
      break;
    case 'i':
      rc = db_bind_int(st, i, va_arg(ap, int64_t));
      break;
    case 'd':
      rc = db_bind_double(st, i, va_arg(ap, double));
      break;
    case 'n':
      rc = db_bind_null(st, i);
      break;
    case 'b': {
      const void *p = va_arg(ap, const void *);
      rc = db_bind_blob(st, i, p, va_arg(ap, int));
      break;
    }
    default:
      return CG_EINVAL;
    }
  }
  return rc;
}

int
db_bindf(struct db_stmt *st, const char *fmt, ...)
{
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = bind_va(st, fmt, ap);
  va_end(ap);
  return rc;
}

int
db_step(struct db_stmt *st, struct cg_err *e)
{
  int rc;
  GATE(st->db);
  if ((rc = sqlite3_step(st->h)) == SQLITE_ROW) return DB_ROW;
  if (rc == SQLITE_DONE) return DB_DONE;
  return -fail_sqlite(st->db, e, "database error");
}

void
db_reset(struct db_stmt *st)
{
  GATE(st->db);
  sqlite3_reset(st->h);
}

const char *
db_col_text(struct db_stmt *st, int i)
{
  return (const char *)sqlite3_column_text(st->h, i);
}

int64_t
db_col_int(struct db_stmt *st, int i)
{
  return sqlite3_column_int64(st->h, i);
}

double
db_col_double(struct db_stmt *st, int i)
{
  return sqlite3_column_double(st->h, i);
}

int
db_col_is_null(struct db_stmt *st, int i)
{
  return sqlite3_column_type(st->h, i) == SQLITE_NULL;
}

int
db_col_bytes(struct db_stmt *st, int i)
{
  return sqlite3_column_bytes(st->h, i);
}

const void *
db_col_blob(struct db_stmt *st, int i)
{
  return sqlite3_column_blob(st->h, i);
}

static const char begin_sql[] = "BEGIN IMMEDIATE";
static const char commit_sql[] = "COMMIT";

int
db_begin(struct db *db, struct cg_err *e)
{
  return db_exec_cached(db, begin_sql, e);
}

int
db_exec_cached(struct db *db, const char *sql, struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare_cached(db, &st, sql, e);
  if (rc != CG_OK) return rc;
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int64_t
db_last_id(struct db *db)
{
  GATE(db);
  return sqlite3_last_insert_rowid(db->h);
}

int
db_commit(struct db *db, struct cg_err *e)
{
  return db_exec_cached(db, commit_sql, e);
}

static const char read_begin_sql[] = "BEGIN";

int
db_read_begin(struct db *db)
{
  GATE(db);
  return sqlite3_get_autocommit(db->h) &&
         db_exec_cached(db, read_begin_sql, NULL) == CG_OK;
}

void
db_read_end(struct db *db)
{
  GATE(db);
  if (!sqlite3_get_autocommit(db->h)) db_exec_cached(db, commit_sql, NULL);
}

void
db_rollback(struct db *db)
{
  GATE(db);
  if (!sqlite3_get_autocommit(db->h))
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
db_query_int(struct db *db, int64_t *out, int64_t dflt, struct cg_err *e,
             const char *sql, const char *fmt, ...)
{
  struct db_stmt *st;
  va_list ap;
  int rc;

  *out = dflt;
  if ((rc = db_prepare(db, &st, sql, e)) != CG_OK) return rc;
  va_start(ap, fmt);
  rc = bind_va(st, fmt, ap);
  va_end(ap);
  if (rc != CG_OK) {
    db_finalize(st);
    return cg_fail(e, CG_EINTERNAL, "bad bind format '%s'", fmt);
  }
  rc = db_step(st, e);
  if (rc == DB_ROW && !db_col_is_null(st, 0)) *out = db_col_int(st, 0);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int64_t
db_changes(struct db *db)
{
  GATE(db);
  return sqlite3_changes64(db->h);
}

int64_t
db_total_changes(struct db *db)
{
  GATE(db);
  return sqlite3_total_changes64(db->h);
}

int
db_open_statements(const struct db *db)
{
  return db->nstmt;
}
