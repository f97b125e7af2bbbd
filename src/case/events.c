/*
** events.c — the changes to cases in the district's order (gseq), as the
** live stream (GET /api/v1/stream) and `citygrid case events` show them:
** what happened to which case, where it is and how it stands now.
*/
#include "case_int.h"

#include <stdio.h>

json_t *
case_events_json(struct db *db, const struct cal *cal, int64_t after, int max,
                 int64_t now, struct cg_err *e)
{
  static const char sql[] =
      "SELECT e.gseq, e.case_no, e.action, e.from_state, e.to_state, e.at,"
      " c.lat, c.lon, coalesce(c.street_code, ''), c.state, c.scheme || ':'"
      " || c.kind || ':' || c.category_code FROM event e"
      " JOIN cases c ON c.no = e.case_no WHERE e.gseq > ? ORDER BY e.gseq"
      " LIMIT ?";
  struct db_stmt *st;
  json_t *list;
  int rc;

  if (db_prepare_cached(db, &st, sql, e) != CG_OK) return NULL;
  db_bind_int(st, 1, after);
  db_bind_int(st, 2, max);
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW) {
    /* the case's light now, for a map to colour it */
    const char *light = case_light_of(db, cal, db_col_text(st, 1), now);
    json_array_append_new(
        list,
        json_pack(
            "{s:I, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:s, s:s, s:s, s:s?}",
            "gseq", (json_int_t)db_col_int(st, 0), "no", db_col_text(st, 1),
            "action", db_col_text(st, 2), "from", db_col_text(st, 3), "to",
            db_col_text(st, 4), "at", (json_int_t)db_col_int(st, 5), "lat",
            db_col_double(st, 6), "lon", db_col_double(st, 7), "street",
            db_col_text(st, 8), "state", db_col_text(st, 9), "category",
            db_col_text(st, 10), "light", light));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return list;
}
