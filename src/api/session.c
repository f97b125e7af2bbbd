/*
** session.c — logging in and out over HTTP, and the authenticate callback
** the router calls for every route that needs a user. Failed logins are
** limited per account (in the store, see auth.h) and per client address
** (in memory, see ratelimit.c: an address that fails too often waits).
*/
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/auth.h"

/* failed logins from one address: at most 20 in 15 minutes */
static struct api_limit failed_logins = API_LIMIT(20, 900);

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

  if (api_limit_reached(&failed_logins, r->address, now))
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
    if (rc == CG_EAUTH) api_limit_count(&failed_logins, r->address, now);
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
