/*
** test_web.c — what the web pages stand on, against a real `citygrid
** serve`: the embedded pages and libraries (content types, ETag and 304,
** gzip only for clients that accept it, the same bytes inflated for those
** that do not, no way out of the table by any path); the statistics equal
** to the case list for the same filters; map points that agree with the
** cases; a work list ordered by deadline; a dispatch with its own limit;
** and the public pages' API: an anonymous report with a photo, its public
** view without the reporter's contact details, rating with the secret and
** only with it.
*/
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

static char *dir;
static int pid = -1, port;
static char op[65], sl[65], di[65], leader[65];
static const double lat = 34.7455, lon = 113.679; /* in 紫荆山南路街道 */

static int
setup(void **state)
{
  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_user(dir, "op", "operator", NULL) ||
      tu_user(dir, "sl", "shift_leader", NULL) ||
      tu_user(dir, "di", "dispatcher", NULL) ||
      tu_user(dir, "boss", "leader", NULL))
    return -1;
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0) return -1;
  if (tu_login(port, "op", op) != 200 || tu_login(port, "sl", sl) != 200 ||
      tu_login(port, "di", di) != 200 || tu_login(port, "boss", leader) != 200)
    return -1;
  return 0;
}

static int
teardown(void **state)
{
  return tu_serve_done(pid, dir);
}

/* GET path as it is (tu_http_full), from this test's server. */
static int
raw(const char *path, const char *headers, char **head, char **body, size_t *n)
{
  return tu_http_full(port, path, headers, head, body, n);
}

/* The value of header `name` in head (a new string, caller frees), or
** NULL. */
static char *
header(const char *head, const char *name)
{
  size_t k = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n"))
    if (strncasecmp(p + 2, name, k) == 0 && p[2 + k] == ':') {
      const char *v = p + 3 + k;
      while (*v == ' ')
        v++;
      return strndup(v, strcspn(v, "\r\n"));
    }
  return NULL;
}

/* Inflate a gzip body into a new buffer (caller frees); *out_n its size. */
static char *
gunzip(const char *in, size_t n, size_t *out_n)
{
  z_stream z;
  size_t cap = n * 8 + 1024;
  char *out = malloc(cap);
  memset(&z, 0, sizeof z);
  assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  *out_n = z.total_out;
  inflateEnd(&z);
  return out;
}

static void
test_pages_and_assets(void **state)
{
  static const struct {
    const char *path, *type;
  } want[] = {
      {"/", "text/html; charset=utf-8"},
      {"/public", "text/html; charset=utf-8"},
      {"/assets/app.js", "text/javascript; charset=utf-8"},
      {"/assets/app.css", "text/css; charset=utf-8"},
      {"/assets/leaflet.js", "text/javascript; charset=utf-8"},
      {"/assets/supercluster.js", "text/javascript; charset=utf-8"},
      {"/assets/echarts.js", "text/javascript; charset=utf-8"},
      {"/assets/images/layers.png", "image/png"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    char *head, *body, *zhead, *zbody, *type, *etag, *enc, *plain;
    size_t n, zn, pn;

    /* no Accept-Encoding: the bytes as they are */
    assert_int_equal(raw(want[i].path, NULL, &head, &body, &n), 200);
    type = header(head, "Content-Type");
    assert_non_null(type);
    assert_string_equal(type, want[i].type);
    assert_null(header(head, "Content-Encoding"));
    assert_true(n > 20);
    etag = header(head, "ETag");
    assert_non_null(etag);
    assert_non_null(strstr(head, "Cache-Control: no-cache"));
    /* with gzip: compressed, the same bytes once inflated (images as
    ** they are) */
    assert_int_equal(raw(want[i].path, "Accept-Encoding: gzip, deflate, br\r\n",
                         &zhead, &zbody, &zn),
                     200);
    enc = header(zhead, "Content-Encoding");
    if (strncmp(want[i].type, "image/", 6) == 0) {
      assert_null(enc);
    } else {
      assert_non_null(enc);
      assert_string_equal(enc, "gzip");
      assert_true(zn < n);
      plain = gunzip(zbody, zn, &pn);
      assert_int_equal(pn, n);
      assert_memory_equal(plain, body, n);
      free(plain);
    }
    free(enc);
    free(zhead);
    free(zbody);
    /* the client's copy is current: 304 and no body */
    {
      char h[128], *h2, *b2;
      size_t n2;
      snprintf(h, sizeof h, "If-None-Match: %s\r\n", etag);
      assert_int_equal(raw(want[i].path, h, &h2, &b2, &n2), 304);
      assert_int_equal(n2, 0);
      free(h2);
      free(b2);
    }
    free(type);
    free(etag);
    free(head);
    free(body);
  }
}

static void
test_no_path_leaves_the_table(void **state)
{
  static const char *const paths[] = {
      "/assets/../../../etc/passwd",
      "/assets/..%2f..%2f..%2fetc%2fpasswd",
      "/assets/%2e%2e/%2e%2e/etc/passwd",
      "/assets/images/..%2fapp.js",
      "/assets/images/../../citygrid.db",
      "/assets/..",
      "/assets/%00app.js",
      "/assets/index.html/..",
      "/assets//etc/passwd",
      "/assets/nothing.js",
      "/public/../citygrid.db",
  };
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    char *head, *body;
    size_t n;
    int st = raw(paths[i], NULL, &head, &body, &n);
    if (st != 404 && st != 400)
      fail_msg("GET %s: %d, want 404 or 400", paths[i], st);
    assert_null(strstr(body, "root:"));
    assert_null(strstr(body, "SQLite format"));
    free(head);
    free(body);
  }
  /* a NUL ends the name: what is asked for then is app.js itself */
  {
    char *head, *body, *type;
    size_t n;
    assert_int_equal(raw("/assets/app.js%00.png", NULL, &head, &body, &n), 200);
    type = header(head, "Content-Type");
    assert_string_equal(type, "text/javascript; charset=utf-8");
    free(type);
    free(head);
    free(body);
  }
}

/* A request as the holder of token (NULL: nobody) that must answer with
** status want; the parsed reply (caller decrefs). */
static json_t *
call(const char *method, const char *token, const char *path, const char *body,
     int want)
{
  char h[120], *resp = NULL;
  json_t *j;
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
  if (tu_http_h(port, method, path, token ? h : NULL, NULL, body, &resp) !=
      want)
    fail_msg("%s %s: not %d: %s", method, path, want, resp ? resp : "");
  j = json_loads(resp ? resp : "", 0, NULL);
  free(resp);
  return j;
}

static json_t *
get(const char *token, const char *path, int want)
{
  return call("GET", token, path, NULL, want);
}

static json_t *
post(const char *token, const char *path, const char *body, int want)
{
  return call("POST", token, path, body, want);
}

/* Report n cases as the operator, each at a place no other report of the
** test took (so that none is a duplicate; 15 places in all); case numbers
** into nos (32 bytes each). */
static void
report(int n, char nos[][32])
{
  static const char *const codes[] = {"06010", "06012", "09001"};
  static int next;
  for (int k = 0; k < n; k++) {
    int i = next++;
    char body[300];
    json_t *j;
    snprintf(body, sizeof body,
             "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"%s\","
             "\"lat\":%f,\"lon\":%f,\"source\":\"%s\"}",
             codes[i % 3], lat - 0.002 * (i % 5), lon + 0.003 * (i / 5),
             i % 2 ? "hotline" : "patrol");
    j = post(op, "/api/v1/cases", body, 201);
    snprintf(nos[k], 32, "%s", json_string_value(json_object_get(j, "no")));
    json_decref(j);
  }
}

/* The leader's list's total for path (an exact count: the tests' stores
** are small). */
static int64_t
list_total(const char *path)
{
  json_t *l = get(leader, path, 200);
  int64_t n = json_integer_value(json_object_get(l, "total"));
  assert_true(json_is_true(json_object_get(l, "total_exact")));
  json_decref(l);
  return n;
}

static void
test_stats_equal_the_list(void **state)
{
  static const char *const filters[] = {
      "",
      "state=open",
      "state=reported",
      "source=hotline",
      "category=gb47678:06",
      "overdue=1",
      "from=2000-01-01&to=2100-01-01",
  };
  char nos[12][32], path[300];
  json_t *s, *l;

  report(12, nos);
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
    int64_t sum = 0;
    size_t k;
    json_t *v;
    snprintf(path, sizeof path, "/api/v1/stats?%s", filters[i]);
    s = get(leader, path, 200);
    snprintf(path, sizeof path, "/api/v1/cases?limit=1&%s", filters[i]);
    l = get(leader, path, 200);
    assert_int_equal(json_integer_value(json_object_get(s, "total")),
                     json_integer_value(json_object_get(l, "total")));
    /* every grouping adds up to the total */
    static const char *const groups[] = {"by_state", "by_category", "by_street",
                                         "by_source", "by_dept"};
    for (size_t g = 0; g < 5; g++) {
      sum = 0;
      json_array_foreach(json_object_get(s, groups[g]), k, v) sum +=
          json_integer_value(json_object_get(v, "count"));
      if (sum != json_integer_value(json_object_get(s, "total")))
        fail_msg("%s with '%s' adds up to %lld, not the total", groups[g],
                 filters[i], (long long)sum);
    }
    /* each state's, category's, street's and source's count is the
    ** list's with that filter too */
    static const char *const by[][2] = {{"by_state", "state"},
                                        {"by_category", "category"},
                                        {"by_street", "area"},
                                        {"by_source", "source"}};
    for (size_t g = 0; g < 4; g++) {
      if (strstr(filters[i], by[g][1])) continue;
      json_array_foreach(json_object_get(s, by[g][0]), k, v)
      {
        snprintf(path, sizeof path, "/api/v1/cases?limit=1&%s=%s&%s", by[g][1],
                 json_string_value(json_object_get(v, "key")), filters[i]);
        assert_int_equal(list_total(path),
                         json_integer_value(json_object_get(v, "count")));
      }
    }
    /* on-time rates only where cases were closed */
    for (size_t g = 0; g < 2; g++)
      json_array_foreach(
          json_object_get(s, g ? "on_time_by_street" : "on_time_by_dept"), k, v)
      {
        int64_t closed = json_integer_value(json_object_get(v, "closed"));
        assert_true(closed > 0);
        assert_true(json_integer_value(json_object_get(v, "on_time")) <=
                    closed);
      }
    /* ...and the open, the closed and the overdue ones */
    if (!strstr(filters[i], "state=") && !strstr(filters[i], "overdue=")) {
      static const char *const one[][2] = {{"open", "state=open"},
                                           {"closed", "state=closed"},
                                           {"overdue", "overdue=1"}};
      for (size_t n = 0; n < 3; n++) {
        snprintf(path, sizeof path, "/api/v1/cases?limit=1&%s&%s", one[n][1],
                 filters[i]);
        assert_int_equal(list_total(path),
                         json_integer_value(json_object_get(s, one[n][0])));
      }
    }
    json_decref(s);
    json_decref(l);
  }
  /* a day's intake counts the day's reports */
  s = get(leader, "/api/v1/stats", 200);
  {
    json_t *days = json_object_get(s, "daily");
    json_t *today = json_array_get(days, json_array_size(days) - 1);
    assert_int_equal(json_array_size(days), 30);
    assert_true(json_integer_value(json_object_get(today, "intake")) >= 12);
  }
  json_decref(s);
  json_decref(get(leader, "/api/v1/stats?from=yesterday", 400));
  json_decref(get(NULL, "/api/v1/stats", 401));
}

static void
test_points_agree_with_the_cases(void **state)
{
  json_t *p = get(leader, "/api/v1/cases/points?state=open", 200);
  json_t *l = get(leader, "/api/v1/cases?state=open&limit=1000", 200);
  json_t *pts = json_object_get(p, "points"), *row, *c;
  json_t *lights = json_object_get(p, "lights"),
         *states = json_object_get(p, "states");
  size_t i, k;

  assert_int_equal(json_array_size(pts),
                   json_integer_value(json_object_get(l, "total")));
  assert_int_equal(json_integer_value(json_object_get(p, "count")),
                   json_array_size(pts));
  assert_false(json_is_true(json_object_get(p, "truncated")));
  json_array_foreach(pts, i, row)
  {
    const char *no = json_string_value(json_array_get(row, 0));
    int found = 0;
    json_array_foreach(json_object_get(l, "cases"), k, c)
    {
      json_t *light = json_object_get(c, "light");
      int li = (int)json_integer_value(json_array_get(row, 3));
      if (strcmp(json_string_value(json_object_get(c, "no")), no)) continue;
      found = 1;
      assert_string_equal(
          json_string_value(json_array_get(
              states, (size_t)json_integer_value(json_array_get(row, 4)))),
          json_string_value(json_object_get(c, "state")));
      if (json_is_null(light))
        assert_int_equal(li, -1);
      else
        assert_string_equal(json_string_value(json_array_get(lights, li)),
                            json_string_value(light));
      /* positions in whole 1/scale degrees */
      assert_true(
          fabs((double)json_integer_value(json_array_get(row, 1)) /
                   (double)json_integer_value(json_object_get(p, "scale")) -
               json_real_value(json_object_get(c, "lat"))) <= 0.5e-5);
      assert_true(
          fabs((double)json_integer_value(json_array_get(row, 2)) / 1e5 -
               json_real_value(json_object_get(c, "lon"))) <= 0.5e-5);
    }
    assert_true(found);
  }
  json_decref(p);
  json_decref(l);
}

static void
test_work_list_by_deadline_and_dispatch_limit(void **state)
{
  char nos[2][32], path[200], prev[32] = "";
  json_t *c, *list;
  int seen_none = 0;
  size_t i;

  report(2, nos);
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "/api/v1/cases/%s/register", nos[k]);
    json_decref(post(op, path, NULL, 200));
    snprintf(path, sizeof path, "/api/v1/cases/%s/file", nos[k]);
    json_decref(post(sl, path, NULL, 200));
  }
  /* a dispatch with its own limit: 3 working hours */
  snprintf(path, sizeof path, "/api/v1/cases/%s/dispatch", nos[0]);
  c = post(di, path, "{\"depts\":[\"hwc\"],\"limit_hours\":3}", 200);
  assert_int_equal(
      json_integer_value(json_object_get(
          json_array_get(json_object_get(c, "tasks"), 0), "limit_s")),
      3 * 3600);
  json_decref(c);
  snprintf(path, sizeof path, "/api/v1/cases/%s/dispatch", nos[1]);
  json_decref(post(di, path, "{\"limit_hours\":-1}", 400));
  /* earliest deadline first (RFC 3339 texts of one zone compare as
  ** times), cases without a running deadline last */
  list = get(leader, "/api/v1/cases?state=open&sort=due&limit=1000", 200);
  json_array_foreach(json_object_get(list, "cases"), i, c)
  {
    int dispatched = strcmp(json_string_value(json_object_get(c, "state")),
                            "dispatched") == 0;
    const char *due = json_string_value(
        json_object_get(dispatched ? c : json_object_get(c, "step"), "due_at"));
    if (!due) {
      seen_none = 1;
      continue;
    }
    if (seen_none || strcmp(prev, due) > 0)
      fail_msg("%s is due at %s, before a case listed above it",
               json_string_value(json_object_get(c, "no")), due);
    snprintf(prev, sizeof prev, "%s", due);
  }
  json_decref(list);
  json_decref(get(leader, "/api/v1/cases?sort=oldest", 400));
}

static void
test_public_report_view_and_rating(void **state)
{
  char body[600], path[200], sha[65], no[32], secret[80], *resp = NULL;
  json_t *j;

  /* an anonymous photo, then the report naming it */
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/public/attachments", NULL,
                               "image/png", tu_png, tu_png_len, &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  free(resp);
  snprintf(sha, sizeof sha, "%s",
           json_string_value(json_object_get(j, "sha256")));
  json_decref(j);
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/public/attachments", NULL,
                               "application/pdf", "%PDF-1.4\n", 9, &resp),
                   400);
  free(resp);
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06041\","
           "\"lat\":%f,\"lon\":%f,\"description\":\"垃圾未分类\","
           "\"reporter_name\":\"赵女士\",\"reporter_phone\":\"13700001234\","
           "\"attachments\":[{\"sha256\":\"%s\"}]}",
           lat - 0.004, lon + 0.006, sha);
  j = post(NULL, "/api/v1/public/cases", body, 201);
  snprintf(no, sizeof no, "%s", json_string_value(json_object_get(j, "no")));
  snprintf(secret, sizeof secret, "%s",
           json_string_value(json_object_get(j, "secret")));
  assert_int_equal(strlen(secret), 64);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(j, "case"), "source")),
      "public");
  json_decref(j);

  /* the public view: never the contact details; staff who take reports
  ** in see them */
  snprintf(path, sizeof path, "/api/v1/public/cases/%s", no);
  assert_int_equal(tu_http(port, "GET", path, NULL, NULL, &resp), 200);
  assert_null(strstr(resp, "13700001234"));
  assert_null(strstr(resp, "赵女士"));
  assert_null(strstr(resp, "reporter"));
  assert_null(strstr(resp, "@web"));
  free(resp);
  snprintf(path, sizeof path, "/api/v1/cases/%s", no);
  j = get(op, path, 200);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "reporter"), "phone")),
                      "13700001234");
  json_decref(j);
  json_decref(get(NULL, path, 401));
  /* its photo, for anyone; an unknown case is not found */
  snprintf(path, sizeof path, "/api/v1/public/attachments/%s", sha);
  assert_int_equal(tu_http(port, "GET", path, NULL, NULL, &resp), 200);
  free(resp);
  json_decref(get(NULL, "/api/v1/public/cases/4101040000000000", 404));

  /* rating: not before it is closed, never with a wrong secret */
  snprintf(path, sizeof path, "/api/v1/public/cases/%s/rate", no);
  snprintf(body, sizeof body, "{\"secret\":\"%s\",\"rating\":\"basic\"}",
           secret);
  json_decref(post(NULL, path, body, 409));
  json_decref(post(NULL, path,
                   "{\"secret\":\"00000000000000000000000000000000000000000"
                   "00000000000000000000000\",\"rating\":\"basic\"}",
                   403));
  /* a case not reported on the public pages has no secret */
  {
    char nos[1][32], p2[200];
    report(1, nos);
    snprintf(p2, sizeof p2, "/api/v1/public/cases/%s/rate", nos[0]);
    json_decref(post(NULL, p2, body, 403));
  }
  /* the account reports are filed as takes no password */
  {
    char *err = NULL;
    char pw[4200];
    snprintf(pw, sizeof pw, "%s/.pw", dir);
    tu_write(pw, "a long password\n");
    assert_int_not_equal(
        tu_run(NULL, &err, "--data '%s' user passwd @web < '%s'", dir, pw), 0);
    free(err);
  }
}

static void
test_map_settings(void **state)
{
  json_t *j = get(NULL, "/api/v1/map", 200);
  assert_true(json_is_null(json_object_get(j, "tiles")));
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "district"), "code")),
                      "410104");
  assert_int_equal(
      json_array_size(json_object_get(json_object_get(j, "district"), "bbox")),
      4);
  json_decref(j);
}

/* Anonymous writes are limited per address: a script cannot flood the
** queues (30 reports, 60 photos an hour; earlier tests spent some). */
static void
test_public_writes_limited(void **state)
{
  static const unsigned char png[] = {
      /* a real 3x1 PNG */
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
      0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
      0x08, 0x02, 0x00, 0x00, 0x00, 0x94, 0x82, 0x83, 0xe3, 0x00, 0x00, 0x00,
      0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xd0, 0x08, 0x38, 0x01,
      0x41, 0x00, 0x10, 0xea, 0x03, 0xc1, 0x3e, 0x0d, 0xd8, 0x4f, 0x00, 0x00,
      0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  char body[400], *resp = NULL;
  int created = 0, st = 0, i;

  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06010\","
           "\"lat\":%f,\"lon\":%f,\"description\":\"脚本\"}",
           lat, lon);
  for (i = 0; i < 31 && (st = tu_http(port, "POST", "/api/v1/public/cases",
                                      NULL, body, &resp)) == 201;
       i++) {
    free(resp);
    created++;
  }
  assert_int_equal(st, 429);
  assert_non_null(strstr(resp, "rate_limited"));
  free(resp);
  assert_true(created < 30); /* the report of the earlier test counted */
  /* staff are not limited by it */
  json_decref(post(op, "/api/v1/cases", body, 201));
  for (i = 0;
       i < 61 &&
       (st = tu_http_raw(port, "POST", "/api/v1/public/attachments", NULL,
                         "image/png", png, sizeof png, NULL)) == 201;
       i++)
    ;
  assert_int_equal(st, 429);
  assert_true(i < 60);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pages_and_assets),
      cmocka_unit_test(test_no_path_leaves_the_table),
      cmocka_unit_test(test_stats_equal_the_list),
      cmocka_unit_test(test_points_agree_with_the_cases),
      cmocka_unit_test(test_work_list_by_deadline_and_dispatch_limit),
      cmocka_unit_test(test_public_report_view_and_rating),
      cmocka_unit_test(test_map_settings),
      cmocka_unit_test(test_public_writes_limited),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
