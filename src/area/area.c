/*
** area.c — level names and codes, position checks, and the storage of
** geometries shared by the area module's imports and generation.
*/
#include "area_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"district", "street", "community",
                                          "grid"};

const char *
area_level_name(int level)
{
  return level >= 0 && level < 4 ? level_names[level] : "?";
}

int
area_level_parse(const char *s)
{
  static const char *const plural[] = {"districts", "streets", "communities",
                                       "grids"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, level_names[i]) == 0 || strcmp(s, plural[i]) == 0) return i;
  return -1;
}

int
area_level_of_code(const char *code)
{
  size_t n = strlen(code);
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)code[i])) return -1;
  switch (n) {
  case 6:
    return AREA_DISTRICT;
  case 9:
    return AREA_STREET;
  case 12:
    return AREA_COMMUNITY;
  case 15:
    return AREA_GRID;
  default:
    return -1;
  }
}

int
area_check_position(double lat, double lon, struct cg_err *e)
{
  if (!isfinite(lat) || lat < -90 || lat > 90)
    return cg_fail(e, CG_EINVAL, "latitude %g out of range -90..90", lat);
  if (!isfinite(lon) || lon < -180 || lon > 180)
    return cg_fail(e, CG_EINVAL, "longitude %g out of range -180..180", lon);
  return CG_OK;
}

int
area_count(struct db *db, int level, int64_t *n, struct cg_err *e)
{
  return db_query_int(db, n, 0, e, "SELECT count(*) FROM area WHERE level = ?",
                      "t", area_level_name(level));
}

const char *
area_basename(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int
area_put_geometry(struct db *db, const char *code, const GEOSGeometry *g,
                  int generated, const char *source, struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONWriter *w = GEOSGeoJSONWriter_create_r(h);
  char *text = w ? GEOSGeoJSONWriter_writeGeometry_r(h, w, g, -1) : NULL;
  double x0, y0, x1, y1;
  struct db_stmt *st = NULL;
  int rc;

  if (w) GEOSGeoJSONWriter_destroy_r(h, w);
  if (!text)
    return cg_fail(e, CG_EINTERNAL, "cannot write geometry of '%s': %s", code,
                   geo_last_error());
  if (!GEOSGeom_getXMin_r(h, g, &x0) || !GEOSGeom_getYMin_r(h, g, &y0) ||
      !GEOSGeom_getXMax_r(h, g, &x1) || !GEOSGeom_getYMax_r(h, g, &y1)) {
    GEOSFree_r(h, text);
    return cg_fail(e, CG_EINVAL, "area '%s' has an empty geometry", code);
  }
  rc = db_prepare(db, &st,
                  "UPDATE area SET geometry = ?, area_m2 = ?, min_lon = ?,"
                  " min_lat = ?, max_lon = ?, max_lat = ?, generated = ?,"
                  " source = ? WHERE code = ?",
                  e);
  if (rc == CG_OK) {
    if (db_bindf(st, "tddddditt", text, geo_area_m2(g), x0, y0, x1, y1,
                 (int64_t)generated, source, code) != CG_OK)
      rc = cg_fail(e, CG_EINTERNAL, "cannot bind geometry of '%s'", code);
    else
      rc = db_step(st, e) < 0 ? CG_EDB : CG_OK;
    if (rc == CG_OK && db_changes(db) != 1)
      rc = cg_fail(e, CG_ENOTFOUND, "unknown area code '%s'", code);
  }
  db_finalize(st);
  GEOSFree_r(h, text);
  return rc;
}

GEOSGeometry *
area_get_geometry(struct db *db, const char *code, int *generated,
                  struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *g = NULL;
  struct db_stmt *st;

  if (db_prepare(db, &st,
                 "SELECT geometry, generated FROM area"
                 " WHERE code = ?",
                 e) != CG_OK)
    return NULL;
  db_bindf(st, "t", code);
  if (db_step(st, e) == DB_ROW && !db_col_is_null(st, 0)) {
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
    g = GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 0));
    GEOSGeoJSONReader_destroy_r(h, r);
    if (!g)
      cg_fail(e, CG_EDB, "stored geometry of '%s' is unreadable: %s", code,
              geo_last_error());
    if (generated) *generated = (int)db_col_int(st, 1);
  } else {
    cg_fail(e, CG_ENOTFOUND, "area '%s' has no geometry", code);
  }
  db_finalize(st);
  return g;
}

json_t *
area_read_features(const char *path, struct cg_err *e)
{
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *type,
         *out = NULL;
  const char *t;

  if (!root) {
    if (je.line <= 0 && je.position == 0)
      cg_fail(e, CG_EIO, "cannot read '%s': %s", path, je.text);
    else
      cg_fail(e, CG_EINVAL, "%s:%d:%d: invalid JSON: %s", path, je.line,
              je.column, je.text);
    return NULL;
  }
  type = json_object_get(root, "type");
  t = json_is_string(type) ? json_string_value(type) : "";
  if (strcmp(t, "FeatureCollection") == 0) {
    json_t *f = json_object_get(root, "features");
    if (!json_is_array(f))
      cg_fail(e, CG_EINVAL, "%s: FeatureCollection without a features array",
              path);
    else
      out = json_incref(f);
  } else if (strcmp(t, "Feature") == 0) {
    out = json_array();
    json_array_append(out, root);
  } else if (strcmp(t, "Polygon") == 0 || strcmp(t, "MultiPolygon") == 0) {
    json_t *f = json_pack("{s:s, s:O, s:{}}", "type", "Feature", "geometry",
                          root, "properties");
    out = json_array();
    json_array_append_new(out, f);
  } else {
    cg_fail(e, CG_EINVAL,
            "%s: not GeoJSON: type is '%s', expected a "
            "FeatureCollection, Feature or Polygon",
            path, t);
  }
  json_decref(root);
  return out;
}

GEOSGeometry *
area_geom_from_json(json_t *geometry, enum geo_crs crs, struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *r;
  GEOSGeometry *g, *w, *fixed;
  const char *t = json_string_value(json_object_get(geometry, "type"));
  char *text;

  if (!json_is_object(geometry) || !t) {
    cg_fail(e, CG_EINVAL, "feature has no geometry");
    return NULL;
  }
  if (strcmp(t, "Polygon") != 0 && strcmp(t, "MultiPolygon") != 0) {
    cg_fail(e, CG_EINVAL, "geometry is a %s, not a Polygon or MultiPolygon", t);
    return NULL;
  }
  text = json_dumps(geometry, JSON_COMPACT);
  r = GEOSGeoJSONReader_create_r(h);
  g = text ? GEOSGeoJSONReader_readGeometry_r(h, r, text) : NULL;
  GEOSGeoJSONReader_destroy_r(h, r);
  free(text);
  if (!g) {
    cg_fail(e, CG_EINVAL, "malformed %s: %s", t, geo_last_error());
    return NULL;
  }
  w = geo_convert(g, crs, GEO_WGS84);
  GEOSGeom_destroy_r(h, g);
  if (!w) {
    cg_fail(e, CG_EINVAL, "cannot convert %s: %s", t, geo_last_error());
    return NULL;
  }
  fixed = geo_repair(w, e);
  GEOSGeom_destroy_r(h, w);
  return fixed;
}

double
area_outside_fraction(const GEOSGeometry *g, const GEOSGeometry *within)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *d = GEOSDifference_r(h, g, within);
  double a = geo_area_m2(g), out = d ? geo_area_m2(d) : a;

  if (d) GEOSGeom_destroy_r(h, d);
  return a > 0 ? out / a : 1.0;
}
