/*
** verify.c — GET /api/v1/verify (administrators and leaders): whether any
** case's history was altered, removed or reordered since it was written,
** as `citygrid verify` checks it (case_verify(): each case's hash chain
** and the district's). It reads every event, so it runs on the pool.
*/
#include "api.h"

#include <string.h>

#define MAX_LISTED 500 /* problems named in the reply; the rest counted */

struct found {
  json_t *list;
  int n;
};

static void
found(const char *no, const char *problem, void *arg)
{
  struct found *f = arg;
  if (f->n++ < MAX_LISTED)
    json_array_append_new(
        f->list,
        json_pack("{s:s?, s:s}", "case", *no ? no : NULL, "problem", problem));
}

/* GET /api/v1/verify — 200 {"ok", "events", "cases", "head", "problems":
** [{"case" (null: the district's chain), "problem"}] (at most 500),
** "problems_total"}. */
int
verify_get_api(struct http_req *r)
{
  struct found f = {json_array(), 0};
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  int64_t events = 0, cases = 0;
  char head[65] = "";

  if (!db || case_verify(db, found, &f, &events, &cases, head, &e) != CG_OK) {
    json_decref(f.list);
    return http_reply_err(r, &e);
  }
  return http_reply_json(r, 200,
                         json_pack("{s:b, s:I, s:I, s:s?, s:o, s:i}", "ok",
                                   f.n == 0, "events", (json_int_t)events,
                                   "cases", (json_int_t)cases, "head",
                                   *head ? head : NULL, "problems", f.list,
                                   "problems_total", f.n));
}
