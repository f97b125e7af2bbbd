/*
** locate.c — benchmark of point location on the real 管城 district, the way
** the product does it: the official divisions and boundary are imported
** into a temporary store, `grid generate` cuts ~21k unit grids of 100 m
** (timed), the locator is built from the stored grids as at start-up
** (timed), and 1,000,000 random points in the district are located with it
** and with the GEOS baseline (STR tree + prepared polygons over the same
** stored grids). Both must agree. Prints one `name: value` per line.
** Usage: bench_locate [DIR]   (run from the repository root)
*/
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "area/area.h"
#include "db/migrate.h"
#include "bench.h"

#define NPOINTS 1000000

/* xorshift64*: a fixed-seed generator so every run draws the same points.
** Returns a double in [0, 1). */
static double
rnd(uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The geometry of feature `adcode` in a GeoJSON FeatureCollection file,
** repaired. Returns a new geometry (caller frees) or NULL with a message
** printed. */
/* The GEOS baseline: an STR tree over the grids and every grid prepared. */
struct baseline {
  GEOSSTRtree *tree;
  const GEOSPreparedGeometry **prep;
  int n;
};

/* One baseline query: the point and the grid found (-1 if none). */
struct hit {
  const struct baseline *b;
  const GEOSGeometry *pt;
  int found;
};

/* STR tree callback: test one candidate grid. GEOS 3.11 cannot stop a
** query early, so the remaining candidates are skipped here instead. */
static void
baseline_visit(void *item, void *userdata)
{
  struct hit *q = userdata;
  int i = (int)(intptr_t)item;
  if (q->found < 0 && GEOSPreparedContains_r(geo_ctx(), q->b->prep[i], q->pt))
    q->found = i;
}

/* The grid holding (x, y) by GEOS, or -1. GEOSPreparedContainsXY_r only
** came in GEOS 3.12; with 3.11 a point geometry is made and freed per
** query, and that cost is part of the baseline. */
static int
baseline_locate(const struct baseline *b, double x, double y)
{
  struct hit q = {b, NULL, -1};
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geo_ctx(), x, y);
  q.pt = pt;
  GEOSSTRtree_query_r(geo_ctx(), b->tree, pt, baseline_visit, &q);
  GEOSGeom_destroy_r(geo_ctx(), pt);
  return q.found;
}

static void
check(int rc, const struct cg_err *e, const char *what)
{
  if (rc == CG_OK) return;
  fprintf(stderr, "bench_locate: %s: %s\n", what, e->msg);
  exit(1);
}

int
main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "bench-data-locate";
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *reader = GEOSGeoJSONReader_create_r(h);
  struct area_locator *loc;
  struct area_counts ac;
  struct baseline base = {0};
  struct cg_err e = {0};
  struct db *db;
  struct db_stmt *st;
  GEOSGeometry **grids;
  const char **codes, **ans;
  double t, t_gen, t_ix, t_cg = 1e30, t_geos, *xy, b[4];
  uint64_t seed = 20240601;
  char path[4200];
  int ngrids, mism = 0;
  json_t *fc, *f;
  size_t i;

  snprintf(path, sizeof path, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(path) != 0) return 1;
  snprintf(path, sizeof path, "%s/citygrid.db", dir);
  check(db_open(&db, path, DB_CREATE, &e), &e, "open");
  check(db_migrate(db, &e), &e, "migrate");
  check(area_import_divisions(db, "data/guancheng-divisions.csv", &ac, &e), &e,
        "divisions");
  check(area_import_boundary(db, "data/zhengzhou-districts-wgs84.geojson",
                             GEO_WGS84, "410104", &e),
        &e, "boundary");
  t = bench_secs();
  check(area_generate(db, 100, &ngrids, &e), &e, "grid generate");
  t_gen = bench_secs() - t;
  t = bench_secs();
  check(area_locator_load(db, &loc, &e), &e, "locator");
  t_ix = bench_secs() - t;

  /* random points in the district: rejection sampling on its bbox */
  check(db_prepare(db, &st,
                   "SELECT min_lon, min_lat, max_lon, max_lat FROM"
                   " area WHERE level = 'district'",
                   &e),
        &e, "bbox");
  if (db_step(st, &e) != DB_ROW) return 1;
  for (int k = 0; k < 4; k++)
    b[k] = db_col_double(st, k);
  db_finalize(st);
  xy = malloc(2 * (size_t)NPOINTS * sizeof *xy);
  ans = malloc(NPOINTS * sizeof *ans);
  if (!xy || !ans) return 1;
  for (int k = 0; k < NPOINTS;) {
    struct area_place p;
    double x = b[0] + rnd(&seed) * (b[2] - b[0]);
    double y = b[1] + rnd(&seed) * (b[3] - b[1]);
    if (!area_locate(loc, x, y, &p)) continue;
    xy[2 * k] = x;
    xy[2 * k + 1] = y;
    k++;
  }

  /* citygrid: best of three passes over the same points (the answers are
  ** kept and compared below, so the loop cannot be optimised away) */
  for (int pass = 0; pass < 3; pass++) {
    t = bench_secs();
    for (int k = 0; k < NPOINTS; k++) {
      struct area_place p;
      ans[k] = area_locate(loc, xy[2 * k], xy[2 * k + 1], &p)
                   ? p.code[AREA_GRID]
                   : NULL;
    }
    t = bench_secs() - t;
    t_cg = t < t_cg ? t : t_cg;
  }

  /* GEOS: the same stored grids; tree and prepared geometries built before
  ** the clock starts */
  fc = area_geojson(db, AREA_GRID, NULL, GEO_WGS84, &e);
  if (!fc) check(e.code, &e, "grids");
  base.n = (int)json_array_size(json_object_get(fc, "features"));
  base.tree = GEOSSTRtree_create_r(h, 10);
  base.prep = malloc((size_t)base.n * sizeof *base.prep);
  grids = malloc((size_t)base.n * sizeof *grids);
  codes = malloc((size_t)base.n * sizeof *codes);
  if (!base.tree || !base.prep || !grids || !codes) return 1;
  json_array_foreach(json_object_get(fc, "features"), i, f)
  {
    char *text = json_dumps(json_object_get(f, "geometry"), JSON_COMPACT);
    grids[i] = GEOSGeoJSONReader_readGeometry_r(h, reader, text);
    free(text);
    codes[i] = json_string_value(
        json_object_get(json_object_get(f, "properties"), "code"));
    GEOSSTRtree_insert_r(h, base.tree, grids[i], (void *)(intptr_t)i);
    base.prep[i] = GEOSPrepare_r(h, grids[i]);
  }
  /* GEOSSTRtree_build_r only came in 3.12: 3.11 builds the tree on the
  ** first query, so one query is made before timing */
  baseline_locate(&base, xy[0], xy[1]);
  t = bench_secs();
  for (int k = 0; k < NPOINTS; k++) {
    int g = baseline_locate(&base, xy[2 * k], xy[2 * k + 1]);
    const char *code = g >= 0 ? codes[g] : NULL;
    mism += !code != !ans[k] || (code && strcmp(code, ans[k]) != 0);
  }
  t_geos = bench_secs() - t;

  printf("locate.grids: %d\n", ngrids);
  printf("locate.generate.s: %.3f\n", t_gen);
  printf("locate.index_build_from_store.s: %.4f\n", t_ix);
  printf("locate.points: %d\n", NPOINTS);
  printf("locate.citygrid.per_s: %.0f\n", NPOINTS / t_cg);
  printf("locate.geos_strtree.per_s: %.0f\n", NPOINTS / t_geos);
  printf("locate.mismatches: %d\n", mism);
  printf("locate.ratio.citygrid_over_geos: %.1f\n", t_geos / t_cg);

  for (int k = 0; k < base.n; k++) {
    GEOSPreparedGeom_destroy_r(h, base.prep[k]);
    GEOSGeom_destroy_r(h, grids[k]);
  }
  free(base.prep);
  free(grids);
  free(codes);
  GEOSSTRtree_destroy_r(h, base.tree);
  GEOSGeoJSONReader_destroy_r(h, reader);
  json_decref(fc);
  area_locator_free(loc);
  db_close(db);
  free(xy);
  free(ans);
  snprintf(path, sizeof path, "rm -rf '%s'", dir);
  if (system(path) != 0) return 1;
  geo_ctx_finish();
  return mism != 0;
}
