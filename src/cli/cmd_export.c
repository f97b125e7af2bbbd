/*
** cmd_export.c — `citygrid export grids|communities|streets`: the stored
** areas of one level as a GeoJSON FeatureCollection, in WGS84 or GCJ-02.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "area/area.h"

int
cmd_export(struct cli *cli, struct opts *o)
{
  const char *fmt = opt_get(o, "format"), *crs_name = opt_get(o, "crs");
  const char *path = opt_get(o, "output");
  int level = area_level_parse(o->pos[0]), rc;
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  json_t *fc;

  if (level < AREA_DISTRICT) {
    fprintf(stderr,
            "citygrid export: unknown level '%s' (grids, communities,"
            " streets or district)\n",
            o->pos[0]);
    return EXIT_USAGE;
  }
  if (fmt && strcmp(fmt, "geojson") != 0) {
    cg_fail(&e, CG_EINVAL, "unknown format '%s' (geojson)", fmt);
    return cli_fail(&e);
  }
  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return cli_fail(&e);
  if (!(fc = area_geojson(cli->db, level, NULL, crs, &e))) return cli_fail(&e);
  if (path)
    rc = json_dump_file(fc, path, JSON_COMPACT | JSON_REAL_PRECISION(10));
  else
    rc = json_dumpf(fc, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
  if (!path) putchar('\n');
  json_decref(fc);
  if (rc != 0) {
    cg_fail(&e, CG_EIO, "cannot write '%s'", path ? path : "standard output");
    return cli_fail(&e);
  }
  return 0;
}
