/*
** cmd_import.c — `citygrid import divisions|boundary|grids|categories FILE`:
** the front of the area and category imports, each of which applies whole
** or not at all.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "area/area.h"
#include "case/case.h"
#include "category/category.h"
#include "eval/eval.h"
#include "org/org.h"

/* Print what an area import wrote, e.g. "14 streets, 155 communities". */
static void
print_counts(const struct area_counts *c, const char *path)
{
  static const char *const plural[] = {"districts", "streets", "communities",
                                       "grids"};
  const char *sep = "";
  printf("imported ");
  for (int l = 0; l < 4; l++)
    if (c->n[l]) {
      printf("%s%d %s", sep, c->n[l],
             c->n[l] == 1 ? area_level_name(l) : plural[l]);
      sep = ", ";
    }
  printf(" from '%s'\n", path);
}

/* Replay a 311 workload, then run the escalation sweep once. */
static int
import_cases(struct cli *cli, const char *path, const char *map, int fit)
{
  struct case_replay_stats st;
  struct case_setup cs;
  struct cg_err e = {0};
  int rc, n = 0;

  if (!map) {
    cg_fail(&e, CG_EINVAL,
            "replaying cases needs --map FILE (foreign "
            "category -> scheme,kind,code)");
    return cli_fail(&e);
  }
  if (case_setup_load(&cs, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  rc = case_replay(&cs.env, path, map, fit, &st, &e);
  if (rc == CG_OK) rc = case_sweep(&cs.env, case_now(&cs.env), &n, &e);
  case_setup_release(&cs);
  if (rc != CG_OK) return cli_fail(&e);
  printf("replayed %d of %d cases from '%s' (%d closed; skipped %d with no "
         "category mapping, %d outside the district); escalated %d\n",
         st.created, st.read, path, st.closed, st.skipped, st.outside, n);
  return 0;
}

int
cmd_import(struct cli *cli, struct opts *o)
{
  const char *what = o->pos[0], *path = o->pos[1];
  const char *crs_name = opt_get(o, "crs");
  struct cg_err e = {0};
  struct area_counts c;
  enum geo_crs crs = GEO_WGS84;
  int n;

  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return cli_fail(&e);
  if (strcmp(what, "divisions") == 0) {
    if (area_import_divisions(cli->db, path, &c, &e) != CG_OK)
      return cli_fail(&e);
    print_counts(&c, path);
  } else if (strcmp(what, "boundary") == 0) {
    if (area_import_boundary(cli->db, path, crs, opt_get(o, "code"), &e) !=
        CG_OK)
      return cli_fail(&e);
    printf("imported the district boundary from '%s'\n", path);
  } else if (strcmp(what, "grids") == 0) {
    if (area_import_grids(cli->db, path, crs, &c, &e) != CG_OK)
      return cli_fail(&e);
    print_counts(&c, path);
  } else if (strcmp(what, "categories") == 0) {
    if (category_import(cli->db, path, opt_get(o, "scheme"), &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d categories from '%s'\n", n, path);
  } else if (strcmp(what, "departments") == 0) {
    if (org_dept_import(cli->db, path, &n, &e) != CG_OK) return cli_fail(&e);
    printf("imported %d departments from '%s'\n", n, path);
  } else if (strcmp(what, "routing") == 0) {
    if (case_import_routing(cli->db, path, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d routing rules from '%s'\n", n, path);
  } else if (strcmp(what, "limits") == 0) {
    if (case_import_limits(cli->db, path, &n, &e) != CG_OK) return cli_fail(&e);
    printf("imported %d time limits from '%s'\n", n, path);
  } else if (strcmp(what, "calendar") == 0) {
    if (case_import_calendar(cli->data_dir, path, NULL, &n, &e) != CG_OK)
      return cli_fail(&e);
    /* a server running on the directory loads it within a second */
    printf("imported %d calendar days from '%s'\n", n, path);
  } else if (strcmp(what, "weights") == 0) {
    if (eval_import_weights(cli->db, path, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d weights from '%s'\n", n, path);
  } else if (strcmp(what, "buckets") == 0) {
    if (eval_import_buckets(cli->db, path, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d buckets from '%s'\n", n, path);
  } else if (strcmp(what, "flag-rules") == 0) {
    if (eval_import_flag_rules(cli->db, path, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d flag settings from '%s'\n", n, path);
  } else if (strcmp(what, "segments") == 0) {
    if (eval_import_segments(cli->db, path, crs, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("imported %d segments from '%s'\n", n, path);
  } else if (strcmp(what, "cases") == 0) {
    return import_cases(cli, path, opt_get(o, "map"),
                        opt_get(o, "fit") != NULL);
  } else {
    fprintf(stderr,
            "citygrid import: unknown kind '%s' (see 'citygrid "
            "import --help')\n",
            what);
    return EXIT_USAGE;
  }
  return 0;
}
