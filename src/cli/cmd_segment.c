/*
** cmd_segment.c — `citygrid segment ...`: road segments and river sections
** (路长制 / 河长制): generate them along the grid lattice where no roads are
** loaded, list them as GeoJSON, name their chiefs, show a segment's flags.
** Loading real ones is `citygrid import segments FILE`.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

static int
print_json(json_t *j)
{
  json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
  putchar('\n');
  json_decref(j);
  return 0;
}

int
cmd_segment(struct cli *cli, struct opts *o)
{
  const char *what = o->pos[0], *id = o->npos > 1 ? o->pos[1] : NULL;
  struct cg_err e = {0};
  int n;

  if (!strcmp(what, "generate")) {
    double spacing = 1000;
    if (opt_get(o, "spacing") &&
        cli_number(opt_get(o, "spacing"), "--spacing", &spacing, &e) != CG_OK)
      return cli_fail(&e);
    if (eval_generate_segments(cli->db, spacing, &n, &e) != CG_OK)
      return cli_fail(&e);
    printf("generated %d road segments every %.0f m along the grid\n", n,
           spacing);
    return 0;
  }
  if (!strcmp(what, "list")) {
    enum geo_crs crs = GEO_WGS84;
    json_t *j;
    if (opt_get(o, "crs") && geo_crs_parse(opt_get(o, "crs"), &crs, &e))
      return cli_fail(&e);
    if (!(j = eval_segments_geojson(cli->db, opt_get(o, "kind"), crs, &e)))
      return cli_fail(&e);
    return print_json(j);
  }
  if (!strcmp(what, "chief") || !strcmp(what, "flags")) {
    json_t *j;
    double level;
    if (!id) {
      fprintf(stderr, "citygrid segment: '%s' needs a segment id\n", what);
      return EXIT_USAGE;
    }
    if (!strcmp(what, "flags")) {
      if (!(j = eval_flag_history_json(cli->db, id, &e))) return cli_fail(&e);
      return print_json(j);
    }
    if (cli_number(opt_get(o, "level"), "--level", &level, &e) != CG_OK ||
        eval_segment_chief(cli->db, id, (int)level,
                           opt_get(o, "user") ? opt_get(o, "user") : "",
                           &e) != CG_OK)
      return cli_fail(&e);
    printf("segment '%s': level %d chief is '%s'\n", id, (int)level,
           opt_get(o, "user") ? opt_get(o, "user") : "");
    return 0;
  }
  fprintf(stderr,
          "citygrid segment: unknown action '%s' (generate, list, chief, "
          "flags)\n",
          what);
  return EXIT_USAGE;
}
