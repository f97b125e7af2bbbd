/*
** areas.c — the district's areas as GeoJSON, point location, and unit
** grids generated anew (the running server locates in them within a
** second: case_setup_loc()).
*/
#include "api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each level's whole GeoJSON, in each coordinate system, as last made:
** the map asks for every grid at each load, 8 MB of JSON that took longer
** to make than to send. Kept as text and gzip until counter 'areas' (every
** write to the areas counts it up) says they changed. Sent as a copy:
** another thread may make it anew while a reply is going out. */
static struct area_reply {
  int ok;          /* made, at `version` */
  int64_t version; /* counter 'areas' it was made at */
  char *raw, *gz;  /* owned */
  size_t raw_len, gz_len;
} made[4][2];
static pthread_mutex_t made_mu = PTHREAD_MUTEX_INITIALIZER;

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

/* Make m anew from the store at `version`: CG_OK, or why not in *e (m is
** then left not made). Called with made_mu held. */
static int
make_level(struct area_reply *m, struct db *db, int level, enum geo_crs crs,
           int64_t version, struct cg_err *e)
{
  json_t *fc = area_geojson(db, level, NULL, crs, e);

  free(m->raw);
  free(m->gz);
  m->raw = m->gz = NULL;
  m->ok = 0;
  if (!fc) return e->code;
  m->raw = http_json_text(fc, &m->raw_len);
  json_decref(fc);
  if (!m->raw || http_gzip(m->raw, m->raw_len, 6, &m->gz, &m->gz_len) != 0)
    return cg_fail(e, CG_ENOMEM, "out of memory for the areas' GeoJSON");
  m->ok = 1;
  m->version = version;
  return CG_OK;
}

/* Reply with a whole level's GeoJSON, made again only if the areas changed
** since: 200, or 304 when the client's copy (If-None-Match) is current. */
static int
whole_level(struct http_req *r, struct db *db, int level, enum geo_crs crs)
{
  static const char sql[] = "SELECT value FROM counter WHERE name = 'areas'";
  const char *have = http_header(r, "If-None-Match");
  struct area_reply *m = &made[level][crs];
  struct cg_err e = {0};
  int64_t version;
  int gz = http_accepts_gzip(r), rc = CG_OK;

  if (db_query_int(db, &version, 0, &e, sql, "") != CG_OK)
    return http_reply_err(r, &e);
  snprintf(r->etag, sizeof r->etag, "\"areas-%lld-%d-%d\"", (long long)version,
           level, (int)crs);
  r->cache_control = "no-cache";
  if (have && strstr(have, r->etag)) {
    r->status = 304;
    return 304;
  }
  pthread_mutex_lock(&made_mu);
  if (!m->ok || m->version != version)
    rc = make_level(m, db, level, crs, version, &e);
  if (rc == CG_OK) {
    r->text_len = gz ? m->gz_len : m->raw_len;
    if ((r->text = malloc(r->text_len)))
      memcpy(r->text, gz ? m->gz : m->raw, r->text_len);
    else
      rc = cg_fail(&e, CG_ENOMEM, "out of memory for the areas' GeoJSON");
  }
  pthread_mutex_unlock(&made_mu);
  if (rc != CG_OK) return http_reply_err(r, &e);
  r->content_type = HTTP_JSON_TYPE;
  if (gz) r->content_encoding = "gzip";
  r->status = 200;
  return 200;
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
  int level = area_level_parse(leaf);

  if (bb && parse_bbox(bb, box) != 0)
    return http_reply_error(r, 400, "invalid",
                            "bbox must be minlon,minlat,"
                            "maxlon,maxlat with min <= max");
  if (crs_name && geo_crs_parse(crs_name, &crs, &e) != CG_OK)
    return http_reply_err(r, &e);
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  if (level < AREA_DISTRICT || level > AREA_GRID)
    return http_reply_error(r, 404, "not_found", "no areas at '%.100s'",
                            r->path);
  if (!bb) return whole_level(r, db, level, crs);
  fc = area_geojson(db, level, box, crs, &e);
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
  const struct area_locator *loc;
  struct db *db;
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
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  if (!(loc = case_setup_loc(api_app(r)->cases, db)))
    return http_reply_error(r, 503, "unavailable",
                            "no areas to locate in: "
                            "the district has no grids yet");
  geo_convert_point(crs, GEO_WGS84, &lon, &lat);
  found = area_locate(loc, lon, lat, &p);
  j = json_pack("{s:b}", "inside", found);
  for (int l = 0; l < 4 && found; l++)
    if (p.code[l])
      json_object_set_new(
          j, area_level_name(l),
          json_pack("{s:s, s:s}", "code", p.code[l], "name", p.name[l]));
  return http_reply_json(r, 200, j);
}

/* POST /api/v1/grids/generate (admin) {"cell": metres, 100 by default} —
** the district cut anew into unit grids of about cell x cell metres, as
** `citygrid grid generate` does (the streets and communities without a
** real boundary too): 200 {"grids": N, "cell"}; 400 a cell size out of
** range, or no boundary or divisions to cut. */
int
grids_generate_post_api(struct http_req *r)
{
  static const struct api_field fields[] = {{"cell", JSON_REAL, 0},
                                            {NULL, 0, 0}};
  struct cg_err e = {0};
  double cell = 100;
  struct db *db;
  json_t *b;
  int status, n = 0;

  if (!(b = api_body(r, fields, &status))) return status;
  if (json_object_get(b, "cell"))
    cell = json_number_value(json_object_get(b, "cell"));
  json_decref(b);
  if (!(db = api_db(r, &e)) || area_generate(db, cell, &n, &e) != CG_OK)
    return http_reply_err(r, &e);
  return http_reply_json(r, 200,
                         json_pack("{s:i, s:f}", "grids", n, "cell", cell));
}
