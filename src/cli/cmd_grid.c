/*
** cmd_grid.c — `citygrid grid generate [--cell METRES]`: cut the district
** into street, community and unit-grid areas (see area_generate()).
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "area/area.h"

int
cmd_grid(struct cli *cli, struct opts *o)
{
  struct cg_err e = {0};
  struct timespec t0, t1;
  double cell = 100;
  int n;

  if (strcmp(o->pos[0], "generate") != 0) {
    fprintf(stderr, "citygrid grid: unknown action '%s' (generate)\n",
            o->pos[0]);
    return EXIT_USAGE;
  }
  if (opt_get(o, "cell") &&
      cli_number(opt_get(o, "cell"), "cell size", &cell, &e) != CG_OK)
    return cli_fail(&e);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (area_generate(cli->db, cell, &n, &e) != CG_OK) return cli_fail(&e);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("generated %d unit grids of about %g m x %g m in %.1f s\n", n, cell,
         cell,
         (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
