/*
** cases.c — cases over HTTP: report, list, read with history, and one
** endpoint per workflow action; photos and documents uploaded and
** downloaded; the category and department lists that forms need. Every
** handler is a thin client of the case module, which decides who may do
** and see what, for the CLI and the API alike.
*/
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "attach/attach.h"
#include "category/category.h"

struct case_env *
api_case_env(struct http_req *r, struct cg_err *e)
{
  return api_case_env_app(api_app(r), e);
}

struct case_env *
api_case_env_app(struct api_app *app, struct cg_err *e)
{
  static __thread struct case_env env;
  static __thread int ready;
  struct case_setup *s = app->cases;
  struct db *db = api_db_app(app, e);

  if (!db) return NULL;
  if (!ready) {
    case_env_init(&env, db, s->loc, s->cal, s->data_dir, s->district);
    env.dup_radius_m = s->env.dup_radius_m;
    env.dup_window_s = s->env.dup_window_s;
    memcpy(env.escalate_pct, s->env.escalate_pct, sizeof env.escalate_pct);
    env.nescalate = s->env.nescalate;
    env.cache = s->cache;
    env.search_behind = s->env.search_behind;
    ready = 1;
  }
  case_setup_env_now(s, &env, db);
  return &env;
}

/* Reply with a case module error: its status (403, 404, 409, 400). */
static int
fail(struct http_req *r, const struct cg_err *e)
{
  return http_reply_err(r, e);
}

/* Read "attachments": [{"sha256": "...", "stage": "after"}] into att
** (at most max); the case module checks that each is stored. Returns the
** count or -1 with a 400 reply set. */
static int
attachments(struct http_req *r, json_t *list, struct case_attach *att, int max,
            int *status)
{
  size_t i;
  json_t *a;
  int n = 0;

  json_array_foreach(list, i, a)
  {
    const char *sha = json_string_value(json_object_get(a, "sha256"));
    const char *stage = json_string_value(json_object_get(a, "stage"));

    if (n == max || !sha) {
      *status = http_reply_error(r, 400, "invalid",
                                 "attachments: up to %d of {\"sha256\", "
                                 "\"stage\"}, each uploaded first (POST "
                                 "/api/v1/attachments)",
                                 max);
      return -1;
    }
    memset(&att[n], 0, sizeof att[n]);
    snprintf(att[n].sha256, sizeof att[n].sha256, "%s", sha);
    att[n].stage = stage && !strcmp(stage, "before")  ? "before"
                   : stage && !strcmp(stage, "after") ? "after"
                                                      : "document";
    n++;
  }
  return n;
}

/* A report sent as multipart/form-data: the JSON object in a part named
** "case", and photos and documents as file parts named "photo" (before),
** "after" or "document", each stored (type sniffed, size limited) and
** added to att after the n already there. Returns the object (caller
** decrefs) and sets *natt, or NULL with *status set to the reply's. Files
** stored for a report that then fails stay stored, unreferenced, as an
** upload through /api/v1/attachments would. */
static json_t *
multipart_report(struct http_req *r, const struct api_field *fields,
                 struct case_attach *att, int max, int *natt, int *status)
{
  static const char *const stages[][2] = {
      {"photo", "before"}, {"after", "after"}, {"document", "document"}};
  struct case_setup *s = api_app(r)->cases;
  size_t limit = (size_t)(s->conf.attach_limit_mb * 1024 * 1024);
  struct http_form form;
  const char *why, *json = NULL;
  size_t json_len = 0;
  json_t *b = NULL;
  int n = 0;

  if (http_form_parse(r, &form, &why) != 0) {
    *status = http_reply_error(r, 400, "invalid", "%s", why);
    goto out;
  }
  for (int i = 0; i < form.n; i++) {
    struct http_field *f = &form.field[i];
    size_t k = 0;
    if (strcmp(f->name, "case") == 0) {
      if (json) {
        *status = http_reply_error(r, 400, "invalid", "two 'case' parts");
        goto out;
      }
      json = f->value;
      json_len = f->len;
      continue;
    }
    while (k < 3 && strcmp(f->name, stages[k][0]) != 0)
      k++;
    if (k == 3) {
      *status = http_reply_error(r, 400, "invalid",
                                 "unknown part '%.40s' (case, photo, "
                                 "after or document)",
                                 f->name);
      goto out;
    }
    if (n == max) {
      *status =
          http_reply_error(r, 400, "invalid", "more than %d attachments", max);
      goto out;
    }
    n++;
  }
  if (!json) {
    *status = http_reply_error(r, 400, "invalid",
                               "no 'case' part: the report as JSON");
    goto out;
  }
  if (!(b = api_json_fields(r, json, json_len, fields, status))) goto out;
  *natt = attachments(r, json_object_get(b, "attachments"), att, max, status);
  if (*natt < 0 || *natt + n > max) {
    if (*natt >= 0)
      *status =
          http_reply_error(r, 400, "invalid", "more than %d attachments", max);
    json_decref(b);
    b = NULL;
    goto out;
  }
  for (int i = 0; i < form.n; i++) {
    struct http_field *f = &form.field[i];
    struct attach_info info;
    struct cg_err e = {0};
    size_t k = 0;
    if (strcmp(f->name, "case") == 0) continue;
    while (strcmp(f->name, stages[k][0]) != 0)
      k++;
    if (attach_put(s->data_dir, f->value, f->len, limit, NULL, &info, &e) !=
        CG_OK) {
      cg_err_prefix(&e, "part '%s'", f->name);
      *status = fail(r, &e);
      json_decref(b);
      b = NULL;
      goto out;
    }
    for (int a = 0; a < *natt; a++) /* the same file twice: once */
      if (!strcmp(att[a].sha256, info.sha256) && att[a].stage == stages[k][1])
        goto next;
    memset(&att[*natt], 0, sizeof att[*natt]);
    snprintf(att[*natt].sha256, sizeof att[*natt].sha256, "%s", info.sha256);
    att[(*natt)++].stage = stages[k][1];
  next:;
  }
out:
  http_form_release(&form);
  return b;
}

int
api_report_read(json_t *b, struct case_report *rep, struct cg_err *e)
{
#define S(k) json_string_value(json_object_get(b, k))
  memset(rep, 0, sizeof *rep);
  rep->scheme = S("scheme");
  rep->kind = S("kind");
  rep->code = S("code");
  rep->lat = json_number_value(json_object_get(b, "lat"));
  rep->lon = json_number_value(json_object_get(b, "lon"));
  if (S("crs") && geo_crs_parse(S("crs"), &rep->crs, e) != CG_OK)
    return CG_EINVAL;
  rep->address = S("address");
  rep->description = S("description");
  rep->urgency = (int)json_integer_value(json_object_get(b, "urgency"));
  rep->area_class = S("area_class");
  rep->component_id = S("component_id");
  rep->component_state = S("component_state");
  rep->source = S("source");
  rep->case_type = S("case_type");
  rep->reporter_name = S("reporter_name");
  rep->reporter_phone = S("reporter_phone");
  rep->draft = json_is_true(json_object_get(b, "draft"));
  rep->self_handled = json_is_true(json_object_get(b, "self_handled"));
#undef S
  return CG_OK;
}

/* POST /api/v1/cases (logged in)
** {"scheme","kind","code","lat","lon" required; "crs", "address",
**  "description", "urgency", "area_class", "component_id",
**  "component_state", "source", "case_type",
**  "reporter_name", "reporter_phone", "draft", "self_handled",
**  "attachments": [{"sha256","stage"}]}
** as application/json (up to 1 MiB), or as multipart/form-data with that
** object in a part named "case" and the photos themselves in parts named
** "photo", "after" or "document" (up to the attachment limit in all).
** 201 the new case, once committed (the writer groups the reports of many
** requests into one commit); 400 bad fields or parts, a position outside
** the district or an unknown category; 403 a role that may not report;
** 413 too big; 415 another body type. */
int
cases_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"scheme", JSON_STRING, 1},
                                            {"kind", JSON_STRING, 1},
                                            {"code", JSON_STRING, 1},
                                            {"lat", JSON_REAL, 1},
                                            {"lon", JSON_REAL, 1},
                                            {"crs", JSON_STRING, 0},
                                            {"address", JSON_STRING, 0},
                                            {"description", JSON_STRING, 0},
                                            {"urgency", JSON_INTEGER, 0},
                                            {"area_class", JSON_STRING, 0},
                                            {"component_id", JSON_STRING, 0},
                                            {"component_state", JSON_STRING, 0},
                                            {"source", JSON_STRING, 0},
                                            {"case_type", JSON_STRING, 0},
                                            {"reporter_name", JSON_STRING, 0},
                                            {"reporter_phone", JSON_STRING, 0},
                                            {"draft", JSON_TRUE, 0},
                                            {"self_handled", JSON_TRUE, 0},
                                            {"attachments", JSON_ARRAY, 0},
                                            {NULL, 0, 0}};
  const char *type = http_header(r, "Content-Type");
  struct case_attach att[16];
  struct case_report rep;
  struct cg_err e = {0};
  json_t *b;
  int status, natt = 0;

  if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
    if (!(b = multipart_report(r, fields, att, 16, &natt, &status)))
      return status;
  } else {
    if (r->body_len > HTTP_BODY_LIMIT) /* the route takes uploads */
      return http_reply_error(r, 413, "too_large",
                              "a JSON report is at most %d bytes; send "
                              "photos as multipart/form-data",
                              HTTP_BODY_LIMIT);
    if (!(b = api_body(r, fields, &status))) return status;
    natt = attachments(r, json_object_get(b, "attachments"), att, 16, &status);
    if (natt < 0) {
      json_decref(b);
      return status;
    }
  }
  if (api_report_read(b, &rep, &e) != CG_OK) {
    json_decref(b);
    return fail(r, &e);
  }
  rep.att = att;
  rep.natt = natt;
  /* written by the writer thread, answered after its commit */
  return api_writer_defer(r, r->user, &rep, att, rep.natt, b);
}

/* Parse a time filter: Unix seconds or YYYY-MM-DD (local midnight). */
static int
time_arg(struct http_req *r, const char *name, int64_t *out)
{
  const char *v = http_arg(r, name);
  int y, m, d, n = 0;
  char *end;

  if (!v) return 0;
  if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !v[n]) {
    *out = cal_local_time(case_setup_cal(api_app(r)->cases), y, m, d, 0);
    return 0;
  }
  *out = strtoll(v, &end, 10);
  return *end || end == v ? -1 : 0;
}

int
api_case_filter(struct http_req *r, struct case_filter *f, char cat[64])
{
  const char *v;

  memset(f, 0, sizeof *f);
  f->state = http_arg(r, "state");
  f->area = http_arg(r, "area");
  f->dept = http_arg(r, "dept");
  f->component = http_arg(r, "component");
  f->source = http_arg(r, "source");
  f->text = http_arg(r, "q");
  f->sort = http_arg(r, "sort");
  f->overdue = (v = http_arg(r, "overdue")) && strcmp(v, "0") != 0;
  if ((v = http_arg(r, "category"))) {
    char *colon;
    snprintf(cat, 64, "%s", v);
    if ((colon = strchr(cat, ':'))) {
      *colon = 0;
      f->scheme = cat;
      f->code_prefix = colon + 1;
    } else {
      f->code_prefix = cat;
    }
  }
  if (time_arg(r, "from", &f->from) || time_arg(r, "to", &f->to))
    return http_reply_error(r, 400, "invalid",
                            "from and to are YYYY-MM-DD "
                            "or Unix seconds");
  if ((v = http_arg(r, "limit"))) f->limit = atoi(v);
  if ((v = http_arg(r, "offset"))) f->offset = atoi(v);
  return 0;
}

/* GET /api/v1/cases (logged in)
**   ?state= (a state or "open") &category=[scheme:]prefix &area=code
**   &dept=code &source= &overdue=1 &from= &to= (YYYY-MM-DD or Unix
**   seconds) &q=words &limit= (default 50, at most 1000) &offset=
**   &sort=new (newest first, the default) or due (earliest deadline
**   first: a work list, overdue at the top)
** 200 {"total","total_exact","limit","offset","cases":[...]}: only the
** cases the caller may see; the total is counted up to 1,000 (past it,
** 1000 and total_exact false). 400 for a bad filter. */
int
cases_get_api(struct http_req *r)
{
  return api_case_read_text(r, case_list_text);
}

/* The filter of the request and the thread's env into *f and *env: 0, or
** the status of the error replied. */
static int
filter_and_env(struct http_req *r, struct case_filter *f, char cat[64],
               struct case_env **env)
{
  struct cg_err e = {0};
  int st;

  if ((st = api_case_filter(r, f, cat))) return st;
  if (!(*env = api_case_env(r, &e))) return fail(r, &e);
  return 0;
}

int
api_case_read(struct http_req *r,
              json_t *(*fn)(struct case_env *env, const struct org_user *who,
                            const struct case_filter *f, struct cg_err *e))
{
  struct case_filter f;
  struct cg_err e = {0};
  struct case_env *env;
  char cat[64];
  json_t *out;
  int st;

  if ((st = filter_and_env(r, &f, cat, &env))) return st;
  if (!(out = fn(env, r->user, &f, &e))) return fail(r, &e);
  return http_reply_json(r, 200, out);
}

int
api_case_read_text(struct http_req *r,
                   char *(*fn)(struct case_env *env, const struct org_user *who,
                               const struct case_filter *f, size_t *len,
                               struct cg_err *e))
{
  struct case_filter f;
  struct cg_err e = {0};
  struct case_env *env;
  char cat[64];
  int st;

  if ((st = filter_and_env(r, &f, cat, &env))) return st;
  if (!(r->text = fn(env, r->user, &f, &r->text_len, &e))) return fail(r, &e);
  r->content_type = HTTP_JSON_TYPE;
  return r->status = 200;
}

/* GET /api/v1/cases/points (logged in), with the filters of GET
** /api/v1/cases (paging and sort aside): the map's markers, one compact
** row [no, lat, lon, light, state, category] per case the caller may see,
** at most 250,000 (see case_points_json()); sent gzip-compressed to
** clients that accept it. 400 for a bad filter. */
int
cases_points_get_api(struct http_req *r)
{
  return api_case_read(r, case_points_json);
}

/* GET /api/v1/cases/{no} (logged in)
** 200 the case with its tasks, deadlines, lights, attachments, history and
** the actions the caller may take; 404 no such case; 403 not the
** caller's to see. */
int
case_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct case_env *env = api_case_env(r, &e);
  json_t *c;

  if (!env) return fail(r, &e);
  if (!(c = case_get_json(env, r->user, r->param[0], 1, &e)))
    return fail(r, &e);
  return http_reply_json(r, 200, c);
}

/* POST /api/v1/cases/{no}/{action} (logged in), action one of the
** workflow table (GET .../actions of a case lists the caller's):
** {"note", "depts": [codes], "task", "hours", "limit_hours", "pass",
**  "rating", "attachments": [{"sha256","stage"}]}, all optional as the
** action needs (limit_hours: a dispatch's own limit in working hours).
** 200 the case after it; 400 missing fields; 403 a role or scope that may
** not; 404 no such case or action; 409 not in a state that allows it. */
int
case_action_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"note", JSON_STRING, 0},
                                            {"depts", JSON_ARRAY, 0},
                                            {"task", JSON_INTEGER, 0},
                                            {"hours", JSON_REAL, 0},
                                            {"limit_hours", JSON_REAL, 0},
                                            {"pass", JSON_TRUE, 0},
                                            {"rating", JSON_STRING, 0},
                                            {"attachments", JSON_ARRAY, 0},
                                            {NULL, 0, 0}};
  const struct case_action_info *info;
  struct case_attach att[16];
  const char *depts[16];
  struct case_act a;
  struct cg_err e = {0};
  struct case_env *env;
  int n, known = 0, status;
  json_t *b, *d, *c;
  size_t i;

  info = case_actions(&n);
  for (int k = 0; k < n; k++)
    if (strcmp(info[k].name, r->param[1]) == 0) known = 1;
  if (!known)
    return http_reply_error(r, 404, "not_found",
                            "no action '%s' (see "
                            "'citygrid case actions')",
                            r->param[1]);
  /* an action may come with no body at all */
  if (r->body_len == 0) {
    b = json_object();
  } else if (!(b = api_body(r, fields, &status))) {
    return status;
  }
  if (!(env = api_case_env(r, &e))) {
    json_decref(b);
    return fail(r, &e);
  }
  memset(&a, 0, sizeof a);
  a.action = r->param[1];
  a.note = json_string_value(json_object_get(b, "note"));
  json_array_foreach(json_object_get(b, "depts"), i, d)
  {
    if (a.ndepts == 16 || !json_is_string(d)) {
      json_decref(b);
      return http_reply_error(r, 400, "invalid",
                              "depts: up to 16 "
                              "department codes");
    }
    depts[a.ndepts++] = json_string_value(d);
  }
  a.depts = depts;
  a.task = (int)json_integer_value(json_object_get(b, "task"));
  a.hours = json_number_value(json_object_get(b, "hours"));
  a.limit_hours = json_number_value(json_object_get(b, "limit_hours"));
  a.pass = json_is_true(json_object_get(b, "pass"));
  a.rating = json_string_value(json_object_get(b, "rating"));
  a.att = att;
  a.natt = attachments(r, json_object_get(b, "attachments"), att, 16, &status);
  if (a.natt < 0) {
    json_decref(b);
    return status;
  }
  status = case_apply(env, r->user, r->param[0], &a, &e);
  json_decref(b);
  if (status != CG_OK) return fail(r, &e);
  if (!(c = case_get_json(env, r->user, r->param[0], 1, &e)))
    return fail(r, &e);
  return http_reply_json(r, 200, c);
}

int
api_attachment_put(struct http_req *r, int images_only)
{
  struct case_setup *s = api_app(r)->cases;
  size_t limit = (size_t)(s->conf.attach_limit_mb * 1024 * 1024);
  const char *type = http_header(r, "Content-Type");
  struct attach_info info;
  struct cg_err e = {0};
  char claimed[64];

  if (r->body_len > limit)
    return http_reply_error(r, 413, "too_large",
                            "attachment of %zu bytes is "
                            "larger than the limit of %zu bytes",
                            r->body_len, limit);
  snprintf(claimed, sizeof claimed, "%s", type ? type : "");
  claimed[strcspn(claimed, ";")] = 0;
  if (images_only && strncmp(claimed, "image/", 6) != 0)
    return http_reply_error(r, 400, "invalid",
                            "a photo (image/jpeg, image/png or image/webp) "
                            "is expected, not '%.40s'",
                            claimed);
  if (attach_put(s->data_dir, r->body, r->body_len, limit,
                 *claimed ? claimed : NULL, &info, &e) != CG_OK)
    return fail(r, &e);
  return http_reply_json(r, 201,
                         json_pack("{s:s, s:s, s:I}", "sha256", info.sha256,
                                   "mime", info.mime, "bytes",
                                   (json_int_t)info.size));
}

/* POST /api/v1/attachments (logged in; the body is the file, with its
** Content-Type: image/jpeg, image/png, image/webp or application/pdf)
** 201 {"sha256","mime","bytes"}; 400 a file that is not what it claims
** or not one of those types; 413 over the limit. */
int
attachments_post_api(struct http_req *r)
{
  return api_attachment_put(r, 0);
}

int
api_attachment_reply(struct http_req *r, const struct org_user *who,
                     const char *sha, int images_only)
{
  struct cg_err e = {0};
  struct case_env *env = api_case_env(r, &e);
  FILE *f;
  char *buf;
  long n;

  if (!env || !(f = case_attachment_open(env, who, sha, images_only, &e)))
    return fail(r, &e);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = n < 0 ? NULL : malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return http_reply_error(r, 500, "io", "cannot read the attachment");
  }
  fclose(f);
  r->text = buf;
  r->text_len = (size_t)n;
  r->content_type = attach_sniff(buf, (size_t)n);
  if (!r->content_type) r->content_type = "application/octet-stream";
  /* the content never changes under its hash */
  r->cache_control = "private, max-age=31536000, immutable";
  r->status = 200;
  return 200;
}

/* GET /api/v1/attachments/{sha256} (logged in) — the file, if it belongs
** to a case the caller may see. 404 otherwise (whether it exists or not is
** not told). */
int
attachment_get_api(struct http_req *r)
{
  return api_attachment_reply(r, r->user, r->param[0], 0);
}

int
api_csv_reply(struct http_req *r, struct db *db, const void *arg,
              int (*write)(struct db *, const void *, FILE *, struct cg_err *))
{
  const char *format = http_arg(r, "format");
  struct cg_err e = {0};
  char *text = NULL;
  size_t len = 0;
  FILE *f;
  int rc;

  if (!format || strcmp(format, "json") == 0) return 0;
  if (strcmp(format, "csv") != 0)
    return http_reply_error(r, 400, "invalid",
                            "format '%.20s' is not json or csv", format);
  if (!(f = open_memstream(&text, &len)))
    return http_reply_error(r, 500, "internal", "out of memory");
  rc = write(db, arg, f, &e);
  if (fclose(f) != 0 && rc == CG_OK)
    rc = cg_fail(&e, CG_ENOMEM, "out of memory");
  if (rc != CG_OK) {
    free(text);
    return fail(r, &e);
  }
  r->text = text;
  r->text_len = len;
  r->content_type = "text/csv; charset=utf-8";
  return 200;
}

static int
categories_csv(struct db *db, const void *scheme, FILE *out, struct cg_err *e)
{
  if (!scheme)
    return cg_fail(e, CG_EINVAL,
                   "a CSV holds the categories of one scheme: give scheme=");
  return category_export_csv(db, scheme, out, e);
}

static int
departments_csv(struct db *db, const void *arg, FILE *out, struct cg_err *e)
{
  return org_dept_export_csv(db, out, e);
}

/* GET /api/v1/categories[?scheme=cjt214|gb47678][&format=csv] — the
** dictionaries; as CSV, one scheme as `import categories` reads it. */
int
categories_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  json_t *list;
  int st;

  if (!db) return fail(r, &e);
  if ((st = api_csv_reply(r, db, http_arg(r, "scheme"), categories_csv)))
    return st;
  if (!(list = category_list_json(db, http_arg(r, "scheme"), &e)))
    return fail(r, &e);
  return http_reply_json(r, 200, json_pack("{s:o}", "categories", list));
}

/* GET /api/v1/departments[?format=csv] — the departments cases go to; as
** CSV, as `import departments` reads them. */
int
departments_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  json_t *list;
  int st;

  if (!db) return fail(r, &e);
  if ((st = api_csv_reply(r, db, NULL, departments_csv))) return st;
  if (!(list = org_dept_list_json(db, &e))) return fail(r, &e);
  return http_reply_json(r, 200, json_pack("{s:o}", "departments", list));
}
