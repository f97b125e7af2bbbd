/*
** public.c — what the public pages use without an account: report a
** problem (filed as the built-in account '@web', migration 0008) with
** photos, and get the case number and a secret; read a case by its number
** in the public view, which never carries the reporter's name or phone;
** see its photos; rate the result with the secret once the case is closed.
*/
#include "api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"

#define WEB_LOGIN "@web"

/* Anyone at all: what the public may see of a case. */
static const struct org_user anyone = {.login = "", .role = ROLE_PUBLIC};

/* What a report keeps until it is answered: the body its strings point
** into, and the secret made in its transaction. */
struct report {
  json_t *body;
  char secret[AUTH_TOKEN_LEN + 1];
};

static void
report_release(void *arg)
{
  struct report *p = arg;
  json_decref(p->body);
  free(p);
}

/* In the report's transaction: the case's secret, stored as a hash. */
static int
report_after(struct case_env *env, const char *no, void *arg, struct cg_err *e)
{
  struct report *p = arg;
  return auth_ticket_add(env->db, no, case_now(env), p->secret, e);
}

/* After the commit: the case number, the secret and the public view. */
static void
report_reply(struct http_req *r, const struct org_user *who,
             struct case_env *env, const char *no, int rc,
             const struct cg_err *e, void *arg)
{
  struct report *p = arg;
  json_t *c;

  if (rc != CG_OK) {
    http_reply_err(r, e);
    return;
  }
  c = case_get_json(env, &anyone, no, 1, NULL);
  snprintf(r->location, sizeof r->location, "/api/v1/public/cases/%s", no);
  http_reply_json(r, 201,
                  json_pack("{s:s, s:s, s:o}", "no", no, "secret", p->secret,
                            "case", c ? c : json_null()));
}

/* Read "attachments": [{"sha256"}] into att as before-photos (at most
** max). Returns the count, or -1 with a 400 reply set. */
static int
photos(struct http_req *r, json_t *list, struct case_attach *att, int max)
{
  size_t i;
  json_t *a;
  int n = 0;

  json_array_foreach(list, i, a)
  {
    const char *sha = json_string_value(json_object_get(a, "sha256"));
    if (n == max || !sha || strlen(sha) != 64) {
      http_reply_error(r, 400, "invalid",
                       "attachments: up to %d of {\"sha256\"}, each "
                       "uploaded first (POST /api/v1/public/attachments)",
                       max);
      return -1;
    }
    memset(&att[n], 0, sizeof att[n]);
    memcpy(att[n].sha256, sha, 65);
    att[n].stage = "before";
    n++;
  }
  return n;
}

/* POST /api/v1/public/cases (no login)
** {"scheme","kind","code","lat","lon" required; "crs", "address",
**  "description", "reporter_name", "reporter_phone" (kept private: staff
**  who take reports in see them, no page of the public does),
**  "attachments": [{"sha256"}] (photos from POST
**  /api/v1/public/attachments)}
** 201 {"no", "secret" (for rating; shown once), "case" (the public
** view)} once committed; 400 bad fields, a position outside the district
** or an unknown category; 429 too many reports from this address. */
/* Anonymous writes from one address: 30 reports and 60 photos an hour
** are far more than a person reports, and far fewer than a script would
** flood the district's queues with. */
static struct api_limit reports_limit = API_LIMIT(30, 3600);
static struct api_limit photos_limit = API_LIMIT(60, 3600);

/* 429 if address has reached l, else count one more and 0. */
static int
limited(struct http_req *r, struct api_limit *l, const char *what)
{
  int64_t now = (int64_t)time(NULL);
  if (api_limit_reached(l, r->address, now))
    return http_reply_error(r, 429, "rate_limited",
                            "too many %s from this address: at most %d an "
                            "hour",
                            what, l->max);
  api_limit_count(l, r->address, now);
  return 0;
}

int
public_cases_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"scheme", JSON_STRING, 1},
                                            {"kind", JSON_STRING, 1},
                                            {"code", JSON_STRING, 1},
                                            {"lat", JSON_REAL, 1},
                                            {"lon", JSON_REAL, 1},
                                            {"crs", JSON_STRING, 0},
                                            {"address", JSON_STRING, 0},
                                            {"description", JSON_STRING, 0},
                                            {"reporter_name", JSON_STRING, 0},
                                            {"reporter_phone", JSON_STRING, 0},
                                            {"attachments", JSON_ARRAY, 0},
                                            {NULL, 0, 0}};
  static const struct api_write_hooks hooks = {0, report_after, report_reply,
                                               report_release};
  struct case_attach att[8];
  struct case_report rep;
  struct org_user who;
  struct cg_err e = {0};
  struct report *p;
  struct db *db;
  json_t *b;
  int status;

  if ((status = limited(r, &reports_limit, "reports"))) return status;
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  if (org_user_get(db, WEB_LOGIN, &who, &e) != CG_OK)
    return http_reply_error(r, 503, "unavailable",
                            "public reports are not set up: the account "
                            "'%s' is missing",
                            WEB_LOGIN);
  if (!(b = api_body(r, fields, &status))) return status;
  if (api_report_read(b, &rep, &e) != CG_OK) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  rep.source = "public";
  rep.att = att;
  if ((rep.natt = photos(r, json_object_get(b, "attachments"), att, 8)) < 0) {
    json_decref(b);
    return r->status;
  }
  if (!(p = calloc(1, sizeof *p))) {
    json_decref(b);
    return http_reply_error(r, 500, "internal", "out of memory");
  }
  p->body = b;
  /* written by the writer in its group commit, answered after it */
  return api_writer_defer_hooks(r, &who, &rep, att, rep.natt, &hooks, p);
}

/* GET /api/v1/public/cases/{no} (no login)
** 200 the public view of the case: state, category, place, times,
** deadline and light, photos, and its history with the notes the public
** may read; never the reporter, nor who on the staff acted. 404 no case
** the public may see. */
int
public_case_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct case_env *env = api_case_env(r, &e);
  json_t *c;

  if (!env) return http_reply_err(r, &e);
  if (case_visibility(env, &anyone, r->param[0]) == 0 ||
      !(c = case_get_json(env, &anyone, r->param[0], 1, &e)))
    return http_reply_error(r, 404, "not_found", "no case '%.40s'",
                            r->param[0]);
  return http_reply_json(r, 200, c);
}

/* POST /api/v1/public/cases/{no}/rate (no login)
** {"secret" (from the report), "rating": satisfied | basic | unsatisfied
**  (满意, 基本满意, 不满意), "note"}
** 200 the public view after it; 403 a wrong secret, or a case not
** reported on the public pages; 404 no such case; 409 not closed yet, or
** rated already; 400 a bad rating. */
int
public_rate_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"secret", JSON_STRING, 1},
                                            {"rating", JSON_STRING, 1},
                                            {"note", JSON_STRING, 0},
                                            {NULL, 0, 0}};
  struct cg_err e = {0};
  struct case_env *env;
  struct org_user who;
  struct case_act a;
  json_t *b, *c;
  int status, rc;

  if (!(b = api_body(r, fields, &status))) return status;
  if (!(env = api_case_env(r, &e))) {
    json_decref(b);
    return http_reply_err(r, &e);
  }
  if (case_visibility(env, &anyone, r->param[0]) == 0) {
    json_decref(b);
    return http_reply_error(r, 404, "not_found", "no case '%.40s'",
                            r->param[0]);
  }
  if (auth_ticket_check(env->db, r->param[0],
                        json_string_value(json_object_get(b, "secret")),
                        &e) != CG_OK ||
      org_user_get(env->db, WEB_LOGIN, &who, &e) != CG_OK) {
    json_decref(b);
    return http_reply_error(r, 403, "forbidden",
                            "the secret does not match case '%.40s'",
                            r->param[0]);
  }
  memset(&a, 0, sizeof a);
  a.action = "rate";
  a.rating = json_string_value(json_object_get(b, "rating"));
  a.note = json_string_value(json_object_get(b, "note"));
  rc = case_apply(env, &who, r->param[0], &a, &e);
  json_decref(b);
  if (rc != CG_OK) return http_reply_err(r, &e);
  if (!(c = case_get_json(env, &anyone, r->param[0], 1, &e)))
    return http_reply_err(r, &e);
  return http_reply_json(r, 200, c);
}

/* POST /api/v1/public/attachments (no login; the body is a photo with its
** Content-Type: image/jpeg, image/png or image/webp)
** 201 {"sha256","mime","bytes"}; 400 not a photo, or not what it claims;
** 413 over the limit; 429 too many photos from this address. A photo
** belongs to no case until a report names it. */
int
public_attachments_post_api(struct http_req *r)
{
  int status = limited(r, &photos_limit, "photos");
  return status ? status : api_attachment_put(r, 1);
}

/* GET /api/v1/public/attachments/{sha256} (no login) — a photo of a case
** the public may see; 404 otherwise. */
int
public_attachment_get_api(struct http_req *r)
{
  return api_attachment_reply(r, &anyone, r->param[0], 1);
}
