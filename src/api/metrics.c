/*
** metrics.c — GET /metrics: the server's request counters and latencies
** (kept by http/server.c), the state of the loop (open cases by state,
** overdue cases), the list cache and the full-text index's indexer, in
** the Prometheus text format.
*/
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* GET /metrics — 200 text/plain; version=0.0.4. */
int
metrics_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  struct db_stmt *st;
  char *text = NULL;
  size_t len = 0;
  FILE *f;
  int64_t n;

  if (!db) return http_reply_err(r, &e);
  if (!(f = open_memstream(&text, &len)))
    return http_reply_error(r, 500, "internal", "out of memory");
  http_metrics_write(f);
  fprintf(f, "# HELP citygrid_cases Cases by state.\n"
             "# TYPE citygrid_cases gauge\n");
  if (db_prepare(db, &st,
                 "SELECT state, count(*) FROM cases GROUP BY state"
                 " ORDER BY state",
                 &e) == CG_OK) {
    while (db_step(st, &e) == DB_ROW)
      fprintf(f, "citygrid_cases{state=\"%s\"} %lld\n", db_col_text(st, 0),
              (long long)db_col_int(st, 1));
    db_finalize(st);
  }
  if (db_query_int(db, &n, 0, &e,
                   "SELECT count(*) FROM cases WHERE state = 'dispatched'"
                   " AND due_at < ?",
                   "i", (int64_t)time(NULL)) == CG_OK)
    fprintf(f,
            "# HELP citygrid_cases_overdue Cases whose departments are "
            "past their deadline.\n"
            "# TYPE citygrid_cases_overdue gauge\n"
            "citygrid_cases_overdue %lld\n",
            (long long)n);
  if (api_app(r)->cases && api_app(r)->cases->cache) {
    int64_t hits, misses;
    size_t bytes;
    case_cache_counts(api_app(r)->cases->cache, &hits, &misses, &bytes);
    fprintf(f,
            "# HELP citygrid_list_cache_lookups_total Pages and cases of"
            " lists looked up in the cache of rendered lists.\n"
            "# TYPE citygrid_list_cache_lookups_total counter\n"
            "citygrid_list_cache_lookups_total{result=\"hit\"} %lld\n"
            "citygrid_list_cache_lookups_total{result=\"miss\"} %lld\n"
            "# HELP citygrid_list_cache_bytes Bytes the cache of rendered"
            " lists holds (at most serve --list-cache).\n"
            "# TYPE citygrid_list_cache_bytes gauge\n"
            "citygrid_list_cache_bytes %zu\n",
            (long long)hits, (long long)misses, bytes);
  }
  {
    int64_t added, failed, lag;
    case_indexer_counts(&added, &failed);
    fprintf(f,
            "# HELP citygrid_search_indexed_total Cases the full-text"
            " index took in on this server's indexer thread.\n"
            "# TYPE citygrid_search_indexed_total counter\n"
            "citygrid_search_indexed_total %lld\n"
            "# HELP citygrid_search_failures_total Catch-ups of the"
            " full-text index that failed (each tried again).\n"
            "# TYPE citygrid_search_failures_total counter\n"
            "citygrid_search_failures_total %lld\n",
            (long long)added, (long long)failed);
    if (case_search_lag(db, &lag, &e) == CG_OK)
      fprintf(f,
              "# HELP citygrid_search_lag_cases Cases the full-text index"
              " lacks yet (searches read them without it).\n"
              "# TYPE citygrid_search_lag_cases gauge\n"
              "citygrid_search_lag_cases %lld\n",
              (long long)lag);
  }
  fclose(f);
  r->text = text;
  r->text_len = len;
  r->content_type = "text/plain; version=0.0.4; charset=utf-8";
  r->status = 200;
  return 200;
}
