/*
** test_bad_input.c — every write route of the route table against hostile
** bodies, on a real `citygrid serve`: broken, mistyped, duplicated,
** oversized and deeply nested JSON, numbers out of range, invalid UTF-8,
** NULs, the wrong content type, broken multipart and forms, photos that
** are not photos. Each must get a 4xx in the route's own error shape
** (the API's {"error":{"code","message"}}, Open311's list of errors), the
** server must stay up, and the store must hold exactly what it held
** before: every table but the sessions, row by row. The routes come from
** the route table, so a new write route is covered the day it is added.
*/
#include "testutil.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

static char *dir;
static int pid = -1, port;
static char tokens[ROLE_COUNT][65];
static char no[32], key[80], sr[32]; /* sr: a request the key made */

static int
setup(void **state)
{
  char *out = NULL, *resp = NULL;
  json_t *j;

  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_users_per_role(dir) != 0) return -1;
  /* an Open311 key: its POSTs get as far as reading the form */
  if (tu_run(&out, NULL, "--data '%s' apikey add bench", dir) != 0 || !out)
    return -1;
  sscanf(out, "%79s", key);
  free(out);
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0 ||
      tu_login_per_role(port, tokens) != 0)
    return -1;
  /* one case, for the {no} routes */
  if (tu_report(port, tokens[ROLE_OPERATOR], "06010", no) != 201) return -1;
  /* one request of the key's, for the updates it may post */
  {
    char form[300];
    snprintf(form, sizeof form,
             "api_key=%s&service_code=gb47678-matter-06010&lat=34.7555"
             "&long=113.679",
             key);
    if (tu_http(port, "POST", "/open311/v2/requests.json",
                "application/x-www-form-urlencoded", form, &resp) != 200)
      return -1;
    j = json_loads(resp, 0, NULL);
    snprintf(sr, sizeof sr, "%s",
             json_string_value(
                 json_object_get(json_array_get(j, 0), "service_request_id")));
    json_decref(j);
    free(resp);
  }
  return 0;
}

static int
teardown(void **state)
{
  return tu_serve_done(pid, dir);
}

/* FNV-1a over every row of every table of the store but the sessions
** (reading a session may note when it was last used), read through a
** connection of its own while the server runs. */
static uint64_t
store_digest(void)
{
  char path[600];
  sqlite3 *db;
  sqlite3_stmt *tables, *rows;
  uint64_t h = 1469598103934665603ull;

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  assert_int_equal(
      sqlite3_prepare_v2(db,
                         "SELECT name FROM sqlite_master WHERE type = 'table'"
                         " AND name NOT LIKE 'sqlite_%' AND name <> 'session'"
                         " ORDER BY name",
                         -1, &tables, NULL),
      SQLITE_OK);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"",
             (const char *)sqlite3_column_text(tables, 0));
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
    while (sqlite3_step(rows) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(rows); c++) {
        const unsigned char *b = sqlite3_column_blob(rows, c);
        int n = sqlite3_column_bytes(rows, c);
        h = (h ^ (uint64_t)sqlite3_column_type(rows, c)) * 1099511628211ull;
        for (int i = 0; i < n; i++)
          h = (h ^ b[i]) * 1099511628211ull;
      }
    sqlite3_finalize(rows);
  }
  sqlite3_finalize(tables);
  sqlite3_close(db);
  return h;
}

/* A concrete path for a route's pattern: the test's case, a comment (any
** role may), a real user, a key that does not exist (revoking one is a
** write whatever the body). */
static void
concrete(const char *pattern, char *out, size_t n)
{
  char nov[48];
  const char *const vals[] = {nov,        "action=comment",   "login=u1",
                              "fmt=json", "name=no-such-key", NULL};
  snprintf(nov, sizeof nov, "no=%s", no);
  tu_route_path(pattern, vals, "x", out, n);
}

struct bad {
  const char *what, *type; /* type NULL: application/json */
  const char *body;
  size_t n; /* 0: strlen(body) */
};

/* Bodies no JSON route may take. */
static const struct bad json_bad[] = {
    {"broken JSON", NULL, "{\"note\":", 0},
    {"an array", NULL, "[1,2,3]", 0},
    {"a bare string", NULL, "\"x\"", 0},
    {"no body at all", NULL, "", 0},
    {"a key twice", NULL, "{\"note\":\"a\",\"note\":\"b\"}", 0},
    {"invalid UTF-8", NULL, "{\"note\":\"\xff\xfe\xfd\"}", 0},
    {"a NUL byte", NULL, "{\"note\":\"a\0b\"}", 14},
    {"a number past double", NULL, "{\"lat\":1e999,\"note\":\"x\"}", 0},
    {"an integer past 64 bits", NULL,
     "{\"urgency\":123456789012345678901234567890,\"note\":\"x\"}", 0},
    {"the wrong content type", "text/plain", "{\"note\":\"x\"}", 0},
    {"a form", "application/x-www-form-urlencoded", "note=x", 0},
    {"multipart without a boundary", "multipart/form-data", "--x\r\n\r\n", 0},
    {"multipart cut short", "multipart/form-data; boundary=XyZ",
     "--XyZ\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{\"no",
     0},
};

/* Bodies no photo upload may take. */
static const struct bad photo_bad[] = {
    {"no bytes", "image/jpeg", "", 0},
    {"a page said to be a photo", "image/jpeg", "<html>hello</html>", 0},
    {"a JPEG cut after its marker", "image/jpeg", "\xff\xd8\xff", 3},
    {"a PNG signature alone", "image/png", "\x89PNG\r\n\x1a\n", 8},
    {"an unknown type", "application/x-msdownload", "MZ\x90", 3},
};

/* Forms no Open311 POST may take (each with the key, so the form itself
** is what is refused). */
static const char *const form_bad[] = {
    "api_key=%s&service_code=%%zz&lat=34.75&long=113.68",
    "api_key=%s&service_code=gb47678-matter-06010&lat=north&long=113.68",
    "api_key=%s&service_code=gb47678-matter-06010&lat=34.75&long=1e999",
    "api_key=%s&service_code=gb47678-matter-06010&lat=34.75&long=113.68"
    "&attribute[urgency]=7",
    "api_key=%s&service_code=no-such-service&lat=34.75&long=113.68",
    "api_key=%s&service_request_id=%s&updated_datetime=yesterday"
    "&status=closed&description=x",
    "api_key=%s&service_request_id=%s&updated_datetime=2026-01-01T00:00:00Z"
    "&status=open&description=x&media_url=file:///etc/passwd",
    "api_key=%s&&&===&description=%%",
    "api_key=%s&description=\xff\xfe",
};

/* Is resp an error in the shape the path's API promises? */
static int
error_shaped(const char *path, const char *resp)
{
  json_t *j = json_loads(resp ? resp : "", 0, NULL), *e;
  int ok;
  if (!strncmp(path, "/open311/", 9)) { /* [{"code":N,"description":"..."}] */
    e = json_array_get(j, 0);
    ok = json_is_integer(json_object_get(e, "code")) &&
         json_is_string(json_object_get(e, "description"));
  } else {
    e = json_object_get(j, "error");
    ok = json_is_string(json_object_get(e, "code")) &&
         json_is_string(json_object_get(e, "message")) &&
         *json_string_value(json_object_get(e, "message"));
  }
  json_decref(j);
  return ok;
}

/* Send one hostile body; it must be refused with a 4xx of the right
** shape that says what was wrong. Returns 1 (counted). */
static int
refused(const struct http_route *rt, const char *path, const char *h,
        const char *what, const char *type, const void *body, size_t n)
{
  char *resp = NULL;
  int st = tu_http_raw(port, rt->method, path, h, type, body, n, &resp);
  if (st < 400 || st > 499 || st == 401 || st == 403 ||
      !error_shaped(path, resp))
    fail_msg("%s %s, %s: %d %s", rt->method, path, what, st,
             resp ? resp : "(no body)");
  free(resp);
  return 1;
}

/* The token of a role the route lets through (a header line), or "". */
static void
auth_for(const struct http_route *rt, char *h, size_t n)
{
  int role = ROLE_OPERATOR;
  *h = 0;
  if (!(rt->flags & ROUTE_LOGIN)) return;
  for (int r = 0; rt->roles && r < ROLE_COUNT; r++)
    if (r != ROLE_SYSTEM && (rt->roles & (1u << r))) {
      role = r;
      break;
    }
  snprintf(h, n, "Authorization: Bearer %s\r\n", tokens[role]);
}

static void
test_every_write_route_refuses_bad_bodies(void **state)
{
  uint64_t before = store_digest();
  int sent = 0, routes = 0;

  for (int i = 0; i < api_nroutes; i++) {
    const struct http_route *rt = &api_routes[i];
    char path[300], h[200];

    if (strcmp(rt->method, "POST") && strcmp(rt->method, "PUT") &&
        strcmp(rt->method, "PATCH") && strcmp(rt->method, "DELETE"))
      continue;
    if (!strcmp(rt->path, "/api/v1/logout"))
      continue; /* takes no body: it ends the session (test_login.c) */
    concrete(rt->path, path, sizeof path);
    auth_for(rt, h, sizeof h);
    routes++;
    if (!strncmp(rt->path, "/open311/", 9)) {
      for (size_t k = 0; k < sizeof form_bad / sizeof *form_bad; k++) {
        char form[400];
        snprintf(form, sizeof form, form_bad[k], key, sr);
        sent += refused(rt, path, h, form, "application/x-www-form-urlencoded",
                        form, strlen(form));
      }
    } else if (strstr(rt->path, "/attachments")) {
      for (size_t k = 0; k < sizeof photo_bad / sizeof *photo_bad; k++) {
        const struct bad *b = &photo_bad[k];
        sent += refused(rt, path, h, b->what, b->type, b->body,
                        b->n ? b->n : strlen(b->body));
      }
    } else if (!strstr(rt->path, "/revoke")) { /* revoke reads no body */
      for (size_t k = 0; k < sizeof json_bad / sizeof *json_bad; k++) {
        const struct bad *b = &json_bad[k];
        sent += refused(rt, path, h, b->what, b->type, b->body,
                        b->n ? b->n : strlen(b->body));
      }
    }
    /* nested past any parser's depth, and past the body limit (uploads:
    ** past the store's limit for one attachment, 10 MB by default) */
    {
      size_t deep = 100000, big = rt->flags & ROUTE_UPLOAD
                                      ? (10u << 20) + 1
                                      : HTTP_BODY_LIMIT + 1;
      char *buf = malloc(big > deep ? big : deep);
      const char *type = !strncmp(rt->path, "/open311/", 9)
                             ? "application/x-www-form-urlencoded"
                         : strstr(rt->path, "attachments") ? "image/jpeg"
                                                           : NULL;
      memset(buf, '[', deep);
      if (!type) sent += refused(rt, path, h, "nested", NULL, buf, deep);
      memset(buf, ' ', big);
      if (type && !strcmp(type, "image/jpeg")) memcpy(buf, "\xff\xd8\xff", 3);
      sent += refused(rt, path, h, "too large", type, buf, big);
      free(buf);
    }
  }
  assert_true(routes >= 12);
  assert_true(sent >= 100);
  /* still up, and nothing stored, changed or half-written */
  assert_int_equal(tu_http(port, "GET", "/healthz", NULL, NULL, NULL), 200);
  assert_true(store_digest() == before);
}

/* The digest sees a write: a report changes it (the test above would not
** notice a refused request that wrote, were it blind). */
static void
test_digest_sees_a_report(void **state)
{
  uint64_t before = store_digest();
  assert_int_equal(tu_report(port, tokens[ROLE_OPERATOR], "06011", NULL), 201);
  assert_true(store_digest() != before);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_write_route_refuses_bad_bodies),
      cmocka_unit_test(test_digest_sees_a_report),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
