/*
** test_stop.c — the writer's group commit under concurrent clients: good
** reports and refused ones mixed in the same batches (each refusal
** leaves the others whole, the history verifies), and stopping the
** server loses no acknowledged write: four clients report cases as fast
** as they can while the server is told to stop (SIGTERM); it must exit
** cleanly, and every case a client was answered 201 for must be in the
** store afterwards. A request still running when the stop's grace
** period ends is cut short with a 503 rather than waited for. And a
** second server cannot take the first one's port.
*/
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"

#define CLIENTS 4
#define MAX_EACH 400

static char *dir;
static int pid = -1, port;
static char token[65];

struct client {
  pthread_t t;
  int n;                 /* cases acknowledged */
  char no[MAX_EACH][32]; /* their numbers */
};

static int
setup(void **state)
{
  char conf[4300];

  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_user(dir, "op", "operator", NULL))
    return -1;
  /* no duplicate linking: every report is a case of its own */
  snprintf(conf, sizeof conf, "%s/citygrid.conf", dir);
  tu_write(conf, "duplicate_window_h = 0\n");
  if ((port = tu_serve_start(dir, NULL, &pid)) <= 0) return -1;
  return tu_login(port, "op", token) == 200 ? 0 : -1;
}

static int
teardown(void **state)
{
  tu_rmrf(dir);
  free(dir);
  return 0;
}

/* Report cases until the server stops answering. */
static void *
client_main(void *arg)
{
  struct client *c = arg;
  char h[120];
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
  while (c->n < MAX_EACH) {
    char *resp = NULL;
    int st = tu_http_h(port, "POST", "/api/v1/cases", h, NULL,
                       "{\"scheme\":\"gb47678\",\"kind\":\"matter\","
                       "\"code\":\"06036\",\"lat\":34.7555,\"lon\":113.679}",
                       &resp);
    if (st == 201) {
      json_t *j = json_loads(resp, 0, NULL);
      snprintf(c->no[c->n++], 32, "%s",
               json_string_value(json_object_get(j, "no")));
      json_decref(j);
    }
    free(resp);
    if (st != 201) break; /* refused or gone: the server is stopping */
  }
  return NULL;
}

/* Reports, one in four of an unknown category, one outside the district
** (both refused before anything is written), one naming a photo never
** uploaded (refused after its row is written: the batch begins again
** without it): counts the answers. */
struct mixed {
  pthread_t t;
  int created, refused, other;
};

static void *
mixed_main(void *arg)
{
  struct mixed *m = arg;
  char h[120];
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
  for (int i = 0; i < 120; i++) {
    char body[400], *resp = NULL;
    int st;
    snprintf(body, sizeof body,
             "{\"scheme\":\"gb47678\",\"kind\":\"matter\","
             "\"code\":\"%s\",\"lat\":%s,\"lon\":113.679%s}",
             i % 4 == 1 ? "99999" : "06036", i % 4 == 2 ? "30.0" : "34.7555",
             i % 4 == 3 ? ",\"attachments\":[{\"sha256\":\"0123456789abcdef"
                          "0123456789abcdef0123456789abcdef0123456789abcdef\","
                          "\"stage\":\"before\"}]"
                        : "");
    st = tu_http_h(port, "POST", "/api/v1/cases", h, NULL, body, &resp);
    if (st == 201 && i % 4 == 0)
      m->created++;
    else if (st == 400 && i % 4 != 0 && resp && strstr(resp, "\"error\""))
      m->refused++;
    else
      m->other++;
    free(resp);
  }
  return NULL;
}

static void
test_refusals_leave_the_batch_whole(void **state)
{
  static struct mixed m[CLIENTS];
  struct cg_err e = {0};
  char path[4300], *out = NULL;
  struct db *db;
  int64_t before, after;
  int created = 0, refused = 0;

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(db_open(&db, path, 0, &e), CG_OK);
  assert_int_equal(
      db_query_int(db, &before, 0, &e, "SELECT count(*) FROM cases", ""),
      CG_OK);
  for (int i = 0; i < CLIENTS; i++)
    pthread_create(&m[i].t, NULL, mixed_main, &m[i]);
  for (int i = 0; i < CLIENTS; i++) {
    pthread_join(m[i].t, NULL);
    created += m[i].created;
    refused += m[i].refused;
    assert_int_equal(m[i].other, 0); /* every answer the one expected */
  }
  assert_int_equal(created, CLIENTS * 30);
  assert_int_equal(refused, CLIENTS * 90);
  /* the refused wrote nothing; the others are there whole */
  assert_int_equal(
      db_query_int(db, &after, 0, &e, "SELECT count(*) FROM cases", ""), CG_OK);
  assert_int_equal(after - before, created);
  assert_int_equal(db_query_int(db, &after, 0, &e,
                                "SELECT count(*) FROM cases c WHERE NOT"
                                " EXISTS (SELECT 1 FROM event WHERE case_no"
                                " = c.no AND seq = 1)",
                                ""),
                   CG_OK);
  assert_int_equal(after, 0);
  db_close(db);
  /* and the hash chains, the district's too, hold */
  assert_int_equal(tu_run(&out, NULL, "--data '%s' verify", dir), 0);
  assert_non_null(strstr(out, "ok:"));
  free(out);
}

/* A second server asked for the port the first listens on refuses to
** start, rather than share it (the workers' sockets share their port). */
static void
test_port_in_use(void **state)
{
  char path[600], *err;
  int st;
  /* in the background, so that a server that did start is stopped */
  snprintf(path, sizeof path, "%s/second.err", dir);
  st = tu_run(NULL, NULL,
              "--data '%s' serve --port %d 2>'%s' & p=$!; sleep 3; "
              "kill $p 2>/dev/null; wait $p",
              dir, port, path);
  assert_int_equal(st, 1);
  err = tu_slurp(path);
  assert_non_null(err);
  assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
  assert_non_null(strstr(err, "in use"));
  free(err);
}

static void
test_no_acknowledged_write_lost(void **state)
{
  static struct client c[CLIENTS];
  struct cg_err e = {0};
  char path[4300];
  struct db *db;
  int acked = 0, found = 0;

  for (int i = 0; i < CLIENTS; i++)
    pthread_create(&c[i].t, NULL, client_main, &c[i]);
  nanosleep(&(struct timespec){0, 300000000}, NULL); /* writes under way */
  assert_int_equal(tu_serve_stop(pid), 0);           /* clean exit */
  for (int i = 0; i < CLIENTS; i++)
    pthread_join(c[i].t, NULL);

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(db_open(&db, path, 0, &e), CG_OK);
  for (int i = 0; i < CLIENTS; i++)
    for (int k = 0; k < c[i].n; k++) {
      int64_t n;
      acked++;
      assert_int_equal(db_query_int(db, &n, 0, &e,
                                    "SELECT count(*) FROM"
                                    " cases WHERE no = ?",
                                    "t", c[i].no[k]),
                       CG_OK);
      found += n == 1;
    }
  /* and every report is in the full-text index, the last ones too */
  {
    int64_t behind = -1;
    assert_int_equal(db_query_int(db, &behind, -1, &e,
                                  "SELECT count(*) FROM cases WHERE rowid >"
                                  " (SELECT value FROM search.mark)",
                                  ""),
                     CG_OK);
    assert_int_equal(behind, 0);
  }
  db_close(db);
  assert_true(acked > 10); /* the clients did get through first */
  assert_int_equal(found, acked);
}

/* Logs in on the second server (see test_stop_cuts_long_requests()). */
struct cut_login {
  pthread_t t;
  int port, status;
  char *resp;
};

static void *
cut_login_main(void *arg)
{
  struct cut_login *l = arg;
  l->status =
      tu_http(l->port, "POST", "/api/v1/login", NULL,
              "{\"login\":\"op\",\"password\":\"a long password\"}", &l->resp);
  return NULL;
}

/* A stop waits for the requests under way only so long (--stop-grace):
** a login whose session waits for the store, which another program holds
** locked for writing (an import, say), is cut short after the grace
** period with a 503 in the JSON error shape — not left to wait out its
** 5 s — the server exits cleanly within moments, and the store has no
** half of the login. */
static void
test_stop_cuts_long_requests(void **state)
{
  struct cut_login l = {0};
  struct cg_err e = {0};
  struct timespec t0, t1;
  char path[4300];
  struct db *db;
  int64_t before, after;
  int pid2;

  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  assert_int_equal(db_open(&db, path, 0, &e), CG_OK);
  assert_int_equal(
      db_query_int(db, &before, 0, &e, "SELECT count(*) FROM session", ""),
      CG_OK);
  assert_true((l.port = tu_serve_start(dir, "--stop-grace 1", &pid2)) > 0);
  assert_int_equal(db_exec(db, "BEGIN IMMEDIATE", &e), CG_OK);
  assert_int_equal(pthread_create(&l.t, NULL, cut_login_main, &l), 0);
  nanosleep(&(struct timespec){0, 500000000}, NULL); /* it waits for the lock */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(tu_serve_stop(pid2), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_join(l.t, NULL);
  db_rollback(db);
  assert_true((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 3.0);
  assert_int_equal(l.status, 503);
  assert_non_null(l.resp);
  assert_non_null(strstr(l.resp, "\"code\":\"unavailable\""));
  free(l.resp);
  assert_int_equal(
      db_query_int(db, &after, 0, &e, "SELECT count(*) FROM session", ""),
      CG_OK);
  assert_int_equal(after, before);
  db_close(db);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusals_leave_the_batch_whole),
      cmocka_unit_test(test_port_in_use),
      cmocka_unit_test(test_no_acknowledged_write_lost),
      cmocka_unit_test(test_stop_cuts_long_requests),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
