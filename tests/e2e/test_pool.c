/*
** test_pool.c — slow requests run on the server's pool, never on the
** workers that serve every other connection. With one worker and a pool
** of one thread, requests that take long — logins (each hashes its
** password with argon2id, a tenth of a second or more) and large photos
** (decoded whole to be checked) — are sent together, and /healthz is
** asked for every few milliseconds until they are all answered: nearly
** every time it must be answered at once, not after the slow request
** under way (as it would be, were that one on the worker). A report with
** a large photo goes through the pool, then the writer. And a stop lets
** the pool finish every slow request it was given: none is dropped or
** refused. Its server waits with epoll (--events epoll), where parked
** connections leave the worker's set and come back: every other suite's
** server waits with poll, the default.
*/
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOW 6   /* logins */
#define PHOTOS 4 /* photos of 3000 x 2000 */

static char *dir;
static int pid = -1, port;
static char token[65];

static int
setup(void **state)
{
  dir = tu_tmpdir();
  if (tu_district(dir, 250) != 0 || tu_user(dir, "op", "operator", NULL))
    return -1;
  port = tu_serve_start(dir, "--threads 1 --pool 1 --events epoll", &pid);
  if (port <= 0)
    return -1;
  return tu_login(port, "op", token) == 200 ? 0 : -1;
}

static int
teardown(void **state)
{
  if (pid > 0) return tu_serve_done(pid, dir);
  tu_rmrf(dir); /* the last test stopped the server */
  free(dir);
  return 0;
}

static double
now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* One slow request on a thread of its own: a login, or a photo's upload
** when photo is set. */
struct slow {
  pthread_t t;
  const unsigned char *photo;
  size_t n;
  int status;
  double done; /* when its answer came */
  atomic_int finished;
};

static void *
slow_main(void *arg)
{
  struct slow *s = arg;
  char t[65], h[120], *resp = NULL;

  if (s->photo) {
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
    s->status = tu_http_raw(port, "POST", "/api/v1/attachments", h,
                            "image/webp", s->photo, s->n, &resp);
    free(resp);
  } else {
    s->status = tu_login(port, "op", t);
  }
  s->done = now();
  atomic_store(&s->finished, 1);
  return NULL;
}

/* Time one slow request alone, in seconds. */
static double
alone(struct slow *s, int want)
{
  double t0 = now();
  slow_main(s);
  assert_int_equal(s->status, want);
  return s->done - t0;
}

/* Run n slow requests at once while asking for /healthz every 5 ms until
** they are all answered, each slow request's status checked against
** want. Returns how many of those /healthz were answered within half of
** `one`, the time a slow request takes alone. On the pool's one thread
** the slow requests take n times `one` in all, and nearly every /healthz
** is quick (a few may wait on the disk, as the access log is written);
** were they on the worker, each /healthz would wait out the slow one
** under way, and only a couple in each `one` could be asked at all. */
static int
quick_healthz_during(struct slow *s, int n, int want, double one)
{
  int left = n, quick = 0;

  for (int i = 0; i < n; i++) {
    atomic_store(&s[i].finished, 0);
    assert_int_equal(pthread_create(&s[i].t, NULL, slow_main, &s[i]), 0);
  }
  while (left > 0) {
    char *resp = NULL;
    double t0 = now();
    assert_int_equal(tu_http(port, "GET", "/healthz", NULL, NULL, &resp), 200);
    free(resp);
    quick += now() - t0 < one / 2;
    nanosleep(&(struct timespec){0, 5000000}, NULL);
    left = 0;
    for (int i = 0; i < n; i++)
      left += !atomic_load(&s[i].finished);
  }
  for (int i = 0; i < n; i++) {
    pthread_join(s[i].t, NULL);
    assert_int_equal(s[i].status, want);
  }
  return quick;
}

/* Logins wait in the pool one after the other; /healthz does not wait
** for them. */
static void
test_logins_leave_the_worker_free(void **state)
{
  struct slow s[SLOW] = {0};
  double one = alone(&s[0], 200);
  int quick = quick_healthz_during(s, SLOW, 200, one);
  if (quick < 4 * SLOW)
    fail_msg("/healthz answered at once only %d times (a login alone: %.3f s)",
             quick, one);
}

/* The same with photos: each is decoded whole before it is kept. */
static void
test_photos_leave_the_worker_free(void **state)
{
  struct slow s[PHOTOS] = {0};
  size_t n;
  unsigned char *photo[PHOTOS];
  double one;
  int quick;

  for (int i = 0; i < PHOTOS; i++) {
    photo[i] = tu_image("image/webp", 3000, 2000, 100 + i, &n);
    assert_non_null(photo[i]);
    assert_true(n > 64 << 10); /* large enough to go to the pool */
    s[i].photo = photo[i];
    s[i].n = n;
  }
  one = alone(&s[0], 201);
  quick = quick_healthz_during(s, PHOTOS, 201, one);
  for (int i = 0; i < PHOTOS; i++)
    free(photo[i]);
  if (quick < 4 * PHOTOS)
    fail_msg("/healthz answered at once only %d times (a photo alone: %.3f s)",
             quick, one);
}

/* A report with a large photo goes to the pool (the photo is checked
** there), then on to the writer, which answers it as any other: 201 with
** the case, the photo attached. */
static void
test_report_with_a_large_photo(void **state)
{
  static const char json[] =
      "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"06036\","
      "\"lat\":34.7555,\"lon\":113.679,\"description\":\"井盖缺失\"}";
  size_t n, len;
  unsigned char *photo = tu_image("image/jpeg", 1200, 900, 7, &n);
  char h[120], *body, *resp = NULL;
  json_t *j;

  assert_non_null(photo);
  assert_true(n > 64 << 10);
  assert_non_null(body = malloc(n + 1000));
  {
    struct tu_part p[] = {{"case", NULL, json, strlen(json)},
                          {"photo", "a.jpg", photo, n}};
    len = tu_multipart(body, n + 1000, p, 2);
  }
  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
  assert_int_equal(tu_http_raw(port, "POST", "/api/v1/cases", h, TU_MULTIPART,
                               body, len, &resp),
                   201);
  j = json_loads(resp, 0, NULL);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "state")),
                      "reported");
  assert_int_equal(json_array_size(json_object_get(j, "attachments")), 1);
  json_decref(j);
  free(resp);
  free(body);
  free(photo);
}

/* Told to stop while logins wait in the pool, the server answers every
** one of them (200, not 503 and not a dropped connection), then exits
** cleanly. Runs last: it stops the server. */
static void
test_stop_finishes_the_pool(void **state)
{
  struct slow s[SLOW] = {0};

  for (int i = 0; i < SLOW; i++)
    assert_int_equal(pthread_create(&s[i].t, NULL, slow_main, &s[i]), 0);
  /* once one is answered, the others have long been taken in (the
  ** worker is free) and wait in the pool; those a server stopping no
  ** longer takes in would be refused, rightly */
  for (int done = 0; !done;) {
    nanosleep(&(struct timespec){0, 1000000}, NULL);
    for (int i = 0; i < SLOW; i++)
      done |= atomic_load(&s[i].finished);
  }
  assert_int_equal(tu_serve_stop(pid), 0);
  pid = -1;
  for (int i = 0; i < SLOW; i++) {
    pthread_join(s[i].t, NULL);
    assert_int_equal(s[i].status, 200);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_logins_leave_the_worker_free),
      cmocka_unit_test(test_photos_leave_the_worker_free),
      cmocka_unit_test(test_report_with_a_large_photo),
      cmocka_unit_test(test_stop_finishes_the_pool),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
