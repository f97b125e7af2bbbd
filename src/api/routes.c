/*
** routes.c — the one route table of the HTTP API, and the per-thread store
** connections handlers use.
*/
#include "api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define LEADER ROLE_BIT(ROLE_LEADER)
/* Everyone who works in the district: all roles but the public's. */
#define STAFF (((1u << ROLE_COUNT) - 1) & ~ROLE_BIT(ROLE_PUBLIC))

/* Keep sorted by path, then method (strcmp): the router uses bsearch, and
** http_serve() refuses a table out of order. Columns: path, method,
** handler, flags, roles allowed (0: any logged-in user). ROUTE_SLOW marks
** what can take long — a second or more on a store of a million cases,
** or a password's hash — and so runs on the server's pool, never on a
** worker that other connections wait for. */
const struct http_route api_routes[] = {
    {"/", "GET", web_page_get_api, 0, 0},
    {"/api/v1/apikeys", "GET", apikeys_get_api, ROUTE_LOGIN, ADMIN},
    {"/api/v1/apikeys", "POST", apikeys_post_api, ROUTE_LOGIN | ROUTE_WRITE,
     ADMIN},
    {"/api/v1/apikeys/{name}/revoke", "POST", apikey_revoke_post_api,
     ROUTE_LOGIN | ROUTE_WRITE, ADMIN},
    {"/api/v1/attachments", "POST", attachments_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_UPLOAD, 0},
    {"/api/v1/attachments/{sha256}", "GET", attachment_get_api, ROUTE_LOGIN, 0},
    {"/api/v1/calendar", "GET", calendar_get_api, 0, 0},
    {"/api/v1/cases", "GET", cases_get_api, ROUTE_LOGIN | ROUTE_SLOW, 0},
    {"/api/v1/cases", "POST", cases_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_UPLOAD, 0},
    {"/api/v1/cases/points", "GET", cases_points_get_api,
     ROUTE_LOGIN | ROUTE_SLOW, 0},
    {"/api/v1/cases/{no}", "GET", case_get_api, ROUTE_LOGIN, 0},
    {"/api/v1/cases/{no}/{action}", "POST", case_action_post_api,
     ROUTE_LOGIN | ROUTE_WRITE, 0},
    {"/api/v1/categories", "GET", categories_get_api, 0, 0},
    {"/api/v1/communities", "GET", areas_get_api, ROUTE_SLOW, 0},
    {"/api/v1/departments", "GET", departments_get_api, 0, 0},
    {"/api/v1/district", "GET", areas_get_api, ROUTE_SLOW, 0},
    {"/api/v1/flags", "GET", flags_get_api, ROUTE_LOGIN | ROUTE_SLOW, STAFF},
    {"/api/v1/grids", "GET", areas_get_api, ROUTE_SLOW, 0},
    {"/api/v1/grids/generate", "POST", grids_generate_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_SLOW, ADMIN},
    {"/api/v1/import/{kind}", "POST", import_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_UPLOAD | ROUTE_SLOW, ADMIN},
    {"/api/v1/indicators", "GET", indicators_get_api, ROUTE_LOGIN | ROUTE_SLOW,
     STAFF},
    {"/api/v1/indicators/definitions", "GET", definitions_get_api, 0, 0},
    {"/api/v1/locate", "GET", locate_get_api, 0, 0},
    {"/api/v1/login", "POST", login_post_api, ROUTE_WRITE | ROUTE_SLOW, 0},
    {"/api/v1/logout", "POST", logout_post_api, ROUTE_LOGIN, 0},
    {"/api/v1/map", "GET", map_get_api, 0, 0},
    {"/api/v1/me", "GET", me_get_api, ROUTE_LOGIN, 0},
    {"/api/v1/openapi.json", "GET", openapi_get_api, 0, 0},
    {"/api/v1/periods", "GET", periods_get_api, 0, 0},
    /* the public pages: no account; reports and photos write */
    {"/api/v1/public/attachments", "POST", public_attachments_post_api,
     ROUTE_WRITE | ROUTE_UPLOAD, 0},
    {"/api/v1/public/attachments/{sha256}", "GET", public_attachment_get_api, 0,
     0},
    {"/api/v1/public/cases", "POST", public_cases_post_api, ROUTE_WRITE, 0},
    {"/api/v1/public/cases/{no}", "GET", public_case_get_api, 0, 0},
    {"/api/v1/public/cases/{no}/rate", "POST", public_rate_post_api,
     ROUTE_WRITE, 0},
    {"/api/v1/reports/{kind}", "GET", reports_get_api, ROUTE_LOGIN | ROUTE_SLOW,
     STAFF},
    {"/api/v1/segments", "GET", segments_get_api, 0, 0},
    {"/api/v1/segments", "POST", segments_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_UPLOAD | ROUTE_SLOW, ADMIN},
    {"/api/v1/segments/generate", "POST", segments_generate_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_SLOW, ADMIN},
    {"/api/v1/segments/{id}/chief", "POST", segment_chief_post_api,
     ROUTE_LOGIN | ROUTE_WRITE, ADMIN},
    {"/api/v1/segments/{id}/flags", "GET", segment_flags_get_api,
     ROUTE_LOGIN | ROUTE_SLOW, STAFF},
    {"/api/v1/stats", "GET", stats_get_api, ROUTE_LOGIN | ROUTE_SLOW, 0},
    {"/api/v1/stream", "GET", stream_get_api, ROUTE_LOGIN, 0},
    {"/api/v1/streets", "GET", areas_get_api, ROUTE_SLOW, 0},
    {"/api/v1/users", "GET", users_get_api, ROUTE_LOGIN, ADMIN},
    {"/api/v1/users", "POST", users_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_SLOW, ADMIN},
    {"/api/v1/users/{login}", "POST", user_post_api,
     ROUTE_LOGIN | ROUTE_WRITE | ROUTE_SLOW, ADMIN},
    {"/api/v1/verify", "GET", verify_get_api, ROUTE_LOGIN | ROUTE_SLOW,
     ADMIN | LEADER},
    {"/assets/images/{file}", "GET", web_asset_get_api, 0, 0},
    {"/assets/{file}", "GET", web_asset_get_api, 0, 0},
    {"/healthz", "GET", health_get_api, 0, 0},
    {"/metrics", "GET", metrics_get_api, ROUTE_SLOW, 0},
    /* Open311: POSTs carry an api_key, which the handlers check */
    {"/open311/v2/discovery.{fmt}", "GET", open311_discovery_get_api, 0, 0},
    {"/open311/v2/requests.{fmt}", "GET", open311_requests_get_api, ROUTE_SLOW,
     0},
    {"/open311/v2/requests.{fmt}", "POST", open311_requests_post_api,
     ROUTE_WRITE, 0},
    {"/open311/v2/requests/{id}.{fmt}", "GET", open311_request_get_api, 0, 0},
    {"/open311/v2/servicerequestupdates.{fmt}", "GET", open311_updates_get_api,
     ROUTE_SLOW, 0},
    {"/open311/v2/servicerequestupdates.{fmt}", "POST",
     open311_updates_post_api, ROUTE_WRITE, 0},
    {"/open311/v2/services.{fmt}", "GET", open311_services_get_api, 0, 0},
    {"/open311/v2/services/{code}.{fmt}", "GET", open311_service_get_api, 0, 0},
    {"/open311/v2/tokens/{token}.{fmt}", "GET", open311_token_get_api, 0, 0},
    {"/public", "GET", web_page_get_api, 0, 0},
};
const int api_nroutes = sizeof api_routes / sizeof api_routes[0];

struct api_app *
api_app(struct http_req *r)
{
  return r->app;
}

struct api_call *
api_call(struct http_req *r)
{
  static __thread struct api_call call; /* one request at a time a thread */
  return &call;
}

/* Connections opened by worker threads, for api_close_all(). */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db **conns;
static int nconns;
static __thread struct db *thread_db;
static atomic_int cut_short; /* see api_cut_short() */

/* The worker connections' stop (db_set_abort()). */
static int
is_cut_short(void *arg)
{
  return atomic_load_explicit(&cut_short, memory_order_relaxed);
}

void
api_cut_short(void *app)
{
  atomic_store(&cut_short, 1);
}

struct db *
api_db(struct http_req *r, struct cg_err *e)
{
  return api_db_app(api_app(r), e);
}

struct db *
api_db_app(struct api_app *app, struct cg_err *e)
{
  struct db **grown;

  if (thread_db) return thread_db;
  if (db_open(&thread_db, app->db_path, 0, e) != CG_OK) return NULL;
  db_set_abort(thread_db, is_cut_short, NULL);
  pthread_mutex_lock(&conns_lock);
  grown = realloc(conns, (nconns + 1) * sizeof *conns);
  if (grown) {
    conns = grown;
    conns[nconns++] = thread_db;
  }
  pthread_mutex_unlock(&conns_lock);
  return thread_db;
}

void
api_close_all(void)
{
  pthread_mutex_lock(&conns_lock);
  for (int i = 0; i < nconns; i++)
    db_close(conns[i]);
  free(conns);
  conns = NULL;
  nconns = 0;
  pthread_mutex_unlock(&conns_lock);
}
