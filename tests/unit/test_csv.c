/*
** test_csv.c — the CSV reader on the shapes real files take: quoted fields
** with commas, quotes and newlines, CRLF line ends, a byte-order mark, and
** the malformed ones it must refuse with the right line number.
*/
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/csv.h"

/* Read all records of text; return the count or -1 (error in *e). */
static int
read_all(const char *text, struct csv *c, FILE **f, struct cg_err *e)
{
  int n = 0, r;
  *f = fmemopen((void *)text, strlen(text), "r");
  csv_init(c, *f, "t.csv", e);
  while ((r = csv_read(c, e)) == 1)
    n++;
  return r < 0 ? -1 : n;
}

static void
test_quoted_fields(void **state)
{
  const char *text = "id,name\r\n1,\"a, \"\"b\"\"\"\r\n2,\"two\nlines\"\n3,";
  struct cg_err e = {0};
  struct csv c;
  FILE *f = fmemopen((void *)text, strlen(text), "r");

  csv_init(&c, f, "t.csv", &e);
  assert_int_equal(csv_read(&c, &e), 1);
  assert_int_equal(csv_column(&c, "name"), 1);
  assert_int_equal(csv_read(&c, &e), 1);
  assert_string_equal(c.field[1], "a, \"b\"");
  assert_int_equal(csv_read(&c, &e), 1);
  assert_string_equal(c.field[1], "two\nlines");
  assert_int_equal(csv_read(&c, &e), 1);
  assert_int_equal(c.line, 5); /* the quoted newline counts as a line */
  assert_int_equal(c.nfield, 2);
  assert_string_equal(c.field[1], "");
  assert_int_equal(csv_read(&c, &e), 0);
  csv_release(&c);
  fclose(f);
}

static void
test_bom_skipped(void **state)
{
  const char *text = "\xEF\xBB\xBFlevel,code\ndistrict,410104\n";
  struct cg_err e = {0};
  struct csv c;
  FILE *f = fmemopen((void *)text, strlen(text), "r");

  csv_init(&c, f, "t.csv", &e);
  assert_int_equal(csv_read(&c, &e), 1);
  assert_int_equal(csv_column(&c, "level"), 0);
  csv_release(&c);
  fclose(f);
}

static void
test_malformed_refused_with_line(void **state)
{
  static const struct {
    const char *text, *want;
  } bad[] = {
      {"a,b\n1,\"open\n", "t.csv:2: unterminated quoted field"},
      {"a,b\n1,x\"y\n", "t.csv:2: stray quote in field 2"},
      {"a,b\n1,\"x\"y\n", "t.csv:2: text after closing quote in field 2"},
      {"a,b\n\n1,\xff\xfe\n", "t.csv:3: invalid UTF-8"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct cg_err e = {0};
    struct csv c;
    FILE *f;
    assert_int_equal(read_all(bad[i].text, &c, &f, &e), -1);
    assert_int_equal(e.code, CG_EINVAL);
    assert_string_equal(e.msg, bad[i].want);
    csv_release(&c);
    fclose(f);
  }
}

static void
test_write_field_round_trips(void **state)
{
  const char *v = "say \"hi\", twice";
  char out[128] = "";
  FILE *f = fmemopen(out, sizeof out, "w");
  struct cg_err e = {0};
  struct csv c;

  csv_write_field(f, v);
  fputc(',', f);
  csv_write_field(f, "plain");
  fclose(f);
  assert_string_equal(out, "\"say \"\"hi\"\", twice\",plain");
  assert_int_equal(read_all(out, &c, &f, &e), 1);
  assert_string_equal(c.field[0], v);
  csv_release(&c);
  fclose(f);
}

static void
test_real_divisions_file(void **state)
{
  FILE *f = fopen(tu_data("guancheng-divisions.csv"), "rb");
  struct cg_err e = {0};
  struct csv c;
  int rows = 0;

  assert_non_null(f);
  csv_init(&c, f, "divisions", &e);
  while (csv_read(&c, &e) == 1) {
    assert_int_equal(c.nfield, 4);
    rows++;
  }
  assert_int_equal(rows, 171); /* header + 170 divisions */
  csv_release(&c);
  fclose(f);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoted_fields),
      cmocka_unit_test(test_bom_skipped),
      cmocka_unit_test(test_malformed_refused_with_line),
      cmocka_unit_test(test_write_field_round_trips),
      cmocka_unit_test(test_real_divisions_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
