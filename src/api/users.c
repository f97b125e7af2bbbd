/*
** users.c — administering accounts over HTTP (administrators only; the
** route table's role mask says so and the router enforces it): list,
** create, change role/scope/department, set a password, disable and
** enable. Passwords are never returned.
*/
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"

static json_t *
user_json(const struct org_user *u)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "login", u->login,
                   "name", u->name, "role", org_role_name(u->role), "scope",
                   u->scope, "dept", u->dept, "phone", u->phone, "disabled",
                   u->disabled);
}

static int
add_to(const struct org_user *u, void *list)
{
  json_array_append_new(list, user_json(u));
  return 0;
}

/* GET /api/v1/users (admin) — 200 {"users": [...]}. */
int
users_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  json_t *list = json_array();

  if (!db || org_user_each(db, add_to, list, &e) != CG_OK) {
    json_decref(list);
    return http_reply_err(r, &e);
  }
  return http_reply_json(r, 200, json_pack("{s:o}", "users", list));
}

/* Fields of a user body into u (those present). */
static int
fill(struct http_req *r, json_t *b, struct org_user *u)
{
  const char *v;
  if ((v = json_string_value(json_object_get(b, "name"))))
    snprintf(u->name, sizeof u->name, "%s", v);
  if ((v = json_string_value(json_object_get(b, "role"))) &&
      (u->role = org_role_parse(v)) < 0)
    return http_reply_error(r, 400, "invalid", "unknown role '%s'", v);
  if ((v = json_string_value(json_object_get(b, "scope"))))
    snprintf(u->scope, sizeof u->scope, "%s", v);
  if ((v = json_string_value(json_object_get(b, "dept"))))
    snprintf(u->dept, sizeof u->dept, "%s", v);
  if ((v = json_string_value(json_object_get(b, "phone"))))
    snprintf(u->phone, sizeof u->phone, "%s", v);
  return 0;
}

/* POST /api/v1/users (admin)
** {"login","role" required; "name","scope","dept","phone","password"}
** 201 the user; 400 bad fields, role, scope or department; 409 the login
** is taken. */
int
users_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {
      {"login", JSON_STRING, 1},    {"role", JSON_STRING, 1},
      {"name", JSON_STRING, 0},     {"scope", JSON_STRING, 0},
      {"dept", JSON_STRING, 0},     {"phone", JSON_STRING, 0},
      {"password", JSON_STRING, 0}, {NULL, 0, 0}};
  struct cg_err e = {0};
  struct org_user u;
  const char *pw;
  struct db *db;
  json_t *b;
  int status;

  if (!(b = api_body(r, fields, &status))) return status;
  memset(&u, 0, sizeof u);
  snprintf(u.login, sizeof u.login, "%s",
           json_string_value(json_object_get(b, "login")));
  if ((status = fill(r, b, &u))) {
    json_decref(b);
    return status;
  }
  if (!u.name[0]) snprintf(u.name, sizeof u.name, "%s", u.login);
  pw = json_string_value(json_object_get(b, "password"));
  /* a password refused after the account was added would leave it added */
  if ((pw && auth_password_check(u.login, pw, &e) != CG_OK) ||
      !(db = api_db(r, &e)) || org_user_add(db, &u, &e) != CG_OK ||
      (pw && auth_set_password(db, u.login, pw, &e) != CG_OK)) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  json_decref(b);
  return http_reply_json(r, 201, user_json(&u));
}

/* POST /api/v1/users/{login} (admin)
** {"name","role","scope","dept","phone","password","disabled"} — change
** what is given; a new password or disabling ends the user's sessions.
** 200 the user; 404 no such user; 400 bad fields. */
int
user_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {
      {"name", JSON_STRING, 0},   {"role", JSON_STRING, 0},
      {"scope", JSON_STRING, 0},  {"dept", JSON_STRING, 0},
      {"phone", JSON_STRING, 0},  {"password", JSON_STRING, 0},
      {"disabled", JSON_TRUE, 0}, {NULL, 0, 0}};
  struct cg_err e = {0};
  struct org_user u;
  struct db *db;
  json_t *b, *dis;
  const char *pw;
  int status;

  if (!(b = api_body(r, fields, &status))) return status;
  if (!(db = api_db(r, &e)) || org_user_get(db, r->param[0], &u, &e) != CG_OK) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  if ((status = fill(r, b, &u))) {
    json_decref(b);
    return status;
  }
  pw = json_string_value(json_object_get(b, "password"));
  dis = json_object_get(b, "disabled");
  if ((pw && auth_password_check(u.login, pw, &e) != CG_OK) ||
      org_user_update(db, &u, &e) != CG_OK ||
      (pw && auth_set_password(db, u.login, pw, &e) != CG_OK) ||
      (dis && org_user_disable(db, u.login, json_is_true(dis), &e) != CG_OK) ||
      (json_is_true(dis) && auth_revoke_user(db, u.login, &e) != CG_OK)) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  json_decref(b);
  auth_forget(); /* sessions show the user as changed at once */
  if (org_user_get(db, r->param[0], &u, &e) != CG_OK)
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, user_json(&u));
}
