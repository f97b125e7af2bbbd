/*
** cmd_report.c — `citygrid report ...`: the weekly and monthly bulletins
** (周通报 / 月通报) as JSON, CSV, a spreadsheet or a printable page; the
** indicators, scores, grades and ranks of any kind of unit over any
** period; the red and black flags of a week; the indicator definitions;
** and the refresh of the aggregates. A client of src/eval/.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* The period named by --day, --week, --month, --quarter or --from/--to:
** exactly one. */
int
cli_period(struct opts *o, const struct cal *cal, struct eval_period *p,
           struct cg_err *e)
{
  static const char *const kinds[] = {"day", "week", "month", "quarter",
                                      "from"};
  const char *kind = NULL, *value = NULL;
  int given = 0;

  for (int i = 0; i < 5; i++)
    if (opt_get(o, kinds[i])) {
      given++;
      kind = i == 4 ? "range" : kinds[i];
      value = opt_get(o, kinds[i]);
    }
  if (given != 1)
    return cg_fail(e, CG_EINVAL,
                   "name one period: --day, --week, --month, "
                   "--quarter, or --from with --to");
  if (!strcmp(kind, "range") && !opt_get(o, "to"))
    return cg_fail(e, CG_EINVAL, "--from needs --to (the last day)");
  return eval_period_parse(kind, value, opt_get(o, "to"), cal_utc_offset(cal),
                           p, e);
}

/* Write len bytes to -o FILE (whole or not at all: cli_out_open()) or to
** standard output. */
static int
emit(const char *path, const char *text, size_t len, struct cg_err *e)
{
  FILE *f = cli_out_open(path, e);
  if (!f) return e->code;
  return cli_out_close(f, path, fwrite(text, 1, len, f) != len, e);
}

static int
print_json(json_t *j, const char *path, struct cg_err *e)
{
  char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
  int rc;
  json_decref(j);
  if (!s) return cg_fail(e, CG_ENOMEM, "out of memory");
  rc = emit(path, s, strlen(s), e);
  if (rc == CG_OK && (!path || !strcmp(path, "-"))) putchar('\n');
  free(s);
  return rc;
}

/* The indicators of a kind as CSV: code, name, score, grade, rank, then
** every indicator of the kind. */
static int
indicators_csv(json_t *j, const char *path, struct cg_err *e)
{
  json_t *rows = json_object_get(j, "rows"), *r, *v;
  const char *key;
  size_t i;
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  int rc;

  fprintf(m, "code,name,score,grade,rank");
  if (json_array_size(rows))
    json_object_foreach(json_object_get(json_array_get(rows, 0), "indicators"),
                        key, v) fprintf(m, ",%s", key);
  fprintf(m, "\n");
  json_array_foreach(rows, i, r)
  {
    json_t *fields[] = {json_object_get(r, "score"),
                        json_object_get(r, "grade"),
                        json_object_get(r, "rank")};
    fprintf(m, "%s,\"%s\"", json_string_value(json_object_get(r, "code")),
            json_string_value(json_object_get(r, "name")));
    for (int k = 0; k < 3; k++) {
      v = fields[k];
      if (json_is_string(v))
        fprintf(m, ",%s", json_string_value(v));
      else if (json_is_integer(v))
        fprintf(m, ",%lld", (long long)json_integer_value(v));
      else if (json_is_real(v))
        fprintf(m, ",%.2f", json_real_value(v));
      else
        fprintf(m, ",");
    }
    json_object_foreach(json_object_get(r, "indicators"), key, v)
    {
      if (json_is_integer(v))
        fprintf(m, ",%lld", (long long)json_integer_value(v));
      else if (json_is_real(v))
        fprintf(m, ",%.2f", json_real_value(v));
      else
        fprintf(m, ",");
    }
    fprintf(m, "\n");
  }
  fclose(m);
  json_decref(j);
  rc = emit(path, text, len, e);
  free(text);
  return rc;
}

int
cmd_report(struct cli *cli, struct opts *o)
{
  const char *what = o->pos[0], *fmt = opt_get(o, "format");
  const char *out = opt_get(o, "output");
  struct case_setup cs;
  struct eval_period p;
  struct cg_err e = {0};
  int64_t at;
  int rc = CG_OK;

  if (!strcmp(what, "definitions"))
    return print_json(eval_definitions_json(), out, &e) ? cli_fail(&e) : 0;
  if (strcmp(what, "weekly") && strcmp(what, "monthly") &&
      strcmp(what, "indicators") && strcmp(what, "flags") &&
      strcmp(what, "refresh")) {
    fprintf(stderr,
            "citygrid report: unknown report '%s' (weekly, monthly, "
            "indicators, flags, refresh or definitions)\n",
            what);
    return EXIT_USAGE;
  }
  if (case_setup_load(&cs, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  at = case_now(&cs.env);
  if (opt_get(o, "at") && cli_time(cs.cal, opt_get(o, "at"), "time", &at, &e))
    goto fail;
  if (!strcmp(what, "refresh")) {
    struct eval_refresh_stats st;
    if ((rc = eval_refresh(&cs.env, opt_get(o, "rebuild") != NULL, &st, &e)))
      goto fail;
    printf("counted %lld new events of %lld cases%s\n", (long long)st.events,
           (long long)st.cases, st.rebuilt ? " (from the start)" : "");
  } else if (!strcmp(what, "flags") && opt_get(o, "segment")) {
    json_t *j = eval_flag_history_json(cli->db, opt_get(o, "segment"), &e);
    if (!j || (rc = print_json(j, out, &e))) goto fail;
  } else {
    if (!strcmp(what, "weekly") && opt_get(o, "month")) {
      cg_fail(&e, CG_EINVAL, "a weekly bulletin takes --week, not --month");
      goto fail;
    }
    if (!strcmp(what, "monthly") && opt_get(o, "week")) {
      cg_fail(&e, CG_EINVAL, "a monthly bulletin takes --month, not --week");
      goto fail;
    }
    if ((rc = cli_period(o, cs.cal, &p, &e)) != CG_OK) goto fail;
    if (!strcmp(what, "weekly") || !strcmp(what, "monthly")) {
      double max = 50;
      json_t *b;
      char *text;
      size_t len;
      if (opt_get(o, "overdue") &&
          (cli_number(opt_get(o, "overdue"), "--overdue", &max, &e) ||
           max < 0 || max > 100000)) {
        cg_fail(&e, CG_EINVAL, "--overdue takes a count from 0 to 100000");
        goto fail;
      }
      if (!strcmp(what, "weekly") != (p.kind == EP_WEEK)) {
        cg_fail(&e, CG_EINVAL, "a %s bulletin takes --%s", what,
                what[0] == 'w' ? "week" : "month");
        goto fail;
      }
      if (!(b = eval_bulletin(&cs.env, &p, at, (int)max, &e))) goto fail;
      rc = eval_render(b, fmt ? fmt : "json", cli->data_dir, &text, &len, &e);
      json_decref(b);
      if (rc != CG_OK) goto fail;
      if (fmt && !strcmp(fmt, "xlsx") && !out) {
        free(text);
        cg_fail(&e, CG_EINVAL, "a spreadsheet goes to a file: add -o FILE");
        goto fail;
      }
      rc = emit(out, text, len, &e);
      free(text);
      if (rc != CG_OK) goto fail;
    } else if (!strcmp(what, "flags")) {
      json_t *j = eval_flags_json(&cs.env, &p, at, &e);
      if (!j || (rc = print_json(j, out, &e))) goto fail;
    } else { /* indicators */
      const char *unit = opt_get(o, "unit");
      int kind = eval_kind_parse(unit);
      json_t *j;
      if (kind < 0) {
        cg_fail(&e, CG_EINVAL,
                "unknown unit '%s' (district, street, community, grid, "
                "dept, segment, supervisor, operator, shift_leader, "
                "dispatcher)",
                unit ? unit : "");
        goto fail;
      }
      if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv")) {
        cg_fail(&e, CG_EINVAL, "indicators come as json or csv, not '%s'", fmt);
        goto fail;
      }
      if (!(j = eval_indicators_json(&cs.env, kind, &p, opt_get(o, "code"), at,
                                     &e)))
        goto fail;
      rc = fmt && !strcmp(fmt, "csv") ? indicators_csv(j, out, &e)
                                      : print_json(j, out, &e);
      if (rc != CG_OK) goto fail;
    }
  }
  case_setup_release(&cs);
  return 0;
fail:
  case_setup_release(&cs);
  return cli_fail(&e);
}
