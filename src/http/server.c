/*
** server.c — the libmicrohttpd server behind http.h.
**
** Each request gets a struct http_req as its connection-class context. The
** access handler returns on its first call without queuing anything (so
** that libmicrohttpd keeps keep-alive connections open), collects the
** body on the following calls, and routes, runs the handler and queues the
** reply on the last one. The request is freed in the completion callback,
** which also writes the access log line. A worker thread serves many
** connections, so a handler that takes long (ROUTE_SLOW, a large upload)
** runs on a pool thread instead while its connection is parked, as a
** deferred write's is (HTTP_DEFER). Replies of text (JSON, pages,
** scripts) are compressed with zlib's gzip when the client accepts it:
** libmicrohttpd does not compress.
*/
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/json.h"

struct req_state {
  struct http_req r;
  char *buf; /* body being collected */
  size_t len, cap;
  int too_large;
  int routed;
  struct timespec t0;
  size_t reply_bytes;
  int route;                   /* index into the route table, -1 for none */
  atomic_int deferred;         /* 1 parked for a later answer, 2 answered */
  struct req_state *pool_next; /* in the pool's queue */
};

static const struct http_opts *opts;

/* Metrics per route (the last slot: requests that matched none). */
#define MAX_ROUTES 128
#define MAX_THREADS 64 /* daemons, one thread each; pool threads */
static const double lat_le[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1};
#define NLAT (sizeof lat_le / sizeof lat_le[0])
static struct route_stats {
  atomic_ulong by_class[6];   /* status / 100: 1xx .. 5xx, [0] other */
  atomic_ulong lat[NLAT + 1]; /* by bucket, the last +Inf: one count a
                              ** request; /metrics adds them up */
  atomic_ulong micros;        /* sum of latencies */
} stats[MAX_ROUTES + 1];
static atomic_ulong next_id;
static atomic_int in_flight;    /* requests begun and not completed */
static atomic_int stopping;     /* told to stop: new requests refused */
static atomic_long log_flushed; /* second of the last access-log flush */

/* The pool: requests whose handlers run on a thread of their own. */
static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* a request queued, or closing */
  struct req_state *head, **tail;
  pthread_t th[MAX_THREADS];
  int n, closed;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

const char *
http_header(struct http_req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_arg(struct http_req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int
http_reply_json(struct http_req *r, int status, json_t *j)
{
  json_decref(r->json);
  r->json = j;
  r->status = status;
  return status;
}

int
http_reply_error(struct http_req *r, int status, const char *code,
                 const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (opts && opts->error_reply && opts->error_reply(r, status, code, msg))
    return status;
  return http_reply_json(
      r, status,
      json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

int
http_reply_err(struct http_req *r, const struct cg_err *e)
{
  int status = e->http_status ? e->http_status : cg_code_http(e->code);
  return http_reply_error(r, status, cg_code_name(e->code), "%s",
                          e->msg[0] ? e->msg : "failed");
}

static int
cmp_route(const void *k, const void *v)
{
  const struct http_route *a = k, *b = v;
  int c = strcmp(a->path, b->path);
  return c ? c : strcmp(a->method, b->method);
}

void
http_metrics_write(FILE *f)
{
  static const char *const cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  int n = opts ? (opts->nroutes < MAX_ROUTES ? opts->nroutes : MAX_ROUTES) : 0;

  fprintf(f, "# HELP citygrid_http_requests_total HTTP requests by route, "
             "method and status class.\n"
             "# TYPE citygrid_http_requests_total counter\n");
  for (int i = 0; i <= n; i++)
    for (int c = 0; c < 6; c++) {
      unsigned long v = atomic_load(&stats[i < n ? i : MAX_ROUTES].by_class[c]);
      if (!v) continue;
      fprintf(f,
              "citygrid_http_requests_total{method=\"%s\",route=\"%s\","
              "status=\"%s\"} %lu\n",
              i < n ? opts->routes[i].method : "",
              i < n ? opts->routes[i].path : "unmatched", cls[c], v);
    }
  fprintf(f, "# HELP citygrid_http_request_seconds Time to answer a "
             "request.\n"
             "# TYPE citygrid_http_request_seconds histogram\n");
  for (int i = 0; i <= n; i++) {
    const struct route_stats *rs = &stats[i < n ? i : MAX_ROUTES];
    const char *m = i < n ? opts->routes[i].method : "";
    const char *p = i < n ? opts->routes[i].path : "unmatched";
    unsigned long upto[NLAT + 1], total = 0;
    for (size_t b = 0; b <= NLAT; b++)
      upto[b] = total += atomic_load(&rs->lat[b]);
    if (!total) continue;
    for (size_t b = 0; b < NLAT; b++)
      fprintf(f,
              "citygrid_http_request_seconds_bucket{method=\"%s\","
              "route=\"%s\",le=\"%g\"} %lu\n",
              m, p, lat_le[b], upto[b]);
    fprintf(f,
            "citygrid_http_request_seconds_bucket{method=\"%s\",route=\"%s\","
            "le=\"+Inf\"} %lu\n"
            "citygrid_http_request_seconds_sum{method=\"%s\",route=\"%s\"} "
            "%.6f\n"
            "citygrid_http_request_seconds_count{method=\"%s\",route=\"%s\"} "
            "%lu\n",
            m, p, total, m, p, atomic_load(&rs->micros) / 1e6, m, p, total);
  }
}

int
http_routes_check(const struct http_route *t, int n)
{
  for (int i = 1; i < n; i++)
    if (cmp_route(&t[i - 1], &t[i]) >= 0) return i;
  return -1;
}

int
http_path_match(const char *pattern, const char *path,
                char param[HTTP_MAX_PARAMS][HTTP_PARAM_LEN], int *nparam)
{
  int n = 0;
  while (*pattern && *path) {
    if (*pattern == '{') {
      const char *close = strchr(pattern, '}');
      size_t seg = strcspn(path, "/"), len = seg;
      if (!close) return 0;
      if (close[1] && close[1] != '/') { /* text follows in the segment */
        const char *last = NULL;
        for (const char *p = path; p < path + seg; p++)
          if (*p == close[1]) last = p;
        if (!last) return 0;
        len = (size_t)(last - path);
      }
      if (len == 0 || len >= HTTP_PARAM_LEN || n == HTTP_MAX_PARAMS) return 0;
      if (param) {
        memcpy(param[n], path, len);
        param[n][len] = 0;
      }
      n++;
      pattern = close + 1;
      path += len;
      continue;
    }
    if (*pattern++ != *path++) return 0;
  }
  if (*pattern || *path) return 0;
  if (nparam) *nparam = n;
  return 1;
}

/* Find the route for the request: exact paths by bsearch, then the few
** patterned ones in order; set a 404 or 405 reply if there is none. */
static const struct http_route *
route(struct http_req *r)
{
  struct http_route key = {r->path, r->method, NULL, 0, 0};
  const struct http_route *hit =
      bsearch(&key, opts->routes, opts->nroutes, sizeof key, cmp_route);
  int path_known = 0;

  if (hit) return hit;
  for (int i = 0; i < opts->nroutes; i++) {
    const struct http_route *rt = &opts->routes[i];
    if (strcmp(rt->path, r->path) == 0) path_known = 1;
    if (!strchr(rt->path, '{') ||
        !http_path_match(rt->path, r->path, NULL, NULL))
      continue;
    path_known = 1;
    if (strcmp(rt->method, r->method) == 0) {
      http_path_match(rt->path, r->path, r->param, &r->nparam);
      return rt;
    }
  }
  if (path_known)
    http_reply_error(r, 405, "method_not_allowed",
                     "method '%s' is not allowed on '%s'", r->method, r->path);
  else
    http_reply_error(r, 404, "not_found", "no resource at '%s'", r->path);
  return NULL;
}

void
http_answer(struct http_req *r)
{
  /* r is the first member of its req_state */
  struct req_state *s = (struct req_state *)r;
  atomic_store(&s->deferred, 2);
  MHD_resume_connection(r->conn);
}

void
http_suspend(struct MHD_Connection *conn)
{
  MHD_suspend_connection(conn);
}

void
http_resume(struct MHD_Connection *conn)
{
  MHD_resume_connection(conn);
}

/* libmicrohttpd's content reader over the request's stream_read. */
static ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct http_req *r = cls;
  long n = r->stream_read(r->stream_cls, buf, max);
  return n == HTTP_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM
         : n < 0              ? MHD_CONTENT_READER_END_WITH_ERROR
                              : (ssize_t)n;
}

int
http_prefers_minimal(struct http_req *r)
{
  const char *p = http_header(r, "Prefer");
  /* preferences, separated by commas, each maybe with ";parameters" */
  while (p && *p) {
    size_t n;
    p += strspn(p, " \t,");
    n = strcspn(p, ";, \t");
    if ((n == 14 && strncasecmp(p, "return=minimal", 14) == 0) ||
        (n == 16 && strncasecmp(p, "return=\"minimal\"", 16) == 0))
      return 1;
    p += strcspn(p, ",");
  }
  return 0;
}

int
http_accepts_gzip(struct http_req *r)
{
  const char *h = http_header(r, "Accept-Encoding");

  while (h && *h) { /* "gzip, deflate;q=0.5, br" */
    size_t len, name;
    while (*h == ' ' || *h == ',')
      h++;
    len = strcspn(h, ",");
    name = strcspn(h, " ;,");
    if (name > len) name = len;
    if ((name == 4 && strncasecmp(h, "gzip", 4) == 0) ||
        (name == 1 && *h == '*')) {
      const char *q = h + name;
      while (q < h + len && (*q == ' ' || *q == ';'))
        q++;
      if (q + 2 <= h + len && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
        return strtod(q + 2, NULL) > 0;
      return 1;
    }
    h += len;
  }
  return 0;
}

int
http_gzip(const void *in, size_t n, int level, char **out, size_t *outn)
{
  z_stream z;
  size_t cap;
  char *buf;
  int rc;

  memset(&z, 0, sizeof z);
  /* 15 + 16: a gzip header and trailer around the deflate stream */
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return -1;
  cap = deflateBound(&z, (uLong)n) + 32;
  if (!(buf = malloc(cap))) {
    deflateEnd(&z);
    return -1;
  }
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)buf;
  z.avail_out = (uInt)cap;
  rc = deflate(&z, Z_FINISH);
  *outn = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(buf);
    return -1;
  }
  *out = buf;
  return 0;
}

/* Is a reply of this type worth compressing? Text is; images are not. */
static int
compressible(const char *type)
{
  static const char *const kinds[] = {
      "application/json",     "application/xml", "application/javascript",
      "application/geo+json", "image/svg+xml",   "text/"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strncmp(type, kinds[i], strlen(kinds[i])) == 0) return 1;
  return 0;
}

/* Memory libmicrohttpd keeps per connection for a request's headers and
** its read and write buffers (bodies come to on_request() in pieces).
** It clears the whole of it for every request: at its default of 32 KiB
** that was the largest single cost of a small request (/healthz went from
** 92,000 to 105,000 a second at 8 KiB). Our requests' headers are short. */
#define CONN_MEMORY ((size_t)8192)

#define GZIP_MIN 1024         /* smaller replies go as they are */
#define GZIP_FAST (512 << 10) /* larger ones at zlib's fastest level */

/* Written into a buffer of the thread's own and copied out at its size
** (growing a string piece by piece would take a dozen reallocations for a
** case). A larger reply is written again straight into a buffer of the
** size the first pass found. */
char *
http_json_text(const json_t *j, size_t *len)
{
  static __thread char buf[64 * 1024];
  size_t n = cg_json_dumpb(j, buf, sizeof buf, 10);
  char *out;

  *len = 0;
  if (n == 0 || !(out = malloc(n + 1))) return NULL;
  if (n <= sizeof buf)
    memcpy(out, buf, n);
  else if (cg_json_dumpb(j, out, n, 10) != n) {
    free(out);
    return NULL;
  }
  out[n] = 0;
  *len = n;
  return out;
}

/* Build and queue the libmicrohttpd response from r's reply fields. */
static enum MHD_Result
send_reply(struct MHD_Connection *c, struct req_state *s)
{
  struct http_req *r = &s->r;
  struct MHD_Response *resp;
  enum MHD_Result ret;
  enum MHD_ResponseMemoryMode mode = MHD_RESPMEM_MUST_FREE;
  const char *type, *encoding = r->content_encoding;
  char *body;
  size_t len;

  if (s->r.stream_read) { /* a stream: headers now, the body as it comes */
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                             stream_reader, &s->r, NULL);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Request-Id", s->r.id);
    ret = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
  }

  if (r->json) {
    body = http_json_text(r->json, &len);
    type = HTTP_JSON_TYPE;
  } else {
    body = r->text;
    len = r->text_len;
    if (r->text_static) mode = MHD_RESPMEM_PERSISTENT;
    r->text = NULL;
    type = r->content_type ? r->content_type : "text/plain; charset=utf-8";
  }
  if (body && !encoding && len >= GZIP_MIN && compressible(type) &&
      http_accepts_gzip(r)) {
    char *z;
    size_t zn;
    if (http_gzip(body, len, len > GZIP_FAST ? 1 : 6, &z, &zn) == 0) {
      if (mode == MHD_RESPMEM_MUST_FREE) free(body);
      body = z;
      len = zn;
      mode = MHD_RESPMEM_MUST_FREE;
      encoding = "gzip";
    }
  }
  resp = MHD_create_response_from_buffer(len, body ? body : "",
                                         body ? mode : MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "X-Request-Id", r->id);
  MHD_add_response_header(resp, "Cache-Control",
                          r->cache_control ? r->cache_control : "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (encoding) MHD_add_response_header(resp, "Content-Encoding", encoding);
  if (encoding || compressible(type))
    MHD_add_response_header(resp, "Vary", "Accept-Encoding");
  if (r->etag[0]) MHD_add_response_header(resp, "ETag", r->etag);
  if (r->location[0]) MHD_add_response_header(resp, "Location", r->location);
  if (r->applied)
    MHD_add_response_header(resp, "Preference-Applied", r->applied);
  if (atomic_load(&stopping))
    MHD_add_response_header(resp, "Connection", "close");
  s->reply_bytes = len;
  ret = MHD_queue_response(c, r->status ? r->status : 500, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* The client's IP address as text into buf ("" if unknown). */
static void
client_address(struct MHD_Connection *c, char *buf, size_t n)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;

  buf[0] = 0;
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, n);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, n);
}

/* Enforce a route's flags, then run its handler; returns the status. */
static int
run_route(const struct http_route *rt, struct http_req *r)
{
  int st = 0;

  if (!(rt->flags & ROUTE_UPLOAD) && r->body_len > HTTP_BODY_LIMIT)
    return http_reply_error(r, 413, "too_large",
                            "request body larger than "
                            "%d bytes",
                            HTTP_BODY_LIMIT);
  if (rt->flags & ROUTE_LOGIN)
    st = opts->authenticate
             ? opts->authenticate(r)
             : http_reply_error(r, 401, "unauthorized", "log in first");
  if (!st && rt->roles && (r->role < 0 || !(rt->roles & (1u << r->role))))
    st = http_reply_error(r, 403, "forbidden", "your role may not use '%s %s'",
                          r->method, r->path);
  return st ? st : rt->fn(r);
}

/* Does the request go to the pool? Slow routes do, and uploads large
** enough to hold photos, whose checking decodes them. */
static int
slow(const struct http_route *rt, const struct req_state *s)
{
  return (rt->flags & ROUTE_SLOW) ||
         ((rt->flags & ROUTE_UPLOAD) && s->len > HTTP_POOL_BODY);
}

/* On a pool thread: run the parked request's route, then have its worker
** send the reply (or leave it parked for the writer, if the handler
** deferred in its turn: its defer_start replaces pool_push()). */
static void
run_pooled(struct req_state *s)
{
  int st = run_route(&opts->routes[s->route], &s->r);
  if (st == HTTP_DEFER) {
    s->r.status = 0;
    s->r.defer_start(&s->r);
    return;
  }
  s->r.status = st ? st : 500;
  http_answer(&s->r);
}

static void *
pool_main(void *arg)
{
  pthread_setname_np(pthread_self(), "cg-pool");
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    struct req_state *s;
    while (!pool.head && !pool.closed)
      pthread_cond_wait(&pool.cv, &pool.mu);
    if (!(s = pool.head)) break; /* closed, and nothing left */
    if (!(pool.head = s->pool_next)) pool.tail = &pool.head;
    pthread_mutex_unlock(&pool.mu);
    run_pooled(s);
    pthread_mutex_lock(&pool.mu);
  }
  pthread_mutex_unlock(&pool.mu);
  return NULL;
}

/* The defer_start of a slow request: queue it, parked, for the pool; once
** the pool has closed (the server is stopping), answer it 503 instead. */
static void
pool_push(struct http_req *r)
{
  struct req_state *s = (struct req_state *)r; /* r is its first member */
  pthread_mutex_lock(&pool.mu);
  if (pool.closed) {
    pthread_mutex_unlock(&pool.mu);
    http_reply_error(r, 503, "unavailable", "the server is stopping");
    http_answer(r);
    return;
  }
  s->pool_next = NULL;
  *pool.tail = s;
  pool.tail = &s->pool_next;
  pthread_cond_signal(&pool.cv);
  pthread_mutex_unlock(&pool.mu);
}

static void pool_stop(void);

/* Start n pool threads; 0, or -1 if one cannot start (none runs then). */
static int
pool_start(int n)
{
  pool.head = NULL;
  pool.tail = &pool.head;
  pool.closed = 0;
  for (pool.n = 0; pool.n < n; pool.n++)
    if (pthread_create(&pool.th[pool.n], NULL, pool_main, NULL) != 0) {
      pool_stop();
      return -1;
    }
  return 0;
}

/* Let the pool finish every request queued, then end its threads; with
** a deadline, return -1 at the deadline if some are still at work (they
** go on: call again). */
static int
pool_stop_by(const struct timespec *deadline)
{
  pthread_mutex_lock(&pool.mu);
  pool.closed = 1;
  pthread_cond_broadcast(&pool.cv);
  pthread_mutex_unlock(&pool.mu);
  while (pool.n > 0) {
    if (!deadline)
      pthread_join(pool.th[pool.n - 1], NULL);
    else if (pthread_timedjoin_np(pool.th[pool.n - 1], NULL, deadline) != 0)
      return -1;
    pool.n--;
  }
  return 0;
}

static void
pool_stop(void)
{
  pool_stop_by(NULL);
}

/* Wait until no request is under way, or until the deadline (CLOCK_REALTIME,
** as pthread_timedjoin_np() has it); 0, or -1 at the deadline. */
static int
quiet_by(const struct timespec *deadline)
{
  while (atomic_load(&in_flight) > 0) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec > deadline->tv_sec ||
        (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
      return -1;
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  return 0;
}

/* A deadline ms from now, on CLOCK_REALTIME. */
static struct timespec
after_ms(int ms)
{
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += ms / 1000;
  t.tv_nsec += (long)(ms % 1000) * 1000000;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
  struct req_state *s = *con_cls;
  const struct http_route *rt;

  if (!s) { /* first call: set up, return */
    if (!(s = calloc(1, sizeof *s))) return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    s->r.method = method;
    s->r.path = url;
    s->r.conn = c;
    s->r.app = opts->app;
    s->route = -1;
    s->r.role = -1;
    client_address(c, s->r.address, sizeof s->r.address);
    snprintf(s->r.id, sizeof s->r.id, "%lx-%lu", (unsigned long)time(NULL),
             (unsigned long)atomic_fetch_add(&next_id, 1));
    *con_cls = s;
    atomic_fetch_add(&in_flight, 1);
    return MHD_YES;
  }
  if (*upload_size) { /* body arrives in pieces */
    if (s->len + *upload_size > opts->body_limit) {
      s->too_large = 1;
    } else if (!s->too_large) {
      if (s->len + *upload_size + 1 > s->cap) {
        size_t cap = (s->len + *upload_size + 1) * 2;
        if (cap > opts->body_limit + 1) cap = opts->body_limit + 1;
        char *nb = realloc(s->buf, cap);
        if (!nb) return MHD_NO;
        s->buf = nb;
        s->cap = cap;
      }
      memcpy(s->buf + s->len, upload, *upload_size);
      s->len += *upload_size;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (atomic_load(&s->deferred) == 2) { /* the answer has come */
    if (s->r.defer_finish) s->r.defer_finish(&s->r);
    return send_reply(c, s);
  }
  s->r.body = s->buf ? (s->buf[s->len] = 0, s->buf) : "";
  s->r.body_len = s->len;
  /* Stopping: a kept-alive connection may still send a request after the
  ** daemon stopped accepting new ones. It is refused, not parked: a
  ** parked connection at MHD_stop_daemon() would abort the process. (It
  ** was counted in in_flight before this check, so http_serve() either
  ** waits for it or it sees the flag.) */
  if (atomic_load(&stopping))
    http_reply_error(&s->r, 503, "unavailable", "the server is stopping");
  else if (s->too_large)
    http_reply_error(&s->r, 413, "too_large",
                     "request body larger than %zu "
                     "bytes",
                     opts->body_limit);
  else if ((rt = route(&s->r)) != NULL) {
    s->route = (int)(rt - opts->routes);
    if (slow(rt, s)) { /* deferred to the pool, which runs the route */
      s->r.defer_start = pool_push;
      s->r.status = HTTP_DEFER;
    } else {
      s->r.status = run_route(rt, &s->r);
    }
    if (s->r.status == HTTP_DEFER) { /* park until http_answer() */
      s->r.status = 0;
      atomic_store(&s->deferred, 1);
      MHD_suspend_connection(c);
      s->r.defer_start(&s->r);
      return MHD_YES;
    }
  }
  if (!s->r.status) s->r.status = 500;
  return send_reply(c, s);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct req_state *s = *con_cls;
  struct timespec t1;

  if (!s) return;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  {
    double secs =
        (t1.tv_sec - s->t0.tv_sec) + (t1.tv_nsec - s->t0.tv_nsec) / 1e9;
    struct route_stats *rs =
        &stats[s->route >= 0 && s->route < MAX_ROUTES ? s->route : MAX_ROUTES];
    int klass = s->r.status / 100;
    atomic_fetch_add(&rs->by_class[klass >= 1 && klass <= 5 ? klass : 0], 1);
    size_t b = 0;
    while (b < NLAT && secs > lat_le[b])
      b++;
    atomic_fetch_add(&rs->lat[b], 1);
    atomic_fetch_add(&rs->micros, (unsigned long)(secs * 1e6));
  }
  {
    /* tenths of a millisecond in integers: no floating-point formatting
    ** for every request */
    long tenths = (long)((t1.tv_sec - s->t0.tv_sec) * 10000 +
                         (t1.tv_nsec - s->t0.tv_nsec) / 100000);
    fprintf(stdout, "%s %s %d %zu %ld.%ldms %s%s\n", s->r.method, s->r.path,
            s->r.status, s->reply_bytes, tenths / 10, tenths % 10, s->r.id,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
  }
  /* the access log reaches its file at most a second late, not with a
  ** write per request */
  if (t1.tv_sec != atomic_load(&log_flushed)) {
    atomic_store(&log_flushed, t1.tv_sec);
    fflush(stdout);
  }
  if (s->r.stream_free) s->r.stream_free(s->r.stream_cls);
  json_decref(s->r.json);
  if (!s->r.text_static) free(s->r.text);
  free(s->buf);
  free(s);
  *con_cls = NULL;
  atomic_fetch_sub(&in_flight, 1);
}

/* A socket bound to sa, and listening when `share`: then with SO_REUSEPORT,
** so that the other workers' sockets share its port (the kernel spreads
** new connections over them evenly). Without it, only a probe: it cannot
** bind where any socket listens (SO_REUSEADDR lets it where closed
** connections linger). Returns the descriptor, or -1 with errno set. */
static int
bound(const struct sockaddr_in *sa, int share)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  if (fd < 0) return -1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (share &&
       setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
      bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 ||
      (share && listen(fd, 1024) != 0)) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int
http_serve(const struct http_opts *o, struct cg_err *e)
{
  struct sockaddr_in sa;
  socklen_t salen = sizeof sa;
  struct MHD_Daemon *d[MAX_THREADS];
  int n = o->threads < 1             ? 1
          : o->threads > MAX_THREADS ? MAX_THREADS
                                     : o->threads;
  int np = o->pool < 1 ? 4 : o->pool > MAX_THREADS ? MAX_THREADS : o->pool;
  sigset_t set;
  struct timespec deadline;
  int sig, bad, grace;

  if ((bad = http_routes_check(o->routes, o->nroutes)) >= 0)
    return cg_fail(e, CG_EINTERNAL, "route table out of order at '%s %s'",
                   o->routes[bad].method, o->routes[bad].path);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)o->port);
  if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1)
    return cg_fail(e, CG_EINVAL, "bad listen address '%s' (an IPv4 address)",
                   o->host);
  opts = o;
  /* Signals go to sigwait() below, not to the worker threads. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  /* Sharing a port is for this server's own sockets: if another server
  ** listens on it already, say so rather than join it and take half of
  ** its connections. */
  if (o->port) {
    int fd = bound(&sa, 0);
    if (fd < 0)
      return cg_fail(e, CG_EIO, "cannot listen on %s:%d: %s", o->host, o->port,
                     strerror(errno));
    close(fd);
  }
  if (pool_start(np) != 0)
    return cg_fail(e, CG_EINTERNAL, "cannot start the server's pool threads");
  /* One daemon of one thread per worker, each with a listening socket of
  ** its own on the same port: the kernel deals the connections out among
  ** them. (A pool of threads around one socket lets whichever wakes first
  ** take each connection, and under a burst one thread can end up serving
  ** three quarters of them while the other idles.) The first socket picks
  ** the port when asked for any (--port 0); the rest take the same.
  ** TURBO: read a connection's next request as soon as the reply is out,
  ** before waiting on it (a kept-alive client has usually sent it), and
  ** close without shutdown() (request bodies are always read to their end,
  ** even the refused ones, so no unread data makes the close a reset).
  ** About a tenth more small requests a second.
  ** poll() unless told epoll: a parked connection (a report waiting for
  ** its commit, a request on the pool) leaves epoll's set and comes back
  ** with a system call each way, and poll() has no set to keep. With 64
  ** clients reporting, poll() answers some 7 % more reports a second; but
  ** it looks at every open connection of its worker each time round,
  ** idle ones too, so with some 250 connections open epoll is as quick,
  ** and with more quicker (README, "Workers wait with poll()"). */
  for (int i = 0; i < n; i++) {
    int fd = bound(&sa, 1);
    if (fd >= 0 && i == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
      close(fd);
      fd = -1;
    }
    d[i] = fd < 0 ? NULL
                  : MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                         (o->epoll ? MHD_USE_EPOLL
                                                   : MHD_USE_POLL) |
                                         MHD_USE_TURBO | MHD_USE_ITC |
                                         MHD_ALLOW_SUSPEND_RESUME,
                                     0, NULL, NULL, on_request, NULL,
                                     MHD_OPTION_LISTEN_SOCKET, fd,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                     NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                     MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                     CONN_MEMORY, MHD_OPTION_END);
    if (!d[i]) {
      int err = errno;
      if (fd >= 0) close(fd);
      while (i-- > 0)
        MHD_stop_daemon(d[i]);
      pool_stop();
      return cg_fail(e, CG_EIO, "cannot listen on %s:%d: %s", o->host, o->port,
                     strerror(err));
    }
  }
  if (o->on_listen) o->on_listen(ntohs(sa.sin_port), o->app);
  sigdelset(&set, SIGPIPE);
  sigwait(&set, &sig);
  /* Stop accepting, then give the requests under way the grace period to
  ** finish (idle keep-alive connections hold no request and are just
  ** closed; requests they send meanwhile get a 503). Those still running
  ** then are told to end (on_overdue: a long read fails, and its client
  ** gets a 503) and are waited for again, as long again. A request parked
  ** on the pool or the writer must be answered before its daemon stops,
  ** which would otherwise abort the process: the pool is always waited
  ** for to the end. */
  atomic_store(&stopping, 1);
  for (int i = 0; i < n; i++) {
    int fd = MHD_quiesce_daemon(d[i]);
    if (fd >= 0) close(fd);
  }
  if (o->on_stop) o->on_stop(o->app);
  grace = o->stop_grace_ms > 0 ? o->stop_grace_ms : 10000;
  deadline = after_ms(grace);
  if (pool_stop_by(&deadline) != 0 || quiet_by(&deadline) != 0) {
    if (o->on_overdue) o->on_overdue(o->app);
    pool_stop();
    deadline = after_ms(grace);
    quiet_by(&deadline);
  }
  for (int i = 0; i < n; i++)
    MHD_stop_daemon(d[i]);
  fflush(stdout);
  return CG_OK;
}
