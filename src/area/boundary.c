/*
** boundary.c — `citygrid import boundary` and `citygrid import grids`: real
** boundaries from GeoJSON. The district's outline comes from the official
** map data; streets, communities and unit grids come from a district's own
** survey files where it has them, and then replace what generation made.
*/
#include "area_int.h"

#include <stdlib.h>
#include <string.h>

/* The string value of property `key` of a feature (a number is formatted
** into buf), or NULL. */
static const char *
feature_prop(json_t *feature, const char *key, char *buf, size_t n)
{
  json_t *v = json_object_get(json_object_get(feature, "properties"), key);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return NULL;
}

/* Code of the one district in the store into buf; CG_ENOTFOUND if none. */
static int
stored_district(struct db *db, char *buf, size_t n, struct cg_err *e)
{
  struct db_stmt *st;
  int rc;

  if ((rc = db_prepare(db, &st,
                       "SELECT code FROM area WHERE level ="
                       " 'district'",
                       e)) != CG_OK)
    return rc;
  rc = db_step(st, e);
  if (rc == DB_ROW) snprintf(buf, n, "%s", db_col_text(st, 0));
  rc = rc == DB_ROW ? CG_OK : rc < 0 ? -rc : CG_ENOTFOUND;
  db_finalize(st);
  return rc;
}

int
area_import_boundary(struct db *db, const char *path, enum geo_crs crs,
                     const char *code, struct cg_err *e)
{
  json_t *features = area_read_features(path, e), *pick = NULL;
  GEOSGeometry *g = NULL;
  char want[32] = "", buf[32], where[600];
  const char *name = NULL;
  size_t i, ipick = 0;
  int rc = CG_OK;

  if (!features) return e->code;
  if (code) {
    if (area_level_of_code(code) != AREA_DISTRICT) {
      json_decref(features);
      return cg_fail(e, CG_EINVAL, "'%s' is not a 6-digit district code", code);
    }
    snprintf(want, sizeof want, "%s", code);
  } else if (stored_district(db, want, sizeof want, NULL) != CG_OK &&
             json_array_size(features) != 1) {
    json_decref(features);
    return cg_fail(e, CG_EINVAL,
                   "%s holds %zu features: name the district "
                   "with --code",
                   path, json_array_size(features));
  }
  for (i = 0; i < json_array_size(features); i++) {
    json_t *f = json_array_get(features, i);
    const char *c = feature_prop(f, "adcode", buf, sizeof buf);
    if (!c) c = feature_prop(f, "code", buf, sizeof buf);
    if (!*want || (c && strcmp(c, want) == 0)) {
      pick = f;
      ipick = i;
      if (!*want && c) snprintf(want, sizeof want, "%s", c);
      break;
    }
  }
  if (!pick) {
    json_decref(features);
    return cg_fail(e, CG_ENOTFOUND,
                   "%s: no feature with adcode or code "
                   "'%s'",
                   path, want);
  }
  snprintf(where, sizeof where, "%s: feature %zu ('%s')", path, ipick, want);
  if (area_level_of_code(want) != AREA_DISTRICT) {
    json_decref(features);
    return cg_fail(e, CG_EINVAL, "%s: '%s' is not a 6-digit district code",
                   where, want);
  }
  name = json_string_value(
      json_object_get(json_object_get(pick, "properties"), "name"));
  g = area_geom_from_json(json_object_get(pick, "geometry"), crs, e);
  if (!g) {
    cg_err_prefix(e, "%s", where);
    json_decref(features);
    return CG_EINVAL;
  }
  if ((rc = db_begin(db, e)) == CG_OK) {
    struct db_stmt *st;
    int64_t other;
    rc = db_query_int(db, &other, 0, e,
                      "SELECT count(*) FROM area WHERE"
                      " level = 'district' AND code <> ?",
                      "t", want);
    if (rc == CG_OK && other)
      rc = cg_fail(e, CG_ECONFLICT,
                   "%s: the store holds another district; "
                   "one data directory serves one district",
                   where);
    if (rc == CG_OK)
      rc = db_prepare(db, &st,
                      "INSERT INTO area (code, level, name) VALUES"
                      " (?, 'district', ?) ON CONFLICT (code) DO NOTHING",
                      e);
    if (rc == CG_OK) {
      db_bindf(st, "tt", want, name ? name : want);
      rc = db_step(st, e);
      rc = rc < 0 ? -rc : CG_OK;
      db_finalize(st);
    }
    if (rc == CG_OK)
      rc = area_put_geometry(db, want, g, 0, area_basename(path), e);
    if (rc == CG_OK) rc = db_commit(db, e);
    if (rc != CG_OK) db_rollback(db);
  }
  GEOSGeom_destroy_r(geo_ctx(), g);
  json_decref(features);
  return rc;
}

/* One feature of a grids file, checked. */
struct feat {
  char code[16];
  const char *name;
  int level;
  GEOSGeometry *g;
};

/* Check a feature's code against the hierarchy: its parent (the code less
** its last 3 digits) must be a stored division, or, for a grid, a stored
** community. Streets and communities must themselves be known divisions. */
static int
check_feature_code(struct db *db, const struct feat *f, const char *where,
                   struct cg_err *e)
{
  char parent[16];
  int64_t n;
  int rc;

  if (f->level == AREA_DISTRICT)
    return cg_fail(e, CG_EINVAL,
                   "%s: district outlines are imported with "
                   "'citygrid import boundary'",
                   where);
  if (f->level != AREA_GRID) {
    rc = db_query_int(db, &n, 0, e,
                      "SELECT count(*) FROM area WHERE code = ?"
                      " AND level = ?",
                      "tt", f->code, area_level_name(f->level));
    if (rc != CG_OK) return rc;
    if (!n)
      return cg_fail(e, CG_EINVAL,
                     "%s: unknown %s code '%s' (import the "
                     "division list first)",
                     where, area_level_name(f->level), f->code);
    return CG_OK;
  }
  snprintf(parent, sizeof parent, "%.12s", f->code);
  rc = db_query_int(db, &n, 0, e,
                    "SELECT count(*) FROM area WHERE code = ?"
                    " AND level = 'community'",
                    "t", parent);
  if (rc != CG_OK) return rc;
  if (!n)
    return cg_fail(e, CG_EINVAL,
                   "%s: grid '%s' names unknown community "
                   "'%s'",
                   where, f->code, parent);
  if (strcmp(f->code + 12, "000") == 0)
    return cg_fail(e, CG_EINVAL,
                   "%s: grid sequence 000 in '%s' (grids are "
                   "numbered from 001)",
                   where, f->code);
  return CG_OK;
}

/* Write the checked features: streets and communities get their real
** geometry; grids replace every stored grid. */
static int
write_features(struct db *db, struct feat *fs, size_t n, const char *source,
               struct area_counts *out, struct cg_err *e)
{
  int has_grids = 0, rc = CG_OK;
  struct db_stmt *ins = NULL;

  for (size_t i = 0; i < n; i++)
    if (fs[i].level == AREA_GRID) has_grids = 1;
  if (has_grids) {
    rc = db_exec(db, "DELETE FROM area WHERE level = 'grid'", e);
    if (rc == CG_OK)
      rc = db_prepare(db, &ins,
                      "INSERT INTO area (code, level, name,"
                      " parent_code) VALUES (?, 'grid', ?, ?)",
                      e);
  }
  for (size_t i = 0; i < n && rc == CG_OK; i++) {
    struct feat *f = &fs[i];
    if (f->level == AREA_GRID) {
      char parent[16];
      snprintf(parent, sizeof parent, "%.12s", f->code);
      db_reset(ins);
      db_bindf(ins, "ttt", f->code, f->name ? f->name : f->code, parent);
      rc = db_step(ins, e);
      rc = rc < 0 ? -rc : CG_OK;
      if (rc == CG_ECONFLICT)
        cg_fail(e, CG_ECONFLICT, "grid code '%s' appears twice", f->code);
    } else if (f->name) {
      struct db_stmt *st;
      rc = db_prepare(db, &st, "UPDATE area SET name = ? WHERE code = ?", e);
      if (rc == CG_OK) {
        db_bindf(st, "tt", f->name, f->code);
        rc = db_step(st, e);
        rc = rc < 0 ? -rc : CG_OK;
        db_finalize(st);
      }
    }
    if (rc == CG_OK) rc = area_put_geometry(db, f->code, f->g, 0, source, e);
    if (rc == CG_OK) out->n[f->level]++;
  }
  db_finalize(ins);
  return rc;
}

int
area_import_grids(struct db *db, const char *path, enum geo_crs crs,
                  struct area_counts *out, struct cg_err *e)
{
  json_t *features = area_read_features(path, e);
  GEOSGeometry *district = NULL;
  struct feat *fs = NULL;
  char dcode[32], where[600];
  size_t n, i;
  int rc = CG_OK;

  memset(out, 0, sizeof *out);
  if (!features) return e->code;
  n = json_array_size(features);
  if (n == 0) {
    json_decref(features);
    return cg_fail(e, CG_EINVAL, "%s: no features", path);
  }
  if ((rc = stored_district(db, dcode, sizeof dcode, e)) != CG_OK ||
      !(district = area_get_geometry(db, dcode, NULL, e))) {
    json_decref(features);
    cg_fail(e, CG_EINVAL,
            "no district boundary in the store: run 'citygrid "
            "import boundary' first");
    return CG_EINVAL;
  }
  fs = calloc(n, sizeof *fs);
  if (!fs) rc = cg_fail(e, CG_ENOMEM, "out of memory");
  if (rc == CG_OK) rc = db_begin(db, e);
  for (i = 0; i < n && rc == CG_OK; i++) {
    json_t *f = json_array_get(features, i);
    char buf[32];
    const char *code = feature_prop(f, "code", buf, sizeof buf);

    snprintf(where, sizeof where, "%s: feature %zu", path, i);
    if (!code) {
      rc = cg_fail(e, CG_EINVAL, "%s: no \"code\" property", where);
      break;
    }
    snprintf(where, sizeof where, "%s: feature %zu ('%s')", path, i, code);
    fs[i].level = area_level_of_code(code);
    if (fs[i].level < 0 || strncmp(code, dcode, 6) != 0) {
      rc = cg_fail(e, CG_EINVAL,
                   "%s: code must be 9, 12 or 15 digits "
                   "starting with the district code %s",
                   where, dcode);
      break;
    }
    snprintf(fs[i].code, sizeof fs[i].code, "%s", code);
    fs[i].name = json_string_value(
        json_object_get(json_object_get(f, "properties"), "name"));
    if ((rc = check_feature_code(db, &fs[i], where, e)) != CG_OK) break;
    fs[i].g = area_geom_from_json(json_object_get(f, "geometry"), crs, e);
    if (!fs[i].g) {
      cg_err_prefix(e, "%s", where);
      rc = CG_EINVAL;
      break;
    }
    if (area_outside_fraction(fs[i].g, district) > 0.01) {
      rc = cg_fail(e, CG_EINVAL,
                   "%s: more than 1%% of it lies outside the "
                   "district (wrong --crs?)",
                   where);
      break;
    }
  }
  if (rc == CG_OK) rc = write_features(db, fs, n, area_basename(path), out, e);
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    memset(out, 0, sizeof *out);
  }
  for (i = 0; fs && i < n; i++)
    if (fs[i].g) GEOSGeom_destroy_r(geo_ctx(), fs[i].g);
  free(fs);
  GEOSGeom_destroy_r(geo_ctx(), district);
  json_decref(features);
  return rc;
}
