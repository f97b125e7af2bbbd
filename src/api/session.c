/*
** session.c — logging in and out over HTTP, and the authenticate callback
** the router calls for every route that needs a user. Failed logins are
** limited per account (in the store, see auth.h) and per client address
** (here, in memory: an address that fails too often waits).
*/
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/auth.h"

#define ADDR_SLOTS 1024
#define ADDR_MAX_FAILURES 20 /* failed logins from one address ... */
#define ADDR_WINDOW_S 900    /* ... within this many seconds */

/* Failed logins by client address: a small table, oldest entry reused. */
static struct {
  char address[64];
  int failures;
  int64_t since;
} addrs[ADDR_SLOTS];
static pthread_mutex_t addrs_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of an address, claiming one if needed. Hold addrs_lock. */
static int
addr_slot(const char *address, int64_t now)
{
  int oldest = 0;
  for (int i = 0; i < ADDR_SLOTS; i++) {
    if (strcmp(addrs[i].address, address) == 0) {
      if (now - addrs[i].since > ADDR_WINDOW_S) {
        addrs[i].failures = 0;
        addrs[i].since = now;
      }
      return i;
    }
    if (addrs[i].since < addrs[oldest].since) oldest = i;
  }
  snprintf(addrs[oldest].address, sizeof addrs[oldest].address, "%s", address);
  addrs[oldest].failures = 0;
  addrs[oldest].since = now;
  return oldest;
}

/* Non-zero if the address has failed too often lately. */
static int
addr_blocked(const char *address, int64_t now)
{
  int blocked;
  pthread_mutex_lock(&addrs_lock);
  blocked = addrs[addr_slot(address, now)].failures >= ADDR_MAX_FAILURES;
  pthread_mutex_unlock(&addrs_lock);
  return blocked;
}

static void
addr_failed(const char *address, int64_t now)
{
  pthread_mutex_lock(&addrs_lock);
  addrs[addr_slot(address, now)].failures++;
  pthread_mutex_unlock(&addrs_lock);
}

/* The bearer token of a request, or NULL. */
static const char *
bearer(struct http_req *r)
{
  const char *h = http_header(r, "Authorization");
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
  return h + 7;
}

static json_t *
user_json(const struct org_user *u)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "login", u->login, "name",
                   u->name, "role", org_role_name(u->role), "role_zh",
                   org_role_zh(u->role), "scope", u->scope, "dept", u->dept);
}

int
api_authenticate(struct http_req *r)
{
  struct api_call *call = api_call(r);
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);

  if (!db) return http_reply_err(r, &e);
  if (auth_check(db, bearer(r), (int64_t)time(NULL), &call->user, &e) != CG_OK)
    return http_reply_error(r, 401, "unauthorized", "%s", e.msg);
  r->user = &call->user;
  r->role = call->user.role;
  return 0;
}

/* POST /api/v1/login  {"login": "...", "password": "..."}
** 200 {"token", "expires_at", "user": {login, name, role, ...}};
** 401 wrong login or password; 429 too many failures (account or
** address); 400/415 for a bad body. */
int
login_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {
      {"login", JSON_STRING, 1}, {"password", JSON_STRING, 1}, {NULL, 0, 0}};
  int64_t now = (int64_t)time(NULL), expires;
  char token[AUTH_TOKEN_LEN + 1];
  struct cg_err e = {0};
  struct org_user u;
  struct db *db;
  json_t *body;
  int status, rc;

  if (addr_blocked(r->address, now))
    return http_reply_error(r, 429, "rate_limited",
                            "too many failed logins "
                            "from this address: wait a while");
  if (!(body = api_body(r, fields, &status))) return status;
  if (!(db = api_db(r, &e))) {
    json_decref(body);
    return http_reply_err(r, &e);
  }
  rc = auth_login(db, json_string_value(json_object_get(body, "login")),
                  json_string_value(json_object_get(body, "password")),
                  r->address, now, token, &expires, &u, &e);
  json_decref(body);
  if (rc != CG_OK) {
    if (rc == CG_EAUTH) addr_failed(r->address, now);
    return http_reply_err(r, &e);
  }
  return http_reply_json(r, 200,
                         json_pack("{s:s, s:I, s:o}", "token", token,
                                   "expires_at", (json_int_t)expires, "user",
                                   user_json(&u)));
}

/* POST /api/v1/logout (logged in) — ends this session. 204. */
int
logout_post_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  if (!db || auth_logout(db, bearer(r), &e) != CG_OK)
    return http_reply_err(r, &e);
  r->status = 204;
  return 204;
}

/* GET /api/v1/me (logged in) — the caller. 200 {login, name, role, ...}. */
int
me_get_api(struct http_req *r)
{
  return http_reply_json(r, 200, user_json(r->user));
}
