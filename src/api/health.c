/*
** health.c — GET /healthz: is the store reachable. Cheap on purpose: load
** balancers and monitors call it often, so the store is asked at most once
** a second (a query costs a read transaction: half a dozen lock and stat
** system calls) and the answer of that probe stands until the next one.
** A failed probe is never cached: every call after a failure asks again.
*/
#include "api.h"

#include <stdatomic.h>
#include <time.h>

#define PROBE_EVERY_MS 1000

/* The last successful probe: when (monotonic ms, 0 = none) and what the
** store answered. Written by whichever worker probes; a race between two
** probes is harmless (both write what the store said). */
static atomic_llong probed_ms;
static atomic_llong probed_schema;
static _Atomic(const char *) probed_backend; /* from db_backend() */

static long long
now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* GET /healthz
** 200 {"status":"ok","store":"sqlite","schema":N} when a query on the
** store succeeded within the last second; 503 with the error shape when
** it does not answer. */
int
health_get_api(struct http_req *r)
{
  static const char sql[] = "SELECT max(version) FROM schema_version";
  struct cg_err e = {0};
  long long now = now_ms(), last = atomic_load(&probed_ms);
  int64_t v = -1;

  if (last && now - last < PROBE_EVERY_MS) {
    v = atomic_load(&probed_schema);
  } else {
    struct db *db = api_db(r, &e);
    struct db_stmt *st;
    if (db && db_prepare_cached(db, &st, sql, &e) == CG_OK) {
      if (db_step(st, &e) == DB_ROW) v = db_col_int(st, 0);
      db_finalize(st);
    }
    if (v < 0) {
      atomic_store(&probed_ms, 0);
      return http_reply_error(r, 503, "unavailable", "store unreachable: %s",
                              e.msg);
    }
    atomic_store(&probed_backend, db_backend(db));
    atomic_store(&probed_schema, v);
    atomic_store(&probed_ms, now);
  }
  return http_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:I}", "status", "ok", "store",
                                   atomic_load(&probed_backend), "schema",
                                   (json_int_t)v));
}
