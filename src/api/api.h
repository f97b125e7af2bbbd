/*
** api.h — citygrid's HTTP resources. One file per resource (health.c,
** areas.c, ...), each handler named <resource>_<verb>_api; the one route
** table is in routes.c. Handlers run on the server's worker threads and get
** the application state below through api_app().
*/
#ifndef CG_API_H
#define CG_API_H

#include <pthread.h>
#include <stdint.h>

#include "area/area.h"
#include "case/case.h"
#include "db/db.h"
#include "http/http.h"
#include "org/org.h"

/* State shared by all requests; read-only while serving. */
struct api_app {
  char db_path[4096];
  struct case_setup *cases; /* settings, calendar, locator for cases */
};

/* This thread's case environment: the shared setup over this thread's
** store connection. NULL with *e filled if the store cannot be opened.
** The _app forms serve code that runs outside a request (streams). */
struct case_env *api_case_env(struct http_req *r, struct cg_err *e);

/* Reply with the CSV that write(db, arg, out, e) writes (a setting as its
** import reads it), or its error; a format= other than csv or json is
** refused. Returns 0 when the request asks for JSON (the caller goes on),
** else the reply's status. */
int api_csv_reply(struct http_req *r, struct db *db, const void *arg,
                  int (*write)(struct db *, const void *, FILE *,
                               struct cg_err *));
struct case_env *api_case_env_app(struct api_app *app, struct cg_err *e);
struct db *api_db_app(struct api_app *app, struct cg_err *e);

/* Server-Sent Events: end every stream (the server is stopping). */
void api_streams_stop(void *app);

/* The writer (writer.c): reports sent over HTTP are written by one thread,
** many to a transaction, and answered only once a sync of the store
** covers their commit (group commit); a refused report leaves the others
** be. api_writer_defer() queues a report for a request that returns
** HTTP_DEFER (return its value); the writer takes ownership of body (the
** JSON the report's strings point into). api_writer_stop() drains the
** queue, syncs and answers what is left and ends the threads; call it
** after the server stopped. */
struct api_job;
int api_writer_defer(struct http_req *r, const struct org_user *who,
                     const struct case_report *rep,
                     const struct case_attach *att, int natt, json_t *body);
void api_writer_stop(void);

/* The same for a caller with more to write and its own reply. after (may
** be NULL) runs in the report's transaction once case_report() filed it
** as case `no` (its row is written: rows may refer to it): its failure
** takes the report back too, and what it wrote is committed with it.
** reply builds the answer on a server worker once the commit is synced,
** for the reporter who: rc and *e are the outcome (env is NULL when rc is
** not CG_OK). release (may be NULL) frees arg, which rep's strings may
** point into, after the reply. The writer owns arg from the call on. */
struct api_write_hooks {
  int view; /* 1: the writer keeps the new case as its batch held it
            ** (case_view_take()), for api_writer_view() */
  int (*after)(struct case_env *env, const char *no, void *arg,
               struct cg_err *e);
  void (*reply)(struct http_req *r, const struct org_user *who,
                struct case_env *env, const char *no, int rc,
                const struct cg_err *e, void *arg);
  void (*release)(void *arg);
};
int api_writer_defer_hooks(struct http_req *r, const struct org_user *who,
                           const struct case_report *rep,
                           const struct case_attach *att, int natt,
                           const struct api_write_hooks *h, void *arg);
/* In a reply hook: the case the writer kept, as the reporter sees it, as
** JSON text (caller frees; its length in *len), or NULL (read it from the
** store then). */
char *api_writer_view(struct http_req *r, struct case_env *env, size_t *len);

/* The application state of a request. */
struct api_app *api_app(struct http_req *r);

/* What the API keeps for one request: its user, once authenticated.
** Lives in a thread-local slot, valid until the thread's next request. */
struct api_call {
  struct org_user user;
};
struct api_call *api_call(struct http_req *r);

/* One field of a JSON request body. */
struct api_field {
  const char *name;
  int type; /* JSON_STRING, JSON_INTEGER, JSON_REAL (any number),
                ** JSON_TRUE (a boolean), JSON_ARRAY, JSON_OBJECT */
  int required;
};

/* The request body as a JSON object checked against fields (ending with
** a NULL name): every missing, mistyped or unknown field is named in one
** 400 reply; a body that is not application/json gets 415. Returns the
** object (caller decrefs) or NULL with *status set to the reply's. */
json_t *api_body(struct http_req *r, const struct api_field *fields,
                 int *status);

/* The same check of JSON text of n bytes from elsewhere (a part of a
** multipart body), whatever the request's content type. */
json_t *api_json_fields(struct http_req *r, const char *text, size_t n,
                        const struct api_field *fields, int *status);

/* The router's authenticate callback: the bearer token names an open
** session; sets r->user (a struct org_user) and r->role. */
int api_authenticate(struct http_req *r);

/* This worker thread's connection to the store, opened on first use and
** kept for the life of the thread (closed by api_close_all()). NULL with
** *e filled if the store cannot be opened. */
struct db *api_db(struct http_req *r, struct cg_err *e);

/* Close every connection api_db() opened. Call after the server stopped. */
void api_close_all(void);

/* The server's on_overdue: from now on the statements of every
** connection api_db() opened fail (CG_EUNAVAIL, a 503), so that the
** requests still running at a stop end at once. The writer's connection
** is not one of them: a report it holds is written and answered. */
void api_cut_short(void *app);

/* Read the case filters of a request's query string (state, category,
** area, dept, source, overdue, from, to, q, sort, limit, offset; see GET
** /api/v1/cases) into *f, whose strings point into the request and into
** cat. Returns 0, or the status of the 400 reply it set. */
int api_case_filter(struct http_req *r, struct case_filter *f, char cat[64]);

/* Reply with what fn makes of the case filters of the request's query
** string (see api_case_filter()) for the caller: the map's points, the
** statistics. Returns the status. */
int api_case_read(struct http_req *r,
                  json_t *(*fn)(struct case_env *env,
                                const struct org_user *who,
                                const struct case_filter *f, struct cg_err *e));
/* The same for fn that writes the JSON out itself (the list, which may
** come from the server's cache of rendered lists). */
int api_case_read_text(struct http_req *r,
                       char *(*fn)(struct case_env *env,
                                   const struct org_user *who,
                                   const struct case_filter *f, size_t *len,
                                   struct cg_err *e));

/* The fields of a report in a checked JSON body b (scheme, kind, code,
** lat, lon, crs, address, description, urgency, area_class, source,
** case_type, reporter_name, reporter_phone, draft, self_handled; absent
** ones zero) into *rep, whose strings point into b. CG_EINVAL with *e for
** an unknown crs. */
int api_report_read(json_t *b, struct case_report *rep, struct cg_err *e);

/* Store the request's body as an attachment (its Content-Type says what
** it claims to be; with images_only, photos alone are taken) and reply
** 201 {"sha256","mime","bytes"}, or the error. Returns the status. */
int api_attachment_put(struct http_req *r, int images_only);

/* Reply with attachment sha if it belongs to a case `who` may see (with
** images_only: and is a photo), else 404. Returns the status. */
int api_attachment_reply(struct http_req *r, const struct org_user *who,
                         const char *sha, int images_only);

/* The web pages and what they load, embedded by the build (the table is
** written by tools/embed_assets.c; keep sorted by name: bsearch). */
struct web_asset {
  const char *name; /* "index.html", "app.js", "images/layers.png" */
  const char *type; /* Content-Type */
  const char *etag; /* quoted */
  const unsigned char *data;
  size_t len;     /* bytes of data */
  size_t raw_len; /* bytes once inflated */
  int gzip;       /* data is gzip-compressed */
};
extern const struct web_asset web_assets[];
extern const int web_nassets;

/* The embedded asset called name, or NULL. */
const struct web_asset *web_asset_find(const char *name);

/* A limit on what one client address may do within a window (failed
** logins, anonymous reports), counted in memory. Define one statically:
**   static struct api_limit l = API_LIMIT(20, 900);  */
#define API_LIMIT_SLOTS 1024
struct api_limit_slot {
  char address[64];
  int count;
  int64_t since;
};
struct api_limit {
  int max;          /* at most this many ... */
  int64_t window_s; /* ... within this many seconds */
  pthread_mutex_t lock;
  struct api_limit_slot slot[API_LIMIT_SLOTS];
};
#define API_LIMIT(n, secs)                                                     \
  {                                                                            \
    .max = (n), .window_s = (secs), .lock = PTHREAD_MUTEX_INITIALIZER          \
  }

/* Has address reached the limit in the current window? */
int api_limit_reached(struct api_limit *l, const char *address, int64_t now);
/* Count one more for address. */
void api_limit_count(struct api_limit *l, const char *address, int64_t now);

/* The route table, sorted by path then method (see http.h). */
extern const struct http_route api_routes[];
extern const int api_nroutes;

/* Handlers. */
int health_get_api(struct http_req *r);
int apikey_revoke_post_api(struct http_req *r);
int apikeys_get_api(struct http_req *r);
int apikeys_post_api(struct http_req *r);
int attachment_get_api(struct http_req *r);
int attachments_post_api(struct http_req *r);
int case_action_post_api(struct http_req *r);
int case_get_api(struct http_req *r);
int cases_get_api(struct http_req *r);
int cases_post_api(struct http_req *r);
int cases_points_get_api(struct http_req *r);
int stats_get_api(struct http_req *r);
int map_get_api(struct http_req *r);
int web_asset_get_api(struct http_req *r);
int web_page_get_api(struct http_req *r);
int categories_get_api(struct http_req *r);
int departments_get_api(struct http_req *r);
int user_post_api(struct http_req *r);
int users_get_api(struct http_req *r);
int users_post_api(struct http_req *r);
int login_post_api(struct http_req *r);
int logout_post_api(struct http_req *r);
int me_get_api(struct http_req *r);
int metrics_get_api(struct http_req *r);
int openapi_get_api(struct http_req *r);
int stream_get_api(struct http_req *r);
int public_attachment_get_api(struct http_req *r);
int public_attachments_post_api(struct http_req *r);
int public_case_get_api(struct http_req *r);
int public_cases_post_api(struct http_req *r);
int public_rate_post_api(struct http_req *r);
int areas_get_api(struct http_req *r);
int definitions_get_api(struct http_req *r);
int flags_get_api(struct http_req *r);
int periods_get_api(struct http_req *r);
int indicators_get_api(struct http_req *r);
int reports_get_api(struct http_req *r);
int segment_flags_get_api(struct http_req *r);
int segment_chief_post_api(struct http_req *r);
int segments_get_api(struct http_req *r);
int segments_post_api(struct http_req *r);
int calendar_get_api(struct http_req *r);
int grids_generate_post_api(struct http_req *r);
int segments_generate_post_api(struct http_req *r);
int import_post_api(struct http_req *r);
int verify_get_api(struct http_req *r);
int locate_get_api(struct http_req *r);
int open311_discovery_get_api(struct http_req *r);
int open311_request_get_api(struct http_req *r);
int open311_requests_get_api(struct http_req *r);
int open311_requests_post_api(struct http_req *r);
int open311_service_get_api(struct http_req *r);
int open311_services_get_api(struct http_req *r);
int open311_token_get_api(struct http_req *r);
int open311_updates_get_api(struct http_req *r);
int open311_updates_post_api(struct http_req *r);

/* The server's error_reply hook (see http.h): errors under /open311/v2/
** in Open311's shape, errors[error[code, description]], as XML or JSON
** by the path's suffix. */
int open311_error_reply(struct http_req *r, int status, const char *code,
                        const char *msg);

#endif
