/*
** segment.c — road segments (路段, 路长制) and river sections (河段, 河长制):
** line features stored as GeoJSON with three levels of chief; imported from
** GeoJSON, or generated along the unit-grid lattice for a district whose
** roads are not loaded (marked generated); exported as GeoJSON; and the
** in-memory index that attributes a case to the nearest segment within a
** distance.
*/
#include "eval_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M_PER_DEG 111195.0 /* metres per degree of latitude (mean radius) */

/* ---- geometry helpers ---------------------------------------------------- */

/* Call fn for every LineString of g (a LineString or MultiLineString). */
static int
each_line(const GEOSGeometry *g,
          int (*fn)(const GEOSCoordSequence *s, unsigned n, void *arg),
          void *arg)
{
  GEOSContextHandle_t h = geo_ctx();
  int parts = GEOSGetNumGeometries_r(h, g);
  for (int i = 0; i < parts; i++) {
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
    const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(h, p);
    unsigned n = 0;
    if (!s || !GEOSCoordSeq_getSize_r(h, s, &n)) continue;
    if (fn(s, n, arg)) return -1;
  }
  return 0;
}

struct len_acc {
  double m;
};

static int
add_length(const GEOSCoordSequence *s, unsigned n, void *arg)
{
  GEOSContextHandle_t h = geo_ctx();
  struct len_acc *a = arg;
  double x0 = 0, y0 = 0;
  for (unsigned i = 0; i < n; i++) {
    double x, y;
    GEOSCoordSeq_getXY_r(h, s, i, &x, &y);
    if (i) {
      double dx = (x - x0) * M_PER_DEG * cos((y + y0) / 2 * M_PI / 180);
      double dy = (y - y0) * M_PER_DEG;
      a->m += sqrt(dx * dx + dy * dy);
    }
    x0 = x;
    y0 = y;
  }
  return 0;
}

/* Length of a lon/lat line geometry in metres. */
static double
line_length_m(const GEOSGeometry *g)
{
  struct len_acc a = {0};
  each_line(g, add_length, &a);
  return a.m;
}

/* Store one segment (replacing one of the same id). */
static int
put_segment(struct db *db, const char *id, const char *kind, const char *name,
            const GEOSGeometry *g, int generated, const char *const chief[3],
            struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO road_segment (id, kind, name, geometry, length_m,"
      " min_lon, min_lat, max_lon, max_lat, generated, chief1, chief2,"
      " chief3) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,"
      " name = excluded.name, geometry = excluded.geometry,"
      " length_m = excluded.length_m, min_lon = excluded.min_lon,"
      " min_lat = excluded.min_lat, max_lon = excluded.max_lon,"
      " max_lat = excluded.max_lat, generated = excluded.generated,"
      " chief1 = excluded.chief1, chief2 = excluded.chief2,"
      " chief3 = excluded.chief3";
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONWriter *w = GEOSGeoJSONWriter_create_r(h);
  char *text = w ? GEOSGeoJSONWriter_writeGeometry_r(h, w, g, -1) : NULL;
  double x0, y0, x1, y1;
  struct db_stmt *st;
  int rc;

  if (w) GEOSGeoJSONWriter_destroy_r(h, w);
  if (!text || !GEOSGeom_getXMin_r(h, g, &x0) ||
      !GEOSGeom_getYMin_r(h, g, &y0) || !GEOSGeom_getXMax_r(h, g, &x1) ||
      !GEOSGeom_getYMax_r(h, g, &y1)) {
    if (text) GEOSFree_r(h, text);
    return cg_fail(e, CG_EINVAL, "segment '%s': bad geometry: %s", id,
                   geo_last_error());
  }
  if ((rc = db_prepare_cached(db, &st, sql, e)) == CG_OK) {
    db_bindf(st, "ttttddddditt", id, kind, name, text, line_length_m(g), x0, y0,
             x1, y1, (int64_t)generated, chief[0], chief[1]);
    db_bind_text(st, 13, chief[2]);
    rc = db_step(st, e);
    db_finalize(st);
    rc = rc < 0 ? -rc : CG_OK;
  }
  GEOSFree_r(h, text);
  return rc;
}

/* ---- import --------------------------------------------------------------- */

/* Read a GeoJSON FeatureCollection's features (new reference). */
static json_t *
read_features(const char *path, struct cg_err *e)
{
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je), *f;
  if (!root) {
    cg_fail(e, CG_EINVAL, "cannot read '%s': %s (line %d)", path, je.text,
            je.line);
    return NULL;
  }
  f = json_object_get(root, "features");
  if (!json_is_array(f)) {
    json_decref(root);
    cg_fail(e, CG_EINVAL, "'%s' is not a GeoJSON FeatureCollection", path);
    return NULL;
  }
  json_incref(f);
  json_decref(root);
  return f;
}

/* A property as text ("" if absent; numbers written out). */
static void
prop(json_t *props, const char *key, char *buf, size_t n)
{
  json_t *v = json_object_get(props, key);
  if (json_is_string(v))
    snprintf(buf, n, "%s", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(buf, n, "%lld", (long long)json_integer_value(v));
  else
    buf[0] = 0;
}

int
eval_import_segments(struct db *db, const char *path, enum geo_crs crs, int *n,
                     struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  json_t *features = read_features(path, e), *f;
  int rc = CG_OK, kinds_seen[2] = {0, 0};
  size_t i;

  *n = 0;
  if (!features) return e ? e->code : CG_EINVAL;
  if (json_array_size(features) == 0) {
    json_decref(features);
    return cg_fail(e, CG_EINVAL, "'%s' has no features", path);
  }
  if ((rc = db_begin(db, e)) != CG_OK) {
    json_decref(features);
    return rc;
  }
  json_array_foreach(features, i, f)
  {
    json_t *props = json_object_get(f, "properties"), *geom;
    char id[64], name[256], kind[16], c[3][128];
    const char *chief[3] = {c[0], c[1], c[2]};
    const char *t;
    GEOSGeoJSONReader *r;
    GEOSGeometry *g, *w;
    char *text;

    prop(props, "id", id, sizeof id);
    prop(props, "name", name, sizeof name);
    prop(props, "kind", kind, sizeof kind);
    prop(props, "chief1", c[0], sizeof c[0]);
    prop(props, "chief2", c[1], sizeof c[1]);
    prop(props, "chief3", c[2], sizeof c[2]);
    if (!*kind) snprintf(kind, sizeof kind, "road");
    geom = json_object_get(f, "geometry");
    t = json_string_value(json_object_get(geom, "type"));
    if (!*id)
      rc = cg_fail(e, CG_EINVAL, "%s: feature %zu has no 'id'", path, i + 1);
    else if (strcmp(kind, "road") && strcmp(kind, "river"))
      rc = cg_fail(e, CG_EINVAL,
                   "%s: segment '%s': kind '%s' is not road or"
                   " river",
                   path, id, kind);
    else if (!t || (strcmp(t, "LineString") && strcmp(t, "MultiLineString")))
      rc = cg_fail(e, CG_EINVAL,
                   "%s: segment '%s' is not a LineString or "
                   "MultiLineString",
                   path, id);
    if (rc != CG_OK) break;
    if (!kinds_seen[kind[1] == 'i']) { /* replace the kinds present */
      struct db_stmt *st;
      kinds_seen[kind[1] == 'i'] = 1;
      if ((rc = db_prepare(db, &st, "DELETE FROM road_segment WHERE kind = ?",
                           e)) != CG_OK)
        break;
      db_bindf(st, "t", kind);
      rc = db_step(st, e) < 0 ? CG_EDB : CG_OK;
      db_finalize(st);
      if (rc != CG_OK) break;
    }
    text = json_dumps(geom, JSON_COMPACT);
    r = GEOSGeoJSONReader_create_r(h);
    g = text ? GEOSGeoJSONReader_readGeometry_r(h, r, text) : NULL;
    GEOSGeoJSONReader_destroy_r(h, r);
    free(text);
    if (!g) {
      rc = cg_fail(e, CG_EINVAL, "%s: segment '%s': malformed %s: %s", path, id,
                   t, geo_last_error());
      break;
    }
    w = geo_convert(g, crs, GEO_WGS84);
    GEOSGeom_destroy_r(h, g);
    if (!w) {
      rc = cg_fail(e, CG_EINVAL, "%s: segment '%s': cannot convert", path, id);
      break;
    }
    if (!(line_length_m(w) > 0))
      rc = cg_fail(e, CG_EINVAL, "%s: segment '%s' has no length", path, id);
    else
      rc = put_segment(db, id, kind, *name ? name : id, w, 0, chief, e);
    GEOSGeom_destroy_r(h, w);
    if (rc != CG_OK) break;
    ++*n;
  }
  json_decref(features);
  if (rc == CG_OK) rc = eval_reset(db, e); /* attribution changes */
  if (rc != CG_OK) {
    db_rollback(db);
    return rc;
  }
  return db_commit(db, e);
}

/* ---- generation ----------------------------------------------------------- */

int
eval_generate_segments(struct db *db, double spacing_m, int *n,
                       struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *r;
  GEOSGeometry *district = NULL;
  const GEOSPreparedGeometry *prep = NULL;
  struct db_stmt *st;
  double x0, y0, x1, y1, dlat, dlon;
  int rc, nx, ny, made = 0;
  const char *none[3] = {"", "", ""};

  *n = 0;
  if (!(spacing_m >= 200 && spacing_m <= 10000))
    return cg_fail(e, CG_EINVAL,
                   "segment spacing %.0f m is out of range "
                   "(200 to 10000)",
                   spacing_m);
  if ((rc = db_prepare(db, &st,
                       "SELECT geometry FROM area WHERE level = 'district'"
                       " AND geometry IS NOT NULL",
                       e)) != CG_OK)
    return rc;
  if (db_step(st, e) == DB_ROW) {
    r = GEOSGeoJSONReader_create_r(h);
    district = GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 0));
    GEOSGeoJSONReader_destroy_r(h, r);
  }
  db_finalize(st);
  if (!district)
    return cg_fail(e, CG_ENOTFOUND,
                   "no district boundary: import one first "
                   "('citygrid import boundary')");
  prep = GEOSPrepare_r(h, district);
  GEOSGeom_getXMin_r(h, district, &x0);
  GEOSGeom_getYMin_r(h, district, &y0);
  GEOSGeom_getXMax_r(h, district, &x1);
  GEOSGeom_getYMax_r(h, district, &y1);
  dlat = spacing_m / M_PER_DEG;
  dlon = dlat / cos((y0 + y1) / 2 * M_PI / 180);
  nx = (int)ceil((x1 - x0) / dlon);
  ny = (int)ceil((y1 - y0) / dlat);
  if ((rc = db_begin(db, e)) != CG_OK) goto out;
  rc = db_exec(db, "DELETE FROM road_segment WHERE generated = 1", e);
  /* east-west lines (i = row), then north-south (i = column), each cut at
  ** the crossings into pieces one spacing long */
  for (int dir = 0; dir < 2 && rc == CG_OK; dir++)
    for (int i = 1; i < (dir ? nx : ny) && rc == CG_OK; i++)
      for (int j = 0; j < (dir ? ny : nx) && rc == CG_OK; j++) {
        GEOSCoordSequence *s = GEOSCoordSeq_create_r(h, 2, 2);
        GEOSGeometry *line, *cut;
        char id[32], name[64];
        if (dir == 0) {
          GEOSCoordSeq_setXY_r(h, s, 0, x0 + j * dlon, y1 - i * dlat);
          GEOSCoordSeq_setXY_r(h, s, 1, x0 + (j + 1) * dlon, y1 - i * dlat);
        } else {
          GEOSCoordSeq_setXY_r(h, s, 0, x0 + i * dlon, y1 - j * dlat);
          GEOSCoordSeq_setXY_r(h, s, 1, x0 + i * dlon, y1 - (j + 1) * dlat);
        }
        line = GEOSGeom_createLineString_r(h, s);
        if (!GEOSPreparedIntersects_r(h, prep, line)) {
          GEOSGeom_destroy_r(h, line);
          continue;
        }
        cut = GEOSIntersection_r(h, line, district);
        GEOSGeom_destroy_r(h, line);
        if (cut && line_length_m(cut) >= spacing_m / 10) {
          snprintf(id, sizeof id, "G%c%02d-%02d", dir ? 'N' : 'E', i, j + 1);
          snprintf(name, sizeof name, "生成路段 %s %d-%d",
                   dir ? "南北" : "东西", i, j + 1);
          rc = put_segment(db, id, "road", name, cut, 1, none, e);
          made += rc == CG_OK;
        }
        if (cut) GEOSGeom_destroy_r(h, cut);
      }
  if (rc == CG_OK) rc = eval_reset(db, e);
  if (rc == CG_OK)
    rc = db_commit(db, e);
  else
    db_rollback(db);
out:
  if (prep) GEOSPreparedGeom_destroy_r(h, prep);
  GEOSGeom_destroy_r(h, district);
  *n = made;
  return rc;
}

int
eval_segment_chief(struct db *db, const char *id, int level, const char *who,
                   struct cg_err *e)
{
  static const char *const sql[3] = {
      "UPDATE road_segment SET chief1 = ? WHERE id = ?",
      "UPDATE road_segment SET chief2 = ? WHERE id = ?",
      "UPDATE road_segment SET chief3 = ? WHERE id = ?"};
  struct db_stmt *st;
  int rc;
  if (level < 1 || level > 3)
    return cg_fail(e, CG_EINVAL, "chief level %d is not 1, 2 or 3", level);
  if ((rc = db_prepare(db, &st, sql[level - 1], e)) != CG_OK) return rc;
  db_bindf(st, "tt", who ? who : "", id);
  rc = db_step(st, e);
  db_finalize(st);
  if (rc < 0) return -rc;
  if (db_changes(db) == 0)
    return cg_fail(e, CG_ENOTFOUND, "no segment '%s'", id);
  return CG_OK;
}

json_t *
eval_segments_geojson(struct db *db, const char *kind, enum geo_crs crs,
                      struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  json_t *list = json_array();
  struct db_stmt *st;
  int rc;

  if (kind && strcmp(kind, "road") && strcmp(kind, "river")) {
    json_decref(list);
    cg_fail(e, CG_EINVAL, "kind '%s' is not road or river", kind);
    return NULL;
  }
  if (db_prepare(db, &st,
                 "SELECT id, kind, name, geometry, length_m, generated,"
                 " chief1, chief2, chief3 FROM road_segment WHERE ? IS NULL"
                 " OR kind = ? ORDER BY id",
                 e) != CG_OK) {
    json_decref(list);
    return NULL;
  }
  db_bindf(st, "tt", kind, kind);
  while ((rc = db_step(st, e)) == DB_ROW) {
    json_t *geom = NULL;
    if (crs == GEO_WGS84) {
      geom = json_loads(db_col_text(st, 3), 0, NULL);
    } else {
      GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
      GEOSGeoJSONWriter *w = GEOSGeoJSONWriter_create_r(h);
      GEOSGeometry *g =
          GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 3));
      GEOSGeometry *c = g ? geo_convert(g, GEO_WGS84, crs) : NULL;
      char *text = c ? GEOSGeoJSONWriter_writeGeometry_r(h, w, c, -1) : NULL;
      if (text) geom = json_loads(text, 0, NULL);
      if (text) GEOSFree_r(h, text);
      if (c) GEOSGeom_destroy_r(h, c);
      if (g) GEOSGeom_destroy_r(h, g);
      GEOSGeoJSONReader_destroy_r(h, r);
      GEOSGeoJSONWriter_destroy_r(h, w);
    }
    json_array_append_new(
        list,
        json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:f, s:b, s:s, s:s, s:s}}",
                  "type", "Feature", "geometry", geom ? geom : json_null(),
                  "properties", "id", db_col_text(st, 0), "kind",
                  db_col_text(st, 1), "name", db_col_text(st, 2), "length_m",
                  eval_round2(db_col_double(st, 4)), "generated",
                  (int)db_col_int(st, 5), "chief1", db_col_text(st, 6),
                  "chief2", db_col_text(st, 7), "chief3", db_col_text(st, 8)));
  }
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", list);
}

/* ---- the index ------------------------------------------------------------ */

/* One edge of a segment, in local metres. */
struct edge {
  double ax, ay, bx, by;
  int seg;
};

struct seg_index {
  char (*ids)[64];
  int nsegs;
  struct edge *edges;
  int nedges, capedges;
  double lat0, lon0, kx, cell, max_m;
  int nx, ny;
  int *start, *items; /* cell c holds items[start[c] .. start[c+1]) */
};

struct load_arg {
  struct seg_index *ix;
  int seg;
};

static int
add_edges(const GEOSCoordSequence *s, unsigned n, void *arg)
{
  GEOSContextHandle_t h = geo_ctx();
  struct load_arg *a = arg;
  struct seg_index *ix = a->ix;
  double px = 0, py = 0;
  for (unsigned i = 0; i < n; i++) {
    double x, y;
    GEOSCoordSeq_getXY_r(h, s, i, &x, &y);
    x = (x - ix->lon0) * ix->kx;
    y = (y - ix->lat0) * M_PER_DEG;
    if (i) {
      if (ix->nedges == ix->capedges) {
        ix->capedges = ix->capedges ? ix->capedges * 2 : 1024;
        ix->edges = realloc(ix->edges, ix->capedges * sizeof *ix->edges);
        if (!ix->edges) return -1;
      }
      ix->edges[ix->nedges++] = (struct edge){px, py, x, y, a->seg};
    }
    px = x;
    py = y;
  }
  return 0;
}

/* Cells an edge's box, grown by max_m, covers: [*c0, *c1] by axis. */
static void
edge_cells(const struct seg_index *ix, const struct edge *g, int *cx0, int *cy0,
           int *cx1, int *cy1, double x0, double y0)
{
  double lx = fmin(g->ax, g->bx) - ix->max_m - x0;
  double hx = fmax(g->ax, g->bx) + ix->max_m - x0;
  double ly = fmin(g->ay, g->by) - ix->max_m - y0;
  double hy = fmax(g->ay, g->by) + ix->max_m - y0;
  *cx0 = (int)fmax(0, floor(lx / ix->cell));
  *cx1 = (int)fmin(ix->nx - 1, floor(hx / ix->cell));
  *cy0 = (int)fmax(0, floor(ly / ix->cell));
  *cy1 = (int)fmin(ix->ny - 1, floor(hy / ix->cell));
}

int
seg_index_load(struct db *db, double max_m, struct seg_index **out,
               struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  struct seg_index *ix;
  struct db_stmt *st;
  double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
  int rc, cap = 0, *fill;

  *out = NULL;
  if (!(ix = calloc(1, sizeof *ix))) return cg_fail(e, CG_ENOMEM, "no memory");
  ix->max_m = max_m > 0 ? max_m : 50;
  if ((rc = db_prepare(db, &st,
                       "SELECT id, geometry, (min_lat + max_lat) / 2,"
                       " (min_lon + max_lon) / 2 FROM road_segment ORDER BY id",
                       e)) != CG_OK) {
    free(ix);
    return rc;
  }
  while ((rc = db_step(st, e)) == DB_ROW) {
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
    GEOSGeometry *g =
        GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 1));
    struct load_arg a;
    GEOSGeoJSONReader_destroy_r(h, r);
    if (ix->nsegs == 0) { /* the local projection's origin */
      ix->lat0 = db_col_double(st, 2);
      ix->lon0 = db_col_double(st, 3);
      ix->kx = M_PER_DEG * cos(ix->lat0 * M_PI / 180);
    }
    if (ix->nsegs == cap) {
      cap = cap ? cap * 2 : 64;
      ix->ids = realloc(ix->ids, cap * sizeof *ix->ids);
      if (!ix->ids) abort();
    }
    snprintf(ix->ids[ix->nsegs], 64, "%s", db_col_text(st, 0));
    a.ix = ix;
    a.seg = ix->nsegs++;
    if (g) {
      if (each_line(g, add_edges, &a)) abort();
      GEOSGeom_destroy_r(h, g);
    }
  }
  db_finalize(st);
  if (rc < 0 || ix->nedges == 0) {
    seg_index_free(ix);
    return rc < 0 ? -rc : CG_OK;
  }
  for (int i = 0; i < ix->nedges; i++) {
    struct edge *g = &ix->edges[i];
    minx = fmin(minx, fmin(g->ax, g->bx));
    maxx = fmax(maxx, fmax(g->ax, g->bx));
    miny = fmin(miny, fmin(g->ay, g->by));
    maxy = fmax(maxy, fmax(g->ay, g->by));
  }
  minx -= ix->max_m;
  miny -= ix->max_m;
  ix->cell = fmax(ix->max_m * 2, 200);
  ix->nx = (int)((maxx + ix->max_m - minx) / ix->cell) + 1;
  ix->ny = (int)((maxy + ix->max_m - miny) / ix->cell) + 1;
  /* keep the grid's origin in lon0/lat0 terms: shift by (minx, miny) */
  ix->lon0 += minx / ix->kx;
  ix->lat0 += miny / M_PER_DEG;
  for (int i = 0; i < ix->nedges; i++) {
    ix->edges[i].ax -= minx;
    ix->edges[i].bx -= minx;
    ix->edges[i].ay -= miny;
    ix->edges[i].by -= miny;
  }
  ix->start = calloc((size_t)ix->nx * ix->ny + 1, sizeof *ix->start);
  fill = calloc((size_t)ix->nx * ix->ny, sizeof *fill);
  if (!ix->start || !fill) abort();
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < ix->nedges; i++) {
      int cx0, cy0, cx1, cy1;
      edge_cells(ix, &ix->edges[i], &cx0, &cy0, &cx1, &cy1, 0, 0);
      for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++) {
          size_t c = (size_t)cy * ix->nx + cx;
          if (pass == 0)
            ix->start[c + 1]++;
          else
            ix->items[ix->start[c] + fill[c]++] = i;
        }
    }
    if (pass == 0) {
      for (size_t c = 0; c < (size_t)ix->nx * ix->ny; c++)
        ix->start[c + 1] += ix->start[c];
      ix->items = malloc(((size_t)ix->start[(size_t)ix->nx * ix->ny] + 1) *
                         sizeof *ix->items);
      if (!ix->items) abort();
    }
  }
  free(fill);
  *out = ix;
  return CG_OK;
}

const char *
seg_index_nearest(const struct seg_index *ix, double lon, double lat)
{
  double x = (lon - ix->lon0) * ix->kx, y = (lat - ix->lat0) * M_PER_DEG;
  int cx = (int)floor(x / ix->cell), cy = (int)floor(y / ix->cell);
  double best = ix->max_m * ix->max_m;
  int hit = -1;

  if (cx < 0 || cy < 0 || cx >= ix->nx || cy >= ix->ny) return NULL;
  {
    size_t c = (size_t)cy * ix->nx + cx;
    for (int k = ix->start[c]; k < ix->start[c + 1]; k++) {
      const struct edge *g = &ix->edges[ix->items[k]];
      double dx = g->bx - g->ax, dy = g->by - g->ay;
      double len2 = dx * dx + dy * dy, t = 0, px, py, d2;
      if (len2 > 0)
        t = fmax(0, fmin(1, ((x - g->ax) * dx + (y - g->ay) * dy) / len2));
      px = g->ax + t * dx - x;
      py = g->ay + t * dy - y;
      d2 = px * px + py * py;
      /* nearest wins; a tie goes to the first segment by id */
      if (d2 < best || (d2 == best && hit >= 0 && g->seg < hit)) {
        best = d2;
        hit = g->seg;
      } else if (d2 <= best && hit < 0) {
        best = d2;
        hit = g->seg;
      }
    }
  }
  return hit >= 0 ? ix->ids[hit] : NULL;
}

void
seg_index_free(struct seg_index *ix)
{
  if (!ix) return;
  free(ix->ids);
  free(ix->edges);
  free(ix->start);
  free(ix->items);
  free(ix);
}
