/*
** test_open311.c — Open311 GeoReport v2 against a real `citygrid serve` on
** the real district, as a client would use it: discovery, services and a
** service definition, a report posted with an API key and read back by id,
** by token and through every list filter, then carried through the
** workflow by staff while the client watches its status and the
** servicerequestupdates feed, and posts an update of its own. A
** component's service asks which component and what became of it. Every call
** in XML (parsed with libxml2, element by element) and in JSON, field by
** field against the names of the specification; and every refusal in
** Open311's error shape with its status, none of them writing anything.
*/
#include "testutil.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

static char *dir;
static int pid = -1, port;
static char key[80], other_key[80];
static char no[32]; /* the request the client posted */
static const double lat = 34.7555, lon = 113.679;

enum { OP, SL, DI, DEPT, GW, NUSERS };
static const char *const logins[NUSERS] = {"op", "sl", "di", "hwc1", "gw"};
static char tokens[NUSERS][65];

/* A key from `citygrid apikey add NAME` into out. */
static int
add_key(const char *name, char *out)
{
  char *text = NULL;
  int rc = tu_run(&text, NULL, "--data '%s' apikey add %s", dir, name);
  snprintf(out, 80, "%s", text ? text : "");
  out[strcspn(out, "\n")] = 0;
  free(text);
  return rc == 0 && strlen(out) == 64 ? 0 : -1;
}

static int
setup(void **state)
{
  static const char *const roles[NUSERS] = {
      "operator", "shift_leader", "dispatcher", "department", "grid_worker"};
  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0) return -1;
  for (int i = 0; i < NUSERS; i++)
    if (tu_user(dir, logins[i], roles[i], i == DEPT ? " --dept hwc" : ""))
      return -1;
  if (add_key("fms", key) || add_key("other", other_key)) return -1;
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0) return -1;
  for (int i = 0; i < NUSERS; i++)
    if (tu_login(port, logins[i], tokens[i]) != 200) return -1;
  return 0;
}

static int
teardown(void **state)
{
  return tu_serve_done(pid, dir);
}

/* ---- helpers -------------------------------------------------------------- */

static int
get(const char *path, char **body)
{
  char full[600];
  snprintf(full, sizeof full, "/open311/v2/%s", path);
  return tu_http(port, "GET", full, NULL, NULL, body);
}

static int
post(const char *path, const char *form, char **body)
{
  char full[300];
  snprintf(full, sizeof full, "/open311/v2/%s", path);
  return tu_http(port, "POST", full, "application/x-www-form-urlencoded", form,
                 body);
}

static xmlDocPtr
xml(const char *body)
{
  xmlDocPtr d = xmlReadMemory(body, (int)strlen(body), NULL, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  if (!d) fail_msg("not XML: %s", body);
  return d;
}

/* Elements matching an XPath expression. */
static int
xcount(xmlDocPtr d, const char *path)
{
  xmlXPathContextPtr c = xmlXPathNewContext(d);
  xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST path, c);
  int n = o && o->nodesetval ? o->nodesetval->nodeNr : 0;
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(c);
  return n;
}

/* The text of the one element an expression names, in a static ring of
** buffers; fails the test when there is not exactly one. */
static const char *
xtext(xmlDocPtr d, const char *path)
{
  static char ring[8][4096];
  static int next;
  char *out = ring[next++ % 8];
  xmlXPathContextPtr c = xmlXPathNewContext(d);
  xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST path, c);
  xmlChar *t;

  if (!o || !o->nodesetval || o->nodesetval->nodeNr != 1)
    fail_msg("want one '%s', have %d", path,
             o && o->nodesetval ? o->nodesetval->nodeNr : 0);
  t = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
  snprintf(out, 4096, "%s", t ? (const char *)t : "");
  xmlFree(t);
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(c);
  return out;
}

/* The child element names of the one element at path, in order,
** space-separated. */
static const char *
xchildren(xmlDocPtr d, const char *path)
{
  static char out[1024];
  xmlXPathContextPtr c = xmlXPathNewContext(d);
  xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST path, c);
  size_t len = 0;

  out[0] = 0;
  if (o && o->nodesetval && o->nodesetval->nodeNr >= 1)
    for (xmlNodePtr n = o->nodesetval->nodeTab[0]->children; n; n = n->next)
      if (n->type == XML_ELEMENT_NODE)
        len += snprintf(out + len, sizeof out - len, "%s%s", len ? " " : "",
                        (const char *)n->name);
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(c);
  return out;
}

/* The keys of a JSON object, in order, space-separated. */
static const char *
jkeys(json_t *o)
{
  static char out[1024];
  const char *k;
  json_t *v;
  size_t len = 0;
  out[0] = 0;
  json_object_foreach(o, k, v) len +=
      snprintf(out + len, sizeof out - len, "%s%s", len ? " " : "", k);
  return out;
}

static const char *
jstr(json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

static int
matches(const char *text, const char *re)
{
  regex_t x;
  int ok;
  assert_int_equal(regcomp(&x, re, REG_EXTENDED | REG_NOSUB), 0);
  ok = regexec(&x, text, 0, NULL, 0) == 0;
  regfree(&x);
  return ok;
}

/* An error reply: the status, and in the body the Open311 errors shape
** with `code` and a description holding `words`, in the path's format. */
static void
want_error(int st, char *body, int status, int code, const char *words,
           int json)
{
  if (st != status) fail_msg("status %d, want %d: %s", st, status, body);
  if (json) {
    json_t *j = json_loads(body, 0, NULL), *e;
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 1);
    e = json_array_get(j, 0);
    assert_string_equal(jkeys(e), "code description");
    assert_int_equal(json_integer_value(json_object_get(e, "code")), code);
    if (!strstr(jstr(e, "description"), words))
      fail_msg("'%s' does not say '%s'", jstr(e, "description"), words);
    json_decref(j);
  } else {
    xmlDocPtr d = xml(body);
    char want[16];
    assert_int_equal(xcount(d, "/errors/error"), 1);
    assert_string_equal(xchildren(d, "/errors/error"), "code description");
    snprintf(want, sizeof want, "%d", code);
    assert_string_equal(xtext(d, "/errors/error/code"), want);
    if (!strstr(xtext(d, "/errors/error/description"), words))
      fail_msg("'%s' does not say '%s'", xtext(d, "/errors/error/description"),
               words);
    xmlFreeDoc(d);
  }
  free(body);
}

/* Rows of a table, read from the store directly. */
static int64_t
rows(const char *table)
{
  char sql[100], path[4200];
  struct db *db;
  int64_t n = -1;
  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  if (db_open(&db, path, DB_READONLY, NULL) != CG_OK) return -1;
  db_query_int(db, &n, -1, NULL, sql, "");
  db_close(db);
  return n;
}

/* A workflow action over the JSON API as staff user u. */
static void
act(int u, const char *action, const char *body)
{
  char path[200], h[200], *resp = NULL;
  int st;
  snprintf(path, sizeof path, "/api/v1/cases/%s/%s", no, action);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[u]);
  st = tu_http_h(port, "POST", path, h, NULL, body, &resp);
  if (st != 200) fail_msg("%s: %d %s", action, st, resp);
  free(resp);
}

static const char *const request_fields =
    "service_request_id status status_notes service_name service_code "
    "description agency_responsible service_notice requested_datetime "
    "updated_datetime expected_datetime address address_id zipcode lat long "
    "media_url";
#define W3C "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+08:00$"

/* ---- the calls ------------------------------------------------------------ */

static void
test_discovery(void **state)
{
  char *body;
  xmlDocPtr d;
  json_t *j, *ep;

  assert_int_equal(get("discovery.xml", &body), 200);
  assert_true(strncmp(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) ==
              0);
  d = xml(body);
  free(body);
  assert_string_equal(xchildren(d, "/discovery"),
                      "changeset contact key_service endpoints");
  assert_string_equal(xchildren(d, "/discovery/endpoints/endpoint"),
                      "specification url changeset type formats");
  assert_string_equal(xtext(d, "//endpoint/specification"),
                      "http://wiki.open311.org/GeoReport_v2");
  assert_string_equal(xtext(d, "//endpoint/type"), "production");
  assert_int_equal(xcount(d, "//endpoint/formats/format"), 2);
  assert_string_equal(xtext(d, "//formats/format[1]"), "text/xml");
  assert_string_equal(xtext(d, "//formats/format[2]"), "application/json");
  assert_true(strstr(xtext(d, "//endpoint/url"), "/open311/v2"));
  xmlFreeDoc(d);

  assert_int_equal(get("discovery.json", &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_string_equal(jkeys(j), "changeset contact key_service endpoints");
  ep = json_array_get(json_object_get(j, "endpoints"), 0);
  assert_string_equal(jkeys(ep), "specification url changeset type formats");
  assert_string_equal(
      json_string_value(json_array_get(json_object_get(ep, "formats"), 1)),
      "application/json");
  json_decref(j);
}

static void
test_services(void **state)
{
  static const char *const fields =
      "service_code service_name description metadata type keywords group";
  char *body;
  xmlDocPtr d;
  json_t *j, *s;

  assert_int_equal(get("services.xml", &body), 200);
  d = xml(body);
  free(body);
  assert_int_equal(xcount(d, "/services/service"), 403); /* GB/T 47678.5 */
  assert_string_equal(xchildren(d, "/services/service[1]"), fields);
  assert_string_equal(
      xtext(d, "/services/service[service_code='gb47678-matter-06010']/"
               "service_name"),
      "暴露垃圾");
  assert_string_equal(
      xtext(d,
            "/services/service[service_code='gb47678-matter-06010']/metadata"),
      "true");
  assert_string_equal(
      xtext(d, "/services/service[service_code='gb47678-matter-06010']/type"),
      "realtime");
  assert_true(*xtext(
      d, "/services/service[service_code='gb47678-matter-06010']/group"));
  xmlFreeDoc(d);

  assert_int_equal(get("services.json?jurisdiction_id=410104", &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_array_size(j), 403);
  s = json_array_get(j, 0);
  assert_string_equal(jkeys(s), fields);
  assert_true(json_is_true(json_object_get(s, "metadata")));
  assert_string_equal(jstr(s, "type"), "realtime");
  json_decref(j);

  /* a definition */
  assert_int_equal(get("services/gb47678-matter-06010.xml", &body), 200);
  d = xml(body);
  free(body);
  assert_string_equal(xchildren(d, "/service_definition"),
                      "service_code attributes");
  assert_string_equal(xtext(d, "/service_definition/service_code"),
                      "gb47678-matter-06010");
  assert_string_equal(xchildren(d, "//attributes/attribute"),
                      "variable code datatype required datatype_description "
                      "order description values");
  assert_string_equal(xtext(d, "//attribute/variable"), "true");
  assert_int_equal(xcount(d, "//attributes/attribute"), 1); /* a matter */
  assert_string_equal(xtext(d, "//attribute/code"), "urgency");
  assert_string_equal(xtext(d, "//attribute/datatype"), "singlevaluelist");
  assert_string_equal(xtext(d, "//attribute/required"), "false");
  assert_string_equal(xtext(d, "//attribute/order"), "1");
  assert_int_equal(xcount(d, "//attribute/values/value"), 3);
  assert_string_equal(xchildren(d, "//values/value[1]"), "key name");
  assert_string_equal(xtext(d, "//values/value[2]/key"), "1");
  xmlFreeDoc(d);
  assert_int_equal(get("services/gb47678-matter-06010.json", &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_string_equal(jkeys(j), "service_code attributes");
  s = json_array_get(json_object_get(j, "attributes"), 0);
  assert_true(json_is_true(json_object_get(s, "variable")));
  assert_true(json_is_false(json_object_get(s, "required")));
  assert_int_equal(json_integer_value(json_object_get(s, "order")), 1);
  assert_string_equal(jkeys(json_array_get(json_object_get(s, "values"), 0)),
                      "key name");
  json_decref(j);

  /* what is not there */
  assert_int_equal(get("services/gb47678-matter-99999.xml", &body), 404);
  want_error(404, body, 404, 404, "not found", 0);
  get("services/gb47678-matter-99999.json", &body);
  want_error(404, body, 404, 404, "not found", 1);
  get("services/nonsense.json", &body);
  want_error(400, body, 400, 400, "scheme-kind-code", 1);
  get("services.json?jurisdiction_id=sfgov.org", &body);
  want_error(404, body, 404, 404, "jurisdiction_id", 1);
  get("services.csv", &body);
  want_error(404, body, 404, 404, "format", 0);
}

static void
test_post_and_read_back(void **state)
{
  char form[1200], path[200], *body;
  xmlDocPtr d;
  json_t *j, *r;
  int64_t before = rows("open311_request");

  snprintf(form, sizeof form,
           "api_key=%s&jurisdiction_id=410104&service_code=gb47678-matter-"
           "06010&lat=%f&long=%f&address_string=%%E7%%AE%%A1%%E5%%9F%%8E+"
           "1%%E5%%8F%%B7&email=wang%%40example.org&device_id=d1&account_id="
           "a1&first_name=%%E7%%8E%%8B&last_name=Wei&phone=13912345678&"
           "description=%%E8%%B7%%AF%%E5%%8F%%A3%%E6%%9C%%89%%E5%%9E%%83%%E5%"
           "%9C%%BE%%0Aline+two&media_url=http%%3A%%2F%%2Fexample.org%%2F1.jpg&"
           "attribute%%5Burgency%%5D=1",
           key, lat, lon);
  assert_int_equal(post("requests.xml", form, &body), 200);
  d = xml(body);
  free(body);
  assert_int_equal(xcount(d, "/service_requests/request"), 1);
  assert_string_equal(xchildren(d, "/service_requests/request"),
                      "service_request_id service_notice account_id");
  snprintf(no, sizeof no, "%s", xtext(d, "//request/service_request_id"));
  assert_true(matches(no, "^410104[0-9]{13}$"));
  xmlFreeDoc(d);
  assert_int_equal(rows("open311_request"), before + 1);

  /* read back in XML, field by field */
  snprintf(path, sizeof path, "requests/%s.xml", no);
  assert_int_equal(get(path, &body), 200);
  assert_null(strstr(body, "13912345678")); /* contact details stay ours */
  assert_null(strstr(body, "wang"));
  assert_null(strstr(body, "Wei"));
  d = xml(body);
  free(body);
  assert_string_equal(xchildren(d, "/service_requests/request"),
                      request_fields);
  assert_string_equal(xtext(d, "//request/service_request_id"), no);
  assert_string_equal(xtext(d, "//request/status"), "open");
  assert_string_equal(xtext(d, "//request/status_notes"), "");
  assert_string_equal(xtext(d, "//request/service_name"), "暴露垃圾");
  assert_string_equal(xtext(d, "//request/service_code"),
                      "gb47678-matter-06010");
  assert_string_equal(xtext(d, "//request/description"),
                      "路口有垃圾\nline two");
  assert_true(*xtext(d, "//request/agency_responsible"));
  assert_string_equal(xtext(d, "//request/service_notice"), "");
  assert_true(matches(xtext(d, "//request/requested_datetime"), W3C));
  assert_true(matches(xtext(d, "//request/updated_datetime"), W3C));
  assert_string_equal(xtext(d, "//request/expected_datetime"), "");
  assert_string_equal(xtext(d, "//request/address"), "管城 1号");
  assert_true(matches(xtext(d, "//request/address_id"), "^410104[0-9]{9}$"));
  assert_string_equal(xtext(d, "//request/zipcode"), "");
  assert_float_equal(atof(xtext(d, "//request/lat")), lat, 1e-6);
  assert_float_equal(atof(xtext(d, "//request/long")), lon, 1e-6);
  assert_string_equal(xtext(d, "//request/media_url"),
                      "http://example.org/1.jpg");
  xmlFreeDoc(d);

  /* and in JSON */
  snprintf(path, sizeof path, "requests/%s.json", no);
  assert_int_equal(get(path, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_array_size(j), 1);
  r = json_array_get(j, 0);
  assert_string_equal(jkeys(r), request_fields);
  assert_string_equal(jstr(r, "service_request_id"), no);
  assert_string_equal(jstr(r, "status"), "open");
  assert_true(json_is_null(json_object_get(r, "status_notes")));
  assert_true(json_is_null(json_object_get(r, "service_notice")));
  assert_true(json_is_null(json_object_get(r, "expected_datetime")));
  assert_true(json_is_null(json_object_get(r, "zipcode")));
  assert_float_equal(json_number_value(json_object_get(r, "lat")), lat, 1e-6);
  assert_float_equal(json_number_value(json_object_get(r, "long")), lon, 1e-6);
  assert_true(matches(jstr(r, "requested_datetime"), W3C));
  json_decref(j);

  /* staff see the contact details the client sent, kept private */
  {
    char h[200], p2[100];
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
    snprintf(p2, sizeof p2, "/api/v1/cases/%s", no);
    assert_int_equal(tu_http_h(port, "GET", p2, h, NULL, NULL, &body), 200);
    j = json_loads(body, 0, NULL);
    free(body);
    assert_string_equal(jstr(json_object_get(j, "reporter"), "phone"),
                        "13912345678");
    assert_string_equal(jstr(json_object_get(j, "reporter"), "name"), "王 Wei");
    assert_string_equal(jstr(j, "source"), "public");
    assert_int_equal(json_integer_value(json_object_get(j, "urgency")), 1);
    json_decref(j);
  }

  /* the token of the request, from the store */
  {
    char p2[200], tok[40] = "", dbp[4200];
    struct db *db;
    struct db_stmt *st;
    snprintf(dbp, sizeof dbp, "%s/citygrid.db", dir);
    assert_int_equal(db_open(&db, dbp, DB_READONLY, NULL), CG_OK);
    assert_int_equal(db_prepare(db, &st,
                                "SELECT token FROM open311_request WHERE"
                                " case_no = ?",
                                NULL),
                     CG_OK);
    db_bindf(st, "t", no);
    assert_int_equal(db_step(st, NULL), DB_ROW);
    snprintf(tok, sizeof tok, "%s", db_col_text(st, 0));
    db_finalize(st);
    db_close(db);
    snprintf(p2, sizeof p2, "tokens/%s.xml", tok);
    assert_int_equal(get(p2, &body), 200);
    d = xml(body);
    free(body);
    assert_string_equal(xchildren(d, "/service_requests/request"),
                        "service_request_id token");
    assert_string_equal(xtext(d, "//request/service_request_id"), no);
    assert_string_equal(xtext(d, "//request/token"), tok);
    xmlFreeDoc(d);
    snprintf(p2, sizeof p2, "tokens/%s.json", tok);
    assert_int_equal(get(p2, &body), 200);
    j = json_loads(body, 0, NULL);
    free(body);
    assert_string_equal(jkeys(json_array_get(j, 0)),
                        "service_request_id token");
    json_decref(j);
    get("tokens/0123.json", &body);
    want_error(404, body, 404, 404, "token", 1);
  }
}

static void
test_list_filters(void **state)
{
  char form[600], second[32], path[300], *body;
  json_t *j;
  xmlDocPtr d;

  /* a second request, of another service, in JSON */
  snprintf(form, sizeof form,
           "api_key=%s&service_code=gb47678-matter-06036&lat=%f&long=%f", key,
           lat, lon);
  assert_int_equal(post("requests.json", form, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_array_size(j), 1);
  assert_string_equal(jkeys(json_array_get(j, 0)),
                      "service_request_id service_notice account_id");
  snprintf(second, sizeof second, "%s",
           jstr(json_array_get(j, 0), "service_request_id"));
  json_decref(j);

  /* all, newest first */
  assert_int_equal(get("requests.xml", &body), 200);
  d = xml(body);
  free(body);
  assert_int_equal(xcount(d, "/service_requests/request"), 2);
  assert_string_equal(xtext(d, "//request[1]/service_request_id"), second);
  assert_string_equal(xtext(d, "//request[2]/service_request_id"), no);
  xmlFreeDoc(d);
#define COUNT(q, n)                                                            \
  do {                                                                         \
    assert_int_equal(get(q, &body), 200);                                      \
    j = json_loads(body, 0, NULL);                                             \
    if ((int)json_array_size(j) != (n))                                        \
      fail_msg("%s: %zu requests, want %d", q, json_array_size(j), n);         \
    free(body);                                                                \
  } while (0)
  COUNT("requests.json?service_code=gb47678-matter-06036", 1);
  assert_string_equal(jstr(json_array_get(j, 0), "service_request_id"), second);
  json_decref(j);
  COUNT("requests.json?service_code=gb47678-matter-06036,gb47678-matter-06010",
        2);
  json_decref(j);
  COUNT("requests.json?status=open", 2);
  json_decref(j);
  COUNT("requests.json?status=closed", 0);
  json_decref(j);
  COUNT("requests.json?status=open,closed", 2);
  json_decref(j);
  COUNT("requests.json?page_size=1&page=2", 1);
  assert_string_equal(jstr(json_array_get(j, 0), "service_request_id"), no);
  json_decref(j);
  COUNT("requests.json?page_size=1&page=3", 0);
  json_decref(j);
  COUNT("requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:"
        "00:00Z",
        0);
  json_decref(j);
  /* a zone's '+' that the query string turned into a space is a '+' */
  COUNT("requests.json?start_date=2020-01-01T00:00:00+08:00", 0);
  json_decref(j);
  snprintf(path, sizeof path, "requests.json?service_request_id=%s,%s,4101", no,
           second);
  COUNT(path, 2);
  json_decref(j);
  /* the id list overrides the other filters */
  snprintf(path, sizeof path,
           "requests.json?service_request_id=%s&status=closed", no);
  COUNT(path, 1);
  json_decref(j);
  get("requests.json?start_date=2000-01-01&end_date=2000-06-01", &body);
  want_error(400, body, 400, 400, "90 days", 1);
  get("requests.json?start_date=2000-03-01&end_date=2000-01-01", &body);
  want_error(400, body, 400, 400, "before end_date", 1);
  get("requests.json?status=pending", &body);
  want_error(400, body, 400, 400, "status", 1);
  get("requests.xml?start_date=yesterday", &body);
  want_error(400, body, 400, 400, "W3C", 0);
  get("requests.json?start_date=2026-02-30", &body);
  want_error(400, body, 400, 400, "W3C", 1);
  get("requests.json?page=0", &body);
  want_error(400, body, 400, 400, "page", 1);
  get("requests.json?page_size=5000", &body);
  want_error(400, body, 400, 400, "page_size", 1);
  get("requests.json?service_code=x", &body);
  want_error(400, body, 400, 400, "service_code", 1);
  get("requests/4101049999.xml", &body);
  want_error(404, body, 404, 404, "not found", 0);
  get("requests/4101049999.json", &body);
  want_error(404, body, 404, 404, "not found", 1);
#undef COUNT
}

/* A component's service asks which component it is and what became of
** it; the answers reach the case, and are checked against the category
** and the district before anything is written. */
static void
test_component_attributes(void **state)
{
  const char *const id = "41010401002000123"; /* a sewage manhole cover */
  char form[600], path[200], h[200], *body;
  int64_t cases, events;
  xmlDocPtr d;
  json_t *j, *a, *c;

  assert_int_equal(get("services/gb47678-component-01002.xml", &body), 200);
  d = xml(body);
  free(body);
  assert_int_equal(xcount(d, "//attributes/attribute"), 3);
  assert_string_equal(xtext(d, "//attribute[order='2']/code"), "component_id");
  assert_string_equal(xtext(d, "//attribute[order='2']/datatype"), "string");
  assert_int_equal(xcount(d, "//attribute[order='2']/values"), 0);
  assert_string_equal(xtext(d, "//attribute[order='3']/code"),
                      "component_state");
  assert_string_equal(xtext(d, "//attribute[order='3']/datatype"),
                      "singlevaluelist");
  assert_int_equal(xcount(d, "//attribute[order='3']/values/value"), 5);
  assert_string_equal(xtext(d, "//attribute[order='3']//value[2]/key"),
                      "missing");
  assert_string_equal(xtext(d, "//attribute[order='3']//value[2]/name"),
                      "丢失");
  xmlFreeDoc(d);
  assert_int_equal(get("services/gb47678-component-01002.json", &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  a = json_object_get(j, "attributes");
  assert_int_equal(json_array_size(a), 3);
  assert_string_equal(jkeys(json_array_get(a, 1)),
                      "variable code datatype required datatype_description "
                      "order description");
  assert_string_equal(jstr(json_array_get(a, 2), "code"), "component_state");
  json_decref(j);

  /* a report naming its component, read back by staff */
  snprintf(form, sizeof form,
           "api_key=%s&service_code=gb47678-component-01002&lat=%f&long=%f&"
           "attribute%%5Bcomponent_id%%5D=%s&"
           "attribute%%5Bcomponent_state%%5D=missing",
           key, lat, lon, id);
  assert_int_equal(post("requests.json", form, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  snprintf(path, sizeof path, "/api/v1/cases/%s",
           jstr(json_array_get(j, 0), "service_request_id"));
  json_decref(j);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
  assert_int_equal(tu_http_h(port, "GET", path, h, NULL, NULL, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  c = json_object_get(j, "component");
  assert_string_equal(jstr(c, "id"), id);
  assert_string_equal(jstr(c, "state"), "missing");
  assert_string_equal(jstr(c, "state_zh"), "丢失");
  json_decref(j);
  snprintf(path, sizeof path, "/api/v1/cases?component=%s", id);
  assert_int_equal(tu_http_h(port, "GET", path, h, NULL, NULL, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);

  /* refused, and nothing written */
  cases = rows("cases");
  events = rows("event");
#define REFUSE(svc, attrs, words)                                              \
  do {                                                                         \
    snprintf(form, sizeof form,                                                \
             "api_key=%s&service_code=gb47678-%s&lat=%f&long=%f&%s", key, svc, \
             lat, lon, attrs);                                                 \
    post("requests.xml", form, &body);                                         \
    want_error(400, body, 400, 400, words, 0);                                 \
  } while (0)
  REFUSE("component-01002", "attribute%5Bcomponent_id%5D=41010401003000123",
         "of class 01003");
  REFUSE("component-01002", "attribute%5Bcomponent_id%5D=41010201002000123",
         "not of this district");
  REFUSE("component-01002", "attribute%5Bcomponent_id%5D=4101040100200012",
         "not 17 digits");
  REFUSE("component-01002", "attribute%5Bcomponent_state%5D=burnt",
         "not an attribute");
  REFUSE("matter-06010", "attribute%5Bcomponent_state%5D=damaged",
         "not an attribute");
#undef REFUSE
  assert_int_equal(rows("cases"), cases);
  assert_int_equal(rows("event"), events);
}

static void
test_refusals_write_nothing(void **state)
{
  char form[2000], *body, *big;
  int64_t cases = rows("cases"), o311 = rows("open311_request"),
          events = rows("event");
  size_t n;

  /* 403: no key, a wrong key, a revoked key */
  snprintf(form, sizeof form,
           "service_code=gb47678-matter-06010&lat=%f&long=%f", lat, lon);
  post("requests.xml", form, &body);
  want_error(403, body, 403, 403, "api_key", 0);
  post("requests.json", form, &body);
  want_error(403, body, 403, 403, "api_key", 1);
  snprintf(form, sizeof form,
           "api_key=%064d&service_code=gb47678-matter-06010&lat=%f&long=%f", 7,
           lat, lon);
  post("requests.json", form, &body);
  want_error(403, body, 403, 403, "invalid api_key", 1);
  assert_int_equal(tu_run(NULL, NULL, "--data '%s' apikey revoke other", dir),
                   0);
  snprintf(form, sizeof form,
           "api_key=%s&service_code=gb47678-matter-06010&lat=%f&long=%f",
           other_key, lat, lon);
  post("requests.xml", form, &body);
  want_error(403, body, 403, 403, "invalid api_key", 0);

  /* 400 and 404 with a good key */
#define REFUSE(fmt, status, words, ...)                                        \
  do {                                                                         \
    snprintf(form, sizeof form, "api_key=%s&" fmt, key, __VA_ARGS__);          \
    post("requests.json", form, &body);                                        \
    want_error(status, body, status, status, words, 1);                        \
  } while (0)
  REFUSE("lat=%f&long=%f", 400, "'service_code' is missing", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f", 400, "lat and long", lat);
  REFUSE("service_code=gb47678-matter-06010&address_string=%s", 400,
         "lat and long", "x");
  REFUSE("service_code=gb47678-matter-06010&lat=abc&long=%f", 400,
         "lat and long", lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f", 400,
         "outside the district", 31.23, 121.47);
  REFUSE("service_code=gb47678-matter-99999&lat=%f&long=%f", 404, "not found",
         lat, lon);
  REFUSE("service_code=nonsense&lat=%f&long=%f", 400, "scheme-kind-code", lat,
         lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&colour=red", 400,
         "unknown field 'colour'", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&lat=1", 400,
         "'lat' is given twice", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&"
         "attribute%%5Bsize%%5D=big",
         400, "not an attribute", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&"
         "attribute%%5Burgency%%5D=9",
         400, "not an attribute", lat, lon);
  REFUSE(
      "service_code=gb47678-matter-06010&lat=%f&long=%f&description=%%FF%%FE",
      400, "not UTF-8", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&description=a%%00b",
         400, "not UTF-8", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&description=a%%01b",
         400, "control characters", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&media_url=ftp://x",
         400, "media_url", lat, lon);
  REFUSE("service_code=gb47678-matter-06010&lat=%f&long=%f&jurisdiction_id=x",
         404, "jurisdiction_id", lat, lon);
#undef REFUSE
  /* a body of another type, or none */
  assert_int_equal(tu_http(port, "POST", "/open311/v2/requests.json",
                           "application/json", "{\"service_code\":\"x\"}",
                           &body),
                   400);
  want_error(400, body, 400, 400, "not a form", 1);
  assert_int_equal(tu_http(port, "POST", "/open311/v2/requests.xml",
                           "text/plain", "api_key=x", &body),
                   400);
  want_error(400, body, 400, 400, "not a form", 0);
  /* a body over the limit: the router's 413, in Open311's shape */
  n = 2u << 20;
  big = malloc(n + 1);
  memset(big, 'a', n);
  memcpy(big, "api_key=", 8);
  big[n] = 0;
  tu_http(port, "POST", "/open311/v2/requests.xml",
          "application/x-www-form-urlencoded", big, &body);
  want_error(400, body, 400, 413, "larger than", 0);
  free(big);
  /* a method the resource does not take; a resource that is not there */
  assert_int_equal(
      tu_http(port, "DELETE", "/open311/v2/requests.json", NULL, NULL, &body),
      400);
  want_error(400, body, 400, 405, "not allowed", 1);
  assert_int_equal(get("nothing.xml", &body), 404);
  want_error(404, body, 404, 404, "no resource", 0);
  /* nothing of it was written */
  assert_int_equal(rows("cases"), cases);
  assert_int_equal(rows("open311_request"), o311);
  assert_int_equal(rows("event"), events);
}

static void
test_workflow_and_updates(void **state)
{
  char path[200], form[600], *body, update[24];
  xmlDocPtr d;
  json_t *j, *u;
  int n, st;

  /* the client adds an update to its request */
  snprintf(form, sizeof form,
           "api_key=%s&service_request_id=%s&description=%%E8%%BF%%98%%E5%%9C%%"
           "A8&status=OPEN&updated_datetime=2026-05-04T10:00:00%%2B08:00&"
           "update_id_ext=77&email=wang%%40example.org&first_name=Wang&"
           "media_url=https%%3A%%2F%%2Fexample.org%%2Fu%%2F77.jpg",
           key, no);
  assert_int_equal(post("servicerequestupdates.xml", form, &body), 200);
  d = xml(body);
  free(body);
  assert_string_equal(xchildren(d, "/service_request_updates/request_update"),
                      "update_id");
  snprintf(update, sizeof update, "%s", xtext(d, "//request_update/update_id"));
  assert_true(matches(update, "^[0-9]+$"));
  xmlFreeDoc(d);
  /* sent again (the client timed out and retried): the same update, no
  ** second comment */
  n = rows("event");
  assert_int_equal(post("servicerequestupdates.json", form, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_string_equal(jstr(json_array_get(j, 0), "update_id"), update);
  json_decref(j);
  assert_int_equal(rows("event"), n);
  assert_int_equal(rows("open311_update"), 1);
  /* a media_url that is no web address: refused, nothing written */
  snprintf(form, sizeof form,
           "api_key=%s&service_request_id=%s&description=x&"
           "media_url=file%%3A%%2F%%2F%%2Fetc%%2Fpasswd",
           key, no);
  st = post("servicerequestupdates.json", form, &body);
  want_error(st, body, 400, 400, "media_url", 1);
  assert_int_equal(rows("event"), n);
  assert_int_equal(rows("open311_update"), 1);
  /* refusals: no key, a request it did not file, none, no text */
  snprintf(form, sizeof form, "service_request_id=%s&description=x", no);
  post("servicerequestupdates.json", form, &body);
  want_error(403, body, 403, 403, "api_key", 1);
  {
    char admin_no[32];
    char h[200], *resp;
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
    assert_int_equal(
        tu_http_h(port, "POST", "/api/v1/cases", h, NULL,
                  "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":"
                  "\"06042\",\"lat\":34.7555,\"lon\":113.679}",
                  &resp),
        201);
    j = json_loads(resp, 0, NULL);
    snprintf(admin_no, sizeof admin_no, "%s", jstr(j, "no"));
    json_decref(j);
    free(resp);
    snprintf(form, sizeof form,
             "api_key=%s&service_request_id=%s&description=x", key, admin_no);
    post("servicerequestupdates.xml", form, &body);
    want_error(403, body, 403, 403, "not your report", 0);
  }
  snprintf(form, sizeof form,
           "api_key=%s&service_request_id=4101049999&description=x", key);
  post("servicerequestupdates.json", form, &body);
  want_error(404, body, 404, 404, "not found", 1);
  snprintf(form, sizeof form, "api_key=%s&service_request_id=%s", key, no);
  post("servicerequestupdates.json", form, &body);
  want_error(400, body, 400, 400, "'description' is missing", 1);
  snprintf(form, sizeof form,
           "api_key=%s&service_request_id=%s&description=x&status=fixed&x=1",
           key, no);
  post("servicerequestupdates.json", form, &body);
  want_error(400, body, 400, 400, "unknown field 'x'", 1);

  /* staff carry the case through the loop */
  act(OP, "register", NULL);
  act(SL, "file", "{\"note\":\"内部备注\"}");
  act(DI, "dispatch", "{\"depts\":[\"hwc\"]}");
  snprintf(path, sizeof path, "requests/%s.json", no);
  assert_int_equal(get(path, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  u = json_array_get(j, 0);
  assert_string_equal(jstr(u, "status"), "open");
  assert_true(matches(jstr(u, "expected_datetime"), W3C)); /* the deadline */
  assert_string_equal(jstr(u, "status_notes"), "还在");    /* not the staff's */
  json_decref(j);
  act(DEPT, "handle", "{\"note\":\"已清运\"}");
  act(OP, "check_request", NULL);
  act(GW, "check", "{\"pass\":true}");
  act(SL, "close", NULL);

  /* closed, with what was done as its note */
  snprintf(path, sizeof path, "requests/%s.xml", no);
  assert_int_equal(get(path, &body), 200);
  d = xml(body);
  free(body);
  assert_string_equal(xtext(d, "//request/status"), "closed");
  assert_string_equal(xtext(d, "//request/status_notes"), "已清运");
  assert_true(matches(xtext(d, "//request/updated_datetime"), W3C));
  xmlFreeDoc(d);
  snprintf(path, sizeof path,
           "requests.json?status=closed&service_code=gb47678-"
           "matter-06010");
  assert_int_equal(get(path, &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_array_size(j), 1);
  json_decref(j);

  /* the updates feed: the comment, then each change of state */
  assert_int_equal(get("servicerequestupdates.xml", &body), 200);
  d = xml(body);
  free(body);
  snprintf(path, sizeof path,
           "/service_request_updates/request_update[service_request_id='%s']",
           no);
  n = xcount(d, path);
  /* comment, register, file, dispatch, handle, check_request, check,
  ** close */
  assert_int_equal(n, 8);
  {
    char q[300];
    snprintf(q, sizeof q, "%s[1]", path);
    assert_string_equal(xchildren(d, q),
                        "update_id service_request_id status "
                        "updated_datetime description media_url");
    snprintf(q, sizeof q, "%s[1]/update_id", path);
    assert_string_equal(xtext(d, q), update);
    snprintf(q, sizeof q, "%s[1]/description", path);
    assert_string_equal(xtext(d, q), "还在");
    snprintf(q, sizeof q, "%s[1]/status", path);
    assert_string_equal(xtext(d, q), "open");
    snprintf(q, sizeof q, "%s[1]/media_url", path); /* the client's own */
    assert_string_equal(xtext(d, q), "https://example.org/u/77.jpg");
    snprintf(q, sizeof q, "%s[2]/media_url", path); /* register: none */
    assert_string_equal(xtext(d, q), "");
    snprintf(q, sizeof q, "%s[1]/updated_datetime", path);
    assert_true(matches(xtext(d, q), W3C));
    snprintf(q, sizeof q, "%s[3]/description", path); /* file: staff note */
    assert_string_equal(xtext(d, q), "");
    snprintf(q, sizeof q, "%s[5]/description", path); /* handle */
    assert_string_equal(xtext(d, q), "已清运");
    snprintf(q, sizeof q, "%s[8]/status", path); /* close */
    assert_string_equal(xtext(d, q), "closed");
    snprintf(q, sizeof q, "%s[7]/status", path);
    assert_string_equal(xtext(d, q), "open");
  }
  xmlFreeDoc(d);
  assert_int_equal(get("servicerequestupdates.json?page_size=2", &body), 200);
  j = json_loads(body, 0, NULL);
  free(body);
  assert_int_equal(json_array_size(j), 2);
  assert_string_equal(jkeys(json_array_get(j, 0)),
                      "update_id service_request_id status updated_datetime "
                      "description media_url");
  /* the oldest first: the client's update, then the case registered */
  assert_string_equal(jstr(json_array_get(j, 0), "update_id"), update);
  assert_string_equal(jstr(json_array_get(j, 0), "media_url"),
                      "https://example.org/u/77.jpg");
  assert_true(json_is_null(json_object_get(json_array_get(j, 1), "media_url")));
  json_decref(j);
  assert_int_equal(get("servicerequestupdates.json?start_date=2020-01-01T00:00:"
                       "00Z&end_date=2020-01-02T00:00:00Z",
                       &body),
                   200);
  assert_string_equal(body, "[]");
  free(body);
  get("servicerequestupdates.json?end_date=never", &body);
  want_error(400, body, 400, 400, "W3C", 1);
  /* a comment after closing is still taken; on a void case it is not */
  snprintf(form, sizeof form,
           "api_key=%s&service_request_id=%s&description=thanks", key, no);
  assert_int_equal(post("servicerequestupdates.json", form, &body), 200);
  free(body);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_discovery),
      cmocka_unit_test(test_services),
      cmocka_unit_test(test_post_and_read_back),
      cmocka_unit_test(test_list_filters),
      cmocka_unit_test(test_component_attributes),
      cmocka_unit_test(test_refusals_write_nothing),
      cmocka_unit_test(test_workflow_and_updates),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
