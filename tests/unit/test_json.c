/*
** test_json.c — cg_json_dumpb() writes what jansson's own dump writes,
** byte for byte: on every kind of value and every character that needs an
** escape, on the real district boundaries and 311 cases shipped in data/,
** and on thousands of random trees; and it fails where jansson fails.
*/
#include "testutil.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"

/* Assert both dumps of j are the same text (or both fail). */
static void
same(const json_t *j, int prec)
{
  static char a[1 << 20], b[1 << 20];
  size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(prec);
  size_t na = json_dumpb(j, a, sizeof a, flags);
  size_t nb = cg_json_dumpb(j, b, sizeof b, prec);

  assert_true(na <= sizeof a);
  if (na != nb || memcmp(a, b, na) != 0) {
    fprintf(stderr, "jansson: %.*s\nours:    %.*s\n",
            (int)(na > 400 ? 400 : na), a, (int)(nb > 400 ? 400 : nb), b);
    fail();
  }
}

static void
test_every_kind_of_value(void **state)
{
  json_t *j = json_pack(
      "{s:s, s:i, s:I, s:I, s:f, s:b, s:b, s:n, s:[], s:{}, s:[i,s,[{}]]}",
      "text", "井盖缺失", "zero", 0, "max", (json_int_t)LLONG_MAX, "min",
      (json_int_t)LLONG_MIN, "lat", 34.7, "yes", 1, "no", 0, "none", "empty",
      "obj", "nested", 1, "two", "");
  double reals[] = {0.0,
                    -0.0,
                    1.0,
                    -1.0,
                    34.70000001,
                    113.75,
                    1e300,
                    -1e-300,
                    1e-7,
                    123456789012.0,
                    1e21,
                    0.1 + 0.2,
                    5e-324,
                    1e100,
                    2.5e-10,
                    1e+10,
                    4.9406564584124654e-324};
  json_t *a = json_array();

  for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
    json_array_append_new(a, json_real(reals[i]));
  json_object_set_new(j, "reals", a);
  for (int prec = 0; prec <= 17; prec++)
    same(j, prec);
  json_decref(j);
  j = json_integer(1); /* a document is an object or an array */
  assert_int_equal(cg_json_dumpb(j, NULL, 0, 0), 0);
  json_decref(j);
}

static void
test_escapes(void **state)
{
  char s[160];
  json_t *j = json_object();
  size_t n = 0;

  /* every byte below 0x80, NUL included, and the characters that are
  ** not escaped: slash, DEL, Chinese, a character beyond the BMP */
  for (int c = 0; c < 0x80; c++)
    s[n++] = (char)c;
  memcpy(s + n, "/\x7f中文😀\"\\", 14);
  n += 14;
  json_object_set_new(j, "all", json_stringn(s, n));
  json_object_set_new(j, "key \"with\"\n escapes\t/", json_true());
  json_object_setn_new(j, "nul\0key", 7, json_null());
  same(j, 10);
  json_decref(j);
}

static void
test_not_utf8_fails_as_jansson_fails(void **state)
{
  const char *bad[] = {"\xff",         "\xc0\xaf",         "a\xe4\xb8",
                       "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"};
  char buf[64];

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *j = json_object();
    json_object_set_new_nocheck(j, "k", json_string_nocheck(bad[i]));
    assert_int_equal(json_dumpb(j, buf, sizeof buf, JSON_COMPACT), 0);
    assert_int_equal(cg_json_dumpb(j, buf, sizeof buf, 0), 0);
    json_decref(j);
  }
}

/* The length is the whole text's even when the buffer is short, and
** cg_json_dumps() returns all of a text larger than its first buffer. */
static void
test_sizes(void **state)
{
  json_t *a = json_array();
  char small[8], *text;
  size_t len;

  for (int i = 0; i < 5000; i++)
    json_array_append_new(a, json_string("管城回族区环境卫生服务中心"));
  text = json_dumps(a, JSON_COMPACT);
  assert_int_equal(cg_json_dumpb(a, small, sizeof small, 0), strlen(text));
  free(text);
  text = cg_json_dumps(a, 0, &len);
  assert_non_null(text);
  assert_int_equal(len, strlen(text));
  assert_true(len > 16384);
  same(a, 0);
  free(text);
  json_decref(a);
}

/* The district boundaries of Zhengzhou: coordinates by the thousand. */
static void
test_real_boundaries(void **state)
{
  json_error_t err;
  json_t *j = json_load_file(tu_data("zhengzhou-districts.geojson"), 0, &err);

  assert_non_null(j);
  same(j, 0);
  same(j, 10);
  json_decref(j);
}

/* The 311 cases shipped as a sample, each row an object as replies make. */
static void
test_real_cases(void **state)
{
  struct cg_err e = {0};
  struct csv c;
  FILE *f = fopen(tu_data("sample-cases.csv"), "r");
  json_t *all = json_array();
  int rows = 0;

  assert_non_null(f);
  csv_init(&c, f, "sample-cases.csv", &e);
  assert_int_equal(csv_read(&c, &e), 1); /* the header */
  char **names = calloc((size_t)c.nfield, sizeof *names);
  for (int i = 0; i < c.nfield; i++)
    names[i] = strdup(c.field[i]);
  int nnames = c.nfield;
  while (csv_read(&c, &e) == 1) {
    json_t *o = json_object();
    for (int i = 0; i < c.nfield && i < nnames; i++) {
      char *end;
      double d = strtod(c.field[i], &end);
      if (*c.field[i] && !*end && strchr(c.field[i], '.'))
        json_object_set_new(o, names[i], json_real(d));
      else
        json_object_set_new(o, names[i], json_string(c.field[i]));
    }
    json_array_append_new(all, o);
    rows++;
  }
  assert_true(rows >= 2000);
  same(all, 10);
  for (int i = 0; i < nnames; i++)
    free(names[i]);
  free(names);
  csv_release(&c);
  fclose(f);
  json_decref(all);
}

/* Random trees from a small fixed generator, so a failure repeats. */
static uint64_t seed = 88172645463325252ULL;
static uint64_t
next(void)
{
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

static json_t *
random_string(void)
{
  static const char *parts[] = {"a", "路", "\n", "\"",   "\\", "/",  "\x01",
                                "😀", " ",  "0",  "\x1f", "é",  "\t", "街道"};
  char s[64] = "";
  int n = (int)(next() % 8);
  for (int i = 0; i < n; i++)
    strcat(s, parts[next() % (sizeof parts / sizeof *parts)]);
  return json_string(s);
}

static json_t *
random_value(int depth)
{
  int kind = (int)(next() % (depth > 4 ? 6 : 8));
  switch (kind) {
  case 0:
    return random_string();
  case 1:
    return json_integer((json_int_t)next());
  case 2: {
    union {
      uint64_t u;
      double d;
    } x = {next()};
    if (x.d != x.d || x.d - x.d != 0) x.d = (double)(int64_t)next() / 7.0;
    return json_real(x.d);
  }
  case 3:
    return json_boolean(next() & 1);
  case 4:
    return json_null();
  case 5:
    return json_real((double)(next() % 100000) / 1000.0);
  case 6: {
    json_t *a = json_array();
    for (int i = (int)(next() % 5); i > 0; i--)
      json_array_append_new(a, random_value(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    for (int i = (int)(next() % 5); i > 0; i--) {
      json_t *k = random_string();
      json_object_set_new(o, json_string_value(k), random_value(depth + 1));
      json_decref(k);
    }
    return o;
  }
  }
}

/* A text written member by member is the text of the same tree; a string
** that is not UTF-8 leaves its member out, as jansson leaves it out of an
** object; texts longer than the writer's first buffer come whole. */
static void
test_writer(void **state)
{
  struct cg_jw w = {0};
  json_t *sub = json_pack("[i, s, {}]", 7, "路灯"), *want;
  char *text, *dumped;
  size_t len;

  cg_jw_open(&w, NULL, '{');
  cg_jw_string(&w, "no", "4101042026120700002");
  cg_jw_string(&w, "bad", "\xff");
  cg_jw_string(&w, "none", NULL);
  cg_jw_integer(&w, "n", -42);
  cg_jw_real(&w, "lat", 34.7, 10);
  cg_jw_bool(&w, "yes", 1);
  cg_jw_null(&w, "nothing");
  cg_jw_open(&w, "grid", '{');
  cg_jw_string(&w, "name", "新郑路社区第103网格\n\"引号\"");
  cg_jw_close(&w, '}');
  cg_jw_open(&w, "empty", '[');
  cg_jw_close(&w, ']');
  cg_jw_tree(&w, "tree", sub, 10);
  cg_jw_open(&w, "many", '[');
  for (int i = 0; i < 500; i++)
    cg_jw_string(&w, NULL, "管城回族区");
  cg_jw_close(&w, ']');
  cg_jw_close(&w, '}');
  text = cg_jw_take(&w, &len);
  assert_non_null(text);
  assert_int_equal(len, strlen(text));
  assert_null(w.buf);

  want =
      json_pack("{s:s, s:n, s:i, s:f, s:b, s:n, s:{s:s}, s:[], s:O, s:[]}",
                "no", "4101042026120700002", "none", "n", -42, "lat", 34.7,
                "yes", 1, "nothing", "grid", "name",
                "新郑路社区第103网格\n\"引号\"", "empty", "tree", sub, "many");
  for (int i = 0; i < 500; i++)
    json_array_append_new(json_object_get(want, "many"),
                          json_string("管城回族区"));
  dumped = json_dumps(want, JSON_COMPACT | JSON_REAL_PRECISION(10));
  assert_string_equal(text, dumped);
  free(dumped);
  free(text);
  json_decref(want);
  json_decref(sub);
}

static void
test_random_trees(void **state)
{
  for (int i = 0; i < 5000; i++) {
    json_t *a = json_array();
    json_array_append_new(a, random_value(0));
    same(a, (int)(next() % 18));
    json_decref(a);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind_of_value),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_not_utf8_fails_as_jansson_fails),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_real_boundaries),
      cmocka_unit_test(test_real_cases),
      cmocka_unit_test(test_writer),
      cmocka_unit_test(test_random_trees),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
