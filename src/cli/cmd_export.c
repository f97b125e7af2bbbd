/*
** cmd_export.c — `citygrid export ...`: the stored areas of one level
** (grids, communities, streets, district) as a GeoJSON FeatureCollection,
** in WGS84 or GCJ-02; the category dictionaries and the departments as the
** API lists them (JSON) or as the CSV `citygrid import` reads, so that a
** district's settings can be read back, edited and loaded again.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "area/area.h"
#include "category/category.h"
#include "org/org.h"

/* Write the JSON j (taken) or, when j is NULL, the CSV of `kind` (scheme
** for categories) to path, whole or not at all (cli_out_open()), or to
** standard output. 0, or the exit status of the failure reported. */
static int
write_out(struct cli *cli, json_t *j, const char *kind, const char *scheme,
          const char *path)
{
  struct cg_err e = {0};
  FILE *out = cli_out_open(path, &e);
  int rc = CG_OK;

  if (!out) {
    json_decref(j);
    return cli_fail(&e);
  }
  if (j) {
    if (json_dumpf(j, out, JSON_COMPACT | JSON_REAL_PRECISION(10)) != 0)
      rc = cg_fail(&e, CG_EIO, "cannot write the %s", kind);
    putc('\n', out);
    json_decref(j);
  } else if (kind[0] == 'c') {
    rc = category_export_csv(cli->db, scheme, out, &e);
  } else {
    rc = org_dept_export_csv(cli->db, out, &e);
  }
  if (rc != CG_OK) {
    cli_out_close(out, path, 1, &(struct cg_err){0});
    return cli_fail(&e);
  }
  return cli_out_close(out, path, 0, &e) == CG_OK ? 0 : cli_fail(&e);
}

/* export categories|departments [--format json|csv] [--scheme S] */
static int
export_settings(struct cli *cli, struct opts *o, const char *kind)
{
  const char *fmt = opt_get(o, "format"), *scheme = opt_get(o, "scheme");
  int csv = fmt && strcmp(fmt, "csv") == 0;
  struct cg_err e = {0};
  json_t *j = NULL;

  if (fmt && !csv && strcmp(fmt, "json") != 0) {
    cg_fail(&e, CG_EINVAL, "unknown format '%s' (json or csv)", fmt);
    return cli_fail(&e);
  }
  if (kind[0] == 'c' && csv && !scheme) {
    cg_fail(&e, CG_EINVAL,
            "a CSV holds the categories of one scheme: give --scheme");
    return cli_fail(&e);
  }
  if (kind[0] == 'd' && scheme) {
    cg_fail(&e, CG_EINVAL, "--scheme is for categories");
    return cli_fail(&e);
  }
  if (!csv) {
    j = kind[0] == 'c' ? category_list_json(cli->db, scheme, &e)
                       : org_dept_list_json(cli->db, &e);
    if (!j) return cli_fail(&e);
  }
  return write_out(cli, j, kind, scheme, opt_get(o, "output"));
}

int
cmd_export(struct cli *cli, struct opts *o)
{
  const char *fmt = opt_get(o, "format"), *crs_name = opt_get(o, "crs");
  int level, rc;
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  json_t *fc;

  if (!strcmp(o->pos[0], "categories") || !strcmp(o->pos[0], "departments"))
    return export_settings(cli, o, o->pos[0]);
  level = area_level_parse(o->pos[0]);
  if (level < AREA_DISTRICT) {
    fprintf(stderr,
            "citygrid export: unknown kind '%s' (grids, communities,"
            " streets, district, categories or departments)\n",
            o->pos[0]);
    return EXIT_USAGE;
  }
  if (fmt && strcmp(fmt, "geojson") != 0) {
    cg_fail(&e, CG_EINVAL, "unknown format '%s' (geojson)", fmt);
    return cli_fail(&e);
  }
  if (opt_get(o, "scheme")) {
    cg_fail(&e, CG_EINVAL, "--scheme is for categories");
    return cli_fail(&e);
  }
  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return cli_fail(&e);
  if (!(fc = area_geojson(cli->db, level, NULL, crs, &e))) return cli_fail(&e);
  rc = write_out(cli, fc, "areas", NULL, opt_get(o, "output"));
  return rc;
}
