/*
** test_http.c — the router's path patterns: whole segments, parts of a
** segment before a format suffix ("{code}.{fmt}"), and the paths that
** must not match (empty parts, a missing suffix, extra segments).
*/
#include "testutil.h"

#include <string.h>

#include "http/http.h"

static void
test_whole_segments(void **state)
{
  char p[HTTP_MAX_PARAMS][HTTP_PARAM_LEN];
  int n = -1;

  assert_true(http_path_match("/a/{no}/{action}", "/a/123/file", p, &n));
  assert_int_equal(n, 2);
  assert_string_equal(p[0], "123");
  assert_string_equal(p[1], "file");
  assert_false(http_path_match("/a/{no}", "/a/", NULL, NULL));
  assert_false(http_path_match("/a/{no}", "/a/1/2", NULL, NULL));
  assert_false(http_path_match("/a/{no}/x", "/a/1", NULL, NULL));
}

static void
test_format_suffix(void **state)
{
  char p[HTTP_MAX_PARAMS][HTTP_PARAM_LEN];
  int n = -1;

  assert_true(http_path_match("/v2/services.{fmt}", "/v2/services.xml", p, &n));
  assert_int_equal(n, 1);
  assert_string_equal(p[0], "xml");
  assert_true(http_path_match("/v2/services/{code}.{fmt}",
                              "/v2/services/gb-matter-06010.json", p, &n));
  assert_int_equal(n, 2);
  assert_string_equal(p[0], "gb-matter-06010");
  assert_string_equal(p[1], "json");
  /* the last dot splits: a code may hold dots of its own */
  assert_true(http_path_match("/s/{code}.{fmt}", "/s/a.b.xml", p, &n));
  assert_string_equal(p[0], "a.b");
  assert_string_equal(p[1], "xml");
  /* no suffix, an empty part, a suffix in the next segment */
  assert_false(http_path_match("/s/{code}.{fmt}", "/s/abc", NULL, NULL));
  assert_false(http_path_match("/s/{code}.{fmt}", "/s/.xml", NULL, NULL));
  assert_false(http_path_match("/s/{code}.{fmt}", "/s/abc.", NULL, NULL));
  assert_false(http_path_match("/s/{code}.{fmt}", "/s/a/b.xml", NULL, NULL));
  assert_false(
      http_path_match("/v2/services.{fmt}", "/v2/services/1.xml", NULL, NULL));
  /* a part too long for its buffer is no match, not a truncation */
  {
    char long_path[200] = "/s/";
    memset(long_path + 3, 'x', 100);
    strcpy(long_path + 103, ".xml");
    assert_false(http_path_match("/s/{code}.{fmt}", long_path, NULL, NULL));
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whole_segments),
      cmocka_unit_test(test_format_suffix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
