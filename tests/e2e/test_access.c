/*
** test_access.c — every route of the API, for every role and for nobody,
** against a real `citygrid serve`: routes that need a login refuse an
** anonymous caller with 401; routes with a role mask refuse the other
** roles with 403 before their handler runs, and let the named ones
** through; open routes answer everyone. The routes come from the route
** table itself, so a new route is covered the day it is added.
*/
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/db.h"

static char *dir;
static int pid = -1, port;
static char tokens[ROLE_COUNT][65];
static char no[32];

static int
setup(void **state)
{
  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_users_per_role(dir) != 0) return -1;
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0) return -1;
  if (tu_login_per_role(port, tokens) != 0) return -1;
  /* one case, reported by the operator, for the {no} routes */
  if (tu_report(port, tokens[ROLE_OPERATOR], "06010", no) != 201) return -1;
  return 0;
}

static int
teardown(void **state)
{
  return tu_serve_done(pid, dir);
}

/* A concrete path for a route's pattern: the test's case, escalation,
** a real user and category; an id that exists nowhere for the rest. */
static void
concrete(const char *pattern, char *out, size_t n)
{
  char nov[48], idv[48];
  const char *const vals[] = {
      nov,        idv,           "action=escalate",           "login=u0",
      "fmt=json", "file=app.js", "code=gb47678-matter-06010", NULL};
  snprintf(nov, sizeof nov, "no=%s", no);
  snprintf(idv, sizeof idv, "id=%s", no);
  tu_route_path(pattern, vals,
                "0000000000000000000000000000000000000000000000000000000"
                "000000000",
                out, n);
}

static void
test_every_route_every_role(void **state)
{
  int checked = 0;
  for (int i = 0; i < api_nroutes; i++) {
    const struct http_route *rt = &api_routes[i];
    const char *body = strcmp(rt->method, "POST") ? NULL : "{}";
    char path[300], h[200], *resp = NULL;
    int st;

    if (!strcmp(rt->path, "/api/v1/login") ||
        !strcmp(rt->path, "/api/v1/logout"))
      continue; /* they change sessions: test_login.c has them */
    concrete(rt->path, path, sizeof path);
    /* nobody */
    st = tu_http(port, rt->method, path, NULL, body, &resp);
    if (rt->flags & ROUTE_LOGIN) {
      if (st != 401)
        fail_msg("%s %s anonymous: %d, want 401", rt->method, path, st);
    } else if (st == 401 || st == 403) {
      fail_msg("%s %s anonymous: %d on an open route", rt->method, path, st);
    }
    free(resp);
    if (!strcmp(rt->path, "/api/v1/stream"))
      continue; /* it never ends when let through: test_api_cases.c */
    /* each role */
    for (int r = 0; r < ROLE_COUNT; r++) {
      int allowed = !rt->roles || (rt->roles & (1u << r));
      if (r == ROLE_SYSTEM) continue;
      snprintf(h, sizeof h, "Authorization: Bearer %.64s\r\n", tokens[r]);
      st = tu_http_h(port, rt->method, path, h, NULL, body, &resp);
      if (!resp) resp = strdup("");
      if (!allowed && (st != 403 || !strstr(resp, "your role may not use")))
        fail_msg("%s %s as %s: %d %s, want the router's 403", rt->method, path,
                 org_role_name(r), st, resp);
      if (allowed && (st == 401 || strstr(resp, "your role may not use")))
        fail_msg("%s %s as %s: %d %s, want it let through", rt->method, path,
                 org_role_name(r), st, resp);
      if (st >= 500)
        fail_msg("%s %s as %s: %d %s", rt->method, path, org_role_name(r), st,
                 resp);
      free(resp);
      checked++;
    }
  }
  assert_true(checked >= 10 * 17);
}

static void
test_admin_manages_users(void **state)
{
  char h[120], *resp = NULL;
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[ROLE_ADMIN]);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users", h, NULL,
                             "{\"login\":\"new1\",\"role\":\"dispatcher\","
                             "\"name\":\"刘洋\",\"password\":\"a long "
                             "password\"}",
                             &resp),
                   201);
  assert_null(strstr(resp, "password"));
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users", h, NULL,
                             "{\"login\":\"new1\",\"role\":\"dispatcher\"}",
                             &resp),
                   409);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users", h, NULL,
                             "{\"login\":\"new2\",\"role\":\"wizard\"}", &resp),
                   400);
  free(resp);
  assert_int_equal(tu_http(port, "POST", "/api/v1/login", NULL,
                           "{\"login\":\"new1\",\"password\":\"a long "
                           "password\"}",
                           &resp),
                   200);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users/new1", h, NULL,
                             "{\"disabled\":true}", &resp),
                   200);
  assert_non_null(strstr(resp, "\"disabled\":true"));
  free(resp);
  assert_int_equal(tu_http(port, "POST", "/api/v1/login", NULL,
                           "{\"login\":\"new1\",\"password\":\"a long "
                           "password\"}",
                           &resp),
                   401);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users/nobody", h, NULL,
                             "{\"name\":\"x\"}", &resp),
                   404);
  free(resp);
  /* the public page's built-in account keeps its role */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users/@web", h, NULL,
                             "{\"role\":\"admin\"}", &resp),
                   409);
  assert_non_null(strstr(resp, "built-in account"));
  free(resp);
  /* a password refused is refused before anything is written: no account
  ** made without it, no change made beside it */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users", h, NULL,
                             "{\"login\":\"new3\",\"role\":\"operator\","
                             "\"password\":\"short\"}",
                             &resp),
                   400);
  assert_non_null(strstr(resp, "8 to 128 bytes"));
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users/new3", h, NULL,
                             "{\"name\":\"x\"}", &resp),
                   404);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/users/new1", h, NULL,
                             "{\"role\":\"leader\",\"password\":\"short\"}",
                             &resp),
                   400);
  free(resp);
  assert_int_equal(
      tu_http_h(port, "GET", "/api/v1/users", h, NULL, NULL, &resp), 200);
  {
    json_t *j = json_loads(resp, 0, NULL), *u;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(j, "users"), i, u)
    {
      if (strcmp(json_string_value(json_object_get(u, "login")), "new1"))
        continue;
      assert_string_equal(json_string_value(json_object_get(u, "role")),
                          "dispatcher");
      seen = 1;
    }
    assert_true(seen);
    json_decref(j);
  }
  free(resp);
}

/* An Open311 report with key: the status. */
static int
open311_post(const char *key)
{
  char form[300], *resp = NULL;
  int st;
  snprintf(form, sizeof form,
           "api_key=%s&service_code=gb47678-matter-06010&lat=34.7555&"
           "long=113.679",
           key);
  st = tu_http(port, "POST", "/open311/v2/requests.json",
               "application/x-www-form-urlencoded", form, &resp);
  free(resp);
  return st;
}

static void
test_admin_manages_apikeys(void **state)
{
  char h[120], key[80] = "", *resp = NULL;
  json_t *j;
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[ROLE_ADMIN]);
  /* issued: the key in the reply, filed as a public account of its name */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"fixmystreet\",\"source\":"
                             "\"public\"}",
                             &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  snprintf(key, sizeof key, "%s", json_string_value(json_object_get(j, "key")));
  assert_int_equal(strlen(key), 64);
  assert_string_equal(json_string_value(json_object_get(j, "login")),
                      "fixmystreet");
  json_decref(j);
  free(resp);
  assert_int_equal(open311_post(key), 200); /* GeoReport v2 answers 200 */
  /* listed without the key */
  assert_int_equal(
      tu_http_h(port, "GET", "/api/v1/apikeys", h, NULL, NULL, &resp), 200);
  assert_non_null(strstr(resp, "\"name\":\"fixmystreet\""));
  assert_null(strstr(resp, key));
  free(resp);
  /* refused: the name taken, a bad source or name, a staff account's name
  ** without "as", an account that does not exist */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"fixmystreet\"}", &resp),
                   409);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"k2\",\"source\":\"rumour\"}", &resp),
                   400);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"bad name\"}", &resp),
                   400);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"u2\"}", &resp),
                   409);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"k3\",\"as\":\"nobody\"}", &resp),
                   404);
  free(resp);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys", h, NULL,
                             "{\"name\":\"k4\",\"extra\":1}", &resp),
                   400);
  free(resp);
  /* nothing of the refused ones was kept, no account either */
  assert_int_equal(
      tu_http_h(port, "GET", "/api/v1/apikeys", h, NULL, NULL, &resp), 200);
  j = json_loads(resp, 0, NULL);
  assert_int_equal(json_array_size(json_object_get(j, "apikeys")), 1);
  json_decref(j);
  free(resp);
  assert_int_equal(
      tu_http_h(port, "GET", "/api/v1/users", h, NULL, NULL, &resp), 200);
  assert_null(strstr(resp, "\"k2\""));
  assert_null(strstr(resp, "\"k3\""));
  free(resp);
  /* revoked: refused from then on, and a second revoke finds nothing */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys/fixmystreet/revoke",
                             h, NULL, "", &resp),
                   200);
  free(resp);
  assert_int_equal(open311_post(key), 403);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/apikeys/fixmystreet/revoke",
                             h, NULL, "", &resp),
                   404);
  free(resp);
}

static void
test_openapi_matches_the_routes(void **state)
{
  char *text = NULL;
  json_t *doc, *paths, *ops, *op;
  const char *path, *method;

  assert_int_equal(
      tu_http(port, "GET", "/api/v1/openapi.json", NULL, NULL, &text), 200);
  doc = json_loads(text, 0, NULL);
  free(text);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
                      "3.0.3");
  paths = json_object_get(doc, "paths");
  /* every route is documented, with its login rule */
  for (int i = 0; i < api_nroutes; i++) {
    char m[8];
    json_t *sec;
    size_t k;
    for (k = 0; api_routes[i].method[k] && k < sizeof m - 1; k++)
      m[k] = (char)(api_routes[i].method[k] | 32);
    m[k] = 0;
    op = json_object_get(json_object_get(paths, api_routes[i].path), m);
    if (!op)
      fail_msg("%s %s is not in openapi.json", api_routes[i].method,
               api_routes[i].path);
    assert_true(json_string_length(json_object_get(op, "summary")) > 0);
    assert_non_null(json_object_get(op, "responses"));
    sec = json_object_get(op, "security");
    if (((api_routes[i].flags & ROUTE_LOGIN) != 0) !=
        (json_array_size(sec) > 0))
      fail_msg("%s %s: the document and the route disagree on login",
               api_routes[i].method, api_routes[i].path);
  }
  /* and nothing is documented that is not a route */
  json_object_foreach(paths, path, ops)
  {
    json_object_foreach(ops, method, op)
    {
      int found = 0;
      for (int i = 0; i < api_nroutes; i++) {
        char m[8];
        size_t k;
        for (k = 0; api_routes[i].method[k] && k < sizeof m - 1; k++)
          m[k] = (char)(api_routes[i].method[k] | 32);
        m[k] = 0;
        found |= !strcmp(api_routes[i].path, path) && !strcmp(m, method);
      }
      if (!found)
        fail_msg("openapi.json has %s %s, the server has not", method, path);
    }
  }
  json_decref(doc);
}

/* GET /api/v1/verify as role: the reply parsed (caller decrefs), or NULL
** when the status is not want. */
static json_t *
verify_as(int role, int want)
{
  char h[120], *resp = NULL;
  json_t *j = NULL;
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[role]);
  if (tu_http_h(port, "GET", "/api/v1/verify", h, NULL, NULL, &resp) == want)
    j = json_loads(resp, 0, NULL);
  free(resp);
  return j;
}

/* The history's check over HTTP, for administrators and leaders: whole,
** it says ok with the store's counts; with an event's note edited behind
** the server's back, it names the case and the event; put back, ok again.
** Other roles may not ask. */
static void
test_verify_over_http(void **state)
{
  struct cg_err e = {0};
  char path[4300], sql[300];
  struct db *db;
  json_t *j, *p;
  int64_t events;

  j = verify_as(ROLE_LEADER, 200);
  assert_non_null(j);
  assert_true(json_is_true(json_object_get(j, "ok")));
  assert_true(json_integer_value(json_object_get(j, "cases")) >= 1);
  assert_int_equal(json_array_size(json_object_get(j, "problems")), 0);
  assert_int_equal(strlen(json_string_value(json_object_get(j, "head"))), 64);
  events = json_integer_value(json_object_get(j, "events"));
  json_decref(j);

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(db_open(&db, path, 0, &e), CG_OK);
  assert_int_equal(
      db_query_int(db, &events, -1, &e, "SELECT count(*) FROM event", ""),
      CG_OK);
  /* the note as it was, kept aside to put back */
  snprintf(sql, sizeof sql,
           "CREATE TEMP TABLE kept AS SELECT note FROM event"
           " WHERE case_no = '%s' AND seq = 1",
           no);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  snprintf(sql, sizeof sql,
           "UPDATE event SET note = '已核实' WHERE case_no = '%s' AND seq = 1",
           no);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);

  j = verify_as(ROLE_ADMIN, 200);
  assert_non_null(j);
  assert_false(json_is_true(json_object_get(j, "ok")));
  assert_int_equal(json_integer_value(json_object_get(j, "events")), events);
  assert_true(json_integer_value(json_object_get(j, "problems_total")) >= 1);
  p = json_array_get(json_object_get(j, "problems"), 0);
  assert_string_equal(json_string_value(json_object_get(p, "case")), no);
  assert_non_null(
      strstr(json_string_value(json_object_get(p, "problem")), "event 1"));
  json_decref(j);

  snprintf(sql, sizeof sql,
           "UPDATE event SET note = (SELECT note FROM kept)"
           " WHERE case_no = '%s' AND seq = 1",
           no);
  assert_int_equal(db_exec(db, sql, &e), CG_OK);
  db_close(db);
  j = verify_as(ROLE_ADMIN, 200);
  assert_non_null(j);
  assert_true(json_is_true(json_object_get(j, "ok")));
  json_decref(j);
  for (int r = 0; r < ROLE_COUNT; r++) {
    if (r == ROLE_ADMIN || r == ROLE_LEADER || r == ROLE_SYSTEM) continue;
    j = verify_as(r, 403); /* the router's refusal */
    if (!j) fail_msg("verify as %s: not refused", org_role_name(r));
    json_decref(j);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_route_every_role),
      cmocka_unit_test(test_admin_manages_users),
      cmocka_unit_test(test_admin_manages_apikeys),
      cmocka_unit_test(test_openapi_matches_the_routes),
      cmocka_unit_test(test_verify_over_http),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
