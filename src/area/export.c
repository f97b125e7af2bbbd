/*
** export.c — the stored areas as GeoJSON: `citygrid export` and the
** /api/v1/grids, /communities and /streets resources both build their
** FeatureCollection here.
*/
#include "area_int.h"

#include <string.h>

/* The geometry text of a row as a JSON value in the CRS asked for, or NULL
** with *e filled. */
static json_t *
geometry_json(const char *text, enum geo_crs crs, const char *code,
              struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *r;
  GEOSGeoJSONWriter *w;
  GEOSGeometry *g, *c;
  json_t *out = NULL;
  char *t;

  if (crs == GEO_WGS84) {
    json_error_t je;
    if (!(out = json_loads(text, 0, &je)))
      cg_fail(e, CG_EDB, "stored geometry of '%s' is not JSON: %s", code,
              je.text);
    return out;
  }
  r = GEOSGeoJSONReader_create_r(h);
  g = GEOSGeoJSONReader_readGeometry_r(h, r, text);
  GEOSGeoJSONReader_destroy_r(h, r);
  c = g ? geo_convert(g, GEO_WGS84, crs) : NULL;
  w = GEOSGeoJSONWriter_create_r(h);
  t = c ? GEOSGeoJSONWriter_writeGeometry_r(h, w, c, -1) : NULL;
  GEOSGeoJSONWriter_destroy_r(h, w);
  if (t) out = json_loads(t, 0, NULL);
  if (!out)
    cg_fail(e, CG_EDB, "cannot convert geometry of '%s': %s", code,
            geo_last_error());
  if (t) GEOSFree_r(h, t);
  if (c) GEOSGeom_destroy_r(h, c);
  if (g) GEOSGeom_destroy_r(h, g);
  return out;
}

json_t *
area_geojson(struct db *db, int level, const double *bbox, enum geo_crs crs,
             struct cg_err *e)
{
  struct db_stmt *st;
  json_t *fc, *features;
  int rc;

  if (level < 0 || level > AREA_GRID) {
    cg_fail(e, CG_EINVAL, "unknown area level");
    return NULL;
  }
  rc = db_prepare(db, &st,
                  bbox ? "SELECT code, name, parent_code, geometry, area_m2,"
                         " generated FROM area WHERE level = ?"
                         " AND geometry IS NOT NULL AND max_lon >= ?"
                         " AND min_lon <= ? AND max_lat >= ?"
                         " AND min_lat <= ? ORDER BY code"
                       : "SELECT code, name, parent_code, geometry, area_m2,"
                         " generated FROM area WHERE level = ?"
                         " AND geometry IS NOT NULL ORDER BY code",
                  e);
  if (rc != CG_OK) return NULL;
  db_bindf(st, "t", area_level_name(level));
  if (bbox)
    db_bindf(st, "tdddd", area_level_name(level), bbox[0], bbox[2], bbox[1],
             bbox[3]);
  features = json_array();
  fc = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features",
                 features);
  json_object_set_new(fc, "coordinate_system",
                      json_string(crs == GEO_WGS84 ? "WGS84" : "GCJ-02"));
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *code = db_col_text(st, 0);
    json_t *geom = geometry_json(db_col_text(st, 3), crs, code, e);
    if (!geom) {
      rc = -CG_EDB;
      break;
    }
    json_array_append_new(
        features,
        json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:s?, s:f, s:b}}", "type",
                  "Feature", "geometry", geom, "properties", "code", code,
                  "name", db_col_text(st, 1), "level", area_level_name(level),
                  "parent_code", db_col_text(st, 2), "area_m2",
                  db_col_double(st, 4), "generated", (int)db_col_int(st, 5)));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(fc);
    return NULL;
  }
  return fc;
}
