/*
** test_api_cases.c — cases over HTTP against a real `citygrid serve` on
** the real district: one case carried from a public report through
** registration, filing, dispatch, handling with an uploaded after-photo,
** the on-site check and closing, each step by the user whose role it is;
** and what each role may see and do: the wrong role 403, the wrong state
** 409, an unknown case or action 404, contact details for staff only, the
** public seeing its own reports, bad bodies and fake photos 400.
*/
#include "testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static int pid = -1, port;
static const double lat = 34.7555, lon = 113.679;

enum { CITIZEN, OTHER, OP, SL, DI, DEPT, GW, GW_AWAY, LEADER, NUSERS };
static const char *const logins[NUSERS] = {"citizen", "neighbour", "op",
                                           "sl",      "di",        "hwc1",
                                           "gw",      "gw-away",   "leader"};
static char tokens[NUSERS][65];

static int
setup(void **state)
{
  static const char *const roles[NUSERS] = {
      "public",     "public",      "operator",    "shift_leader", "dispatcher",
      "department", "grid_worker", "grid_worker", "leader"};
  char *out = NULL, street[16] = "", extra[64];
  json_t *j;

  dir = tu_tmpdir();
  if (tu_district(dir, 200) != 0) return -1;
  /* the grid worker works in the street of the test point */
  if (tu_run(&out, NULL, "--data '%s' locate --json %f %f", dir, lat, lon))
    return -1;
  j = json_loads(out, 0, NULL);
  snprintf(
      street, sizeof street, "%s",
      json_string_value(json_object_get(json_object_get(j, "street"), "code")));
  json_decref(j);
  free(out);
  for (int i = 0; i < NUSERS; i++) {
    snprintf(extra, sizeof extra, "%s%s%s", i == DEPT ? " --dept hwc" : "",
             i == GW        ? " --scope "
             : i == GW_AWAY ? " --scope 410104011"
                            : "",
             i == GW ? street : "");
    if (tu_user(dir, logins[i], roles[i], extra) != 0) return -1;
  }
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

/* A request as user u; *out gets the parsed JSON reply (caller decrefs)
** when out is not NULL. Returns the status. */
static int
call(int u, const char *method, const char *path, const char *body,
     json_t **out)
{
  char h[200], *resp = NULL;
  int st;
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[u]);
  st = tu_http_h(port, method, path, h, NULL, body, &resp);
  if (out) *out = json_loads(resp ? resp : "", 0, NULL);
  free(resp);
  return st;
}

/* Act on case no as u; returns the status, and into state (200 bytes,
** if given) the state after, or the error message. */
static int
act(int u, const char *no, const char *action, const char *body, char *state)
{
  char path[200];
  json_t *j;
  int st;
  snprintf(path, sizeof path, "/api/v1/cases/%s/%s", no, action);
  st = call(u, "POST", path, body, &j);
  if (state)
    snprintf(state, 200, "%s",
             st == 200 ? json_string_value(json_object_get(j, "state"))
                       : json_string_value(json_object_get(
                             json_object_get(j, "error"), "message")));
  json_decref(j);
  return st;
}

/* Report a problem of category `code` at the test point as u (201);
** its number into made (32 bytes). */
static void
report(int u, const char *code, const char *description, char *made)
{
  char body[400];
  json_t *j;
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"%s\","
           "\"lat\":%f,\"lon\":%f,\"description\":\"%s\"}",
           code, lat, lon, description);
  assert_int_equal(call(u, "POST", "/api/v1/cases", body, &j), 201);
  snprintf(made, 32, "%s", json_string_value(json_object_get(j, "no")));
  json_decref(j);
}

static char no[32];

static void
test_public_report_to_close(void **state)
{
  char body[600], st[200], path[100], *resp = NULL, h[200], sha[65];
  json_t *j;

  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06010\","
           "\"lat\":%f,\"lon\":%f,\"description\":\"路口有暴露垃圾\","
           "\"reporter_name\":\"王先生\",\"reporter_phone\":\"13912345678\"}",
           lat, lon);
  assert_int_equal(call(CITIZEN, "POST", "/api/v1/cases", body, &j), 201);
  snprintf(no, sizeof no, "%s", json_string_value(json_object_get(j, "no")));
  assert_string_equal(json_string_value(json_object_get(j, "state")),
                      "reported");
  assert_string_equal(json_string_value(json_object_get(j, "source")),
                      "public");
  json_decref(j);

  assert_int_equal(act(OP, no, "register", NULL, st), 200);
  assert_string_equal(st, "registered");
  assert_int_equal(act(SL, no, "file", "{\"note\":\"符合立案条件\"}", st), 200);
  assert_string_equal(st, "filed");
  assert_int_equal(act(DI, no, "dispatch", "{\"depts\":[\"hwc\"]}", st), 200);
  assert_string_equal(st, "dispatched");

  /* the department uploads its after-photo, then reports the work done */
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[DEPT]);
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/attachments", h,
                               "image/png", tu_png, tu_png_len, &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  free(resp);
  assert_string_equal(json_string_value(json_object_get(j, "mime")),
                      "image/png");
  snprintf(sha, sizeof sha, "%s",
           json_string_value(json_object_get(j, "sha256")));
  json_decref(j);
  snprintf(body, sizeof body,
           "{\"note\":\"已清运\",\"attachments\":"
           "[{\"sha256\":\"%s\",\"stage\":\"after\"}]}",
           sha);
  assert_int_equal(act(DEPT, no, "handle", body, st), 200);
  assert_string_equal(st, "handled");
  assert_int_equal(act(OP, no, "check_request", NULL, st), 200);
  assert_int_equal(act(GW, no, "check", "{\"pass\":true}", st), 200);
  assert_string_equal(st, "checked");
  assert_int_equal(act(SL, no, "close", NULL, st), 200);
  assert_string_equal(st, "closed");
  /* the reporter rates it */
  assert_int_equal(act(CITIZEN, no, "rate", "{\"rating\":\"satisfied\"}", st),
                   200);

  /* the photo: the reporter may fetch it, a stranger may not */
  snprintf(path, sizeof path, "/api/v1/attachments/%s", sha);
  assert_int_equal(call(CITIZEN, "GET", path, NULL, NULL), 200);
  assert_int_equal(call(GW_AWAY, "GET", path, NULL, NULL), 404);
}

/* The reports of the other member of the public, as the list counts
** them (the citizen's own are counted by test_lists_by_role). */
static int64_t
other_cases(void)
{
  json_t *j;
  int64_t n;
  assert_int_equal(call(OTHER, "GET", "/api/v1/cases", NULL, &j), 200);
  n = json_integer_value(json_object_get(j, "total"));
  json_decref(j);
  return n;
}

/* j without the figures that change from one second to the next (how much
** of a step's time is used) and, if drop is given, that member. */
static json_t *
steady(json_t *j, const char *drop)
{
  json_t *c = json_deep_copy(j);
  json_object_del(json_object_get(c, "step"), "used_pct");
  if (drop) json_object_del(c, drop);
  return c;
}

/* A 201 says where the new case is (Location), for the staff API and the
** public pages alike, and the case is there. */
static void
test_created_case_located(void **state)
{
  char body[400], h[200], want[100], *head = NULL, *resp = NULL;
  json_t *j, *got;
  const char *made;

  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":"
           "\"06010\",\"lat\":%f,\"lon\":%f,\"description\":\"垃圾\"}",
           lat, lon);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
  assert_int_equal(tu_http_head(port, "POST", "/api/v1/cases", h, NULL, body,
                                strlen(body), &head, &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  made = json_string_value(json_object_get(j, "no"));
  snprintf(want, sizeof want, "\r\nLocation: /api/v1/cases/%s\r\n", made);
  if (!strstr(head, want)) fail_msg("no %s in\n%s", want + 2, head);
  want[strlen(want) - 2] = 0; /* the path alone */
  assert_int_equal(call(OP, "GET", want + 12, NULL, &got), 200);
  assert_string_equal(json_string_value(json_object_get(got, "no")), made);
  json_decref(got);
  json_decref(j);
  free(head);
  free(resp);
  /* the public's report: its public view */
  assert_int_equal(tu_http_head(port, "POST", "/api/v1/public/cases", NULL,
                                NULL, body, strlen(body), &head, &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  snprintf(want, sizeof want, "\r\nLocation: /api/v1/public/cases/%s\r\n",
           json_string_value(json_object_get(j, "no")));
  if (!strstr(head, want)) fail_msg("no %s in\n%s", want + 2, head);
  json_decref(j);
  free(head);
  free(resp);
}

/* A client that prefers it minimal (Prefer: return=minimal, RFC 7240)
** gets the case's number and its Location only, and says so; the case is
** whole all the same. Other preferences, or none, get the whole case. */
static void
test_minimal_reply_when_preferred(void **state)
{
  static const char *const prefer[] = {
      "Prefer: return=minimal\r\n",
      "Prefer: respond-async, RETURN=minimal\r\n",
      "Prefer: return=\"minimal\"; x=1\r\n",
      "Prefer: return=representation\r\n",
      "Prefer: return=minimalist\r\n",
      ""};
  static const char *const codes[] = {"06010", "06011", "06012",
                                      "06013", "06017", "06028"};
  char body[400], h[300], want[160], *head = NULL, *resp = NULL;

  for (size_t i = 0; i < sizeof prefer / sizeof *prefer; i++) {
    int minimal = i < 3;
    json_t *j, *got;
    const char *made;
    snprintf(body, sizeof body,
             "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":"
             "\"%s\",\"lat\":%f,\"lon\":%f,\"description\":\"积水\"}",
             codes[i], lat, lon);
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n%s", tokens[OP],
             prefer[i]);
    assert_int_equal(tu_http_head(port, "POST", "/api/v1/cases", h, NULL, body,
                                  strlen(body), &head, &resp),
                     201);
    j = json_loads(resp, 0, NULL);
    made = json_string_value(json_object_get(j, "no"));
    assert_non_null(made);
    assert_int_equal(json_object_size(j) == 1, minimal);
    assert_int_equal(
        strstr(head, "\r\nPreference-Applied: return=minimal\r\n") != NULL,
        minimal);
    snprintf(want, sizeof want, "/api/v1/cases/%s", made);
    assert_non_null(strstr(head, want));
    assert_int_equal(call(OP, "GET", want, NULL, &got), 200);
    assert_string_equal(json_string_value(json_object_get(got, "description")),
                        "积水");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(got, "category"), "code")),
                        codes[i]);
    json_decref(got);
    json_decref(j);
    free(head);
    free(resp);
  }
}

/* The 201 of a report is built from what the writer holds in memory, not
** read back: it must show the case exactly as reading it does, for each
** reporter (the public, staff with a street, staff who take reports in). */
static void
test_reply_is_the_stored_case(void **state)
{
  static const int who[] = {CITIZEN, GW, OP, OP};
  static const char *const codes[] = {"06017", "06028", "09001", "01002"};

  for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
    char body[600], path[100];
    json_t *posted, *got, *a, *b;
    int part = strcmp(codes[i], "01002") == 0; /* a component, named */
    snprintf(body, sizeof body,
             "{\"scheme\":\"gb47678\",\"kind\":\"%s\",\"code\":"
             "\"%s\",\"lat\":%f,\"lon\":%f,\"description\":\"花坛损坏\","
             "\"address\":\"东大街\",\"urgency\":1,%s"
             "\"reporter_name\":\"李女士\",\"reporter_phone\":\"139\"}",
             part ? "component" : "matter", codes[i], lat - 0.0004 * (double)i,
             lon,
             part ? "\"component_id\":\"41010401002000456\","
                    "\"component_state\":\"damaged\","
                  : "");
    if (call(who[i], "POST", "/api/v1/cases", body, &posted) != 201) {
      char *x = json_dumps(posted, 0);
      fail_msg("report as %s: %s", logins[who[i]], x);
    }
    snprintf(path, sizeof path, "/api/v1/cases/%s",
             json_string_value(json_object_get(posted, "no")));
    assert_int_equal(call(who[i], "GET", path, NULL, &got), 200);
    a = steady(posted, NULL);
    b = steady(got, "history");
    if (!json_equal(a, b)) {
      char *x = json_dumps(a, JSON_SORT_KEYS),
           *y = json_dumps(b, JSON_SORT_KEYS);
      fail_msg("201 %s\nGET %s", x, y);
    }
    if (part) {
      json_t *m = json_object_get(posted, "component");
      assert_string_equal(json_string_value(json_object_get(m, "id")),
                          "41010401002000456");
      assert_string_equal(json_string_value(json_object_get(m, "state_zh")),
                          "破损");
    } else {
      assert_true(json_is_null(json_object_get(posted, "component")));
    }
    /* the names come along: category, street, and the department */
    assert_true(strlen(json_string_value(json_object_get(
                    json_object_get(posted, "category"), "name"))) > 0);
    assert_true(strlen(json_string_value(json_object_get(
                    json_object_get(posted, "street"), "name"))) > 0);
    json_decref(a);
    json_decref(b);
    json_decref(posted);
    json_decref(got);
  }
}

static void
test_report_with_photos(void **state)
{
  static const char type[] = TU_MULTIPART;
  char json[400], h[200], *buf = malloc(2 << 20), *resp = NULL, path[100];
  const char *mime, *stage;
  json_t *j, *att;
  size_t n;
  int64_t before;

  snprintf(json, sizeof json,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\","
           "\"code\":\"06028\",\"lat\":%f,\"lon\":%f,"
           "\"description\":\"井盖缺失\"}",
           lat, lon);
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OTHER]);
  before = other_cases();
  {
    struct tu_part p[] = {{"case", NULL, json, strlen(json)},
                          {"photo", "a.png", tu_png, tu_png_len},
                          {"photo", "b.png", tu_png, tu_png_len}}; /* once */
    n = tu_multipart(buf, 2 << 20, p, 3);
  }
  assert_int_equal(
      tu_http_raw(port, "POST", "/api/v1/cases", h, type, buf, n, &resp), 201);
  j = json_loads(resp, 0, NULL);
  free(resp);
  snprintf(path, sizeof path, "/api/v1/cases/%s",
           json_string_value(json_object_get(j, "no")));
  json_decref(j);
  /* the case has the photo, stored, typed from its content */
  assert_int_equal(call(OTHER, "GET", path, NULL, &j), 200);
  assert_int_equal(json_array_size(json_object_get(j, "attachments")), 1);
  att = json_array_get(json_object_get(j, "attachments"), 0);
  mime = json_string_value(json_object_get(att, "mime"));
  stage = json_string_value(json_object_get(att, "stage"));
  assert_string_equal(mime, "image/png");
  assert_string_equal(stage, "before");
  snprintf(path, sizeof path, "/api/v1/attachments/%s",
           json_string_value(json_object_get(att, "sha256")));
  json_decref(j);
  assert_int_equal(call(OTHER, "GET", path, NULL, NULL), 200);
  assert_int_equal(other_cases(), before + 1);

  /* refused, and no case written: no report part, an unknown part, a
  ** photo that is not one, a JSON report over 1 MiB, another type */
  {
    struct tu_part none[] = {{"photo", "a.png", tu_png, tu_png_len}};
    struct tu_part odd[] = {{"case", NULL, json, strlen(json)},
                            {"video", "a.mp4", tu_png, tu_png_len}};
    struct tu_part not_png[] = {{"case", NULL, json, strlen(json)},
                                {"photo", "a.png", "<html>", 6}};
    n = tu_multipart(buf, 2 << 20, none, 1);
    assert_int_equal(
        tu_http_raw(port, "POST", "/api/v1/cases", h, type, buf, n, NULL), 400);
    n = tu_multipart(buf, 2 << 20, odd, 2);
    assert_int_equal(
        tu_http_raw(port, "POST", "/api/v1/cases", h, type, buf, n, NULL), 400);
    n = tu_multipart(buf, 2 << 20, not_png, 2);
    assert_int_equal(
        tu_http_raw(port, "POST", "/api/v1/cases", h, type, buf, n, &resp),
        400);
    assert_non_null(strstr(resp, "part 'photo'"));
    free(resp);
  }
  memset(buf, ' ', (1 << 20) + 10);
  memcpy(buf, json, strlen(json));
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/cases", h,
                               "application/json", buf, (1 << 20) + 10, NULL),
                   413);
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/cases", h, "text/plain",
                               json, strlen(json), NULL),
                   415);
  assert_int_equal(other_cases(), before + 1);
  free(buf);
}

static void
test_history_and_privacy(void **state)
{
  char path[100], *text;
  json_t *j, *hist;

  snprintf(path, sizeof path, "/api/v1/cases/%s", no);
  assert_int_equal(call(OP, "GET", path, NULL, &j), 200);
  hist = json_object_get(j, "history");
  /* report, register, file, dispatch, handle, check_request, check,
  ** close, rate */
  assert_int_equal(json_array_size(hist), 9);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(j, "reporter"), "phone")),
                      "13912345678");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(hist, 4), "action")),
      "handle");
  json_decref(j);
  /* a leader sees the case, not the reporter */
  assert_int_equal(call(LEADER, "GET", path, NULL, &j), 200);
  assert_null(json_object_get(j, "reporter"));
  json_decref(j);
  /* another member of the public: the public view only */
  assert_int_equal(call(OTHER, "GET", path, NULL, &j), 200);
  text = json_dumps(j, 0);
  assert_null(strstr(text, "13912345678"));
  assert_null(strstr(text, "王先生"));
  assert_null(json_object_get(json_array_get(json_object_get(j, "history"), 1),
                              "actor"));
  free(text);
  json_decref(j);
  /* a grid worker of another street does not see it at all */
  assert_int_equal(call(GW_AWAY, "GET", path, NULL, &j), 403);
  json_decref(j);
}

static void
test_refusals(void **state)
{
  char body[600], n2[32], st[200];
  json_t *j;

  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06042\","
           "\"lat\":%f,\"lon\":%f}",
           lat, lon);
  assert_int_equal(call(OP, "POST", "/api/v1/cases", body, &j), 201);
  snprintf(n2, sizeof n2, "%s", json_string_value(json_object_get(j, "no")));
  json_decref(j);
  /* wrong role, wrong state, unknown action, unknown case */
  assert_int_equal(act(GW, n2, "register", NULL, st), 403);
  assert_int_equal(act(SL, n2, "close", NULL, st), 409);
  assert_non_null(strstr(st, "needs 'checked'"));
  assert_int_equal(act(OP, n2, "teleport", NULL, st), 404);
  assert_int_equal(act(OP, "4101049999", "register", NULL, st), 404);
  /* a second close of the closed case */
  assert_int_equal(act(SL, no, "close", NULL, st), 409);
  /* the department may not act on a case never sent to it */
  assert_int_equal(act(DEPT, n2, "handle", "{\"note\":\"x\"}", st), 403);
  /* bad bodies */
  assert_int_equal(act(SL, n2, "register", "{\"nonsense\":1}", st), 400);
  assert_int_equal(call(OP, "POST", "/api/v1/cases",
                        "{\"scheme\":\"gb47678\",\"kind\":\"matter\"}", &j),
                   400);
  assert_non_null(strstr(json_string_value(json_object_get(
                             json_object_get(j, "error"), "message")),
                         "'code' is missing"));
  json_decref(j);
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06042\","
           "\"lat\":31.23,\"lon\":121.47}");
  assert_int_equal(call(OP, "POST", "/api/v1/cases", body, &j), 400);
  assert_non_null(strstr(json_string_value(json_object_get(
                             json_object_get(j, "error"), "message")),
                         "outside the district"));
  json_decref(j);
  /* a department may not report */
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06036\","
           "\"lat\":%f,\"lon\":%f}",
           lat, lon);
  assert_int_equal(call(DEPT, "POST", "/api/v1/cases", body, NULL), 403);
  /* not logged in */
  assert_int_equal(tu_http(port, "GET", "/api/v1/cases", NULL, NULL, NULL),
                   401);
  /* a text file that says it is a photo */
  assert_int_equal(tu_http_h(port, "POST", "/api/v1/attachments",
                             "Authorization: Bearer 0\r\n", "image/jpeg",
                             "not a photo", NULL),
                   401);
  {
    char h[200];
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
    assert_int_equal(tu_http_h(port, "POST", "/api/v1/attachments", h,
                               "image/jpeg", "<html>not a photo</html>", NULL),
                     400);
  }
}

static void
test_lists_by_role(void **state)
{
  json_t *j;
  size_t n;

  /* the public lists its own reports only */
  assert_int_equal(call(CITIZEN, "GET", "/api/v1/cases", NULL, &j), 200);
  n = json_array_size(json_object_get(j, "cases"));
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
  assert_int_equal(n, 1);
  json_decref(j);
  assert_int_equal(call(OTHER, "GET", "/api/v1/cases", NULL, &j), 200);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
  json_decref(j);
  /* filters */
  assert_int_equal(call(OP, "GET", "/api/v1/cases?state=closed", NULL, &j),
                   200);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);
  assert_int_equal(call(OP, "GET",
                        "/api/v1/cases?state=open&category="
                        "gb47678:0604",
                        NULL, &j),
                   200);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);
  assert_int_equal(call(OP, "GET", "/api/v1/cases?state=flying", NULL, &j),
                   400);
  json_decref(j);
  /* the department sees what was sent to it */
  assert_int_equal(call(DEPT, "GET", "/api/v1/cases", NULL, &j), 200);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
  json_decref(j);
  /* forms' lists, open to all */
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/departments", NULL, NULL, NULL), 200);
  assert_int_equal(
      call(OP, "GET", "/api/v1/categories?scheme=gb47678", NULL, &j), 200);
  assert_int_equal(json_array_size(json_object_get(j, "categories")), 403);
  json_decref(j);
}

/* Open GET /api/v1/stream as user u; returns the socket. */
static int
stream_open(int u)
{
  struct sockaddr_in sa = {0};
  char req[300];
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  snprintf(req, sizeof req,
           "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\n\r\n",
           tokens[u]);
  assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
  return fd;
}

/* Read from a stream for up to ms milliseconds or until needle shows;
** returns 1 if it did. */
static int
stream_wait(int fd, const char *needle, int ms)
{
  char buf[65536];
  size_t len = 0;
  for (int waited = 0; waited < ms; waited += 50) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
      if (n <= 0) break;
      len += (size_t)n;
      buf[len] = 0;
      if (strstr(buf, needle)) return 1;
    }
  }
  return 0;
}

static void
test_live_events(void **state)
{
  int op = stream_open(OP), away = stream_open(GW_AWAY), mine;
  char want[64], made[32];

  assert_true(stream_wait(op, "text/event-stream", 2000));
  assert_true(stream_wait(away, "text/event-stream", 2000));
  mine = stream_open(CITIZEN);
  assert_true(stream_wait(mine, "text/event-stream", 2000));
  report(OP, "06011", "", made);
  snprintf(want, sizeof want, "\"no\":\"%s\"", made);
  /* the operator sees it come in, and so does the public (the public view:
  ** the stream carries no names or contacts); the grid worker of another
  ** street does not */
  assert_true(stream_wait(op, want, 3000));
  assert_true(stream_wait(mine, want, 3000));
  assert_false(stream_wait(away, want, 1500));
  close(op);
  close(mine);
  /* `away` stays open: stopping the server must end it (teardown) */
}

static void
test_metrics(void **state)
{
  char *text = NULL;
  assert_int_equal(tu_http(port, "GET", "/metrics", NULL, NULL, &text), 200);
  /* what this suite did shows: reports, refusals, the case states */
  assert_non_null(strstr(text, "citygrid_http_requests_total{method=\"POST\","
                               "route=\"/api/v1/cases\",status=\"2xx\"} "));
  assert_non_null(strstr(text, "route=\"/api/v1/cases/{no}/{action}\","
                               "status=\"4xx\"}"));
  assert_non_null(strstr(text, "citygrid_http_request_seconds_count{method="
                               "\"POST\",route=\"/api/v1/login\"} 9"));
  assert_non_null(strstr(text, "citygrid_cases{state=\"closed\"} 1\n"));
  assert_non_null(strstr(text, "citygrid_cases_overdue "));
  /* the indexer took in the suite's reports: a count above 0, none
  ** failed, and (at most 100 ms after the last) none lacking */
  {
    const char *p = strstr(text, "\ncitygrid_search_indexed_total ");
    assert_non_null(p);
    assert_true(atol(p + strlen("\ncitygrid_search_indexed_total ")) > 0);
    assert_non_null(strstr(text, "\ncitygrid_search_failures_total 0\n"));
    free(text);
    text = NULL;
    usleep(300 * 1000);
    assert_int_equal(tu_http(port, "GET", "/metrics", NULL, NULL, &text), 200);
    assert_non_null(strstr(text, "\ncitygrid_search_lag_cases 0\n"));
  }
  /* each route's latency histogram counts up to its total: its buckets
  ** never fall, and the last (+Inf) is the route's count */
  {
    static const char bucket[] = "citygrid_http_request_seconds_bucket{";
    char route[300] = "";
    unsigned long last = 0;
    int routes = 0;
    for (const char *l = strstr(text, bucket); l; l = strstr(l + 1, bucket)) {
      const char *le = strstr(l, ",le=\""), *end = le ? strchr(le, '}') : NULL;
      unsigned long v;
      size_t n;
      assert_non_null(end);
      v = strtoul(end + 2, NULL, 10);
      n = (size_t)(le - l);
      if (strlen(route) != n || strncmp(route, l, n)) { /* a route begins */
        snprintf(route, sizeof route, "%.*s", (int)n, l);
        last = 0;
      }
      assert_true(v >= last);
      last = v;
      if (!strncmp(le, ",le=\"+Inf\"}", 11)) {
        char count[400];
        routes++;
        snprintf(count, sizeof count,
                 "citygrid_http_request_seconds_count{%s} %lu\n",
                 route + strlen(bucket), v);
        if (!strstr(text, count)) fail_msg("no '%s' in /metrics", count);
      }
    }
    assert_true(routes >= 5);
  }
  free(text);
}

/* The server keeps lists rendered (src/case/cache.c): asked again, a
** list comes from there, the same to the byte; a report or an action
** shows in the next list at once, within the same minute. */
static void
test_lists_follow_each_write(void **state)
{
  static const char list[] = "/api/v1/cases?state=open&limit=1000";
  char h[200], st[200], made[32], *a = NULL, *b = NULL, *text = NULL, *hit;
  json_t *j, *first;
  json_int_t total;

  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tokens[OP]);
  assert_int_equal(tu_http_h(port, "GET", list, h, NULL, NULL, &a), 200);
  assert_int_equal(tu_http_h(port, "GET", list, h, NULL, NULL, &b), 200);
  assert_string_equal(a, b);
  j = json_loads(a, 0, NULL);
  total = json_integer_value(json_object_get(j, "total"));
  json_decref(j);
  free(a);
  free(b);
  /* a report: the next list holds it, first (newest first) */
  report(OP, "06010", "积水", made);
  assert_int_equal(call(OP, "GET", list, NULL, &j), 200);
  assert_int_equal(json_integer_value(json_object_get(j, "total")), total + 1);
  first = json_array_get(json_object_get(j, "cases"), 0);
  assert_string_equal(json_string_value(json_object_get(first, "no")), made);
  assert_string_equal(json_string_value(json_object_get(first, "state")),
                      "reported");
  json_decref(j);
  /* an action: the next list shows the case's new state */
  assert_int_equal(act(OP, made, "register", NULL, st), 200);
  assert_int_equal(call(OP, "GET", list, NULL, &j), 200);
  first = json_array_get(json_object_get(j, "cases"), 0);
  assert_string_equal(json_string_value(json_object_get(first, "no")), made);
  assert_string_equal(json_string_value(json_object_get(first, "state")), st);
  assert_string_not_equal(st, "reported");
  json_decref(j);
  /* and the cache says it served */
  assert_int_equal(tu_http(port, "GET", "/metrics", NULL, NULL, &text), 200);
  hit = strstr(text, "citygrid_list_cache_lookups_total{result=\"hit\"} ");
  assert_non_null(hit);
  assert_true(atoll(strchr(hit, '}') + 2) > 0);
  hit = strstr(text, "\ncitygrid_list_cache_bytes ");
  assert_non_null(hit);
  assert_true(atoll(hit + 27) > 0);
  free(text);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_public_report_to_close),
      cmocka_unit_test(test_history_and_privacy),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_lists_by_role),
      cmocka_unit_test(test_live_events),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_lists_follow_each_write),
      cmocka_unit_test(test_report_with_photos), /* after the counts */
      cmocka_unit_test(test_reply_is_the_stored_case),
      cmocka_unit_test(test_created_case_located),
      cmocka_unit_test(test_minimal_reply_when_preferred),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
