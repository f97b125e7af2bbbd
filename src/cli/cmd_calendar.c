/*
** cmd_calendar.c — `citygrid calendar [YEAR]`: the working calendar a year's
** deadlines are counted by — the working hours, and the holidays and
** make-up working days (调休) of the files in DIR/calendar — as lines, as
** JSON (--format json) or as the CSV `citygrid import calendar` reads.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "case/case.h"

int
cmd_calendar(struct cli *cli, struct opts *o)
{
  const char *fmt = opt_get(o, "format");
  struct case_setup cs;
  struct cg_err e = {0};
  json_t *j;
  int y = 0, rc = 0;

  if (fmt && strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "csv")) {
    cg_fail(&e, CG_EINVAL, "unknown format '%s' (text, json or csv)", fmt);
    return cli_fail(&e);
  }
  if (case_setup_load(&cs, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  if (case_calendar_year(cs.cal, o->npos ? o->pos[0] : NULL, &y, &e) != CG_OK) {
    case_setup_release(&cs);
    return cli_fail(&e);
  }
  if (fmt && strcmp(fmt, "csv") == 0) {
    if (case_calendar_csv(cs.cal, y, stdout, &e) != CG_OK) rc = cli_fail(&e);
  } else if (!(j = case_calendar_json(&cs, cs.cal, y))) {
    cg_fail(&e, CG_ENOMEM, "out of memory");
    rc = cli_fail(&e);
  } else if (fmt && strcmp(fmt, "json") == 0) {
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(j);
  } else {
    size_t i;
    json_t *d;
    printf("%d: working hours %s; files:", y,
           json_string_value(json_object_get(j, "hours")));
    json_array_foreach(json_object_get(j, "files"), i, d)
        printf(" %s", json_string_value(d));
    printf("%s\n", json_array_size(json_object_get(j, "files")) ? "" : " none");
    json_array_foreach(json_object_get(j, "days"), i, d)
        printf("%s %-7s %s\n", json_string_value(json_object_get(d, "date")),
               json_string_value(json_object_get(d, "kind")),
               json_string_value(json_object_get(d, "name")));
    if (!json_array_size(json_object_get(j, "days")))
      printf("no holidays or make-up working days named: Monday to Friday "
             "work\n");
    json_decref(j);
  }
  case_setup_release(&cs);
  return rc;
}
