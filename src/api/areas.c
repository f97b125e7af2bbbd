/*
** areas.c — the district's areas as GeoJSON, and point location.
*/
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse "minlon,minlat,maxlon,maxlat" into b; 0 on success. */
static int
parse_bbox(const char *s, double b[4])
{
  char *end;
  for (int i = 0; i < 4; i++) {
    b[i] = strtod(s, &end);
    if (end == s || (i < 3 && *end != ',') || (i == 3 && *end)) return -1;
    s = end + 1;
  }
  return b[0] <= b[2] && b[1] <= b[3] ? 0 : -1;
}

/* GET /api/v1/grids | /communities | /streets | /district
**   ?bbox=minlon,minlat,maxlon,maxlat   only areas whose bbox meets it
**   ?crs=wgs84|gcj02                    coordinates of the reply
** 200 a GeoJSON FeatureCollection (properties code, name, level,
** parent_code, area_m2, generated); 400 for a bad bbox or crs. */
int
areas_get_api(struct http_req *r)
{
  const char *leaf = strrchr(r->path, '/') + 1, *bb = http_arg(r, "bbox");
  const char *crs_name = http_arg(r, "crs");
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  double box[4];
  struct db *db;
  json_t *fc;

  if (bb && parse_bbox(bb, box) != 0)
    return http_reply_error(r, 400, "invalid",
                            "bbox must be minlon,minlat,"
                            "maxlon,maxlat with min <= max");
  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return http_reply_err(r, &e);
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  fc = area_geojson(db, area_level_parse(leaf), bb ? box : NULL, crs, &e);
  if (!fc) return http_reply_err(r, &e);
  return http_reply_json(r, 200, fc);
}

/* GET /api/v1/locate?lat=..&lon=..[&crs=wgs84|gcj02]
** 200 {"inside":true,"grid":{"code","name"},"community":...,"street":...,
** "district":...} or {"inside":false}; 400 for missing or bad numbers;
** 503 while the district has no grids. */
int
locate_get_api(struct http_req *r)
{
  const char *slat = http_arg(r, "lat"), *slon = http_arg(r, "lon");
  const char *crs_name = http_arg(r, "crs");
  enum geo_crs crs = GEO_WGS84;
  struct cg_err e = {0};
  struct area_place p;
  double lat, lon;
  char *end1 = NULL, *end2 = NULL;
  json_t *j;
  int found;

  if (!slat || !slon)
    return http_reply_error(r, 400, "invalid", "give lat and lon");
  lat = strtod(slat, &end1);
  lon = strtod(slon, &end2);
  if (end1 == slat || *end1 || end2 == slon || *end2)
    return http_reply_error(r, 400, "invalid", "lat and lon must be numbers");
  if (area_check_position(lat, lon, &e) != CG_OK ||
      (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK))
    return http_reply_err(r, &e);
  if (!api_app(r)->loc)
    return http_reply_error(r, 503, "unavailable",
                            "no areas to locate in: "
                            "the district has no grids yet");
  geo_convert_point(crs, GEO_WGS84, &lon, &lat);
  found = area_locate(api_app(r)->loc, lon, lat, &p);
  j = json_pack("{s:b}", "inside", found);
  for (int l = 0; l < 4 && found; l++)
    if (p.code[l])
      json_object_set_new(
          j, area_level_name(l),
          json_pack("{s:s, s:s}", "code", p.code[l], "name", p.name[l]));
  return http_reply_json(r, 200, j);
}
