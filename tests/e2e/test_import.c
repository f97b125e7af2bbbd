/*
** test_import.c — settings loaded over HTTP (POST /api/v1/import/{kind},
** administrators only) and read back as the files they came from
** (GET /api/v1/departments?format=csv, /api/v1/categories?format=csv):
** departments exported, a new one added to the file and the file loaded
** come back as loaded (in the order of their codes); a routing file that sends a category to the new
** department sends the next report of that category there at once, in
** the running server; a category renamed in the exported dictionary is
** renamed. A holiday calendar loaded over HTTP moves the deadlines of
** the next reports at once, and shows in GET /api/v1/calendar (and its
** CSV, the file loaded); sent again under its name it replaces the one
** before; one put in the data directory with the command is taken up by
** the running server within moments. A community renamed in the division
** list is located by its new name, and a report there named so, within
** moments. Unit grids generated anew (coarser) are as many as the reply
** says, and the point is located in its new grid within moments; road
** segments generated along them are the segments served. Refused, with
** nothing of the file kept: a malformed file (its
** error names the body, not a temporary file), an empty body, an unknown
** kind (404), a CSV of categories without its scheme, a calendar whose
** days another file names or whose name is a path, and anyone but an
** administrator (403). A district set up over HTTP alone, on a server
** started on an empty store, takes reports within moments, numbered with
** its code.
*/
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "org/org.h"

static char *dir;
static int pid = -1, port;
static char tokens[ROLE_COUNT][65];

static int
setup(void **state)
{
  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_users_per_role(dir) != 0) return -1;
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0) return -1;
  return tu_login_per_role(port, tokens);
}

static int
teardown(void **state)
{
  return tu_serve_done(pid, dir);
}

/* POST body to /api/v1/import/KIND[?QUERY] as role; the status, the reply
** in *resp (caller frees). */
static int
import(int role, const char *kind_query, const char *body, char **resp)
{
  char h[120], path[200];
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[role]);
  snprintf(path, sizeof path, "/api/v1/import/%s", kind_query);
  return tu_http_h(port, "POST", path, h, "text/csv", body, resp);
}

/* POST a JSON body to /api/v1/PATH as the administrator; the status, the
** reply in *resp (caller frees). */
static int
import_json(const char *path, const char *body, char **resp)
{
  char h[120], p[200];
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[ROLE_ADMIN]);
  snprintf(p, sizeof p, "/api/v1/%s", path);
  return tu_http_h(port, "POST", p, h, "application/json", body, resp);
}

/* The departments file as the server exports it (caller frees). */
static char *
departments_csv(void)
{
  char *csv = NULL;
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/departments?format=csv", NULL, NULL, &csv),
      200);
  assert_non_null(csv);
  return csv;
}

static void
test_departments_and_routing_take_effect(void **state)
{
  char *csv = departments_csv(), *more, *resp = NULL, *again, no[32];
  size_t n = strlen(csv);
  json_t *c;

  assert_non_null(strstr(csv, "code,name,phone\n"));
  assert_non_null(strstr(csv, "hwc,管城回族区环境卫生服务中心,"));
  more = malloc(n + 100);
  snprintf(more, n + 100, "%sjdb,管城回族区井盖管理办公室,0371-66660000\n",
           csv);
  assert_int_equal(import(ROLE_ADMIN, "departments", more, &resp), 200);
  c = json_loads(resp, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(c, "kind")),
                      "departments");
  /* every line of the file but its header */
  {
    int lines = 0;
    for (const char *p = more; *p; p++)
      lines += *p == '\n';
    assert_int_equal(json_integer_value(json_object_get(c, "imported")),
                     lines - 1);
  }
  json_decref(c);
  free(resp);
  /* read back as loaded (in the order of their codes) */
  again = departments_csv();
  assert_non_null(
      strstr(again, "\njdb,管城回族区井盖管理办公室,0371-66660000\n"));
  assert_int_equal(strlen(again), strlen(more));
  free(again);

  /* exposed garbage (暴露垃圾, gb47678 06010) to the new office: the next
  ** report of it is routed there, by the server already running */
  assert_int_equal(import(ROLE_ADMIN, "routing",
                          "scheme,kind,code_prefix,street,area_class,dept\n"
                          "gb47678,matter,06010,,,jdb\n",
                          &resp),
                   200);
  free(resp);
  assert_int_equal(tu_report(port, tokens[ROLE_OPERATOR], "06010", no), 201);
  {
    char h[120], path[80];
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n",
             tokens[ROLE_OPERATOR]);
    snprintf(path, sizeof path, "/api/v1/cases/%s", no);
    assert_int_equal(tu_http_h(port, "GET", path, h, NULL, NULL, &resp), 200);
  }
  c = json_loads(resp, 0, NULL);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(c, "dept"), "code")),
      "jdb");
  json_decref(c);
  free(resp);
  free(more);
  free(csv);
}

static void
test_category_renamed(void **state)
{
  char *csv = NULL, *resp = NULL, *at;
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/categories?format=csv", NULL, NULL, &resp),
      400); /* a CSV is one scheme's */
  assert_non_null(strstr(resp, "give scheme="));
  free(resp);
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/categories?format=csv&scheme=gb47678", NULL,
                           NULL, &csv),
                   200);
  at = strstr(csv, ",暴露垃圾,");
  assert_non_null(at);
  memcpy(at + 1, "裸露垃圾", strlen("裸露垃圾")); /* same length in UTF-8 */
  assert_int_equal(import(ROLE_ADMIN, "categories?scheme=gb47678", csv, &resp),
                   200);
  free(resp);
  assert_int_equal(tu_http(port, "GET", "/api/v1/categories?scheme=gb47678",
                           NULL, NULL, &resp),
                   200);
  assert_non_null(strstr(resp, "\"code\":\"06010\""));
  assert_non_null(strstr(resp, "裸露垃圾"));
  assert_null(strstr(resp, "\"暴露垃圾\""));
  free(resp);
  free(csv);
}

static void
test_refusals_keep_nothing(void **state)
{
  char *before = departments_csv(), *after, *resp = NULL;
  static const struct {
    int role;
    const char *kind, *body;
    int status;
    const char *says;
  } bad[] = {
      /* the second row has no name: the whole file is refused */
      {ROLE_ADMIN, "departments", "code,name,phone\nzz1,某部门,\nzz2\n", 400,
       "the body"},
      {ROLE_ADMIN, "departments", "", 400, "the body is empty"},
      {ROLE_ADMIN, "people", "a,b\n", 404, "nothing called 'people'"},
      {ROLE_ADMIN, "calendar",
       "date,kind,name\n2031-10-01,holiday,国庆\n"
       "2031-10-32,holiday,国庆\n",
       400, "the body:3"},
      {ROLE_ADMIN, "calendar?name=../x.csv",
       "date,kind,name\n2031-10-01,holiday,国庆\n", 400, "'/'"},
      {ROLE_ADMIN, "calendar", "date,kind,name\n", 400, "?name="},
      {ROLE_OPERATOR, "calendar", "date,kind,name\n2031-10-01,holiday,x\n", 403,
       "your role may not use"},
      {ROLE_ADMIN, "grids", "{}", 400, "the body"},
      {ROLE_ADMIN, "divisions",
       "level,code,name,parent_code\n"
       "community,999,某社区,410104001\n",
       400, "the body:2"},
      {ROLE_ADMIN, "segments?crs=mars", "{}", 400, "mars"},
      {ROLE_OPERATOR, "departments", "code,name,phone\nzz3,某部门,\n", 403,
       "your role may not use"},
      {ROLE_LEADER, "departments", "code,name,phone\nzz4,某部门,\n", 403,
       "your role may not use"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int st = import(bad[i].role, bad[i].kind, bad[i].body, &resp);
    if (st != bad[i].status || !resp || !strstr(resp, bad[i].says) ||
        !strstr(resp, "\"error\"") || strstr(resp, "import-"))
      fail_msg("%s as %s: %d %s", bad[i].kind, org_role_name(bad[i].role), st,
               resp ? resp : "");
    free(resp);
  }
  after = departments_csv();
  assert_string_equal(after, before);
  free(after);
  free(before);
  /* no calendar was kept */
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/calendar?year=2031", NULL, NULL, &resp),
      200);
  assert_null(strstr(resp, "2031-10-01"));
  assert_non_null(strstr(resp, "\"files\":[]"));
  free(resp);
}

/* The step deadline of a new report, in Unix seconds (each report 200 m
** south of the last: not a duplicate of it). */
static int64_t
report_due(void)
{
  static int k;
  char h[120], body[200], *resp = NULL;
  const char *due;
  struct tm tm = {0};
  json_t *c;

  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[ROLE_OPERATOR]);
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":"
           "\"06034\",\"lat\":%.4f,\"lon\":113.679}",
           34.7555 - 0.0018 * k++);
  if (tu_http_h(port, "POST", "/api/v1/cases", h, NULL, body, &resp) != 201)
    fail_msg("report: %s", resp ? resp : "");
  c = json_loads(resp, 0, NULL);
  due =
      json_string_value(json_object_get(json_object_get(c, "step"), "due_at"));
  assert_non_null(due);
  assert_int_equal(sscanf(due, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
                          &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
                   6);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  json_decref(c);
  free(resp);
  return (int64_t)timegm(&tm);
}

/* A calendar file naming the n days from `from` (Unix seconds, taken in
** the district's UTC+8) holidays, into buf. */
static void
holidays(char *buf, size_t size, time_t from, int n)
{
  size_t len = snprintf(buf, size, "date,kind,name\n");
  for (int i = 0; i < n; i++) {
    time_t t = from + 8 * 3600 + (time_t)i * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    len += snprintf(buf + len, size - len, "%04d-%02d-%02d,holiday,检修\n",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  }
}

/* GET /api/v1/locate of the test's point: the whole answer (caller
** decrefs). */
static json_t *
locate_here(void)
{
  char *resp = NULL;
  json_t *j;
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/locate?lat=34.7555&lon=113.679", NULL, NULL,
                           &resp),
                   200);
  j = json_loads(resp, 0, NULL);
  free(resp);
  assert_non_null(j);
  return j;
}

/* The community the test's point is located in, {"code", "name"}
** (caller decrefs). */
static json_t *
community_here(void)
{
  json_t *j = locate_here(), *c;
  c = json_incref(json_object_get(j, "community"));
  json_decref(j);
  assert_non_null(c);
  return c;
}

/* A community renamed in the division list, loaded over HTTP: the running
** server locates in it by its new name within moments, and a report made
** there names it so. */
static void
test_divisions_take_effect(void **state)
{
  json_t *c = community_here(), *now = NULL, *rep;
  const char *code = json_string_value(json_object_get(c, "code"));
  char file[300], h[120], *resp = NULL;

  assert_non_null(code);
  snprintf(file, sizeof file,
           "level,code,name,parent_code\ncommunity,%s,新风社区,%.9s\n", code,
           code);
  assert_int_equal(import(ROLE_ADMIN, "divisions", file, &resp), 200);
  assert_non_null(strstr(resp, "\"imported\":1"));
  free(resp);
  for (int i = 0; i < 50; i++) {
    json_decref(now);
    now = community_here();
    if (strcmp(json_string_value(json_object_get(now, "name")), "新风社区") ==
        0)
      break;
    usleep(100000);
  }
  assert_string_equal(json_string_value(json_object_get(now, "code")), code);
  assert_string_equal(json_string_value(json_object_get(now, "name")),
                      "新风社区");
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[ROLE_OPERATOR]);
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/cases", h, NULL,
                             "{\"scheme\":\"gb47678\",\"kind\":\"matter\","
                             "\"code\":\"06036\",\"lat\":34.7555,"
                             "\"lon\":113.679}",
                             &resp),
                   201);
  rep = json_loads(resp, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(rep, "community"), "name")),
                      "新风社区");
  json_decref(rep);
  free(resp);
  json_decref(now);
  json_decref(c);
}

/* The features of GET PATH's FeatureCollection. */
static size_t
features(const char *path)
{
  char *resp = NULL;
  json_t *j;
  size_t n;
  assert_int_equal(tu_http(port, "GET", path, NULL, NULL, &resp), 200);
  j = json_loads(resp, 0, NULL);
  n = json_array_size(json_object_get(j, "features"));
  json_decref(j);
  free(resp);
  return n;
}

/* The grid GET /api/v1/locate puts the test's point in (caller frees). */
static char *
grid_here(void)
{
  json_t *j = locate_here();
  const char *c;
  char *code;
  c = json_string_value(json_object_get(json_object_get(j, "grid"), "code"));
  code = strdup(c ? c : "");
  json_decref(j);
  return code;
}

/* Unit grids generated anew over HTTP, coarser: as many as the reply says,
** and reports are located in them within moments; a size out of range is
** refused and the grids stay. Road segments generated along them. */
static void
test_grids_and_segments_generated(void **state)
{
  char *resp = NULL, *old = grid_here(), *now = NULL, want[32] = "";
  size_t before = features("/api/v1/grids"), after;
  json_t *j;
  int n;

  assert_true(before > 100);
  assert_int_equal(import_json("grids/generate", "{\"cell\": 5}", &resp), 400);
  assert_non_null(strstr(resp, "\"error\""));
  free(resp);
  assert_int_equal(features("/api/v1/grids"), before);

  assert_int_equal(import_json("grids/generate", "{\"cell\": 400}", &resp),
                   200);
  j = json_loads(resp, 0, NULL);
  n = (int)json_integer_value(json_object_get(j, "grids"));
  json_decref(j);
  free(resp);
  after = features("/api/v1/grids");
  assert_int_equal(after, (size_t)n);
  assert_true(after < before / 2); /* 400 m squares against 250 m ones */
  /* the new grid that holds the point (the one a tiny box around it meets) */
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/grids?bbox=113.67899,34.75549,113.67901,"
                           "34.75551",
                           NULL, NULL, &resp),
                   200);
  j = json_loads(resp, 0, NULL);
  assert_int_equal(json_array_size(json_object_get(j, "features")), 1);
  snprintf(
      want, sizeof want, "%s",
      json_string_value(json_object_get(
          json_object_get(json_array_get(json_object_get(j, "features"), 0),
                          "properties"),
          "code")));
  json_decref(j);
  free(resp);
  assert_string_not_equal(want, old); /* else the test would prove nothing */
  /* located in it within moments */
  for (int i = 0; i < 50; i++) {
    free(now);
    now = grid_here();
    if (strcmp(now, want) == 0) break;
    usleep(100000);
  }
  assert_string_equal(now, want);
  free(now);
  free(old);

  assert_int_equal(import_json("segments/generate", "{\"spacing\": 50}", &resp),
                   400);
  free(resp);
  assert_int_equal(import_json("segments/generate", "{}", &resp), 200);
  j = json_loads(resp, 0, NULL);
  n = (int)json_integer_value(json_object_get(j, "segments"));
  json_decref(j);
  free(resp);
  assert_true(n > 10);
  assert_int_equal(features("/api/v1/segments"), (size_t)n);
}

static void
test_calendar_takes_effect(void **state)
{
  char file[2048], *resp = NULL, *csv = NULL, path[4300];
  int64_t before, during, after;
  time_t now = time(NULL);
  json_t *c;

  before = report_due();
  /* the ten days from today off: a report's deadline moves past them */
  holidays(file, sizeof file, now, 10);
  assert_int_equal(import(ROLE_ADMIN, "calendar?name=repairs.csv", file, &resp),
                   200);
  c = json_loads(resp, 0, NULL);
  assert_int_equal(json_integer_value(json_object_get(c, "imported")), 10);
  json_decref(c);
  free(resp);
  during = report_due();
  if (during < before + 8 * 86400)
    fail_msg("due %lld with ten days off, %lld before", (long long)during,
             (long long)before);
  /* shown as loaded: the CSV is the file (if the ten days are of one year) */
  {
    char q[80];
    struct tm tm;
    time_t t = now + 8 * 3600;
    gmtime_r(&t, &tm);
    snprintf(q, sizeof q, "/api/v1/calendar?year=%d&format=csv",
             tm.tm_year + 1900);
    assert_int_equal(tu_http(port, "GET", q, NULL, NULL, &csv), 200);
    assert_non_null(strstr(file, csv + strlen("date,kind,name\n")) ||
                    strstr(csv, file + strlen("date,kind,name\n")));
    free(csv);
    snprintf(q, sizeof q, "/api/v1/calendar?year=%d", tm.tm_year + 1900);
    assert_int_equal(tu_http(port, "GET", q, NULL, NULL, &resp), 200);
    assert_non_null(strstr(resp, "\"files\":[\"repairs.csv\"]"));
    assert_non_null(strstr(resp, "\"kind\":\"holiday\",\"name\":\"检修\""));
    free(resp);
  }
  /* a year or a format the server does not know: 400, in the error shape */
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/calendar?year=20x", NULL, NULL, &resp),
      400);
  assert_non_null(strstr(resp, "\"error\""));
  assert_non_null(strstr(resp, "not '20x'"));
  free(resp);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/calendar?format=xml", NULL, NULL, &resp),
      400);
  assert_non_null(strstr(resp, "not json or csv"));
  free(resp);
  /* the same name again replaces it: no day off, deadlines as before */
  assert_int_equal(import(ROLE_ADMIN, "calendar?name=repairs.csv",
                          "date,kind,name\n2031-05-01,holiday,劳动节\n", &resp),
                   200);
  free(resp);
  after = report_due();
  if (after > before + 86400)
    fail_msg("due %lld with the days off replaced, %lld before",
             (long long)after, (long long)before);
  /* a file whose days another names is refused, and nothing changes */
  assert_int_equal(import(ROLE_ADMIN, "calendar?name=other.csv",
                          "date,kind,name\n2031-05-01,holiday,劳动节\n", &resp),
                   400);
  assert_non_null(strstr(resp, "2031-05-01"));
  free(resp);
  /* by the command, beside the running server: taken up within moments */
  holidays(file, sizeof file, now, 10);
  snprintf(path, sizeof path, "%s/cli-days.csv", dir);
  tu_write(path, file);
  assert_int_equal(
      tu_run(NULL, NULL, "--data '%s' import calendar '%s'", dir, path), 0);
  for (int i = 0; i < 50; i++) {
    int seen;
    assert_int_equal(
        tu_http(port, "GET", "/api/v1/calendar", NULL, NULL, &resp), 200);
    seen = strstr(resp, "检修") != NULL; /* its days, as the server counts */
    free(resp);
    if (seen) break;
    usleep(100000);
  }
  during = report_due();
  if (during < before + 8 * 86400)
    fail_msg("due %lld after the command loaded ten days off, %lld before",
             (long long)during, (long long)before);
}

/* The status of Open311's service list for jurisdiction j on port p. */
static int
services_status(int p, const char *j)
{
  char path[96];
  char *resp = NULL;
  int st;
  snprintf(path, sizeof path, "/open311/v2/services.json?jurisdiction_id=%s",
           j);
  st = tu_http(p, "GET", path, NULL, NULL, &resp);
  free(resp);
  return st;
}

/* POST the data file `file` to PATH on port p with headers h, as type;
** fails the test unless it is taken (200). */
static void
load(int p, const char *h, const char *path, const char *type, const char *file)
{
  char *body = tu_slurp(tu_data(file)), *resp = NULL;
  assert_non_null(body);
  assert_int_equal(tu_http_h(p, "POST", path, h, type, body, &resp), 200);
  free(body);
  free(resp);
}

/* A district set up over HTTP alone, on a server started on an empty
** store: its divisions, boundary and categories loaded and its grids
** generated, it takes reports within moments, numbered with its code, and
** Open311 clients are answered for its jurisdiction — no restart. */
static void
test_first_areas_without_restart(void **state)
{
  char *d = tu_tmpdir(), ah[120], oh[120], tok[65], *resp = NULL;
  static const char report[] =
      "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06036\","
      "\"lat\":34.7555,\"lon\":113.679}";
  int p, spid = -1, st = 0;
  json_t *c;

  assert_int_equal(tu_run(NULL, NULL, "--data '%s' init", d), 0);
  assert_int_equal(tu_user(d, "ad", "admin", NULL), 0);
  assert_int_equal(tu_user(d, "op", "operator", NULL), 0);
  assert_true((p = tu_serve_start(d, NULL, &spid)) > 0);
  assert_int_equal(tu_login(p, "ad", tok), 200);
  snprintf(ah, sizeof ah, "Authorization: Bearer %s\r\n", tok);
  assert_int_equal(tu_login(p, "op", tok), 200);
  snprintf(oh, sizeof oh, "Authorization: Bearer %s\r\n", tok);
  /* the categories only: every report is outside, no district served */
  load(p, ah, "/api/v1/import/categories?scheme=gb47678", "text/csv",
       "categories-gb47678.csv");
  assert_int_equal(
      tu_http_h(p, "POST", "/api/v1/cases", oh, NULL, report, &resp), 400);
  assert_non_null(strstr(resp, "outside the district"));
  free(resp);
  assert_int_equal(services_status(p, "410104"), 404);
  /* the district's areas */
  load(p, ah, "/api/v1/import/divisions", "text/csv",
       "guancheng-divisions.csv");
  load(p, ah, "/api/v1/import/boundary?code=410104", "application/geo+json",
       "zhengzhou-districts-wgs84.geojson");
  assert_int_equal(tu_http_h(p, "POST", "/api/v1/grids/generate", ah, NULL,
                             "{\"cell\": 250}", &resp),
                   200);
  free(resp);
  resp = NULL;
  /* taken up within moments (the server looks once a second) */
  for (int i = 0; i < 50 && st != 201; i++) {
    if (i) usleep(100000);
    free(resp);
    st = tu_http_h(p, "POST", "/api/v1/cases", oh, NULL, report, &resp);
  }
  assert_int_equal(st, 201);
  c = json_loads(resp, 0, NULL);
  assert_non_null(c);
  /* numbered with the district's code, placed in its street and grid */
  assert_memory_equal(json_string_value(json_object_get(c, "no")), "410104", 6);
  assert_memory_equal(
      json_string_value(json_object_get(json_object_get(c, "street"), "code")),
      "410104", 6);
  assert_non_null(
      json_string_value(json_object_get(json_object_get(c, "grid"), "code")));
  json_decref(c);
  free(resp);
  assert_int_equal(services_status(p, "410104"), 200);
  assert_int_equal(services_status(p, "410105"), 404);
  assert_int_equal(tu_serve_done(spid, d), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_departments_and_routing_take_effect),
      cmocka_unit_test(test_category_renamed),
      cmocka_unit_test(test_refusals_keep_nothing),
      cmocka_unit_test(test_calendar_takes_effect),
      cmocka_unit_test(test_divisions_take_effect),
      cmocka_unit_test(test_grids_and_segments_generated),
      cmocka_unit_test(test_first_areas_without_restart),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
