/*
** open311.c — Open311 GeoReport v2 under /open311/v2/: discovery, services
** (our categories) and their definitions, requests (our cases) posted,
** listed and read, tokens, and mySociety's servicerequestupdates extension
** (our events), each as .xml or .json. Every reply is built once as a JSON
** value shaped like the XML and then written in the format asked for:
** arrays of the list elements the specification names (services/service,
** service_requests/request, ...), Spark-convention JSON or XML by libxml2's
** text writer. Reporter contact details are taken, kept private, and never
** returned: readers get the public view of a case.
*/
#include "api.h"

#include <ctype.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/auth.h"

#define SPEC_URL "http://wiki.open311.org/GeoReport_v2"
#define CHANGESET "2026-11-21T00:00:00+08:00" /* this API last changed */
#define PREFIX "/open311/v2/"
#define MAX_SPAN (90 * 86400) /* a date range spans at most 90 days */
#define MAX_PAGE 1000         /* requests or updates in one reply */

enum { XML, JSON };

/* Anyone at all: Open311 readers need no account, and get what the
** public may see of a case. */
static const struct org_user anyone = {.login = "", .role = ROLE_PUBLIC};

/* ---- writing replies ---------------------------------------------------- */

/* The element of one item of a list element, as the specification and
** the updates extension name them. Keep sorted (bsearch). */
static const struct {
  const char *list, *item;
} items[] = {
    {"attributes", "attribute"},
    {"endpoints", "endpoint"},
    {"errors", "error"},
    {"formats", "format"},
    {"service_request_updates", "request_update"},
    {"service_requests", "request"},
    {"services", "service"},
    {"values", "value"},
};

static int
cmp_item(const void *k, const void *v)
{
  return strcmp(k, *(const char *const *)v);
}

static const char *
item_of(const char *list)
{
  const char *const *hit = bsearch(list, items, sizeof items / sizeof items[0],
                                   sizeof items[0], cmp_item);
  return hit ? hit[1] : "item";
}

/* Text as XML 1.0 may carry it: control characters but tab and line
** breaks become spaces (the input checks refuse them; this guards what
** came in by other ways). Returns s itself, or a cleaned copy that is
** also put in *buf for the caller to free (*buf is NULL otherwise). */
static const char *
xml_text(const char *s, char **buf)
{
  const char *p;
  *buf = NULL;
  for (p = s; *p; p++)
    if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      break;
  if (!*p || !(*buf = strdup(s))) return s;
  for (char *q = *buf; *q; q++)
    if ((unsigned char)*q < 0x20 && *q != '\t' && *q != '\n' && *q != '\r')
      *q = ' ';
  return *buf;
}

/* Write v as element `name`: objects as child elements in order, arrays
** as repeated item elements, null as an empty element. */
static int
xml_value(xmlTextWriterPtr w, const char *name, json_t *v)
{
  int rc = xmlTextWriterStartElement(w, BAD_CAST name);
  const char *key;
  json_t *x;
  size_t i;
  char *buf = NULL;

  switch (json_typeof(v)) {
  case JSON_OBJECT:
    json_object_foreach(v, key, x) if (rc >= 0) rc = xml_value(w, key, x);
    break;
  case JSON_ARRAY:
    json_array_foreach(v, i, x) if (rc >= 0) rc =
        xml_value(w, item_of(name), x);
    break;
  case JSON_STRING:
    if (rc >= 0)
      rc = xmlTextWriterWriteString(
          w, BAD_CAST xml_text(json_string_value(v), &buf));
    free(buf);
    break;
  case JSON_INTEGER:
    if (rc >= 0)
      rc = xmlTextWriterWriteFormatString(w, "%" JSON_INTEGER_FORMAT,
                                          json_integer_value(v));
    break;
  case JSON_REAL:
    if (rc >= 0)
      rc = xmlTextWriterWriteFormatString(w, "%.10g", json_real_value(v));
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    if (rc >= 0)
      rc = xmlTextWriterWriteString(
          w, BAD_CAST(json_is_true(v) ? "true" : "false"));
    break;
  case JSON_NULL:
    break;
  }
  return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
  xmlInitParser();
}

/* Reply with v (taken) as root element `root` in format fmt. Returns
** status. */
static int
answer(struct http_req *r, int fmt, int status, const char *root, json_t *v)
{
  xmlBufferPtr buf;
  xmlTextWriterPtr w;
  int rc = -1;

  if (!v) return http_reply_error(r, 500, "internal", "out of memory");
  free(r->text);
  r->text = NULL;
  if (fmt == JSON) return http_reply_json(r, status, v);
  pthread_once(&xml_once, xml_init);
  json_decref(r->json);
  r->json = NULL;
  if ((buf = xmlBufferCreate()) && (w = xmlNewTextWriterMemory(buf, 0))) {
    rc = xmlTextWriterStartDocument(w, NULL, "utf-8", NULL);
    if (rc >= 0) rc = xml_value(w, root, v);
    if (rc >= 0) rc = xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w); /* flushes into buf */
    if (rc >= 0 &&
        (r->text = malloc((size_t)xmlBufferLength(buf) + 1)) != NULL) {
      r->text_len = (size_t)xmlBufferLength(buf);
      memcpy(r->text, xmlBufferContent(buf), r->text_len + 1);
    }
  }
  if (buf) xmlBufferFree(buf);
  json_decref(v);
  if (!r->text) {
    r->status = 500;
    r->content_type = "text/plain; charset=utf-8";
    return 500;
  }
  r->content_type = "text/xml; charset=utf-8";
  r->status = status;
  return status;
}

/* The format a path asks for: its last segment's suffix, ".json" for
** JSON, anything else XML (the format every server must speak). */
static int
path_format(const char *path)
{
  const char *dot = strrchr(path, '.');
  return dot && !strchr(dot, '/') && strcmp(dot, ".json") == 0 ? JSON : XML;
}

int
open311_error_reply(struct http_req *r, int status, const char *code,
                    const char *msg)
{
  int sent = status;

  if (strncmp(r->path, PREFIX, strlen(PREFIX)) != 0) return 0;
  /* the specification's statuses: 403 for keys, 404 for what does not
  ** exist, 400 for every other fault of the request; the body keeps the
  ** precise code. A failure of ours stays a 5xx: the client may retry. */
  if (status < 500 && status != 403 && status != 404) sent = 400;
  answer(r, path_format(r->path), sent, "errors",
         json_pack("[{s:i, s:s}]", "code", status, "description", msg));
  return 1;
}

/* The format of a matched route, its last {part}; a 404 reply and -1 for
** any other than xml and json. */
static int
route_format(struct http_req *r)
{
  const char *f = r->nparam ? r->param[r->nparam - 1] : "";
  if (strcmp(f, "xml") == 0) return XML;
  if (strcmp(f, "json") == 0) return JSON;
  http_reply_error(r, 404, "not_found", "no format '%s' (xml or json)", f);
  return -1;
}

/* A case module error as an Open311 error. */
static int
fail(struct http_req *r, const struct cg_err *e)
{
  return http_reply_err(r, e);
}

/* ---- times -------------------------------------------------------------- */

/* A W3C datetime at the district's offset ("2026-05-04T09:30:00+08:00"),
** or null for 0. */
static json_t *
w3c_json(int64_t t, int offset)
{
  char buf[40];
  time_t local = (time_t)(t + offset);
  struct tm tm;
  int a = offset < 0 ? -offset : offset;

  if (!t) return json_null();
  gmtime_r(&local, &tm);
  strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
  if (offset)
    snprintf(buf + 19, sizeof buf - 19, "%c%02d:%02d", offset < 0 ? '-' : '+',
             a / 3600, a / 60 % 60);
  else
    strcpy(buf + 19, "Z");
  return json_string(buf);
}

/* Parse a W3C datetime: YYYY-MM-DD (local midnight), or with
** Thh:mm[:ss[.s...]] and a zone, Z or +hh:mm / -hh:mm (a '+' that became a
** space in a query string is taken as '+'). Returns 0 or -1. */
static int
w3c_parse(const char *s, int offset, int64_t *out)
{
  int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
  int64_t off = offset;
  struct tm tm = {0};
  time_t t;

  if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return -1;
  s += 10;
  if (*s == 'T') {
    if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) return -1;
    s += 6;
    if (*s == ':') {
      if (!isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
        return -1;
      sec = (s[1] - '0') * 10 + (s[2] - '0');
      s += 3;
      if (*s == '.') {
        if (!isdigit((unsigned char)*++s)) return -1;
        while (isdigit((unsigned char)*s))
          s++;
      }
    }
    if (*s == 'Z') {
      off = 0;
      s++;
    } else if (*s == '+' || *s == '-' || *s == ' ') {
      int oh, om;
      if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 ||
          om > 59)
        return -1;
      off = (oh * 3600 + om * 60) * (*s == '-' ? -1 : 1);
      s += 6;
    } else {
      return -1; /* a time needs its zone */
    }
  }
  if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      sec > 60 || y < 1970)
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  t = timegm(&tm);
  if (tm.tm_mday != d) return -1; /* 2026-02-30 */
  *out = (int64_t)t - off;
  return 0;
}

/* The [start, end] range of start_date and end_date: 90 days up to now by
** default, 90 days from one end when only one is given, at most 90 days
** when both are. Sets a 400 reply and returns -1 when they are bad. */
static int
date_range(struct http_req *r, int offset, int64_t now, int64_t *start,
           int64_t *end)
{
  const char *s = http_arg(r, "start_date"), *e = http_arg(r, "end_date");

  if (s && !*s) s = NULL; /* optional: empty is as absent */
  if (e && !*e) e = NULL;
  if ((s && w3c_parse(s, offset, start)) || (e && w3c_parse(e, offset, end))) {
    http_reply_error(r, 400, "invalid",
                     "start_date and end_date are W3C datetimes, e.g. "
                     "2026-05-04T00:00:00+08:00");
    return -1;
  }
  if (!s && !e) *end = now;
  if (!s) *start = *end - MAX_SPAN;
  if (!e) *end = *start + MAX_SPAN;
  if (*end < *start || *end - *start > MAX_SPAN) {
    http_reply_error(r, 400, "invalid",
                     "start_date must come before end_date, at most 90 "
                     "days before");
    return -1;
  }
  return 0;
}

/* The page and page_size arguments (the paging extension): pages count
** from 1, and hold MAX_PAGE items unless asked for fewer. Sets a 400
** reply and returns -1 when they are bad. */
static int
paging(struct http_req *r, int *page, int *size)
{
  const char *v;
  *page = 1;
  *size = MAX_PAGE;
  if ((v = http_arg(r, "page")) && *v && (*page = atoi(v)) < 1) {
    http_reply_error(r, 400, "invalid", "page counts from 1");
    return -1;
  }
  if ((v = http_arg(r, "page_size")) && *v &&
      ((*size = atoi(v)) < 1 || *size > MAX_PAGE)) {
    http_reply_error(r, 400, "invalid", "page_size is 1 to %d", MAX_PAGE);
    return -1;
  }
  return 0;
}

/* ---- services: our categories ------------------------------------------ */

/* A service code: scheme-kind-code ("gb47678-matter-06010"), split from
** the right so that a scheme may hold '-'. Returns 0 or -1. */
static int
service_split(const char *sc, char scheme[32], char kind[16], char code[16])
{
  const char *c = strrchr(sc, '-'), *k;
  if (!c || c == sc || !c[1] || strlen(c + 1) >= 16) return -1;
  for (k = c - 1; k > sc && *k != '-'; k--)
    ;
  if (k == sc || (size_t)(k - sc) >= 32 || (size_t)(c - k - 1) >= 16 ||
      c - k - 1 == 0)
    return -1;
  snprintf(scheme, 32, "%.*s", (int)(k - sc), sc);
  snprintf(kind, 16, "%.*s", (int)(c - k - 1), k + 1);
  snprintf(code, 16, "%s", c + 1);
  return 0;
}

/* The attributes of a service of category kind `kind` (our report's
** optional fields): every service asks how urgent it is; a component's
** also which component it is and what became of it (GB/T 47678.5's
** 部件标识码 and 管理部件状态). */
static json_t *
attributes_json(const char *kind)
{
  json_t *list = json_pack(
      "[{s:b, s:s, s:s, s:b, s:s, s:i, s:s, s:[{s:s, s:s}, {s:s, s:s},"
      " {s:s, s:s}]}]",
      "variable", 1, "code", "urgency", "datatype", "singlevaluelist",
      "required", 0, "datatype_description", "one of the keys below", "order",
      1, "description", "紧急程度 How urgent is it?", "values", "key", "0",
      "name", "一般 normal", "key", "1", "name", "紧急 urgent", "key", "2",
      "name", "特急 emergency");
  json_t *states;

  if (strcmp(kind, "component") != 0) return list;
  json_array_append_new(
      list, json_pack("{s:b, s:s, s:s, s:b, s:s, s:i, s:s}", "variable", 1,
                      "code", "component_id", "datatype", "string", "required",
                      0, "datatype_description",
                      "the identifier on the component's plate: the district's "
                      "6-digit code, the category's code and a 6-digit number",
                      "order", 2, "description",
                      "部件标识码 Which component is it?"));
  states = json_array();
  for (const struct case_choice *c = case_component_states; c->key; c++)
    json_array_append_new(
        states, json_pack("{s:s, s:s}", "key", c->key, "name", c->zh));
  json_array_append_new(
      list, json_pack("{s:b, s:s, s:s, s:b, s:s, s:i, s:s, s:o}", "variable", 1,
                      "code", "component_state", "datatype", "singlevaluelist",
                      "required", 0, "datatype_description",
                      "one of the keys below", "order", 3, "description",
                      "部件状态 What became of it?", "values", states));
  return list;
}

/* Does the service of category kind `kind` take attribute `code`, and is
** value one of its values (any text for a string)? 1 yes, 0 not a value,
** -1 no such attribute. */
static int
attribute_value_ok(const char *kind, const char *code, const char *value)
{
  json_t *attrs = attributes_json(kind), *a, *v, *values;
  size_t i, k;
  int ok = -1;

  json_array_foreach(attrs, i, a)
  {
    if (strcmp(json_string_value(json_object_get(a, "code")), code)) continue;
    if (!(values = json_object_get(a, "values"))) {
      ok = 1;
      continue;
    }
    ok = 0;
    json_array_foreach(
        values, k, v) if (strcmp(json_string_value(json_object_get(v, "key")),
                                 value) == 0) ok = 1;
  }
  json_decref(attrs);
  return ok;
}

/* A service from a row of service_sql. */
static json_t *
service_json(struct db_stmt *st)
{
  char sc[80], desc[600], kw[300];
  const char *en = db_col_text(st, 5);

  snprintf(sc, sizeof sc, "%s-%s-%s", db_col_text(st, 0), db_col_text(st, 1),
           db_col_text(st, 2));
  snprintf(desc, sizeof desc, "%s: %s%s%s%s", db_col_text(st, 3),
           db_col_text(st, 4), en && *en ? " (" : "", en ? en : "",
           en && *en ? ")" : "");
  snprintf(kw, sizeof kw, "%s%s%s, %s", en ? en : "", en && *en ? ", " : "",
           db_col_text(st, 3), db_col_text(st, 2));
  return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "service_code", sc,
                   "service_name", db_col_text(st, 4), "description", desc,
                   "metadata", 1, "type", "realtime", "keywords", kw, "group",
                   db_col_text(st, 3));
}

/* jurisdiction_id is optional (we serve one district); if given it must
** be the district's code. Sets a 404 reply and returns -1 otherwise. */
static int
jurisdiction_ok(struct http_req *r, const char *j)
{
  const char *ours = case_setup_district(api_app(r)->cases);
  if (!j || !*j || strcmp(j, ours) == 0) return 0;
  http_reply_error(r, 404, "not_found",
                   "jurisdiction_id '%.40s' not found (this server serves "
                   "'%s')",
                   j, ours);
  return -1;
}

/* GET /open311/v2/discovery.{fmt}
** 200 the service discovery document: this endpoint, its formats. */
int
open311_discovery_get_api(struct http_req *r)
{
  const char *host = http_header(r, "Host");
  char url[300];
  int fmt = route_format(r);

  if (fmt < 0) return r->status;
  snprintf(url, sizeof url, "http://%.200s/open311/v2",
           host ? host : "127.0.0.1");
  return answer(r, fmt, 200, "discovery",
                json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:[s, s]}]}",
                          "changeset", CHANGESET, "contact",
                          "the district's city management centre",
                          "key_service",
                          "API keys for POST come from the administrator "
                          "('citygrid apikey add NAME')",
                          "endpoints", "specification", SPEC_URL, "url", url,
                          "changeset", CHANGESET, "type", "production",
                          "formats", "text/xml", "application/json"));
}

/* GET /open311/v2/services.{fmt}[?jurisdiction_id=]
** 200 services: one per category of every dictionary. */
int
open311_services_get_api(struct http_req *r)
{
  static const char sql[] =
      "SELECT scheme, kind, code, major_name, name_zh, name_en FROM category"
      " ORDER BY scheme, kind, code";
  struct cg_err e = {0};
  struct db *db;
  struct db_stmt *st;
  json_t *list;
  int fmt = route_format(r), rc;

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (!(db = api_db(r, &e)) || db_prepare_cached(db, &st, sql, &e) != CG_OK)
    return fail(r, &e);
  list = json_array();
  while ((rc = db_step(st, &e)) == DB_ROW)
    json_array_append_new(list, service_json(st));
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return fail(r, &e);
  }
  return answer(r, fmt, 200, "services", list);
}

/* Does service code sc name a category? 1 yes, 0 no (a 404 reply set),
** -1 malformed or a store failure (a 400 or 500 reply set). */
static int
service_known(struct http_req *r, struct db *db, const char *sc, char *scheme,
              char *kind, char *code, json_t **service)
{
  static const char sql[] =
      "SELECT scheme, kind, code, major_name, name_zh, name_en FROM category"
      " WHERE scheme = ? AND kind = ? AND code = ?";
  struct cg_err e = {0};
  struct db_stmt *st;
  int rc;

  if (service_split(sc, scheme, kind, code)) {
    http_reply_error(r, 400, "invalid",
                     "service_code '%.60s' is not of the form "
                     "scheme-kind-code (see services)",
                     sc);
    return -1;
  }
  if (db_prepare_cached(db, &st, sql, &e) != CG_OK) {
    fail(r, &e);
    return -1;
  }
  db_bindf(st, "ttt", scheme, kind, code);
  rc = db_step(st, &e);
  if (rc == DB_ROW && service) *service = service_json(st);
  db_finalize(st);
  if (rc < 0) {
    fail(r, &e);
    return -1;
  }
  if (rc != DB_ROW)
    http_reply_error(r, 404, "not_found", "service_code '%.60s' not found", sc);
  return rc == DB_ROW;
}

/* GET /open311/v2/services/{code}.{fmt}[?jurisdiction_id=]
** 200 the service definition with its attributes; 404 no such service;
** 400 a malformed code. */
int
open311_service_get_api(struct http_req *r)
{
  char scheme[32], kind[16], code[16];
  struct cg_err e = {0};
  struct db *db;
  int fmt = route_format(r);

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (!(db = api_db(r, &e))) return fail(r, &e);
  if (service_known(r, db, r->param[0], scheme, kind, code, NULL) != 1)
    return r->status;
  return answer(r, fmt, 200, "service_definition",
                json_pack("{s:s, s:o}", "service_code", r->param[0],
                          "attributes", attributes_json(kind)));
}

/* ---- requests: our cases ------------------------------------------------ */

/* Open311's two statuses: a case in a terminal state is closed (closed,
** rejected, void, duplicate), any other open. */
static const char *
status_of(const char *state)
{
  static const char *const closed[] = {"closed", "rejected", "void",
                                       "duplicate"};
  for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++)
    if (strcmp(state, closed[i]) == 0) return "closed";
  return "open";
}
#define CLOSED_SQL "('closed', 'rejected', 'void', 'duplicate')"

/* The last note of case `no` the public may read, or NULL (caller frees). */
static char *
last_public_note(struct db *db, const char *no)
{
  static const char sql[] =
      "SELECT action, note FROM event WHERE case_no = ?"
      " AND note <> '' AND action <> 'report' ORDER BY seq DESC";
  struct db_stmt *st;
  char *note = NULL;

  if (db_prepare_cached(db, &st, sql, NULL) != CG_OK) return NULL;
  db_bindf(st, "t", no);
  while (!note && db_step(st, NULL) == DB_ROW)
    if (case_note_public(db_col_text(st, 0))) note = strdup(db_col_text(st, 1));
  db_finalize(st);
  return note;
}

/* Case `no` as an Open311 request, or NULL if there is none the public
** may see (caller decrefs). */
static json_t *
request_json(struct case_env *env, const char *no, int offset)
{
  static const char sql[] =
      "SELECT c.no, c.state, c.scheme, c.kind, c.category_code,"
      " c.description, c.address, c.lat, c.lon, c.created_at, c.updated_at,"
      " c.due_at, c.closed_at, c.grid_code, cat.name_zh, d.name, o.media_url,"
      " (SELECT max(at) FROM event WHERE case_no = c.no)"
      " FROM cases c LEFT JOIN category cat ON cat.scheme = c.scheme AND"
      " cat.kind = c.kind AND cat.code = c.category_code LEFT JOIN"
      " department d ON d.code = c.dept_code LEFT JOIN open311_request o ON"
      " o.case_no = c.no WHERE c.no = ?";
  struct db_stmt *st;
  json_t *j = NULL;
  char sc[80], *note;
  const char *status;
  int64_t updated;

  if (case_visibility(env, &anyone, no) == 0) return NULL;
  if (db_prepare_cached(env->db, &st, sql, NULL) != CG_OK) return NULL;
  db_bindf(st, "t", no);
  if (db_step(st, NULL) == DB_ROW) {
    snprintf(sc, sizeof sc, "%s-%s-%s", db_col_text(st, 2), db_col_text(st, 3),
             db_col_text(st, 4));
    status = status_of(db_col_text(st, 1));
    /* its last event; a closed request's, when it was closed */
    updated = strcmp(status, "closed") == 0 && !db_col_is_null(st, 12)
                  ? db_col_int(st, 12)
              : db_col_is_null(st, 17) ? db_col_int(st, 10)
                                       : db_col_int(st, 17);
    note = last_public_note(env->db, no);
    j = json_pack(
        "{s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:n, s:o, s:o, s:o, s:s, s:s?,"
        " s:n, s:f, s:f, s:s?}",
        "service_request_id", db_col_text(st, 0), "status", status,
        "status_notes", note, "service_name",
        db_col_text(st, 14) ? db_col_text(st, 14) : db_col_text(st, 4),
        "service_code", sc, "description", db_col_text(st, 5),
        "agency_responsible", db_col_text(st, 15), "service_notice",
        "requested_datetime", w3c_json(db_col_int(st, 9), offset),
        "updated_datetime", w3c_json(updated, offset), "expected_datetime",
        w3c_json(db_col_is_null(st, 11) ? 0 : db_col_int(st, 11), offset),
        "address", db_col_text(st, 6), "address_id", db_col_text(st, 13),
        "zipcode", "lat", db_col_double(st, 7), "long", db_col_double(st, 8),
        "media_url", db_col_text(st, 16));
    free(note);
  }
  db_finalize(st);
  return j;
}

/* Split a comma-separated argument into at most max trimmed, non-empty
** items pointing into buf. Returns the count, or -1 if there are more. */
static int
split_list(const char *arg, char *buf, size_t n, char **out, int max)
{
  int k = 0;
  snprintf(buf, n, "%s", arg);
  for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
    while (*p == ' ')
      p++;
    if (!*p) continue;
    if (k == max) return -1;
    out[k++] = p;
  }
  return k;
}

/* GET /open311/v2/requests.{fmt}
**   ?service_request_id=a,b (overrides the rest) &service_code=a,b
**   &start_date= &end_date= (W3C datetimes; 90 days at most, the last 90
**   by default) &status=open,closed &page= &page_size= (default and at
**   most 1000) &jurisdiction_id=
** 200 service_requests, newest first; 400 bad arguments. */
int
open311_requests_get_api(struct http_req *r)
{
  char sql[2048], ids[4096], codes[1024], sts[64], *id[MAX_PAGE / 10],
      *code[20], *st_v[4], scheme[20][32], kind[20][16], cat[20][16];
  const char *v, *bind[64];
  int64_t start, end, num[4];
  int nid = 0, ncode = 0, nst = 0, nbind = 0, page = 1, size = MAX_PAGE;
  int want_open = 0, want_closed = 0, fmt = route_format(r), rc;
  struct cg_err e = {0};
  struct case_env *env;
  struct db_stmt *st;
  size_t len = 0;
  json_t *list;
  int offset;

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (!(env = api_case_env(r, &e))) return fail(r, &e);
  offset = cal_utc_offset(env->cal);
  if ((v = http_arg(r, "service_request_id")) &&
      (nid = split_list(v, ids, sizeof ids, id, MAX_PAGE / 10)) < 0)
    return http_reply_error(r, 400, "invalid",
                            "at most %d service_request_id at once",
                            MAX_PAGE / 10);
  list = json_array();
  if (nid > 0) { /* the ids asked for, those that exist and may be seen */
    for (int i = 0; i < nid; i++) {
      json_t *one = request_json(env, id[i], offset);
      if (one) json_array_append_new(list, one);
    }
    return answer(r, fmt, 200, "service_requests", list);
  }
  json_decref(list);
  if ((v = http_arg(r, "service_code")) &&
      (ncode = split_list(v, codes, sizeof codes, code, 20)) < 0)
    return http_reply_error(r, 400, "invalid", "at most 20 service_code");
  for (int i = 0; i < ncode; i++)
    if (service_split(code[i], scheme[i], kind[i], cat[i]))
      return http_reply_error(r, 400, "invalid",
                              "service_code '%.60s' is not of the form "
                              "scheme-kind-code",
                              code[i]);
  if ((v = http_arg(r, "status")) &&
      (nst = split_list(v, sts, sizeof sts, st_v, 4)) < 0)
    return http_reply_error(r, 400, "invalid", "status: open, closed");
  for (int i = 0; i < nst; i++) {
    if (strcmp(st_v[i], "open") == 0)
      want_open = 1;
    else if (strcmp(st_v[i], "closed") == 0)
      want_closed = 1;
    else
      return http_reply_error(r, 400, "invalid",
                              "unknown status '%.20s' (open or closed)",
                              st_v[i]);
  }
  if (paging(r, &page, &size)) return r->status;
  if (date_range(r, offset, case_now(env), &start, &end)) return r->status;

  /* drafts are no one's but their author's; the rest the public sees */
  len += snprintf(sql + len, sizeof sql - len,
                  "SELECT no FROM cases WHERE state <> 'draft' AND"
                  " created_at >= ? AND created_at <= ?");
  for (int i = 0; i < ncode; i++) {
    len += snprintf(sql + len, sizeof sql - len,
                    "%s(scheme = ? AND kind = ? AND category_code = ?)",
                    i ? " OR " : " AND (");
    bind[nbind++] = scheme[i];
    bind[nbind++] = kind[i];
    bind[nbind++] = cat[i];
  }
  if (ncode) len += snprintf(sql + len, sizeof sql - len, ")");
  if (want_open != want_closed)
    len += snprintf(sql + len, sizeof sql - len, " AND state %s " CLOSED_SQL,
                    want_open ? "NOT IN" : "IN");
  snprintf(sql + len, sizeof sql - len,
           " ORDER BY created_at DESC, no DESC LIMIT ? OFFSET ?");
  num[0] = start;
  num[1] = end;
  num[2] = size;
  num[3] = (int64_t)(page - 1) * size;
  if (db_prepare(env->db, &st, sql, &e) != CG_OK) return fail(r, &e);
  db_bind_int(st, 1, num[0]);
  db_bind_int(st, 2, num[1]);
  for (int i = 0; i < nbind; i++)
    db_bind_text(st, 3 + i, bind[i]);
  db_bind_int(st, 3 + nbind, num[2]);
  db_bind_int(st, 4 + nbind, num[3]);
  list = json_array();
  while ((rc = db_step(st, &e)) == DB_ROW) {
    char no[32];
    json_t *one;
    snprintf(no, sizeof no, "%s", db_col_text(st, 0));
    if ((one = request_json(env, no, offset))) json_array_append_new(list, one);
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return fail(r, &e);
  }
  return answer(r, fmt, 200, "service_requests", list);
}

/* GET /open311/v2/requests/{id}.{fmt}[?jurisdiction_id=]
** 200 service_requests with the one request; 404 none the public may see. */
int
open311_request_get_api(struct http_req *r)
{
  struct cg_err e = {0};
  struct case_env *env;
  json_t *one;
  int fmt = route_format(r);

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (!(env = api_case_env(r, &e))) return fail(r, &e);
  if (!(one = request_json(env, r->param[0], cal_utc_offset(env->cal))))
    return http_reply_error(r, 404, "not_found",
                            "service_request_id '%.40s' not found",
                            r->param[0]);
  return answer(r, fmt, 200, "service_requests", json_pack("[o]", one));
}

/* GET /open311/v2/tokens/{token}.{fmt}[?jurisdiction_id=]
** 200 service_requests with the request the token stands for; 404 an
** unknown token. */
int
open311_token_get_api(struct http_req *r)
{
  static const char sql[] =
      "SELECT case_no FROM open311_request WHERE token = ?";
  struct cg_err e = {0};
  struct db *db;
  struct db_stmt *st;
  char no[32] = "";
  int fmt = route_format(r), rc;

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (!(db = api_db(r, &e)) || db_prepare_cached(db, &st, sql, &e) != CG_OK)
    return fail(r, &e);
  db_bindf(st, "t", r->param[0]);
  if ((rc = db_step(st, &e)) == DB_ROW)
    snprintf(no, sizeof no, "%s", db_col_text(st, 0));
  db_finalize(st);
  if (rc < 0) return fail(r, &e);
  if (!*no)
    return http_reply_error(r, 404, "not_found", "token '%.40s' not found",
                            r->param[0]);
  return answer(r, fmt, 200, "service_requests",
                json_pack("[{s:s, s:s}]", "service_request_id", no, "token",
                          r->param[0]));
}

/* ---- form bodies --------------------------------------------------------- */

/* A form body checked against the fields a call takes. */
struct form {
  struct http_form f;
  const char *val[24];    /* by index into the call's field names */
  const char *attr[8][2]; /* attribute[code]=value pairs */
  int nattr;
};

/* Decode r's form body into fm. Returns 0, or -1 with a 400 reply set
** (the body is no form). */
static int
form_parse(struct http_req *r, struct form *fm)
{
  const char *why;
  memset(fm, 0, sizeof *fm);
  if (http_form_parse(r, &fm->f, &why) == 0) return 0;
  http_reply_error(r, 400, "invalid", "%s", why);
  return -1;
}

/* The first value of field `name` as sent, or NULL. */
static const char *
form_raw(const struct form *fm, const char *name)
{
  for (int i = 0; i < fm->f.n; i++)
    if (strcmp(fm->f.field[i].name, name) == 0) return fm->f.field[i].value;
  return NULL;
}

/* Check a parsed form: every field named in `names` (at most once each)
** or, with attrs, attribute[code]; UTF-8 text without control characters
** but line breaks and tabs. Required names must be present and
** non-empty. Every problem is named in one 400 reply; returns 0 or -1. */
static int
form_check(struct http_req *r, struct form *fm, const char *const *names,
           const char *const *required, int attrs)
{
  char problems[400] = "";
  size_t len = 0;
  int n;

  for (int i = 0; i < fm->f.n; i++) {
    const struct http_field *f = &fm->f.field[i];
    size_t nl = strlen(f->name);
    if (strlen(f->value) != f->len || !xmlCheckUTF8(BAD_CAST f->value) ||
        !xmlCheckUTF8(BAD_CAST f->name)) {
      http_reply_error(r, 400, "invalid", "field '%.40s' is not UTF-8 text",
                       xmlCheckUTF8(BAD_CAST f->name) ? f->name : "?");
      return -1;
    }
    for (const char *p = f->value; *p; p++)
      if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') {
        http_reply_error(r, 400, "invalid",
                         "field '%.40s' holds control characters", f->name);
        return -1;
      }
    for (n = 0; names[n] && strcmp(names[n], f->name); n++)
      ;
    if (names[n]) {
      if (fm->val[n])
        len += snprintf(problems + len, sizeof problems - len,
                        "%s'%.40s' is given twice", len ? "; " : "", f->name);
      else
        fm->val[n] = f->value;
    } else if (attrs && strncmp(f->name, "attribute[", 10) == 0 && nl > 11 &&
               f->name[nl - 1] == ']' && fm->nattr < 8) {
      fm->attr[fm->nattr][0] = f->name;
      fm->attr[fm->nattr++][1] = f->value;
    } else {
      len += snprintf(problems + len, sizeof problems - len,
                      "%sunknown field '%.40s'", len ? "; " : "", f->name);
    }
    if (len >= sizeof problems) len = sizeof problems - 1;
  }
  for (const char *const *q = required; *q; q++) {
    for (n = 0; strcmp(names[n], *q); n++)
      ;
    if (!fm->val[n] || !*fm->val[n])
      len += snprintf(problems + len, sizeof problems - len,
                      "%s'%s' is missing", len ? "; " : "", *q);
    if (len >= sizeof problems) len = sizeof problems - 1;
  }
  if (len) {
    http_reply_error(r, 400, "invalid", "%s", problems);
    return -1;
  }
  return 0;
}

/* The value of field `name` of a form read against `names`, or NULL when
** absent or empty (the specification's optional arguments). */
static const char *
form_get(const struct form *fm, const char *const *names, const char *name)
{
  for (int n = 0; names[n]; n++)
    if (strcmp(names[n], name) == 0)
      return fm->val[n] && *fm->val[n] ? fm->val[n] : NULL;
  return NULL;
}

/* Check the api_key of a form (or of the query string, where some clients
** put it): *k and *u get the key and its account. Returns 0, or -1 with a
** 403 reply set. */
static int
key_check(struct http_req *r, struct db *db, const char *key,
          struct auth_apikey *k, struct org_user *u)
{
  struct cg_err e = {0};
  int rc;

  if (!key) key = http_arg(r, "api_key");
  rc = auth_apikey_check(db, key, k, u, &e);
  if (rc == CG_EAUTH)
    http_reply_error(r, 403, "forbidden", "%s -- cannot proceed", e.msg);
  else if (rc != CG_OK)
    fail(r, &e);
  return rc == CG_OK ? 0 : -1;
}

/* A decimal number in full; 0 or -1. */
static int
number(const char *s, double *out)
{
  char *end;
  if (!s) return -1;
  *out = strtod(s, &end);
  return end != s && !*end && isfinite(*out) ? 0 : -1;
}

/* A media_url as a client may give one: NULL (none), or an http or https
** URL of at most 1000 bytes. Returns 0, or -1 with a 400 reply set. */
static int
media_url_check(struct http_req *r, const char *v)
{
  if (!v || (strlen(v) <= 1000 &&
             (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8))))
    return 0;
  http_reply_error(r, 400, "invalid",
                   "media_url must be an http or https URL of at most 1000 "
                   "bytes");
  return -1;
}

/* What a request being written keeps until it is answered: rep's strings
** point into it. */
struct post {
  struct form fm;
  struct auth_apikey key;
  char scheme[32], kind[16], code[16];
  char reporter_name[200];
  const char *media_url;
  int fmt;
};

static const char *const post_names[] = {
    "api_key",   "jurisdiction_id", "service_code", "lat",
    "long",      "address_string",  "address_id",   "email",
    "device_id", "account_id",      "first_name",   "last_name",
    "phone",     "description",     "media_url",    NULL};

static void
post_release(void *arg)
{
  struct post *p = arg;
  http_form_release(&p->fm.f);
  free(p);
}

/* In the report's transaction: the Open311 row, with a fresh token. */
static int
post_after(struct case_env *env, const char *no, void *arg, struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO open311_request (case_no, token, key_name, media_url,"
      " created_at) VALUES (?, ?, ?, ?, ?)";
  struct post *p = arg;
  unsigned char raw[16];
  char token[33];
  struct db_stmt *st;
  int rc;

  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(token, sizeof token, raw, sizeof raw);
  if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ttt", no, token, p->key.name);
  db_bind_text(st, 4, p->media_url);
  db_bind_int(st, 5, case_now(env));
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

/* After the commit: the new request's id, or the error. */
static void
post_reply(struct http_req *r, const struct org_user *who, struct case_env *env,
           const char *no, int rc, const struct cg_err *e, void *arg)
{
  struct post *p = arg;
  if (rc != CG_OK) {
    http_reply_err(r, e);
    return;
  }
  answer(r, p->fmt, 200, "service_requests",
         json_pack("[{s:s, s:n, s:n}]", "service_request_id", no,
                   "service_notice", "account_id"));
}

/* The report a checked form describes, into rep (strings point into p).
** Returns 0, or -1 with the reply set. */
static int
post_report(struct http_req *r, struct db *db, struct post *p,
            struct case_report *rep)
{
  const struct form *fm = &p->fm;
  const char *v, *first, *last;
  size_t n = 0;

  memset(rep, 0, sizeof *rep);
  if (number(form_get(fm, post_names, "lat"), &rep->lat) ||
      number(form_get(fm, post_names, "long"), &rep->lon))
    return http_reply_error(r, 400, "invalid",
                            "lat and long are required (WGS84 degrees): "
                            "citygrid files a report by its position, not by "
                            "address_string or address_id"),
           -1;
  if (service_known(r, db, form_get(fm, post_names, "service_code"), p->scheme,
                    p->kind, p->code, NULL) != 1)
    return -1;
  for (int i = 0; i < fm->nattr; i++) {
    const char *name = fm->attr[i][0], *val = fm->attr[i][1];
    char code[40];
    snprintf(code, sizeof code, "%.*s", (int)strlen(name) - 11, name + 10);
    if (attribute_value_ok(p->kind, code, val) != 1)
      return http_reply_error(r, 400, "invalid",
                              "%.60s='%.20s' is not an attribute of the "
                              "service or not one of its values (see "
                              "services/%.60s)",
                              name, val,
                              form_get(fm, post_names, "service_code")),
             -1;
    if (strcmp(code, "urgency") == 0) rep->urgency = atoi(val);
    if (strcmp(code, "component_id") == 0) rep->component_id = val;
    if (strcmp(code, "component_state") == 0) rep->component_state = val;
  }
  if (media_url_check(r, v = form_get(fm, post_names, "media_url"))) return -1;
  p->media_url = v;
  first = form_get(fm, post_names, "first_name");
  last = form_get(fm, post_names, "last_name");
  if (first)
    n = (size_t)snprintf(p->reporter_name, sizeof p->reporter_name, "%s",
                         first);
  if (last && n < sizeof p->reporter_name)
    snprintf(p->reporter_name + n, sizeof p->reporter_name - n, "%s%s",
             n ? " " : "", last);
  rep->scheme = p->scheme;
  rep->kind = p->kind;
  rep->code = p->code;
  rep->source = p->key.source;
  rep->address = form_get(fm, post_names, "address_string");
  rep->description = form_get(fm, post_names, "description");
  rep->reporter_name = *p->reporter_name ? p->reporter_name : NULL;
  rep->reporter_phone = form_get(fm, post_names, "phone");
  return 0;
}

/* POST /open311/v2/requests.{fmt} (api_key)
** application/x-www-form-urlencoded: service_code, lat, long required;
** address_string, description, media_url, first_name, last_name, phone,
** email, device_id, account_id, address_id, jurisdiction_id,
** attribute[urgency] (0, 1 or 2). Contact details are kept private (name
** and phone) or not kept (email).
** 200 service_requests with the new service_request_id, once committed;
** 403 a missing or invalid api_key; 404 an unknown service_code or
** jurisdiction; 400 anything else (missing, unknown or repeated fields, a
** malformed service_code, a position outside the district, a body that is
** no form). */
int
open311_requests_post_api(struct http_req *r)
{
  static const struct api_write_hooks hooks = {0, post_after, post_reply,
                                               post_release};
  static const char *const required[] = {"service_code", NULL};
  struct case_report rep;
  struct org_user who;
  struct cg_err e = {0};
  struct post *p;
  struct db *db;
  int fmt = route_format(r);

  if (fmt < 0) return r->status;
  if (!(db = api_db(r, &e))) return fail(r, &e);
  if (!(p = calloc(1, sizeof *p)))
    return http_reply_error(r, 500, "internal", "out of memory");
  p->fmt = fmt;
  /* the key first: who has none learns nothing more */
  if (form_parse(r, &p->fm) ||
      key_check(r, db, form_raw(&p->fm, "api_key"), &p->key, &who) ||
      form_check(r, &p->fm, post_names, required, 1) ||
      jurisdiction_ok(r, form_get(&p->fm, post_names, "jurisdiction_id")) ||
      post_report(r, db, p, &rep)) {
    post_release(p);
    return r->status;
  }
  /* filed by the writer in its group commit, answered after it */
  return api_writer_defer_hooks(r, &who, &rep, NULL, 0, &hooks, p);
}

/* ---- servicerequestupdates: our events ----------------------------------- */

/* GET /open311/v2/servicerequestupdates.{fmt}
**   ?start_date= &end_date= (W3C datetimes of the updates; 90 days at
**   most, the last 90 by default) &page= &page_size= &jurisdiction_id=
** 200 service_request_updates, oldest first: every change of state of a
** case the public may see, and every event with a note the public may
** read (a comment, the work done), the report itself excepted. update_id
** is the event's place in the district's history; media_url the one the
** client gave with its update, else nil. The events are read between the
** least and the greatest gseq of the hours of the span (migration 0015),
** not from the whole history. */
int
open311_updates_get_api(struct http_req *r)
{
  static const char sql[] =
      "SELECT v.gseq, v.case_no, v.at, v.action, v.from_state, v.to_state,"
      " v.note, u.media_url FROM event v"
      " LEFT JOIN open311_update u ON u.gseq = v.gseq"
      " WHERE v.gseq >= (SELECT min(lo) FROM event_hour WHERE hour >= ? AND"
      " hour <= ?) AND v.gseq <= (SELECT max(hi) FROM event_hour WHERE"
      " hour >= ? AND hour <= ?) AND v.at >= ? AND v.at <= ? AND"
      " v.action <> 'report' AND (v.from_state <> v.to_state OR"
      " v.note <> '') ORDER BY v.gseq";
  char checked[32] = "", id[24];
  struct cg_err e = {0};
  struct case_env *env;
  struct db_stmt *st;
  int64_t start, end, skip;
  int fmt = route_format(r), visible = 0, page, size, rc = 0, offset;
  json_t *list;

  if (fmt < 0 || jurisdiction_ok(r, http_arg(r, "jurisdiction_id")))
    return r->status;
  if (paging(r, &page, &size)) return r->status;
  if (!(env = api_case_env(r, &e))) return fail(r, &e);
  offset = cal_utc_offset(env->cal);
  if (date_range(r, offset, case_now(env), &start, &end)) return r->status;
  if (db_prepare(env->db, &st, sql, &e) != CG_OK) return fail(r, &e);
  db_bindf(st, "iiiiii", start / 3600, end / 3600, start / 3600, end / 3600,
           start, end);
  list = json_array();
  skip = (int64_t)(page - 1) * size;
  while ((int)json_array_size(list) < size &&
         (rc = db_step(st, &e)) == DB_ROW) {
    const char *no = db_col_text(st, 1);
    int public_note = case_note_public(db_col_text(st, 3));
    /* a change of state is shown (its note only if the public may read
    ** it); staff talk that changed nothing the public sees is not */
    if (!strcmp(db_col_text(st, 4), db_col_text(st, 5)) && !public_note)
      continue;
    if (strcmp(no, checked)) {
      snprintf(checked, sizeof checked, "%s", no);
      visible = case_visibility(env, &anyone, no) > 0;
    }
    if (!visible || skip-- > 0) continue;
    snprintf(id, sizeof id, "%lld", (long long)db_col_int(st, 0));
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?}", "update_id", id,
                        "service_request_id", no, "status",
                        status_of(db_col_text(st, 5)), "updated_datetime",
                        w3c_json(db_col_int(st, 2), offset), "description",
                        public_note ? db_col_text(st, 6) : "", "media_url",
                        db_col_is_null(st, 7) ? NULL : db_col_text(st, 7)));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return fail(r, &e);
  }
  return answer(r, fmt, 200, "service_request_updates", list);
}

static const char *const update_names[] = {"api_key",
                                           "jurisdiction_id",
                                           "service_request_id",
                                           "description",
                                           "updated_datetime",
                                           "status",
                                           "update_id_ext",
                                           "service_request_id_ext",
                                           "service_code",
                                           "email",
                                           "first_name",
                                           "last_name",
                                           "title",
                                           "phone",
                                           "account_id",
                                           "media_url",
                                           "public_anonymity_required",
                                           NULL};

/* The comment of an update and its Open311 row, in one transaction: the
** comment's update_id in *gseq. CG_OK, or why not (nothing written). */
static int
update_write(struct case_env *env, const struct org_user *who,
             const struct auth_apikey *key, const char *no,
             const struct case_act *a, const char *ext, const char *media,
             int64_t *gseq, struct cg_err *e)
{
  static const char last_sql[] =
      "SELECT gseq FROM event WHERE case_no = ? AND actor = ? AND"
      " action = 'comment' ORDER BY seq DESC LIMIT 1";
  static const char row_sql[] =
      "INSERT INTO open311_update (gseq, case_no, key_name, update_id_ext,"
      " media_url) VALUES (?, ?, ?, ?, ?)";
  struct db_stmt *st;
  int rc;

  if ((rc = case_begin(env, e)) != CG_OK) return rc;
  if ((rc = case_apply(env, who, no, a, e)) == CG_OK &&
      (rc = case_batch_flush(env, e)) == CG_OK &&
      (rc = db_query_int(env->db, gseq, 0, e, last_sql, "tt", no,
                         who->login)) == CG_OK &&
      (rc = db_prepare(env->db, &st, row_sql, e)) == CG_OK) {
    db_bindf(st, "itt", *gseq, no, key->name);
    db_bind_text(st, 4, ext);
    db_bind_text(st, 5, media);
    rc = db_step(st, e);
    rc = rc < 0 ? -rc : CG_OK;
    db_finalize(st);
  }
  if (rc == CG_OK) return case_commit(env, e);
  case_rollback(env);
  return rc;
}

/* POST /open311/v2/servicerequestupdates.{fmt} (api_key)
** application/x-www-form-urlencoded: service_request_id and description
** required; media_url (an http or https URL) and update_id_ext (the
** client's own id of the update) kept; status (open or closed, any case:
** what the client believes; the case's state is decided by its workflow),
** updated_datetime, service_request_id_ext, service_code, email,
** first_name, last_name, title, phone, account_id,
** public_anonymity_required, jurisdiction_id taken and not kept.
** The description becomes a comment (留言) on the case by the key's
** account, committed before the reply with its media_url. An update_id_ext
** this key already sent for this request is not written again: the reply
** names the update it made then.
** 200 service_request_updates with the update_id; 403 a missing or
** invalid api_key, or a request the key did not file; 404 an unknown
** request; 400 anything else (a request in a final state among them). */
int
open311_updates_post_api(struct http_req *r)
{
  static const char *const required[] = {"service_request_id", "description",
                                         NULL};
  static const char seen_sql[] =
      "SELECT gseq FROM open311_update WHERE key_name = ? AND case_no = ?"
      " AND update_id_ext = ?";
  struct auth_apikey key;
  struct org_user who;
  struct cg_err e = {0};
  struct case_env *env;
  struct case_act a;
  struct form fm;
  const char *no, *v, *ext, *media;
  int64_t gseq = 0;
  char id[24];
  int fmt = route_format(r), rc = -1;

  if (fmt < 0) return r->status;
  if (!(env = api_case_env(r, &e))) return fail(r, &e);
  if (form_parse(r, &fm) ||
      key_check(r, env->db, form_raw(&fm, "api_key"), &key, &who) ||
      form_check(r, &fm, update_names, required, 0) ||
      jurisdiction_ok(r, form_get(&fm, update_names, "jurisdiction_id")) ||
      media_url_check(r, media = form_get(&fm, update_names, "media_url")))
    goto out;
  if ((v = form_get(&fm, update_names, "status")) && strcasecmp(v, "open") &&
      strcasecmp(v, "closed")) {
    http_reply_error(r, 400, "invalid",
                     "unknown status '%.20s' (open or "
                     "closed)",
                     v);
    goto out;
  }
  if ((ext = form_get(&fm, update_names, "update_id_ext")) &&
      strlen(ext) > 100) {
    http_reply_error(r, 400, "invalid",
                     "update_id_ext is longer than 100 bytes");
    goto out;
  }
  no = form_get(&fm, update_names, "service_request_id");
  if (case_visibility(env, &anyone, no) == 0) {
    http_reply_error(r, 404, "not_found",
                     "service_request_id '%.40s' not found", no);
    goto out;
  }
  if (ext && db_query_int(env->db, &gseq, 0, &e, seen_sql, "ttt", key.name, no,
                          ext) != CG_OK) {
    fail(r, &e);
    goto out;
  }
  if (!gseq) { /* not sent before */
    memset(&a, 0, sizeof a);
    a.action = "comment";
    a.note = form_get(&fm, update_names, "description");
    if (update_write(env, &who, &key, no, &a, ext, media, &gseq, &e) != CG_OK) {
      fail(r, &e);
      goto out;
    }
  }
  snprintf(id, sizeof id, "%lld", (long long)gseq);
  rc = answer(r, fmt, 200, "service_request_updates",
              json_pack("[{s:s}]", "update_id", id));
out:
  http_form_release(&fm.f);
  return rc < 0 ? r->status : rc;
}
