/*
** http.h — citygrid's HTTP server on libmicrohttpd: worker threads, each
** with its own listening socket on the shared port, a pool of threads
** for the slow requests, one sorted route table (given by the caller, see
** api/routes.c) searched with bsearch, request bodies read up to a
** ceiling, one JSON error shape for every failure, an access log line per
** request, replies compressed with gzip (zlib) for clients that accept
** it, and a graceful stop that lets in-flight requests finish.
**
** The server knows nothing of citygrid's resources: handlers get a struct
** http_req and an opaque application pointer, and fill the reply.
*/
#ifndef CG_HTTP_H
#define CG_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

struct MHD_Connection;

#define HTTP_MAX_PARAMS 4 /* {parts} in a route's path */
#define HTTP_PARAM_LEN 80 /* bytes of one, with its NUL */

/* A request being handled. Everything here belongs to the server and is
** freed after the reply is sent. */
struct http_req {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* without the query string */
  const char *body;   /* NUL-terminated; "" when none */
  size_t body_len;
  char id[20];      /* request id, also sent as X-Request-Id */
  char address[64]; /* the client's IP address */
  struct MHD_Connection *conn;
  void *app;  /* the application pointer given to serve */
  void *user; /* set by the authenticate callback */
  int role;   /* the user's role number, ditto; -1 before */
  char param[HTTP_MAX_PARAMS][HTTP_PARAM_LEN]; /* the {parts} of a patterned
                                             ** route's path, in order */
  int nparam;

  /* The reply, filled by the handler (or by http_reply_* helpers). */
  int status;
  json_t *json; /* owned; sent as application/json */
  char *text;   /* owned (malloc) unless text_static; sent with
                ** content_type */
  size_t text_len;
  int text_static;              /* text is static storage, never freed */
  const char *content_type;     /* static string */
  const char *content_encoding; /* static; "gzip" when text is compressed
                                ** already (no further compression);
                                ** NULL: the server may gzip the reply */
  const char *cache_control;    /* static; NULL: "no-store" */
  char etag[48];                /* sent as ETag when not empty */
  char location[112];           /* sent as Location when not empty: the
                                ** path of what a 201 made */
  const char *applied;          /* static; sent as Preference-Applied
                                ** (RFC 7240) when set */

  /* A streamed reply instead (Server-Sent Events): stream_read fills buf
  ** with up to max bytes and returns their count, 0 after calling
  ** http_suspend() when it has nothing yet, HTTP_STREAM_END to finish.
  ** stream_free(stream_cls) runs when the connection ends. */
  long (*stream_read)(void *cls, char *buf, size_t max);
  void (*stream_free)(void *cls);
  void *stream_cls;

  void (*defer_start)(struct http_req *r);  /* see HTTP_DEFER */
  void (*defer_finish)(struct http_req *r); /* if set: builds the reply on
                                            ** a worker after http_answer */
  void *defer_cls;                          /* for their use */
};

enum { HTTP_STREAM_END = -1 };

/* A handler that answers later (the group commit of writes) sets
** r->defer_start and returns HTTP_DEFER: the server parks the connection,
** then calls defer_start(r), which hands the work to another thread; that
** thread sets the reply fields and calls http_answer(r), and the server
** sends the reply then. (Starting the work only once the connection is
** parked means its answer can never come first.) */
enum { HTTP_DEFER = -2 };
void http_answer(struct http_req *r);

/* Park a streaming connection until http_resume() (from any thread). */
void http_suspend(struct MHD_Connection *conn);
void http_resume(struct MHD_Connection *conn);

typedef int (*http_handler)(struct http_req *r);

/* Route flags, checked by the router before the handler runs. */
enum {
  ROUTE_WRITE = 1,  /* changes the store: needs a body within the limit */
  ROUTE_LOGIN = 2,  /* needs a logged-in user (the authenticate callback) */
  ROUTE_UPLOAD = 4, /* may take a body up to the upload limit (a photo);
                    ** every other body is held to HTTP_BODY_LIMIT */
  ROUTE_SLOW = 8    /* may take long (a search of every case, a password
                    ** hash): runs on a pool thread, see http_opts.pool */
};

/* One route. A table of them is sorted by path, then method
** (strcmp order): the router uses bsearch. A path segment written {name}
** matches any one segment, which the handler finds in r->param; a {name}
** followed by text in its segment ("{code}.{fmt}") matches the segment up
** to the last place that text begins (see http_path_match()). */
struct http_route {
  const char *path;
  const char *method;
  http_handler fn;
  int flags;
  unsigned roles; /* ROUTE_LOGIN: bit set of role numbers allowed; 0 any */
};

#define HTTP_BODY_LIMIT (1 << 20) /* bytes of a body, but for uploads */
/* An upload this large goes to the pool: its photos take a while to
** check. */
#define HTTP_POOL_BODY (64 << 10)
/* The Content-Type of JSON replies, for handlers that fill r->text with
** JSON written out already. */
#define HTTP_JSON_TYPE "application/json; charset=utf-8"

/* Options of http_serve(). */
struct http_opts {
  const char *host;  /* e.g. "127.0.0.1" */
  int port;          /* 0: pick a free port */
  int threads;       /* worker threads (and sockets), 1..64 */
  int pool;          /* threads for slow requests, 1..64 (0: 4): the
                     ** handlers of ROUTE_SLOW routes and of uploads
                     ** larger than HTTP_POOL_BODY run there, so that they
                     ** never hold up the other connections of a worker */
  int epoll;         /* wait on connections with epoll, not poll: for
                     ** hundreds of open connections a worker */
  size_t body_limit; /* bytes; larger bodies get 413 */
  const struct http_route *routes;
  int nroutes;
  void *app;
  /* Called with the bound port once the server listens (for --port 0). */
  void (*on_listen)(int port, void *app);
  /* For ROUTE_LOGIN routes: identify the caller, set r->user and r->role
  ** and return 0, or set an error reply and return its status. */
  int (*authenticate)(struct http_req *r);
  /* Called once the server stops accepting, before it waits for the
  ** requests under way: end the streams (they never end by themselves). */
  void (*on_stop)(void *app);
  /* A stop waits this long for the requests under way (ms; 0: 10 s), then
  ** calls on_overdue, which makes those still running end at once (their
  ** reads fail, see db_set_abort()), and waits for them to answer. */
  int stop_grace_ms;
  void (*on_overdue)(void *app);
  /* For paths that speak another protocol (Open311): shape every error
  ** reply of the request, the router's own included. Set the reply and
  ** return non-zero, or return 0 for the JSON shape. NULL: JSON always. */
  int (*error_reply)(struct http_req *r, int status, const char *code,
                     const char *msg);
};

/* Serve until SIGTERM or SIGINT, then stop accepting, let in-flight
** requests finish and return CG_OK. CG_EIO with *e filled if the server
** cannot start. Blocks SIGTERM/SIGINT/SIGPIPE in the calling thread. */
int http_serve(const struct http_opts *o, struct cg_err *e);

/* Request header `name` (case-insensitive), or NULL. */
const char *http_header(struct http_req *r, const char *name);

/* Non-zero if the client accepts a gzip-compressed reply (its
** Accept-Encoding names gzip or *, with a q above 0). */
int http_accepts_gzip(struct http_req *r);

/* Non-zero if the request's Prefer header (RFC 7240) asks for
** return=minimal: the client wants no representation of what it made. */
int http_prefers_minimal(struct http_req *r);

/* Compress n bytes at in with gzip at zlib level (1 fastest .. 9 best)
** into a new buffer *out of *outn bytes (caller frees). Returns 0, or -1
** if memory ran out. */
int http_gzip(const void *in, size_t n, int level, char **out, size_t *outn);

/* Query-string argument `name` of the request, or NULL. */
const char *http_arg(struct http_req *r, const char *name);

/* JSON as replies send it (compact, reals to 10 digits): a new string the
** caller frees, its length in *len; NULL if memory ran out. */
char *http_json_text(const json_t *j, size_t *len);

/* Set a JSON reply (takes the reference) with the given status; returns
** status, so handlers can `return http_reply_json(r, 200, j);`. */
int http_reply_json(struct http_req *r, int status, json_t *j);

/* Set the error reply {"error":{"code":..., "message":...}} for a cg
** error (its HTTP status), or for a given status, code name and message. */
int http_reply_err(struct http_req *r, const struct cg_err *e);
int http_reply_error(struct http_req *r, int status, const char *code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write the server's own metrics in Prometheus text format: requests by
** route, method and status class, and a latency histogram per route. */
void http_metrics_write(FILE *f);

/* Does path match a route's pattern? Literal text must be equal; a
** {name} matches one segment, or, when text follows it within the segment,
** the segment up to the last place where that text's first character
** occurs ("{code}.{fmt}" splits "a.b.json" into "a.b" and "json"). Each
** part matched is non-empty and shorter than HTTP_PARAM_LEN. When param
** is not NULL the parts are copied into it and *nparam gets their count.
** Returns 1 on a match, else 0. */
int http_path_match(const char *pattern, const char *path,
                    char param[HTTP_MAX_PARAMS][HTTP_PARAM_LEN], int *nparam);

/* A form body (application/x-www-form-urlencoded, or multipart/form-data),
** decoded by libmicrohttpd's post processor: its fields in the order sent,
** names repeated as often as they were. Values are NUL-terminated; len
** says how long they really are (a "%00" makes them differ). */
struct http_field {
  char *name;
  char *value;
  size_t len;
};
struct http_form {
  struct http_field *field;
  int n, cap;
};

/* Decode the request's body as a form into *f. Returns 0, or -1 with *why
** set to a static description (the body is of another type, or malformed,
** or memory ran out). Release *f with http_form_release() either way. */
int http_form_parse(struct http_req *r, struct http_form *f, const char **why);
void http_form_release(struct http_form *f);

/* Check that a sorted route table really is sorted and unique; returns the
** index of the first entry out of order, or -1. */
int http_routes_check(const struct http_route *t, int n);

#endif
