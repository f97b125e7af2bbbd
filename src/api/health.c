/*
** health.c — GET /healthz: is the store reachable.
*/
#include "api.h"

/* GET /healthz
** 200 {"status":"ok","store":"sqlite","grids":N} when a query on the store
** succeeds; 503 with the error shape when it does not. */
int
health_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  int64_t n;

  if (!db || area_count(db, AREA_GRID, &n, &e) != CG_OK)
    return http_reply_error(r, 503, "unavailable", "store unreachable: %s",
                            e.msg);
  return http_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:I}", "status", "ok", "store",
                                   db_backend(db), "grids", (json_int_t)n));
}
