/*
** cmd_locate.c — `citygrid locate LAT LON` and `citygrid locate --csv FILE`:
** which unit grid, community, street and district a point lies in, from
** the in-memory locator built at start.
*/
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "area/area.h"
#include "core/csv.h"

/* Print one answer as text or JSON. */
static void
print_place(double lat, double lon, int found, const struct area_place *p,
            int as_json)
{
  if (as_json) {
    json_t *j =
        json_pack("{s:f, s:f, s:b}", "lat", lat, "lon", lon, "inside", found);
    for (int l = 0; l < 4 && found; l++)
      if (p->code[l])
        json_object_set_new(
            j, area_level_name(l),
            json_pack("{s:s, s:s}", "code", p->code[l], "name", p->name[l]));
    json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
    putchar('\n');
    json_decref(j);
    return;
  }
  if (!found) {
    printf("%.7f %.7f: outside the district\n", lat, lon);
    return;
  }
  for (int l = AREA_GRID; l >= AREA_DISTRICT; l--)
    if (p->code[l])
      printf("%-10s %-16s %s\n", area_level_name(l), p->code[l], p->name[l]);
}

/* Write a field and the separator after it. */
static void
csv_out(const char *s, const char *end)
{
  csv_write_field(stdout, s);
  fputs(end, stdout);
}

/* Locate every row of a CSV with lat and lon columns; other columns are
** carried through. Stops at the first bad row, naming it. */
static int
locate_csv(const struct area_locator *loc, const char *path, enum geo_crs crs,
           struct cg_err *e)
{
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  struct csv c;
  int clat, clon, r, rc = CG_OK;

  if (!in) return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  if (csv_init(&c, in, path, e) != CG_OK) return e->code;
  if ((r = csv_read(&c, e)) <= 0) {
    rc = r == 0 ? cg_fail(e, CG_EINVAL, "%s: empty file", path) : CG_EINVAL;
    goto out;
  }
  clat = csv_column(&c, "lat");
  clon = csv_column(&c, "lon");
  if (clat < 0 || clon < 0) {
    rc = cg_fail(e, CG_EINVAL,
                 "%s:1: header must name columns 'lat' and "
                 "'lon'",
                 path);
    goto out;
  }
  for (int i = 0; i < c.nfield; i++)
    csv_out(c.field[i], ",");
  printf("grid,community,street,district\n");
  while ((r = csv_read(&c, e)) == 1) {
    struct area_place p;
    double lat, lon;
    char what[64];

    if (c.nfield == 1 && !c.field[0][0]) continue;
    if (c.nfield <= clat || c.nfield <= clon) {
      rc = cg_fail(e, CG_EINVAL, "%s:%ld: missing lat or lon", path, c.line);
      break;
    }
    snprintf(what, sizeof what, "latitude on line %ld", c.line);
    if ((rc = cli_number(c.field[clat], what, &lat, e)) != CG_OK) break;
    snprintf(what, sizeof what, "longitude on line %ld", c.line);
    if ((rc = cli_number(c.field[clon], what, &lon, e)) != CG_OK) break;
    if ((rc = area_check_position(lat, lon, e)) != CG_OK) {
      cg_err_prefix(e, "%s:%ld", path, c.line);
      break;
    }
    geo_convert_point(crs, GEO_WGS84, &lon, &lat);
    area_locate(loc, lon, lat, &p);
    for (int i = 0; i < c.nfield; i++)
      csv_out(c.field[i], ",");
    csv_out(p.code[AREA_GRID], ",");
    csv_out(p.code[AREA_COMMUNITY], ",");
    csv_out(p.code[AREA_STREET], ",");
    csv_out(p.code[AREA_DISTRICT], "\n");
  }
  if (r < 0) rc = CG_EINVAL;
out:
  csv_release(&c);
  if (in != stdin) fclose(in);
  return rc;
}

int
cmd_locate(struct cli *cli, struct opts *o)
{
  const char *crs_name = opt_get(o, "crs"), *csv = opt_get(o, "csv");
  struct area_locator *loc = NULL;
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  struct area_place p;
  double lat, lon;
  int rc;

  if (!csv && o->npos != 2) {
    fprintf(stderr, "citygrid locate: give LAT LON, or --csv FILE\n");
    return EXIT_USAGE;
  }
  if (csv && o->npos) {
    fprintf(stderr, "citygrid locate: give LAT LON or --csv FILE, not both\n");
    return EXIT_USAGE;
  }
  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return cli_fail(&e);
  if (!csv && (cli_number(o->pos[0], "latitude", &lat, &e) != CG_OK ||
               cli_number(o->pos[1], "longitude", &lon, &e) != CG_OK ||
               area_check_position(lat, lon, &e) != CG_OK))
    return cli_fail(&e);
  if (area_locator_load(cli->db, &loc, &e) != CG_OK) return cli_fail(&e);
  if (csv) {
    rc = locate_csv(loc, csv, crs, &e);
  } else {
    double wlat = lat, wlon = lon;
    geo_convert_point(crs, GEO_WGS84, &wlon, &wlat);
    print_place(lat, lon, area_locate(loc, wlon, wlat, &p), &p,
                opt_get(o, "json") != NULL);
    rc = CG_OK;
  }
  area_locator_free(loc);
  fflush(stdout);
  return rc == CG_OK ? 0 : cli_fail(&e);
}
