/*
** locate.c — benchmark of point location on the real 管城 district: cut it
** into ~21k unit grids of 100 m, then locate 1,000,000 random points with
** citygrid's bucket index and with the GEOS baseline (STR tree + prepared
** polygons), check that both agree and print one `name: value` per line.
** Usage: bench_locate [districts.geojson [divisions.csv]]
*/
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "geo/geo.h"

#define DISTRICT "410104"
#define NPOINTS 1000000
#define MAX_STREETS 64
#define MAX_COMMUNITIES 1024

/* The divisions of one district: streets weighted by their number of
** communities, communities weighted 1. */
struct divisions {
  struct geo_area streets[MAX_STREETS];
  struct geo_area comms[MAX_COMMUNITIES];
  int nstreets, ncomms;
};

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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
static GEOSGeometry *
load_district(const char *path, const char *adcode)
{
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr), *f;
  GEOSGeometry *raw = NULL, *g = NULL;
  struct cg_err e = {0};
  size_t i;

  if (!root) {
    fprintf(stderr, "cannot read '%s': %s\n", path, jerr.text);
    return NULL;
  }
  json_array_foreach(json_object_get(root, "features"), i, f)
  {
    json_t *props = json_object_get(f, "properties");
    const char *code = json_string_value(json_object_get(props, "adcode"));
    if (code && strcmp(code, adcode) == 0) {
      char *text = json_dumps(json_object_get(f, "geometry"), 0);
      GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(geo_ctx());
      raw = GEOSGeoJSONReader_readGeometry_r(geo_ctx(), rd, text);
      GEOSGeoJSONReader_destroy_r(geo_ctx(), rd);
      free(text);
      break;
    }
  }
  json_decref(root);
  if (!raw) {
    fprintf(stderr, "no district '%s' in '%s'\n", adcode, path);
    return NULL;
  }
  g = geo_repair(raw, &e);
  GEOSGeom_destroy_r(geo_ctx(), raw);
  if (!g) fprintf(stderr, "cannot repair district '%s': %s\n", adcode, e.msg);
  return g;
}

/* Read the streets and communities of a divisions CSV (level, code,
** parent_code columns) into *d. Returns 0 on success. */
static int
load_divisions(const char *path, struct divisions *d)
{
  FILE *in = fopen(path, "r");
  struct csv c;
  struct cg_err e = {0};
  int level, code, parent, rc;

  memset(d, 0, sizeof *d);
  if (!in) {
    fprintf(stderr, "cannot open '%s'\n", path);
    return -1;
  }
  if (csv_init(&c, in, path, &e) != CG_OK || csv_read(&c, &e) != 1) {
    fprintf(stderr, "cannot read '%s': %s\n", path, e.msg);
    fclose(in);
    return -1;
  }
  level = csv_column(&c, "level");
  code = csv_column(&c, "code");
  parent = csv_column(&c, "parent_code");
  while ((rc = csv_read(&c, &e)) == 1 && level >= 0 && code >= 0 &&
         parent >= 0) {
    if (strcmp(c.field[level], "street") == 0 && d->nstreets < MAX_STREETS) {
      struct geo_area *s = &d->streets[d->nstreets++];
      snprintf(s->code, sizeof s->code, "%s", c.field[code]);
      s->parent = -1;
    } else if (strcmp(c.field[level], "community") == 0 &&
               d->ncomms < MAX_COMMUNITIES) {
      struct geo_area *m = &d->comms[d->ncomms++];
      snprintf(m->code, sizeof m->code, "%s", c.field[code]);
      m->parent = -1;
      m->weight = 1.0;
      for (int i = 0; i < d->nstreets; i++)
        if (strcmp(d->streets[i].code, c.field[parent]) == 0) {
          m->parent = i;
          d->streets[i].weight += 1.0;
        }
    }
  }
  csv_release(&c);
  fclose(in);
  if (rc < 0 || level < 0 || code < 0 || parent < 0) {
    fprintf(stderr, "bad divisions file '%s': %s\n", path,
            rc < 0 ? e.msg : "missing columns");
    return -1;
  }
  return 0;
}

/* n points drawn uniformly in g (rejection sampling on its bounding box,
** fixed seed), as x, y pairs. Caller frees. */
static double *
random_points(const GEOSGeometry *g, int n)
{
  GEOSContextHandle_t h = geo_ctx();
  const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, g);
  double *xy = malloc(2 * (size_t)n * sizeof *xy), x0, x1, y0, y1;
  uint64_t seed = 20240601;
  int k = 0;

  if (!xy || !prep) abort();
  GEOSGeom_getXMin_r(h, g, &x0);
  GEOSGeom_getXMax_r(h, g, &x1);
  GEOSGeom_getYMin_r(h, g, &y0);
  GEOSGeom_getYMax_r(h, g, &y1);
  while (k < n) {
    double x = x0 + rnd(&seed) * (x1 - x0), y = y0 + rnd(&seed) * (y1 - y0);
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
    if (GEOSPreparedContains_r(h, prep, pt) == 1) {
      xy[2 * k] = x;
      xy[2 * k + 1] = y;
      k++;
    }
    GEOSGeom_destroy_r(h, pt);
  }
  GEOSPreparedGeom_destroy_r(h, prep);
  return xy;
}

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

int
main(int argc, char **argv)
{
  const char *geojson =
      argc > 1 ? argv[1] : "data/zhengzhou-districts-wgs84.geojson";
  const char *csvpath = argc > 2 ? argv[2] : "data/guancheng-divisions.csv";
  GEOSContextHandle_t h = geo_ctx();
  static struct divisions d;
  struct geo_gen gen = {0};
  struct cg_err e = {0};
  struct geo_index *ix;
  struct baseline base = {0};
  const GEOSGeometry **polys;
  GEOSGeometry *district;
  double t, t_gen, t_ix, t_cg = 1e30, t_geos, *xy;
  int *ans, mism = 0;

  district = load_district(geojson, DISTRICT);
  if (!district || load_divisions(csvpath, &d) != 0) return 1;
  gen.district = district;
  gen.streets = d.streets;
  gen.nstreets = d.nstreets;
  gen.communities = d.comms;
  gen.ncommunities = d.ncomms;
  gen.cell_m = 100.0;
  t = now_s();
  if (geo_generate(&gen, &e) != CG_OK) {
    fprintf(stderr, "cannot generate grids: %s\n", e.msg);
    return 1;
  }
  t_gen = now_s() - t;

  polys = malloc((size_t)gen.ngrids * sizeof *polys);
  ans = malloc(NPOINTS * sizeof *ans);
  if (!polys || !ans) return 1;
  for (int i = 0; i < gen.ngrids; i++)
    polys[i] = gen.grids[i].geom;
  t = now_s();
  ix = geo_index_new(polys, gen.ngrids, &e);
  t_ix = now_s() - t;
  if (!ix) {
    fprintf(stderr, "cannot build index: %s\n", e.msg);
    return 1;
  }
  xy = random_points(district, NPOINTS);

  /* citygrid: best of three passes over the same points (the answers are
  ** kept and compared below, so the loop cannot be optimised away) */
  for (int pass = 0; pass < 3; pass++) {
    t = now_s();
    for (int k = 0; k < NPOINTS; k++)
      ans[k] = geo_index_locate(ix, xy[2 * k], xy[2 * k + 1]);
    t = now_s() - t;
    t_cg = t < t_cg ? t : t_cg;
  }

  /* GEOS: tree and prepared geometries built before the clock starts */
  base.n = gen.ngrids;
  base.tree = GEOSSTRtree_create_r(h, 10);
  base.prep = malloc((size_t)gen.ngrids * sizeof *base.prep);
  if (!base.tree || !base.prep) return 1;
  for (int i = 0; i < gen.ngrids; i++) {
    GEOSSTRtree_insert_r(h, base.tree, polys[i], (void *)(intptr_t)i);
    base.prep[i] = GEOSPrepare_r(h, polys[i]);
  }
  /* GEOSSTRtree_build_r only came in 3.12: 3.11 builds the tree on the
  ** first query, so one query is made before timing */
  baseline_locate(&base, xy[0], xy[1]);
  t = now_s();
  for (int k = 0; k < NPOINTS; k++)
    mism += baseline_locate(&base, xy[2 * k], xy[2 * k + 1]) != ans[k];
  t_geos = now_s() - t;

  printf("locate.grids: %d\n", gen.ngrids);
  printf("locate.generate.s: %.3f\n", t_gen);
  printf("locate.index_build.s: %.4f\n", t_ix);
  printf("locate.index.bytes: %zu\n", geo_index_bytes(ix));
  printf("locate.points: %d\n", NPOINTS);
  printf("locate.citygrid.per_s: %.0f\n", NPOINTS / t_cg);
  printf("locate.geos_strtree.per_s: %.0f\n", NPOINTS / t_geos);
  printf("locate.mismatches: %d\n", mism);
  printf("locate.ratio.citygrid_over_geos: %.1f\n", t_geos / t_cg);

  for (int i = 0; i < base.n; i++)
    GEOSPreparedGeom_destroy_r(h, base.prep[i]);
  free(base.prep);
  GEOSSTRtree_destroy_r(h, base.tree);
  geo_index_free(ix);
  free(xy);
  free(ans);
  free(polys);
  geo_gen_release(&gen);
  GEOSGeom_destroy_r(h, district);
  geo_ctx_finish();
  return mism != 0;
}
