/*
** stream.c — GET /api/v1/stream: Server-Sent Events of every case change
** the caller may see, as it is committed, for the live map.
**
** One pump thread follows the event table in district order (gseq) a few
** times a second, whichever process wrote the events, keeps the newest in
** a ring and wakes the streams. Each stream sends the events after its last
** one that its user may see (the case module's visibility rule), then
** parks its connection (suspended, so that no worker thread waits on it)
** until the pump wakes it again. "Last-Event-ID" resumes where a client
** left off; a comment line every 15 s keeps idle connections alive.
*/
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/str.h"

#define RING 4096   /* events kept for streams that fall behind */
#define PUMP_MS 200 /* how often the pump looks for new events */
#define BEAT_S 15   /* keep-alive interval */

struct ev {
  int64_t gseq;
  char no[32];
  char *json; /* the event as sent; owned */
};

struct sub {
  struct sub *next;
  struct MHD_Connection *conn;
  struct api_app *app;
  struct org_user user;
  int64_t last;    /* gseq of the last event considered */
  int suspended;   /* parked, waiting for the pump */
  time_t beat;     /* when something was last sent */
  char out[16384]; /* formatted, not yet handed to the server */
  size_t len, off;
};

static pthread_mutex_t hub_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t hub_once = PTHREAD_ONCE_INIT;

static struct {
  pthread_t pump;
  int started, stopping;
  struct api_app *app;
  struct ev ring[RING]; /* event g at ring[g % RING] */
  int64_t newest;       /* gseq of the newest event seen */
  struct sub *subs;
} hub;

/* Wake every parked stream. Hold hub_mu. */
static void
wake_all(void)
{
  for (struct sub *s = hub.subs; s; s = s->next)
    if (s->suspended) {
      s->suspended = 0;
      http_resume(s->conn);
    }
}

/* Read the events after hub.newest into the ring; returns how many. */
static int
pump_once(struct db *db)
{
  struct cg_err e = {0};
  int64_t after;
  json_t *list, *j;
  size_t i;

  pthread_mutex_lock(&hub_mu);
  after = hub.newest;
  pthread_mutex_unlock(&hub_mu);
  if (!(list = case_events_json(db, case_setup_cal(hub.app->cases), after, 1000,
                                (int64_t)time(NULL), &e)))
    return 0;
  json_array_foreach(list, i, j)
  {
    int64_t g = json_integer_value(json_object_get(j, "gseq"));
    struct ev *v = &hub.ring[g % RING];
    char *text = cg_json_dumps(j, 10, NULL);
    pthread_mutex_lock(&hub_mu);
    free(v->json);
    v->gseq = g;
    snprintf(v->no, sizeof v->no, "%s",
             json_string_value(json_object_get(j, "no")));
    v->json = text;
    hub.newest = g;
    pthread_mutex_unlock(&hub_mu);
  }
  i = json_array_size(list);
  json_decref(list);
  return (int)i;
}

static void *
pump_main(void *arg)
{
  struct cg_err e = {0};
  struct db *db = NULL;
  time_t beat = time(NULL);

  pthread_setname_np(pthread_self(), "cg-events");
  if (db_open(&db, hub.app->db_path, DB_READONLY, &e) != CG_OK) return NULL;
  for (;;) {
    int n = pump_once(db);
    time_t now = time(NULL);
    pthread_mutex_lock(&hub_mu);
    if (hub.stopping) {
      pthread_mutex_unlock(&hub_mu);
      break;
    }
    if (n || now - beat >= BEAT_S) {
      wake_all();
      if (now - beat >= BEAT_S) beat = now;
    }
    pthread_mutex_unlock(&hub_mu);
    nanosleep(&(struct timespec){0, PUMP_MS * 1000000L}, NULL);
  }
  db_close(db);
  return NULL;
}

/* Start the pump from the newest event stored. */
static void
start(void)
{
  struct cg_err e = {0};
  struct db *db = api_db_app(hub.app, &e);
  int64_t head = 0;

  if (db) db_query_int(db, &head, 0, &e, "SELECT max(gseq) FROM event", "");
  hub.newest = head;
  if (pthread_create(&hub.pump, NULL, pump_main, NULL) == 0) hub.started = 1;
}

/* The stream's content: pending text, else new events it may see, else a
** keep-alive, else park. */
static long
stream_read(void *cls, char *buf, size_t max)
{
  struct sub *s = cls;
  struct cg_err e = {0};
  struct case_env *env;
  time_t now = time(NULL);
  char no_seen[32] = ""; /* the case last checked, and whether s sees it */
  int sees = 0;

  if (s->off < s->len) {
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->out + s->off, n);
    s->off += n;
    return (long)n;
  }
  s->len = s->off = 0;
  env = api_case_env_app(s->app, &e);
  pthread_mutex_lock(&hub_mu);
  if (hub.stopping) {
    pthread_mutex_unlock(&hub_mu);
    return HTTP_STREAM_END;
  }
  if (s->last < hub.newest - RING) s->last = hub.newest - RING; /* too far */
  while (s->last < hub.newest && s->len + 2048 < sizeof s->out) {
    struct ev *v = &hub.ring[(s->last + 1) % RING];
    char no[32], *text;
    s->last++;
    if (v->gseq != s->last || !v->json) continue;
    cg_copy(no, sizeof no, v->no);
    text = strdup(v->json);
    pthread_mutex_unlock(&hub_mu);  /* the check reads the store */
    if (strcmp(no, no_seen) != 0) { /* a case's events come in runs */
      cg_copy(no_seen, sizeof no_seen, no);
      sees = env && case_visibility(env, &s->user, no) > 0;
    }
    if (text && sees && strlen(text) + 64 < sizeof s->out - s->len)
      s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len,
                                 "id: %lld\nevent: case\ndata: %s\n\n",
                                 (long long)s->last, text);
    free(text);
    pthread_mutex_lock(&hub_mu);
  }
  if (!s->len && now - s->beat >= BEAT_S)
    s->len = (size_t)snprintf(s->out, sizeof s->out, ": keep-alive\n\n");
  if (!s->len) {
    /* nothing to say: park until the pump wakes us (under the hub's lock,
    ** so that its wake-up cannot come between the check and the park) */
    s->suspended = 1;
    http_suspend(s->conn);
    pthread_mutex_unlock(&hub_mu);
    return 0;
  }
  pthread_mutex_unlock(&hub_mu);
  s->beat = now;
  return stream_read(s, buf, max);
}

static void
stream_free(void *cls)
{
  struct sub *s = cls, **p;
  pthread_mutex_lock(&hub_mu);
  for (p = &hub.subs; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      break;
    }
  pthread_mutex_unlock(&hub_mu);
  free(s);
}

/* GET /api/v1/stream (logged in) — text/event-stream: "event: case" with
** data {gseq, no, action, from, to, at, lat, lon, street, state,
** category ("scheme:kind:code"), light (the case's as the event was read,
** or absent)} for each change to a case the caller may see, id = gseq.
** Send Last-Event-ID to resume after an event. */
int
stream_get_api(struct http_req *r)
{
  const char *last = http_header(r, "Last-Event-ID");
  struct sub *s = calloc(1, sizeof *s);

  if (!s) return http_reply_error(r, 500, "internal", "out of memory");
  pthread_mutex_lock(&hub_mu);
  if (!hub.app) hub.app = api_app(r);
  pthread_mutex_unlock(&hub_mu);
  pthread_once(&hub_once, start);
  s->conn = r->conn;
  s->app = api_app(r);
  s->user = *(const struct org_user *)r->user;
  s->beat = time(NULL);
  pthread_mutex_lock(&hub_mu);
  s->last = last ? atoll(last) : hub.newest;
  if (s->last < 0 || s->last > hub.newest) s->last = hub.newest;
  s->next = hub.subs;
  hub.subs = s;
  pthread_mutex_unlock(&hub_mu);
  r->stream_read = stream_read;
  r->stream_free = stream_free;
  r->stream_cls = s;
  r->status = 200;
  return 200;
}

void
api_streams_stop(void *app)
{
  pthread_mutex_lock(&hub_mu);
  hub.stopping = 1;
  wake_all();
  pthread_mutex_unlock(&hub_mu);
  if (hub.started) pthread_join(hub.pump, NULL);
  hub.started = 0;
  for (int i = 0; i < RING; i++) {
    free(hub.ring[i].json);
    hub.ring[i].json = NULL;
  }
}
