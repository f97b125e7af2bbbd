/*
** test_score.c — composite scores and grades on the default weights and
** buckets of a fresh store (DOMAIN.md §4.2), worked by hand: the formula
** of each kind, buckets scaled to the period, renormalisation over terms
** with no value, no score without a rate, grade boundaries, competition
** ranking, flag assignment with ties, and imports that refuse weights
** that do not sum to 100 %.
*/
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/migrate.h"
#include "eval/eval.h"

static char *dir;
static struct db *db;
static struct eval_conf *conf;

static int
setup(void **state)
{
  struct cg_err e = {0};
  char path[4200];
  dir = tu_tmpdir();
  snprintf(path, sizeof path, "%s/t.db", dir);
  if (db_open(&db, path, DB_CREATE, &e) != CG_OK || db_migrate(db, &e) != CG_OK)
    return -1;
  return (conf = eval_conf_load(db, &e)) ? 0 : -1;
}

static int
teardown(void **state)
{
  eval_conf_free(conf);
  db_close(db);
  tu_rmrf(dir);
  free(dir);
  return 0;
}

static void
near(double got, double want)
{
  if (fabs(got - want) > 1e-6) fail_msg("got %.9f, want %.9f", got, want);
}

static void
test_grades(void **state)
{
  static const struct {
    double s;
    const char *g;
  } t[] = {{100, "A"}, {90, "A"},    {89.99, "B"}, {75, "B"},    {74.99, "C"},
           {60, "C"},  {59.99, "D"}, {40, "D"},    {39.99, "E"}, {0, "E"}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    char g[8];
    eval_grade(conf, t[i].s, g);
    if (strcmp(g, t[i].g)) fail_msg("%.2f: %s, want %s", t[i].s, g, t[i].g);
  }
}

static void
test_buckets_scale_with_the_period(void **state)
{
  double s;
  /* 受理数: > 2000 a month (30 days) is 100; over 7 days the bound is
  ** 2000 * 7 / 30 = 466.67 */
  assert_true(eval_bucket_score(conf, "intake", 2001, 30, &s));
  near(s, 100);
  assert_true(eval_bucket_score(conf, "intake", 2000, 30, &s));
  near(s, 90);
  assert_true(eval_bucket_score(conf, "intake", 467, 7, &s));
  near(s, 100);
  assert_true(eval_bucket_score(conf, "intake", 466, 7, &s));
  near(s, 90);
  assert_true(eval_bucket_score(conf, "intake", 300, 30, &s));
  near(s, 0);
  /* departments: fewer cases score better */
  assert_true(eval_bucket_score(conf, "dept_cases", 50, 30, &s));
  near(s, 100);
  assert_true(eval_bucket_score(conf, "dept_cases", 1001, 30, &s));
  near(s, 0);
  /* areas: filings per unit grid, 0 -> 100, < 3 -> 90 */
  assert_true(eval_bucket_score(conf, "area_cases", 0, 30, &s));
  near(s, 100);
  assert_true(eval_bucket_score(conf, "area_cases", 2.9, 30, &s));
  near(s, 90);
  assert_false(eval_bucket_score(conf, "no_such_scale", 1, 30, &s));
}

static void
test_formulas(void **state)
{
  struct eval_counts c;
  double s;
  json_t *missing = json_array();

  /* 监督员: 有效上报率 8/10 x 40 % + (1 - 漏报率 1/9) x 20 % + 按时核实率
  ** 0/1 x 20 % + 按时核查率 6/7 x 20 % = 32 + 17.778 + 0 + 17.143 */
  memset(&c, 0, sizeof c);
  c.days = 7;
  c.m[EM_REPORTS] = 10;
  c.m[EM_VALID_REPORTS] = 8;
  c.m[EM_FILED] = 9;
  c.m[EM_MISSED] = 1;
  c.m[EM_VERIFIED] = 1;
  c.m[EM_CHECKED] = 7;
  c.m[EM_CHECK_ONTIME] = 6;
  assert_true(eval_score(conf, "supervisor", &c, &s, NULL));
  near(s, 32 + 20 * (1 - 1.0 / 9) + 0 + 20 * 6.0 / 7);
  /* with no verification at all, its 20 % is left out and the rest
  ** renormalised over 80 % */
  c.m[EM_VERIFIED] = 0;
  assert_true(eval_score(conf, "supervisor", &c, &s, missing));
  near(s, (32 + 20 * (1 - 1.0 / 9) + 20 * 6.0 / 7) / 0.8);
  assert_int_equal(json_array_size(missing), 1);
  assert_string_equal(json_string_value(json_array_get(missing, 0)),
                      "verify_ontime_rate");
  json_decref(missing);

  /* 专业部门: 10 cases a week scores 100 on 立案数分值 (<= 50 x 7/30);
  ** 结案率 6/7, 按时处置率 4/9, 1 - 返工率 1/7 */
  memset(&c, 0, sizeof c);
  c.days = 7;
  c.m[EM_COHORT] = 10;
  c.m[EM_C_DEFERRED] = 1;
  c.m[EM_C_CLOSED] = 6;
  c.m[EM_C_HANDLED_ONTIME] = 4;
  c.m[EM_C_REWORK] = 1;
  c.overdue = 1;
  assert_true(eval_score(conf, "department", &c, &s, NULL));
  near(s, 10 + 30 * 6.0 / 7 + 30 * 4.0 / 9 + 30 * (1 - 1.0 / 7));

  /* 值班长 and 派遣员 */
  memset(&c, 0, sizeof c);
  c.days = 7;
  c.m[EM_FILED] = 10;
  c.m[EM_FILE_ONTIME] = 9;
  c.m[EM_FILE_VOID] = 1;
  c.m[EM_CLOSES] = 7;
  c.m[EM_CLOSE_ONTIME] = 6;
  assert_true(eval_score(conf, "shift_leader", &c, &s, NULL));
  near(s, 25 * 0.9 + 40 * 0.9 + 35 * 6.0 / 7);
  memset(&c, 0, sizeof c);
  c.days = 7;
  c.m[EM_DISPATCHES] = 11;
  c.m[EM_DISPATCH_ONTIME] = 10;
  c.m[EM_DISPATCH_WRONG] = 1;
  assert_true(eval_score(conf, "dispatcher", &c, &s, NULL));
  near(s, 0 + 40 * 10.0 / 11 + 40 * 10.0 / 11);

  /* a unit with nothing to judge gets no score, not 100 or 0 */
  memset(&c, 0, sizeof c);
  c.days = 7;
  assert_false(eval_score(conf, "department", &c, &s, NULL));
  assert_false(eval_score(conf, "operator", &c, &s, NULL));
}

static void
test_ranking_and_flags_with_ties(void **state)
{
  double sc[] = {80, 90, 80, 70, 0, 70};
  int has[] = {1, 1, 1, 1, 0, 1}, rank[6], flag[6];
  struct eval_flag_rule rule = {0, 0, 2, 1, 90, 60};

  eval_rank(sc, has, 6, rank);
  assert_int_equal(rank[1], 1);
  assert_int_equal(rank[0], 2);
  assert_int_equal(rank[2], 2);
  assert_int_equal(rank[3], 4);
  assert_int_equal(rank[5], 4);
  assert_int_equal(rank[4], 0); /* no score: not ranked */

  /* top 2 red: 90 and the two tied 80s all get it (ties 'all'); bottom 1
  ** black: both tied 70s */
  eval_flag_assign(&rule, sc, has, 6, flag);
  assert_int_equal(flag[1], 1);
  assert_int_equal(flag[0], 1);
  assert_int_equal(flag[2], 1);
  assert_int_equal(flag[3], -1);
  assert_int_equal(flag[5], -1);
  assert_int_equal(flag[4], 0);

  /* ties 'none': a tied group that does not fit gets nothing */
  rule.ties_none = 1;
  eval_flag_assign(&rule, sc, has, 6, flag);
  assert_int_equal(flag[1], 1);
  assert_int_equal(flag[0], 0);
  assert_int_equal(flag[2], 0);
  assert_int_equal(flag[3], 0);
  assert_int_equal(flag[5], 0);

  /* thresholds: red at or above 90, black below 75 */
  rule.threshold = 1;
  rule.black_max = 75;
  eval_flag_assign(&rule, sc, has, 6, flag);
  assert_int_equal(flag[1], 1);
  assert_int_equal(flag[0], 0);
  assert_int_equal(flag[3], -1);
  assert_int_equal(flag[4], 0);

  /* fewer units than flags: nobody is both red and black */
  {
    double two[] = {50, 60};
    int h2[] = {1, 1}, f2[2];
    struct eval_flag_rule r = {0, 0, 3, 3, 0, 0};
    eval_flag_assign(&r, two, h2, 2, f2);
    assert_int_equal(f2[0], 1);
    assert_int_equal(f2[1], 1);
  }
}

static void
test_weights_must_sum_to_100(void **state)
{
  struct cg_err e = {0};
  char path[4200];
  int n;
  int64_t before, after;

  db_query_int(db, &before, 0, &e,
               "SELECT count(*) FROM eval_weight WHERE formula = 'operator'",
               "");
  snprintf(path, sizeof path, "%s/w.csv", dir);
  tu_write(path, "formula,term,transform,weight\n"
                 "operator,intake,bucket:intake,25\n"
                 "operator,verify_sent_ontime_rate,rate,40\n"
                 "operator,check_sent_ontime_rate,rate,30\n");
  assert_int_equal(eval_import_weights(db, path, &n, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "sum to 95 %, not 100 %"));
  db_query_int(db, &after, 0, &e,
               "SELECT count(*) FROM eval_weight WHERE formula = 'operator'",
               "");
  assert_int_equal(before, after); /* nothing changed */
  tu_write(path, "formula,term,transform,weight\n"
                 "operator,no_such,rate,100\n");
  assert_int_equal(eval_import_weights(db, path, &n, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "unknown indicator 'no_such'"));
  tu_write(path, "formula,term,transform,weight\n"
                 "operator,intake,bucket:nope,100\n");
  assert_int_equal(eval_import_weights(db, path, &n, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "no buckets for scale 'nope'"));
  /* a valid file replaces the weights */
  tu_write(path, "formula,term,transform,weight\n"
                 "operator,verify_sent_ontime_rate,rate,50\n"
                 "operator,check_sent_ontime_rate,rate,50\n");
  assert_int_equal(eval_import_weights(db, path, &n, &e), CG_OK);
  assert_int_equal(n, 2);
  /* buckets: a grade must be a letter; a scale the weights use stays */
  snprintf(path, sizeof path, "%s/b.csv", dir);
  tu_write(path, "scale,op,bound,value\ngrade,>=,90,Z\n");
  assert_int_equal(eval_import_buckets(db, path, &n, &e), CG_EINVAL);
  tu_write(path, "scale,op,bound,value\ngrade,>=,90,A\n");
  assert_int_equal(eval_import_buckets(db, path, &n, &e), CG_OK);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grades),
      cmocka_unit_test(test_buckets_scale_with_the_period),
      cmocka_unit_test(test_formulas),
      cmocka_unit_test(test_ranking_and_flags_with_ties),
      cmocka_unit_test(test_weights_must_sum_to_100),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
