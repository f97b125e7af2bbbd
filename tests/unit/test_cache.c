/*
** test_cache.c — the server's cache of rendered lists (src/case/cache.c)
** keeps its word: a text is served only for the version it was built
** from and before its time is up, never past the memory it was given,
** not at all when too large; and when many ask for a page nobody has
** built, one builds it while the others wait for that text.
*/
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case/case_int.h" /* the cache's own calls, used by read.c */

/* Look key up at `now` for version v; returns 1 and its text in out
** (n bytes) if served. */
static int
get(struct case_cache *c, const char *key, int64_t v, int64_t now, int claim,
    char *out, size_t n)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  int found;

  assert_non_null(f);
  found = case_cache_write(c, key, strlen(key), v, now, claim, NULL, f);
  fclose(f);
  snprintf(out, n, "%s", text);
  free(text);
  return found;
}

/* A string of n - 1 bytes of ch (caller frees). */
static char *
filled(size_t n, char ch)
{
  char *s = malloc(n);
  assert_non_null(s);
  memset(s, ch, n - 1);
  s[n - 1] = 0;
  return s;
}

static void
put(struct case_cache *c, const char *key, int64_t v, int64_t until,
    const char *text)
{
  case_cache_put(c, key, strlen(key), v, until, text, strlen(text));
}

static void
test_served_for_its_version_and_time(void **state)
{
  struct case_cache *c = case_cache_new(1 << 20);
  char got[64];
  int64_t until = case_cache_until("page", 4, 1000);

  /* a lifetime of half a minute to a minute */
  assert_true(until > 1000 + 29 && until <= 1000 + 60);
  assert_false(get(c, "page", 7, 1000, 0, got, sizeof got));
  put(c, "page", 7, until, "{\"a\":1}");
  assert_true(get(c, "page", 7, 1000, 0, got, sizeof got));
  assert_string_equal(got, "{\"a\":1}");
  assert_true(get(c, "page", 7, until - 1, 0, got, sizeof got));
  assert_false(get(c, "page", 8, 1000, 0, got, sizeof got));  /* changed */
  assert_false(get(c, "page", 7, until, 0, got, sizeof got)); /* too old */
  assert_false(get(c, "other", 7, 1000, 0, got, sizeof got));
  /* built again: the newer one is served */
  put(c, "page", 8, until, "{\"a\":2}");
  assert_true(get(c, "page", 8, 1000, 0, got, sizeof got));
  assert_string_equal(got, "{\"a\":2}");
  assert_false(get(c, "page", 7, 1000, 0, got, sizeof got));
  case_cache_free(c);
  assert_null(case_cache_new(0)); /* --list-cache 0: none */
}

static void
test_never_past_its_memory(void **state)
{
  struct case_cache *c = case_cache_new(64 << 10);
  char key[32], got[1100], *text = filled(1025, 'x'), *big;
  int64_t hits, misses;
  size_t bytes;

  for (int i = 0; i < 500; i++) {
    snprintf(key, sizeof key, "case %d", i);
    put(c, key, 1, 2000, text);
    case_cache_counts(c, &hits, &misses, &bytes);
    assert_true(bytes <= 64 << 10);
    assert_true(get(c, key, 1, 1000, 0, got, sizeof got)); /* the newest */
  }
  free(text);
  /* a text over a sixteenth of it is not kept */
  big = filled(8 << 10, 'y');
  put(c, "big", 1, 2000, big);
  assert_false(get(c, "big", 1, 1000, 0, got, sizeof got));
  free(big);
  case_cache_free(c);
}

struct asker {
  struct case_cache *c;
  int found;
  char got[64];
  int done;
};

static void *
ask(void *arg)
{
  struct asker *a = arg;
  a->found = get(a->c, "page", 3, 1000, 1, a->got, sizeof a->got);
  __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void
test_one_builds_the_others_wait(void **state)
{
  struct case_cache *c = case_cache_new(1 << 20);
  struct asker a = {c, 0, "", 0};
  pthread_t t;
  char got[64], *big;

  /* the first to miss claims the build */
  assert_false(get(c, "page", 3, 1000, 1, got, sizeof got));
  assert_int_equal(pthread_create(&t, NULL, ask, &a), 0);
  usleep(100 * 1000);
  assert_false(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST)); /* waiting */
  put(c, "page", 3, 1040, "built once");
  pthread_join(t, NULL);
  assert_true(a.found);
  assert_string_equal(a.got, "built once");
  /* a build given up lets the next one build it */
  assert_false(get(c, "page", 4, 1000, 1, got, sizeof got));
  case_cache_abandon(c, "page", 4, 4);
  assert_false(get(c, "page", 4, 1000, 1, got, sizeof got)); /* no wait */
  put(c, "page", 4, 1040, "second");
  /* a text too large to keep ends its build too */
  assert_false(get(c, "huge", 4, 1000, 1, got, sizeof got));
  big = filled(128 << 10, 'z');
  put(c, "huge", 4, 1040, big);
  free(big);
  assert_false(get(c, "huge", 4, 1000, 1, got, sizeof got)); /* no wait */
  case_cache_free(c);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_served_for_its_version_and_time),
      cmocka_unit_test(test_never_past_its_memory),
      cmocka_unit_test(test_one_builds_the_others_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
