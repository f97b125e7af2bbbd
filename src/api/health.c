/*
** health.c — GET /healthz: is the store reachable. Cheap on purpose: load
** balancers and monitors call it often.
*/
#include "api.h"


/* GET /healthz
** 200 {"status":"ok","store":"sqlite","schema":N} when a query on the
** store succeeds; 503 with the error shape when it does not. */
int
health_get_api(struct http_req *r)
{
  static const char sql[] = "SELECT max(version) FROM schema_version";
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  struct db_stmt *st;
  int64_t v = -1;

  if (db && db_prepare_cached(db, &st, sql, &e) == CG_OK) {
    if (db_step(st, &e) == DB_ROW) v = db_col_int(st, 0);
    db_finalize(st);
  }
  if (v < 0)
    return http_reply_error(r, 503, "unavailable", "store unreachable: %s",
                            e.msg);
  return http_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:I}", "status", "ok", "store",
                                   db_backend(db), "schema", (json_int_t)v));
}
