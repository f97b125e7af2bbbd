/*
** apikeys.c — the API keys Open311 clients post with, administered over
** HTTP (administrators only; the route table's role mask says so): list,
** issue and revoke, as `citygrid apikey` does. A new key is in the reply
** to its creation and nowhere else: the store keeps only its hash.
*/
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"

/* Unix seconds as UTC ISO 8601 text, or JSON null for 0. */
static json_t *
when(int64_t t)
{
  char buf[32];
  time_t tt = (time_t)t;
  struct tm tm;
  if (!t) return json_null();
  gmtime_r(&tt, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *
key_json(const struct auth_apikey *k)
{
  return json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", k->name, "login",
                   k->login, "source", k->source, "created_at",
                   when(k->created_at), "revoked_at", when(k->revoked_at));
}

static int
add_to(const struct auth_apikey *k, void *list)
{
  json_array_append_new(list, key_json(k));
  return 0;
}

/* GET /api/v1/apikeys (admin) — 200 {"apikeys": [{"name", "login",
** "source", "created_at", "revoked_at"}]}, revoked ones too, by name. */
int
apikeys_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  json_t *list = json_array();

  if (!db || auth_apikey_each(db, add_to, list, &e) != CG_OK) {
    json_decref(list);
    return http_reply_err(r, &e);
  }
  return http_reply_json(r, 200, json_pack("{s:o}", "apikeys", list));
}

/* POST /api/v1/apikeys (admin)
** {"name" required; "source" (default "public"), "as" (the account its
** reports are filed as; default a public account named after the key)}
** 201 {"name", "login", "source", "key"} — the key shown this once; 400
** bad name or source, 404 no such account, 409 the name is taken. */
int
apikeys_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"name", JSON_STRING, 1},
                                            {"source", JSON_STRING, 0},
                                            {"as", JSON_STRING, 0},
                                            {NULL, 0, 0}};
  struct cg_err e = {0};
  char key[AUTH_TOKEN_LEN + 1], login[64];
  const char *name, *source, *as;
  struct db *db;
  json_t *b;
  int status;

  if (!(b = api_body(r, fields, &status))) return status;
  name = json_string_value(json_object_get(b, "name"));
  source = json_string_value(json_object_get(b, "source"));
  as = json_string_value(json_object_get(b, "as"));
  if (!source) source = "public";
  if (!case_source_known(source)) {
    status = http_reply_error(r, 400, "invalid",
                              "unknown source '%.20s' (patrol, public, "
                              "hotline, sensor, referral or inspection)",
                              source);
    json_decref(b);
    return status;
  }
  if (!(db = api_db(r, &e)) ||
      auth_apikey_create(db, name, as, source, (int64_t)time(NULL), key, login,
                         sizeof login, &e) != CG_OK) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  status =
      http_reply_json(r, 201,
                      json_pack("{s:s, s:s, s:s, s:s}", "name", name, "login",
                                login, "source", source, "key", key));
  json_decref(b);
  return status;
}

/* POST /api/v1/apikeys/{name}/revoke (admin) — 200 {"name", "revoked":
** true}: the key is refused from now on; 404 no valid key of that name. */
int
apikey_revoke_post_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);

  if (!db || auth_apikey_revoke(db, r->param[0], (int64_t)time(NULL), &e))
    return http_reply_err(r, &e);
  return http_reply_json(
      r, 200, json_pack("{s:s, s:b}", "name", r->param[0], "revoked", 1));
}
