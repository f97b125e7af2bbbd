/*
** test_geo.c — unit tests of src/geo: the GEOS context and its errors,
** WGS84/GCJ-02 conversion, areas and repair on the real 管城 district,
** grid generation (21k grids of 100 m, codes, coverage, refusals, real
** boundaries) and the point index checked point by point against GEOS.
*/
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "geo/geo.h"

#define DISTRICT "410104"

/* ---- helpers ----------------------------------------------------------- */

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A deterministic generator (xorshift64*), state owned by the caller. */
static double
rnd(unsigned long long *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The geometry of the feature with properties.adcode == adcode in a
** GeoJSON FeatureCollection file, as read by GEOS. Caller frees. */
static GEOSGeometry *
load_feature(const char *file, const char *adcode)
{
  char *text = tu_slurp(tu_data(file));
  json_t *root, *features, *f;
  GEOSGeoJSONReader *rd;
  GEOSGeometry *g = NULL;
  size_t i;

  assert_non_null(text);
  root = json_loads(text, 0, NULL);
  assert_non_null(root);
  features = json_object_get(root, "features");
  json_array_foreach(features, i, f)
  {
    const char *code = json_string_value(
        json_object_get(json_object_get(f, "properties"), "adcode"));
    if (code && strcmp(code, adcode) == 0) {
      char *geom = json_dumps(json_object_get(f, "geometry"), 0);
      rd = GEOSGeoJSONReader_create_r(geo_ctx());
      g = GEOSGeoJSONReader_readGeometry_r(geo_ctx(), rd, geom);
      GEOSGeoJSONReader_destroy_r(geo_ctx(), rd);
      free(geom);
      break;
    }
  }
  json_decref(root);
  free(text);
  assert_non_null(g);
  return g;
}

/* The repaired 管城 district in WGS84. Caller frees. */
static GEOSGeometry *
load_district(void)
{
  GEOSGeometry *raw =
      load_feature("zhengzhou-districts-wgs84.geojson", DISTRICT);
  struct cg_err e = {0};
  GEOSGeometry *g = geo_repair(raw, &e);
  assert_non_null(g);
  GEOSGeom_destroy_r(geo_ctx(), raw);
  return g;
}

/* Streets and communities of guancheng-divisions.csv; weights are the
** number of communities of a street, 1 for a community. */
struct divisions {
  struct geo_area streets[32], comms[256];
  int nstreets, ncomms;
};

static void
load_divisions(struct divisions *d)
{
  FILE *f = fopen(tu_data("guancheng-divisions.csv"), "r");
  struct csv c;
  struct cg_err e = {0};
  int level, code, parent;

  memset(d, 0, sizeof *d);
  assert_non_null(f);
  assert_int_equal(csv_init(&c, f, "divisions", &e), CG_OK);
  assert_int_equal(csv_read(&c, &e), 1);
  level = csv_column(&c, "level");
  code = csv_column(&c, "code");
  parent = csv_column(&c, "parent_code");
  while (csv_read(&c, &e) == 1) {
    if (strcmp(c.field[level], "street") == 0) {
      struct geo_area *s = &d->streets[d->nstreets++];
      snprintf(s->code, sizeof s->code, "%s", c.field[code]);
      s->parent = -1;
    } else if (strcmp(c.field[level], "community") == 0) {
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
  fclose(f);
  assert_int_equal(d->nstreets, 14);
  assert_int_equal(d->ncomms, 155);
}

/* Planar area in square degrees: sums and unions compare exactly this way
** (area_m2 takes each grid's own latitude). */
static double
deg2(const GEOSGeometry *g)
{
  double a = 0.0;
  GEOSArea_r(geo_ctx(), g, &a);
  return a;
}

/* True for an axis-aligned rectangle: 4 corners filling their envelope. */
static int
is_rect(const GEOSGeometry *g)
{
  GEOSContextHandle_t h = geo_ctx();
  double x0, x1, y0, y1;

  if (GEOSGeomTypeId_r(h, g) != GEOS_POLYGON ||
      GEOSGetNumCoordinates_r(h, g) != 5)
    return 0;
  GEOSGeom_getXMin_r(h, g, &x0);
  GEOSGeom_getXMax_r(h, g, &x1);
  GEOSGeom_getYMin_r(h, g, &y0);
  GEOSGeom_getYMax_r(h, g, &y1);
  return fabs(deg2(g) - (x1 - x0) * (y1 - y0)) < 1e-12 * deg2(g);
}

static int
npolygons(const GEOSGeometry *g)
{
  GEOSContextHandle_t h = geo_ctx();
  return GEOSGeomTypeId_r(h, g) == GEOS_POLYGON ? 1
                                                : GEOSGetNumGeometries_r(h, g);
}

/* ---- context and errors ----------------------------------------------- */

static void
test_ctx_error(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
  (void)state;

  assert_non_null(h);
  assert_ptr_equal(h, geo_ctx());
  assert_null(GEOSWKTReader_read_r(h, rd, "POLYGON((0 0, 1"));
  assert_true(strlen(geo_last_error()) > 0);
  GEOSWKTReader_destroy_r(h, rd);
}

/* Another thread gets its own context and its own last error. */
struct ctx_seen {
  GEOSContextHandle_t ctx;
  char error[512];
};

static void *
ctx_thread(void *arg)
{
  struct ctx_seen *seen = arg;
  GEOSWKTReader *rd;

  seen->ctx = geo_ctx();
  rd = GEOSWKTReader_create_r(seen->ctx);
  GEOSWKTReader_read_r(seen->ctx, rd, "LINESTRING(0 0, 1 1 x)");
  GEOSWKTReader_destroy_r(seen->ctx, rd);
  snprintf(seen->error, sizeof seen->error, "%s", geo_last_error());
  return NULL;
}

static void
test_ctx_per_thread(void **state)
{
  struct ctx_seen seen = {0};
  pthread_t t;
  char before[512];
  (void)state;

  snprintf(before, sizeof before, "%s", geo_last_error());
  assert_int_equal(pthread_create(&t, NULL, ctx_thread, &seen), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_non_null(seen.ctx);
  assert_true(seen.ctx != geo_ctx());
  assert_true(strlen(seen.error) > 0);
  assert_string_equal(geo_last_error(), before);
}

/* ---- coordinate systems ----------------------------------------------- */

static void
test_crs_parse(void **state)
{
  enum geo_crs c = GEO_WGS84;
  struct cg_err e = {0};
  (void)state;

  assert_int_equal(geo_crs_parse("GCJ02", &c, &e), CG_OK);
  assert_int_equal(c, GEO_GCJ02);
  assert_int_equal(geo_crs_parse("wgs84", &c, &e), CG_OK);
  assert_int_equal(c, GEO_WGS84);
  assert_int_equal(geo_crs_parse("bd09", &c, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "'bd09'"));
  assert_int_equal(geo_crs_parse(NULL, &c, &e), CG_EINVAL);
}

static void
test_gcj02_offset_zhengzhou(void **state)
{
  double glon, glat;
  (void)state;

  geo_gcj02_from_wgs84(113.7598, 34.6965, &glon, &glat);
  assert_true(fabs(glon - 113.7598 - 0.0062) < 0.0002);
  assert_true(fabs(glat - 34.6965 + 0.0011) < 0.0002);
  /* outside China nothing moves */
  geo_gcj02_from_wgs84(-73.98, 40.75, &glon, &glat);
  assert_true(glon == -73.98 && glat == 40.75);
  geo_wgs84_from_gcj02(2.35, 48.85, &glon, &glat);
  assert_true(glon == 2.35 && glat == 48.85);
}

static void
test_gcj02_round_trip(void **state)
{
  double worst = 0.0;
  (void)state;

  for (double lon = 73.0; lon < 135.0; lon += 0.731)
    for (double lat = 18.0; lat < 53.0; lat += 0.417) {
      double g1, g2, x, y, a = lon, b = lat;
      geo_gcj02_from_wgs84(lon, lat, &g1, &g2);
      geo_wgs84_from_gcj02(g1, g2, &x, &y);
      worst = fmax(worst, fmax(fabs(x - a), fabs(y - b)));
      assert_true(fabs(g1 - lon) > 1e-4 || fabs(g2 - lat) > 1e-4);
      geo_convert_point(GEO_WGS84, GEO_GCJ02, &a, &b);
      assert_true(a == g1 && b == g2);
      geo_convert_point(GEO_GCJ02, GEO_WGS84, &a, &b);
      assert_true(a == x && b == y);
    }
  print_message("gcj02 round trip: worst error %.2e degrees\n", worst);
  assert_true(worst < 1e-7);
}

/* The shipped WGS84 file was made from the GCJ-02 one with the same
** formula and rounded to 6 decimals: converting it back must land on the
** GCJ-02 vertices, for all 12 districts. */
static void
test_convert_shipped_files(void **state)
{
  static const char *codes[] = {"410102", "410103", "410104", "410105",
                                "410106", "410108", "410122", "410181",
                                "410182", "410183", "410184", "410185"};
  GEOSContextHandle_t h = geo_ctx();
  double worst = 0.0;
  (void)state;

  for (int d = 0; d < 12; d++) {
    GEOSGeometry *w =
        load_feature("zhengzhou-districts-wgs84.geojson", codes[d]);
    GEOSGeometry *g = load_feature("zhengzhou-districts.geojson", codes[d]);
    GEOSGeometry *c = geo_convert(w, GEO_WGS84, GEO_GCJ02);
    GEOSGeometry *same = geo_convert(w, GEO_WGS84, GEO_WGS84);
    const GEOSCoordSequence *sc, *sg;
    unsigned n = 0, n2 = 0;

    assert_non_null(c);
    assert_true(GEOSEquals_r(h, same, w));
    sc = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, c));
    sg = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g));
    GEOSCoordSeq_getSize_r(h, sc, &n);
    GEOSCoordSeq_getSize_r(h, sg, &n2);
    if (strcmp(codes[d], DISTRICT) == 0) assert_int_equal(n, 688);
    assert_int_equal(n, n2);
    for (unsigned i = 0; i < n; i++) {
      double x1, y1, x2, y2;
      GEOSCoordSeq_getXY_r(h, sc, i, &x1, &y1);
      GEOSCoordSeq_getXY_r(h, sg, i, &x2, &y2);
      worst = fmax(worst, fmax(fabs(x1 - x2), fabs(y1 - y2)));
    }
    GEOSGeom_destroy_r(h, w);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, c);
    GEOSGeom_destroy_r(h, same);
  }
  print_message("shipped files: worst vertex difference %.2e degrees\n", worst);
  assert_true(worst < 1.5e-6);
}

/* ---- areas and repair -------------------------------------------------- */

static void
test_area_square(void **state)
{
  GEOSGeometry *sq =
      GEOSGeom_createRectangle_r(geo_ctx(), 10.0, -0.005, 10.01, 0.005);
  double side = 6371008.8 * M_PI / 180.0 * 0.01;
  (void)state;

  assert_true(fabs(geo_area_m2(sq) / (side * side) - 1.0) < 1e-9);
  GEOSGeom_destroy_r(geo_ctx(), sq);
  assert_true(geo_area_m2(NULL) == 0.0);
}

static void
test_repair_district(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *raw =
      load_feature("zhengzhou-districts-wgs84.geojson", DISTRICT);
  struct cg_err e = {0};
  GEOSGeometry *g = geo_repair(raw, &e);
  double a0 = geo_area_m2(raw), a1;
  (void)state;

  assert_int_equal(GEOSisValid_r(h, raw), 0);
  assert_non_null(g);
  assert_int_equal(GEOSisValid_r(h, g), 1);
  a1 = geo_area_m2(g);
  print_message("district area %.4f km2 raw, %.4f km2 repaired (%+.5f%%)\n",
                a0 / 1e6, a1 / 1e6, (a1 - a0) / a0 * 100);
  assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_POLYGON);
  assert_true(fabs(a1 / 1e6 - 213.9) < 0.1);
  assert_true(fabs(a1 - a0) / a0 < 0.0002);
  GEOSGeom_destroy_r(h, raw);
  GEOSGeom_destroy_r(h, g);
}

static void
test_repair_shapes(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
  GEOSGeometry *bow =
      GEOSWKTReader_read_r(h, rd, "POLYGON((0 0,2 2,2 0,0 2,0 0))");
  GEOSGeometry *line = GEOSWKTReader_read_r(h, rd, "LINESTRING(0 0,1 1)");
  GEOSGeometry *flat =
      GEOSWKTReader_read_r(h, rd, "POLYGON((0 0,1 1,2 2,0 0))");
  struct cg_err e = {0};
  GEOSGeometry *g = geo_repair(bow, &e);
  (void)state;

  assert_non_null(g);
  assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_MULTIPOLYGON);
  assert_int_equal(GEOSGetNumGeometries_r(h, g), 2);
  assert_int_equal(GEOSisValid_r(h, g), 1);
  assert_null(geo_repair(line, &e));
  assert_int_equal(e.code, CG_EINVAL);
  assert_null(geo_repair(flat, &e));
  assert_int_equal(e.code, CG_EINVAL);
  GEOSGeom_destroy_r(h, g);
  GEOSGeom_destroy_r(h, bow);
  GEOSGeom_destroy_r(h, line);
  GEOSGeom_destroy_r(h, flat);
  GEOSWKTReader_destroy_r(h, rd);
}

/* ---- generation on the real district ------------------------------------ */

/* Shared by the generation and index tests: one run at 100 m. */
struct genfix {
  GEOSGeometry *district;
  struct divisions d;
  struct geo_gen gen;
  double seconds;
};

static int
genfix_setup(void **state)
{
  struct genfix *f = calloc(1, sizeof *f);
  struct cg_err e = {0};
  double t;

  f->district = load_district();
  load_divisions(&f->d);
  f->gen.district = f->district;
  f->gen.streets = f->d.streets;
  f->gen.nstreets = f->d.nstreets;
  f->gen.communities = f->d.comms;
  f->gen.ncommunities = f->d.ncomms;
  f->gen.cell_m = 100.0;
  t = now_s();
  if (geo_generate(&f->gen, &e) != CG_OK) {
    fprintf(stderr, "generate: %s\n", e.msg);
    return -1;
  }
  f->seconds = now_s() - t;
  *state = f;
  return 0;
}

static int
genfix_teardown(void **state)
{
  struct genfix *f = *state;
  geo_gen_release(&f->gen);
  GEOSGeom_destroy_r(geo_ctx(), f->district);
  free(f);
  return 0;
}

static void
test_generate_counts_and_time(void **state)
{
  struct genfix *f = *state;

  print_message("generated %d grids in %.2f s\n", f->gen.ngrids, f->seconds);
  assert_true(f->gen.ngrids >= 21000 && f->gen.ngrids <= 22000);
  assert_true(f->seconds < 30.0);
}

/* Codes are the community code plus 001, 002, ... without gaps, grid
** areas sum to the district's and the grids do not overlap (the area of
** their union equals the sum). area_m2 is each grid's geo_area_m2(), at
** its own latitude, so the m² sum differs from the district's (one
** latitude) by about 1e-4; the exact checks are in square degrees. */
static void
test_generate_codes_and_cover(void **state)
{
  struct genfix *f = *state;
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs = malloc(f->gen.ngrids * sizeof *gs), *coll, *u;
  int seq[256] = {0};
  double sum = 0.0, sumdeg = 0.0, ua, da = geo_area_m2(f->district);

  for (int i = 0; i < f->gen.ngrids; i++) {
    const struct geo_grid *g = &f->gen.grids[i];
    const char *cc = f->d.comms[g->community].code;
    char want[32];
    assert_int_equal(strlen(g->code), 15);
    assert_memory_equal(g->code, cc, 12);
    snprintf(want, sizeof want, "%s%03d", cc, ++seq[g->community]);
    assert_string_equal(g->code, want);
    assert_int_equal(GEOSisValid_r(h, g->geom), 1);
    assert_true(fabs(g->area_m2 - geo_area_m2(g->geom)) < 1e-6);
    sum += g->area_m2;
    sumdeg += deg2(g->geom);
    gs[i] = GEOSGeom_clone_r(h, g->geom);
  }
  for (int c = 0; c < f->d.ncomms; c++)
    assert_true(seq[c] > 0);
  coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, gs,
                                     f->gen.ngrids);
  u = GEOSUnaryUnion_r(h, coll);
  ua = geo_area_m2(u);
  print_message("district %.4f km2, sum of grid area_m2 %.4f km2, union "
                "%.4f km2; in square degrees sum/district - 1 = %.2e, "
                "union/sum - 1 = %.2e\n",
                da / 1e6, sum / 1e6, ua / 1e6, sumdeg / deg2(f->district) - 1,
                deg2(u) / sumdeg - 1);
  assert_true(fabs(sum - da) / da < 0.001);
  assert_true(fabs(sumdeg - deg2(f->district)) / sumdeg < 1e-9);
  assert_true(fabs(deg2(u) - sumdeg) / sumdeg < 1e-9);
  assert_true(fabs(ua - da) / da < 1e-9);
  GEOSGeom_destroy_r(h, coll);
  GEOSGeom_destroy_r(h, u);
  free(gs);
}

/* Most grids are whole 100 m squares; slivers were merged away; grids
** are numbered north to south by rows, west to east within a row. */
static void
test_generate_grid_shapes(void **state)
{
  struct genfix *f = *state;
  GEOSContextHandle_t h = geo_ctx();
  int full = 0, multi = 0, small = 0, bad_order = 0;
  double dy = 100.0 / (6371008.8 * M_PI / 180.0);

  for (int i = 0; i < f->gen.ngrids; i++) {
    const struct geo_grid *g = &f->gen.grids[i];
    if (fabs(g->area_m2 - 1e4) < 20.0 && is_rect(g->geom)) full++;
    if (npolygons(g->geom) > 1) multi++;
    if (g->area_m2 < 2000.0) small++;
  }
  for (int i = 1; i < f->gen.ngrids; i++) {
    const struct geo_grid *a = &f->gen.grids[i - 1], *b = &f->gen.grids[i];
    double ax, ay, bx, by;
    if (a->community != b->community) continue;
    if (!is_rect(a->geom) || !is_rect(b->geom)) continue;
    GEOSGeom_getXMin_r(h, a->geom, &ax);
    GEOSGeom_getYMax_r(h, a->geom, &ay);
    GEOSGeom_getXMin_r(h, b->geom, &bx);
    GEOSGeom_getYMax_r(h, b->geom, &by);
    if (!(ay > by + dy / 2 || (fabs(ay - by) < dy / 2 && ax < bx))) bad_order++;
  }
  print_message("%d whole squares, %d multipolygon grids, %d under 2000 m2\n",
                full, multi, small);
  assert_true(full > f->gen.ngrids * 0.9);
  assert_int_equal(bad_order, 0);
  assert_true(multi < f->gen.ngrids / 500 + 1);
  assert_true(small < f->gen.ngrids / 200 + 1);
}

/* Streets and communities are generated, contiguous, disjoint, and sized
** by weight. */
static void
test_generate_areas(void **state)
{
  struct genfix *f = *state;
  GEOSContextHandle_t h = geo_ctx();
  double da = geo_area_m2(f->district), ssum = 0.0, csum = 0.0, worst = 0.0;
  int multi_s = 0, multi_c = 0;

  for (int i = 0; i < f->d.nstreets; i++) {
    const struct geo_area *s = &f->d.streets[i];
    double a = geo_area_m2(s->geom), want = da * s->weight / 155.0;
    assert_int_equal(s->generated, 1);
    assert_int_equal(GEOSisValid_r(h, s->geom), 1);
    if (npolygons(s->geom) != 1) multi_s++;
    worst = fmax(worst, fabs(a - want) / want);
    ssum += a;
  }
  for (int i = 0; i < f->d.ncomms; i++) {
    const struct geo_area *c = &f->d.comms[i];
    assert_int_equal(c->generated, 1);
    assert_int_equal(GEOSisValid_r(h, c->geom), 1);
    if (npolygons(c->geom) != 1) multi_c++;
    csum += geo_area_m2(c->geom);
  }
  print_message("streets: %d not one polygon, worst area error %.2f%%; "
                "communities: %d not one polygon\n",
                multi_s, worst * 100, multi_c);
  assert_int_equal(multi_s, 0);
  assert_true(multi_c <= 2);
  assert_true(worst < 0.05);
  assert_true(fabs(ssum - da) / da < 1e-4);
  assert_true(fabs(csum - da) / da < 1e-4);
}

/* ---- generation: refusals and real boundaries -------------------------- */

static GEOSGeometry *
wkt(const char *text)
{
  GEOSWKTReader *rd = GEOSWKTReader_create_r(geo_ctx());
  GEOSGeometry *g = GEOSWKTReader_read_r(geo_ctx(), rd, text);
  GEOSWKTReader_destroy_r(geo_ctx(), rd);
  assert_non_null(g);
  return g;
}

static void
set_area(struct geo_area *a, const char *code, int parent, double weight)
{
  memset(a, 0, sizeof *a);
  snprintf(a->code, sizeof a->code, "%s", code);
  a->parent = parent;
  a->weight = weight;
}

static void
test_generate_refusals(void **state)
{
  GEOSGeometry *district = load_district();
  struct divisions d;
  struct geo_gen g = {0};
  struct cg_err e = {0};
  double t;
  (void)state;

  load_divisions(&d);
  g.district = district;
  g.streets = d.streets;
  g.nstreets = d.nstreets;
  g.communities = d.comms;
  g.ncommunities = d.ncomms;

  g.cell_m = 5.0;
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "cell size"));
  geo_gen_release(&g);
  g.cell_m = 2500.0;
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  geo_gen_release(&g);

  /* refused from the estimate, before any work */
  g.cell_m = 100.0;
  g.max_grids = 1000;
  t = now_s();
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  assert_true(now_s() - t < 0.5);
  assert_non_null(strstr(e.msg, "too many grids"));
  assert_int_equal(g.ngrids, 0);
  geo_gen_release(&g);
  g.max_grids = 0;
  g.cell_m = 10.0;
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  geo_gen_release(&g);

  /* 155 communities cannot share 53 cells of 2 km */
  g.cell_m = 2000.0;
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "too large"));
  geo_gen_release(&g);
  for (int i = 0; i < d.nstreets; i++)
    assert_null(d.streets[i].geom);

  g.cell_m = 100.0;
  d.comms[7].parent = 99;
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, d.comms[7].code));
  geo_gen_release(&g);
  GEOSGeom_destroy_r(geo_ctx(), district);
}

static void
test_generate_too_many_in_community(void **state)
{
  GEOSGeometry *sq = wkt("POLYGON((113.70 34.70,113.712 34.70,113.712 "
                         "34.71,113.70 34.71,113.70 34.70))");
  struct geo_area s, c;
  struct geo_gen g = {0};
  struct cg_err e = {0};
  (void)state;

  set_area(&s, "410104001", -1, 1.0);
  set_area(&c, "410104001001", 0, 1.0);
  g.district = sq;
  g.streets = &s;
  g.nstreets = 1;
  g.communities = &c;
  g.ncommunities = 1;
  g.cell_m = 30.0; /* about 1100 m x 1111 m: 37 x 38 cells */
  assert_int_equal(geo_generate(&g, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "'410104001001'"));
  geo_gen_release(&g);
  assert_null(s.geom);
  g.cell_m = 40.0;
  assert_int_equal(geo_generate(&g, &e), CG_OK);
  assert_true(g.ngrids > 700 && g.ngrids <= 999);
  assert_int_equal(s.generated, 1);
  geo_gen_release(&g);
  assert_null(s.geom);
  assert_int_equal(s.generated, 0);
  GEOSGeom_destroy_r(geo_ctx(), sq);
}

/* A district of about 3 x 2 km with a notch; street 1 and community 3 come
** with real boundaries that cut cells diagonally. */
static void
test_generate_real_boundaries(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *district =
      wkt("POLYGON((113.70 34.70,113.733 34.70,113.733 34.718,113.72 34.718,"
          "113.72 34.712,113.71 34.712,113.71 34.718,113.70 34.718,"
          "113.70 34.70))");
  GEOSGeometry *real_street =
      wkt("POLYGON((113.69 34.69,113.7213 34.69,113.7107 34.7093,113.69 "
          "34.7031,113.69 34.69))");
  GEOSGeometry *real_comm = wkt("POLYGON((113.7252 34.7005,113.7321 "
                                "34.7043,113.7266 34.7111,113.7252 34.7005))");
  struct geo_area s[3], c[6];
  struct geo_gen g = {0};
  struct cg_err e = {0};
  GEOSGeometry **gs, *coll, *u;
  double sum = 0.0, da = deg2(district);
  (void)state;

  set_area(&s[0], "410104001", -1, 2.0);
  set_area(&s[1], "410104002", -1, 1.0);
  set_area(&s[2], "410104003", -1, 3.0);
  s[1].geom = real_street;
  set_area(&c[0], "410104001001", 0, 1.0);
  set_area(&c[1], "410104001002", 0, 1.0);
  set_area(&c[2], "410104002001", 1, 1.0);
  set_area(&c[3], "410104003001", 2, 1.0);
  set_area(&c[4], "410104003002", 2, 1.0);
  set_area(&c[5], "410104003003", 2, 1.0);
  c[3].geom = real_comm;
  g.district = district;
  g.streets = s;
  g.nstreets = 3;
  g.communities = c;
  g.ncommunities = 6;
  g.cell_m = 100.0;
  assert_int_equal(geo_generate(&g, &e), CG_OK);
  assert_ptr_equal(s[1].geom, real_street);
  assert_int_equal(s[1].generated, 0);
  assert_ptr_equal(c[3].geom, real_comm);
  assert_int_equal(s[0].generated, 1);

  /* generated streets stay out of the real one */
  for (int i = 0; i < 3; i += 2) {
    GEOSGeometry *x = GEOSIntersection_r(h, s[i].geom, real_street);
    assert_true(geo_area_m2(x) < 1e-3);
    GEOSGeom_destroy_r(h, x);
  }
  gs = malloc(g.ngrids * sizeof *gs);
  for (int i = 0; i < g.ngrids; i++) {
    const struct geo_grid *gr = &g.grids[i];
    const GEOSGeometry *own = gr->community == 2   ? real_street
                              : gr->community == 3 ? real_comm
                                                   : NULL;
    assert_int_equal(GEOSisValid_r(h, gr->geom), 1);
    if (own) {
      GEOSGeometry *x = GEOSDifference_r(h, gr->geom, own);
      assert_true(geo_area_m2(x) < 1e-3);
      GEOSGeom_destroy_r(h, x);
    }
    sum += deg2(gr->geom);
    gs[i] = GEOSGeom_clone_r(h, gr->geom);
  }
  coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, gs, g.ngrids);
  u = GEOSUnaryUnion_r(h, coll);
  assert_true(fabs(sum - da) / da < 1e-9);
  assert_true(fabs(deg2(u) - sum) / sum < 1e-9);
  GEOSGeom_destroy_r(h, coll);
  GEOSGeom_destroy_r(h, u);
  free(gs);
  geo_gen_release(&g);
  assert_ptr_equal(s[1].geom, real_street);
  assert_null(s[0].geom);
  GEOSGeom_destroy_r(h, real_street);
  GEOSGeom_destroy_r(h, real_comm);
  GEOSGeom_destroy_r(h, district);
}

/* Every street real and leaving a gap: the gap goes to its neighbour. */
static void
test_generate_all_real(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *district = wkt("POLYGON((113.70 34.70,113.72 34.70,113.72 "
                               "34.71,113.70 34.71,113.70 34.70))");
  GEOSGeometry *west = wkt("POLYGON((113.70 34.70,113.7093 34.70,113.7093 "
                           "34.71,113.70 34.71,113.70 34.70))");
  GEOSGeometry *east = wkt("POLYGON((113.7111 34.70,113.72 34.70,113.72 "
                           "34.71,113.7111 34.71,113.7111 34.70))");
  struct geo_area s[2], c[2];
  struct geo_gen g = {0};
  struct cg_err e = {0};
  double sum = 0.0;
  (void)state;

  set_area(&s[0], "410104001", -1, 1.0);
  set_area(&s[1], "410104002", -1, 1.0);
  s[0].geom = west;
  s[1].geom = east;
  set_area(&c[0], "410104001001", 0, 1.0);
  set_area(&c[1], "410104002001", 1, 1.0);
  g.district = district;
  g.streets = s;
  g.nstreets = 2;
  g.communities = c;
  g.ncommunities = 2;
  g.cell_m = 100.0;
  assert_int_equal(geo_generate(&g, &e), CG_OK);
  for (int i = 0; i < g.ngrids; i++)
    sum += deg2(g.grids[i].geom);
  assert_true(fabs(sum - deg2(district)) / sum < 1e-9);
  geo_gen_release(&g);
  GEOSGeom_destroy_r(h, west);
  GEOSGeom_destroy_r(h, east);
  GEOSGeom_destroy_r(h, district);
}

/* ---- the point index ---------------------------------------------------- */

/* Brute force with GEOS: an STR tree of the polygons, each prepared. */
struct brute {
  GEOSSTRtree *tree;
  const GEOSPreparedGeometry **prep;
  int n;
};

/* What one query found: the polygon containing the point, and whether
** some polygon only touches it (the point is on a boundary). */
struct query {
  const struct brute *b;
  const GEOSGeometry *pt;
  int found, touched;
};

static void
query_visit(void *item, void *userdata)
{
  struct query *q = userdata;
  int i = (int)(intptr_t)item;
  if (GEOSPreparedContains_r(geo_ctx(), q->b->prep[i], q->pt))
    q->found = i;
  else if (GEOSPreparedIntersects_r(geo_ctx(), q->b->prep[i], q->pt))
    q->touched = 1;
}

/* The polygon containing (x, y), -1 for none, -2 for a point on some
** boundary and in no interior (GEOS cannot say which side then). */
static int
geos_locate(const struct brute *b, double x, double y)
{
  struct query q = {b, NULL, -1, 0};
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geo_ctx(), x, y);
  q.pt = pt;
  GEOSSTRtree_query_r(geo_ctx(), b->tree, pt, query_visit, &q);
  GEOSGeom_destroy_r(geo_ctx(), pt);
  if (q.found < 0 && q.touched) return -2;
  return q.found;
}

static void
brute_init(struct brute *b, const GEOSGeometry *const *polys, int n)
{
  b->tree = GEOSSTRtree_create_r(geo_ctx(), 10);
  b->prep = malloc(n * sizeof *b->prep);
  b->n = n;
  for (int i = 0; i < n; i++) {
    GEOSSTRtree_insert_r(geo_ctx(), b->tree, polys[i], (void *)(intptr_t)i);
    b->prep[i] = GEOSPrepare_r(geo_ctx(), polys[i]);
  }
}

static void
brute_release(struct brute *b)
{
  for (int i = 0; i < b->n; i++)
    GEOSPreparedGeom_destroy_r(geo_ctx(), b->prep[i]);
  free(b->prep);
  GEOSSTRtree_destroy_r(geo_ctx(), b->tree);
}

/* A 10 x 10 chequerboard of unit squares (odd ones missing), a square with
** a hole holding an island of another polygon, and a two-part polygon:
** points on every edge and vertex follow the half-open rule. */
static void
test_index_rule_synthetic(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *polys[128];
  int n = 0, id[10][10];
  struct cg_err e = {0};
  struct geo_index *ix;
  (void)state;

  for (int r = 0; r < 10; r++)
    for (int c = 0; c < 10; c++) {
      id[r][c] = -1;
      if ((r * 10 + c) % 7 == 3) continue;
      id[r][c] = n;
      polys[n++] =
          GEOSGeom_createRectangle_r(h, 100.0 + c * 0.25, 30.0 + r * 0.25,
                                     100.25 + c * 0.25, 30.25 + r * 0.25);
    }
  polys[n++] = wkt("POLYGON((103 30,104 30,104 31,103 31,103 30),"
                   "(103.25 30.25,103.25 30.75,103.75 30.75,103.75 30.25,"
                   "103.25 30.25))");
  polys[n++] = wkt("POLYGON((103.25 30.25,103.75 30.25,103.75 30.75,"
                   "103.25 30.75,103.25 30.25))");
  polys[n++] = wkt("MULTIPOLYGON(((105 30,105.5 30,105.5 30.5,105 30.5,"
                   "105 30)),((105.5 30.5,106 30.5,106 31,105.5 31,"
                   "105.5 30.5)))");
  ix = geo_index_new((const GEOSGeometry *const *)polys, n, &e);
  assert_non_null(ix);
  /* lattice vertices and edge midpoints of the chequerboard */
  for (int r = 0; r <= 10; r++)
    for (int c = 0; c <= 10; c++) {
      double x = 100.0 + c * 0.25, y = 30.0 + r * 0.25;
      int ne = r < 10 && c < 10 ? id[r][c] : -1;
      int se = r > 0 && c < 10 ? id[r - 1][c] : -1;
      assert_int_equal(geo_index_locate(ix, x, y), ne);
      assert_int_equal(geo_index_locate(ix, x, y + 0.125), ne);
      assert_int_equal(geo_index_locate(ix, x + 0.125, y), ne);
      assert_int_equal(geo_index_locate(ix, x + 0.125, y - 1e-12), se);
      assert_int_equal(geo_index_locate(ix, x + 0.125, y + 0.125), ne);
    }
  assert_int_equal(geo_index_locate(ix, 103.1, 30.5), n - 3);
  assert_int_equal(geo_index_locate(ix, 103.5, 30.5), n - 2);
  assert_int_equal(geo_index_locate(ix, 103.25, 30.5), n - 2); /* west edge */
  assert_int_equal(geo_index_locate(ix, 103.75, 30.5), n - 3); /* east edge */
  assert_int_equal(geo_index_locate(ix, 103.5, 30.75), n - 3); /* north */
  assert_int_equal(geo_index_locate(ix, 103.5, 30.25), n - 2); /* south */
  assert_int_equal(geo_index_locate(ix, 105.7, 30.7), n - 1);
  assert_int_equal(geo_index_locate(ix, 105.2, 30.2), n - 1);
  assert_int_equal(geo_index_locate(ix, 105.7, 30.2), -1);
  assert_int_equal(geo_index_locate(ix, 105.5, 30.5), n - 1);
  assert_int_equal(geo_index_locate(ix, 99.0, 30.0), -1);
  assert_int_equal(geo_index_locate(ix, NAN, 30.0), -1);
  assert_true(geo_index_bytes(ix) > 0);
  geo_index_free(ix);
  for (int i = 0; i < n; i++)
    GEOSGeom_destroy_r(h, polys[i]);
}

static void
test_index_edge_cases(void **state)
{
  GEOSGeometry *line = wkt("LINESTRING(0 0,1 1)");
  const GEOSGeometry *one[1] = {line};
  struct cg_err e = {0};
  struct geo_index *ix = geo_index_new(NULL, 0, &e);
  (void)state;

  assert_non_null(ix);
  assert_int_equal(geo_index_locate(ix, 0.5, 0.5), -1);
  geo_index_free(ix);
  assert_null(geo_index_new(one, 1, &e));
  assert_int_equal(e.code, CG_EINVAL);
  GEOSGeom_destroy_r(geo_ctx(), line);
}

/* The 21k generated grids: random points in the district's box agree with
** GEOS; points on lattice edges and vertices go to the grid east and north
** of them. */
static void
test_index_grids_vs_geos(void **state)
{
  struct genfix *f = *state;
  GEOSContextHandle_t h = geo_ctx();
  int n = f->gen.ngrids, mism = 0, onedge = 0, checked = 0, inside = 0;
  const GEOSGeometry **polys = malloc(n * sizeof *polys);
  struct cg_err e = {0};
  struct geo_index *ix;
  struct brute br;
  double xmin, xmax, ymin, ymax, t;
  unsigned long long seed = 0x9e3779b97f4a7c15ULL;

  for (int i = 0; i < n; i++)
    polys[i] = f->gen.grids[i].geom;
  t = now_s();
  ix = geo_index_new(polys, n, &e);
  assert_non_null(ix);
  print_message("index built in %.3f s, %zu bytes\n", now_s() - t,
                geo_index_bytes(ix));
  brute_init(&br, polys, n);
  GEOSGeom_getXMin_r(h, f->district, &xmin);
  GEOSGeom_getXMax_r(h, f->district, &xmax);
  GEOSGeom_getYMin_r(h, f->district, &ymin);
  GEOSGeom_getYMax_r(h, f->district, &ymax);
  for (int k = 0; k < 200000; k++) {
    double x = xmin + rnd(&seed) * (xmax - xmin);
    double y = ymin + rnd(&seed) * (ymax - ymin);
    int want = geos_locate(&br, x, y), got = geo_index_locate(ix, x, y);
    if (want == -2) {
      onedge++;
      continue;
    }
    inside += want >= 0;
    if (want != got) mism++;
  }
  print_message("random: %d inside, %d mismatches, %d on edges\n", inside, mism,
                onedge);
  assert_int_equal(mism, 0);
  assert_true(inside > 100000);

  /* vertices and edge midpoints of whole-square grids */
  for (int i = 0; i < n; i += 3) {
    const GEOSCoordSequence *s;
    double x0, y0, x1, y1, d = 1e-9;
    if (!is_rect(polys[i])) continue;
    GEOSGeom_getXMin_r(h, polys[i], &x0);
    GEOSGeom_getXMax_r(h, polys[i], &x1);
    GEOSGeom_getYMin_r(h, polys[i], &y0);
    GEOSGeom_getYMax_r(h, polys[i], &y1);
    s = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, polys[i]));
    for (unsigned v = 0; v < 4; v++) {
      double x, y;
      int want;
      GEOSCoordSeq_getXY_r(h, s, v, &x, &y);
      want = geos_locate(&br, x + d, y + d);
      if (want == -2) continue;
      checked++;
      assert_int_equal(geo_index_locate(ix, x, y), want);
    }
    /* west and south edges belong to this grid, east and north ones not */
    assert_int_equal(geo_index_locate(ix, x0, (y0 + y1) / 2), i);
    assert_int_equal(geo_index_locate(ix, (x0 + x1) / 2, y0), i);
    assert_true(geo_index_locate(ix, x1, (y0 + y1) / 2) != i);
    assert_true(geo_index_locate(ix, (x0 + x1) / 2, y1) != i);
    assert_int_equal(geo_index_locate(ix, x1, (y0 + y1) / 2),
                     geos_locate(&br, x1 + d, (y0 + y1) / 2));
    checked += 4;
  }
  print_message("lattice points checked: %d\n", checked);
  assert_true(checked > 20000);
  brute_release(&br);
  geo_index_free(ix);
  free(polys);
}

/* Big irregular polygons: the 12 districts of 郑州, against GEOS. */
static void
test_index_districts_vs_geos(void **state)
{
  static const char *codes[] = {"410102", "410103", "410104", "410105",
                                "410106", "410108", "410122", "410181",
                                "410182", "410183", "410184", "410185"};
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *g[12];
  struct cg_err e = {0};
  struct geo_index *ix;
  struct brute br;
  unsigned long long seed = 12345;
  int mism = 0, inside = 0;
  (void)state;

  for (int i = 0; i < 12; i++) {
    GEOSGeometry *raw =
        load_feature("zhengzhou-districts-wgs84.geojson", codes[i]);
    g[i] = geo_repair(raw, &e);
    assert_non_null(g[i]);
    GEOSGeom_destroy_r(h, raw);
  }
  ix = geo_index_new((const GEOSGeometry *const *)g, 12, &e);
  assert_non_null(ix);
  brute_init(&br, (const GEOSGeometry *const *)g, 12);
  for (int k = 0; k < 100000; k++) {
    double x = 112.6 + rnd(&seed) * 1.7, y = 34.2 + rnd(&seed) * 0.8;
    int want = geos_locate(&br, x, y);
    if (want == -2) continue;
    inside += want >= 0;
    mism += want != geo_index_locate(ix, x, y);
  }
  assert_int_equal(mism, 0);
  assert_true(inside > 10000);
  brute_release(&br);
  geo_index_free(ix);
  for (int i = 0; i < 12; i++)
    GEOSGeom_destroy_r(h, g[i]);
}

int
main(void)
{
  const struct CMUnitTest basics[] = {
      cmocka_unit_test(test_ctx_error),
      cmocka_unit_test(test_ctx_per_thread),
      cmocka_unit_test(test_crs_parse),
      cmocka_unit_test(test_gcj02_offset_zhengzhou),
      cmocka_unit_test(test_gcj02_round_trip),
      cmocka_unit_test(test_convert_shipped_files),
      cmocka_unit_test(test_area_square),
      cmocka_unit_test(test_repair_district),
      cmocka_unit_test(test_repair_shapes),
      cmocka_unit_test(test_generate_refusals),
      cmocka_unit_test(test_generate_too_many_in_community),
      cmocka_unit_test(test_generate_real_boundaries),
      cmocka_unit_test(test_generate_all_real),
      cmocka_unit_test(test_index_rule_synthetic),
      cmocka_unit_test(test_index_edge_cases),
      cmocka_unit_test(test_index_districts_vs_geos),
  };
  const struct CMUnitTest generated[] = {
      cmocka_unit_test(test_generate_counts_and_time),
      cmocka_unit_test(test_generate_codes_and_cover),
      cmocka_unit_test(test_generate_grid_shapes),
      cmocka_unit_test(test_generate_areas),
      cmocka_unit_test(test_index_grids_vs_geos),
  };
  int fails = cmocka_run_group_tests_name("geo", basics, NULL, NULL);
  fails += cmocka_run_group_tests_name("geo_generated", generated, genfix_setup,
                                       genfix_teardown);
  geo_ctx_finish();
  return fails;
}
