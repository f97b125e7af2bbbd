/*
** test_district.c — the real 管城回族区 data, end to end through the binary:
** import the official divisions and the district boundary, generate the
** unit grids, then check what a district would check: codes, hierarchy,
** no overlaps, full coverage, location of points in and out, export in
** both coordinate systems, the minimal server, and bad input refused with
** nothing stored lost. Geometry checks use GEOS directly.
*/
#include "testutil.h"

#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "db/db.h"
#include "geo/geo.h"

static char *dir; /* the data directory, shared by the tests */
static char dbpath[4200];

/* Open the test's store read-only. */
static struct db *
open_db(void)
{
  struct cg_err e = {0};
  struct db *db;
  assert_int_equal(db_open(&db, dbpath, 0, &e), CG_OK);
  return db;
}

/* Everything stored about areas and categories, as one string; equal
** fingerprints mean nothing changed. Caller frees. */
static char *
fingerprint(void)
{
  struct db *db = open_db();
  struct db_stmt *st;
  struct cg_err e = {0};
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT code, name, level,"
                 " coalesce(parent_code, ''), coalesce(geometry, ''),"
                 " generated FROM area ORDER BY code",
                 &e),
      CG_OK);
  while (db_step(st, &e) == DB_ROW)
    for (int i = 0; i < 6; i++)
      fprintf(f, "%s|", db_col_text(st, i));
  db_finalize(st);
  assert_int_equal(db_prepare(db, &st,
                              "SELECT scheme, kind, code, name_zh"
                              " FROM category ORDER BY 1, 2, 3",
                              &e),
                   CG_OK);
  while (db_step(st, &e) == DB_ROW)
    for (int i = 0; i < 4; i++)
      fprintf(f, "%s|", db_col_text(st, i));
  db_finalize(st);
  db_close(db);
  fclose(f);
  return out;
}

static int64_t
count(const char *sql)
{
  struct db *db = open_db();
  struct cg_err e = {0};
  int64_t n;
  assert_int_equal(db_query_int(db, &n, -1, &e, sql, ""), CG_OK);
  db_close(db);
  return n;
}

static int
setup(void **state)
{
  char *out = NULL, *err = NULL;
  dir = tu_tmpdir();
  snprintf(dbpath, sizeof dbpath, "%s/citygrid.db", dir);
  if (tu_run(NULL, NULL, "--data '%s' init", dir) != 0) return -1;
  if (tu_run(&out, &err, "--data '%s' import divisions '%s'", dir,
             tu_data("guancheng-divisions.csv")) != 0 ||
      !strstr(out, "imported 1 district, 14 streets, 155 communities")) {
    fprintf(stderr, "%s%s", out, err);
    return -1;
  }
  free(out);
  free(err);
  if (tu_run(NULL, &err,
             "--data '%s' import boundary '%s' --crs gcj02 "
             "--code 410104",
             dir, tu_data("zhengzhou-districts.geojson")) != 0) {
    fprintf(stderr, "%s", err);
    return -1;
  }
  free(err);
  if (tu_run(NULL, NULL, "--data '%s' import categories '%s'", dir,
             tu_data("categories-cjt214.csv")) != 0 ||
      tu_run(NULL, NULL, "--data '%s' import categories '%s'", dir,
             tu_data("categories-gb47678.csv")) != 0)
    return -1;
  if (tu_run(&out, &err, "--data '%s' grid generate --cell 100", dir) != 0) {
    fprintf(stderr, "%s", err);
    return -1;
  }
  free(out);
  free(err);
  return 0;
}

static int
teardown(void **state)
{
  tu_rmrf(dir);
  free(dir);
  return 0;
}

/* Load the stored geometries of a level, in code order, into *gs (caller
** frees each with GEOSGeom_destroy_r and the array); codes and parents into
** parallel arrays of strdup'ed strings. Returns the count. */
static int
load(const char *level, GEOSGeometry ***gs, char ***codes, char ***parents)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
  struct db *db = open_db();
  struct db_stmt *st;
  struct cg_err e = {0};
  int n = 0, cap = 0;

  *gs = NULL;
  *codes = *parents = NULL;
  assert_int_equal(
      db_prepare(db, &st,
                 "SELECT code, coalesce(parent_code,"
                 " ''), geometry FROM area WHERE level = ? ORDER BY code",
                 &e),
      CG_OK);
  db_bindf(st, "t", level);
  while (db_step(st, &e) == DB_ROW) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      *gs = realloc(*gs, cap * sizeof **gs);
      *codes = realloc(*codes, cap * sizeof **codes);
      *parents = realloc(*parents, cap * sizeof **parents);
    }
    (*codes)[n] = strdup(db_col_text(st, 0));
    (*parents)[n] = strdup(db_col_text(st, 1));
    (*gs)[n] = GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 2));
    assert_non_null((*gs)[n]);
    n++;
  }
  db_finalize(st);
  db_close(db);
  GEOSGeoJSONReader_destroy_r(h, r);
  return n;
}

static void
unload(GEOSGeometry **gs, char **codes, char **parents, int n)
{
  for (int i = 0; i < n; i++) {
    GEOSGeom_destroy_r(geo_ctx(), gs[i]);
    free(codes[i]);
    free(parents[i]);
  }
  free(gs);
  free(codes);
  free(parents);
}

static void
test_divisions_and_boundary(void **state)
{
  assert_int_equal(count("SELECT count(*) FROM area WHERE level = 'street'"),
                   14);
  assert_int_equal(count("SELECT count(*) FROM area WHERE level ="
                         " 'community'"),
                   155);
  assert_int_equal(count("SELECT count(*) FROM area WHERE level = 'community'"
                         " AND parent_code = '410104001'"),
                   7); /* 北下街 */
  assert_int_equal(count("SELECT count(*) FROM area WHERE level = 'community'"
                         " AND parent_code = '410104008'"),
                   20); /* 紫荆山南路 */
  assert_int_equal(count("SELECT count(*) FROM area WHERE level = 'community'"
                         " AND parent_code = '410104202'"),
                   3); /* 圃田乡 */
  /* 213.9 km² by the data's README */
  assert_int_equal(count("SELECT count(*) FROM area WHERE code = '410104'"
                         " AND area_m2 BETWEEN 213.0e6 AND 214.8e6"),
                   1);
  assert_int_equal(count("SELECT count(*) FROM category WHERE scheme ="
                         " 'cjt214'"),
                   115);
  assert_int_equal(count("SELECT count(*) FROM category WHERE scheme ="
                         " 'gb47678'"),
                   403);
}

static void
test_grid_codes_follow_hierarchy(void **state)
{
  int64_t n = count("SELECT count(*) FROM area WHERE level = 'grid'");
  assert_true(n > 20000 && n < 23000);
  /* 15 digits, inside their community's code, numbered from 001 without
  ** gaps, every community and every street covered */
  assert_int_equal(count("SELECT count(*) FROM area WHERE level = 'grid' AND"
                         " (length(code) <> 15 OR code GLOB '*[^0-9]*' OR"
                         " substr(code, 1, 12) <> parent_code OR generated"
                         " <> 1)"),
                   0);
  assert_int_equal(count("SELECT count(*) FROM area g JOIN area c ON"
                         " c.code = g.parent_code WHERE g.level = 'grid'"
                         " AND c.level = 'community'"),
                   n);
  assert_int_equal(count("SELECT count(*) FROM (SELECT parent_code,"
                         " count(*) AS k, max(CAST(substr(code, 13) AS"
                         " INTEGER)) AS top, min(substr(code, 13)) AS low"
                         " FROM area WHERE level = 'grid' GROUP BY"
                         " parent_code) WHERE k <> top OR low <> '001'"),
                   0);
  assert_int_equal(count("SELECT count(DISTINCT parent_code) FROM area WHERE"
                         " level = 'grid'"),
                   155);
  assert_int_equal(count("SELECT count(*) FROM area WHERE level IN ('street',"
                         " 'community') AND (generated <> 1 OR geometry IS"
                         " NULL)"),
                   0);
}

static void
test_grids_numbered_west_east_north_south(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs;
  char **codes, **parents;
  int n = load("grid", &gs, &codes, &parents), bad = 0;
  const double cell_lat = 100.0 / 111195.0; /* 100 m in degrees latitude */

  for (int i = 1; i < n; i++) {
    double x0, y0, x1, y1;
    GEOSGeometry *c0, *c1;
    if (strcmp(parents[i], parents[i - 1]) != 0) continue;
    c0 = GEOSGetCentroid_r(h, gs[i - 1]);
    c1 = GEOSGetCentroid_r(h, gs[i]);
    GEOSGeomGetX_r(h, c0, &x0);
    GEOSGeomGetY_r(h, c0, &y0);
    GEOSGeomGetX_r(h, c1, &x1);
    GEOSGeomGetY_r(h, c1, &y1);
    /* the next grid is never a row further north; in the same row it is
    ** further east */
    if (y1 > y0 + 0.6 * cell_lat) bad++;
    if (fabs(y1 - y0) < 0.2 * cell_lat && x1 <= x0) bad++;
    GEOSGeom_destroy_r(h, c0);
    GEOSGeom_destroy_r(h, c1);
  }
  assert_int_equal(bad, 0);
  unload(gs, codes, parents, n);
}

/* STRtree callback: collect candidate indices. */
struct hits {
  int *v, n, cap;
};
static void
collect(void *item, void *data)
{
  struct hits *h = data;
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 32;
    h->v = realloc(h->v, h->cap * sizeof *h->v);
  }
  h->v[h->n++] = (int)(intptr_t)item;
}

static void
test_grids_cover_district_without_overlap(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs, **ds;
  char **codes, **parents, **dc, **dp;
  int n = load("grid", &gs, &codes, &parents), overlaps = 0, multi = 0;
  int nd = load("district", &ds, &dc, &dp);
  GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
  struct hits hits = {0};
  double sum = 0, district;

  assert_int_equal(nd, 1);
  district = geo_area_m2(ds[0]);
  for (int i = 0; i < n; i++) {
    GEOSSTRtree_insert_r(h, tree, gs[i], (void *)(intptr_t)i);
    sum += geo_area_m2(gs[i]);
    if (GEOSGeomTypeId_r(h, gs[i]) != GEOS_POLYGON) multi++;
    assert_int_equal(GEOSisValid_r(h, gs[i]), 1);
  }
  for (int i = 0; i < n; i++) {
    hits.n = 0;
    GEOSSTRtree_query_r(h, tree, gs[i], collect, &hits);
    for (int k = 0; k < hits.n; k++) {
      int j = hits.v[k];
      GEOSGeometry *x;
      if (j <= i || GEOSRelatePattern_r(h, gs[i], gs[j], "T********") != 1)
        continue;
      x = GEOSIntersection_r(h, gs[i], gs[j]);
      if (geo_area_m2(x) > 0.01) overlaps++;
      GEOSGeom_destroy_r(h, x);
    }
  }
  assert_int_equal(overlaps, 0);
  /* the grids' areas add up to the district's, within 0.5 % */
  assert_true(fabs(sum - district) / district < 0.005);
  /* grids are single polygons, apart from a few odd pieces at the edge */
  assert_true(multi < n / 100);
  free(hits.v);
  GEOSSTRtree_destroy_r(h, tree);
  unload(gs, codes, parents, n);
  unload(ds, dc, dp, nd);
}

static void
test_streets_and_communities_contiguous(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs;
  char **codes, **parents;
  const char *levels[] = {"street", "community"};

  for (int l = 0; l < 2; l++) {
    int n = load(levels[l], &gs, &codes, &parents), multi = 0;
    for (int i = 0; i < n; i++)
      if (GEOSGeomTypeId_r(h, gs[i]) != GEOS_POLYGON) multi++;
    assert_int_equal(multi, 0);
    unload(gs, codes, parents, n);
  }
}

static void
test_points_locate_into_their_street(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs;
  char **codes, **parents, csv[4300], *out = NULL, *line;
  int n = load("street", &gs, &codes, &parents), ok = 0;
  FILE *f;

  snprintf(csv, sizeof csv, "%s/points.csv", dir);
  f = fopen(csv, "w");
  fprintf(f, "id,lat,lon\n");
  for (int i = 0; i < n; i++) {
    GEOSGeometry *p = GEOSPointOnSurface_r(h, gs[i]);
    double x, y;
    GEOSGeomGetX_r(h, p, &x);
    GEOSGeomGetY_r(h, p, &y);
    fprintf(f, "%s,%.9f,%.9f\n", codes[i], y, x);
    GEOSGeom_destroy_r(h, p);
  }
  fprintf(f, "jinshui,34.80,113.66\n"); /* 金水区, north-west of us */
  fprintf(f, "nowhere,0,0\n");
  fclose(f);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' locate --csv '%s'", dir, csv), 0);
  for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    char id[32], street[32];
    /* id,lat,lon,grid,community,street,district */
    if (sscanf(line, "%31[^,],%*[^,],%*[^,],%*[^,],%*[^,],%31[^,],410104", id,
               street) == 2 &&
        strcmp(id, street) == 0)
      ok++;
    if (strncmp(line, "jinshui,", 8) == 0 || strncmp(line, "nowhere,", 8) == 0)
      assert_non_null(strstr(line, ",,,,")); /* no grid, no street */
  }
  assert_int_equal(ok, 14);
  free(out);
  unload(gs, codes, parents, n);
}

static void
test_locate_one_point_both_crs(void **state)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry **gs;
  char **codes, **parents, *out = NULL;
  int n = load("grid", &gs, &codes, &parents);
  GEOSGeometry *p = GEOSPointOnSurface_r(h, gs[n / 2]);
  double x, y, gx, gy;

  GEOSGeomGetX_r(h, p, &x);
  GEOSGeomGetY_r(h, p, &y);
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' locate %.9f %.9f", dir, y, x), 0);
  assert_non_null(strstr(out, codes[n / 2]));
  assert_non_null(strstr(out, "管城回族区"));
  free(out);
  geo_gcj02_from_wgs84(x, y, &gx, &gy);
  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' locate --json --crs gcj02"
                          " %.9f %.9f",
                          dir, gy, gx),
                   0);
  assert_non_null(strstr(out, codes[n / 2]));
  free(out);
  /* outside, and out of range */
  assert_int_equal(
      tu_run(&out, NULL, "--data '%s' locate 31.2304 121.4737", dir), 0);
  assert_non_null(strstr(out, "outside the district"));
  free(out);
  assert_int_equal(tu_run(NULL, &out, "--data '%s' locate 95 113.7", dir), 1);
  assert_non_null(strstr(out, "latitude 95 out of range"));
  free(out);
  assert_int_equal(tu_run(NULL, &out, "--data '%s' locate 34.7 east", dir), 1);
  assert_non_null(strstr(out, "longitude 'east' is not a number"));
  free(out);
  GEOSGeom_destroy_r(h, p);
  unload(gs, codes, parents, n);
}

static void
test_export_both_crs(void **state)
{
  char *out = NULL, *gout = NULL;
  json_t *a, *b;
  double ax, bx, ay, by;

  assert_int_equal(tu_run(&out, NULL,
                          "--data '%s' export grids --format "
                          "geojson",
                          dir),
                   0);
  assert_int_equal(
      tu_run(&gout, NULL, "--data '%s' export grids --crs gcj02", dir), 0);
  a = json_loads(out, 0, NULL);
  b = json_loads(gout, 0, NULL);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(json_array_size(json_object_get(a, "features")),
                   count("SELECT count(*) FROM area WHERE level = 'grid'"));
  assert_string_equal(
      json_string_value(json_object_get(
          json_object_get(json_array_get(json_object_get(a, "features"), 0),
                          "properties"),
          "level")),
      "grid");
  /* the same first vertex, shifted by GCJ-02's offset here: about
  ** +0.0062° longitude and -0.0011° latitude */
  {
    json_t *pa = json_array_get(
        json_array_get(
            json_object_get(
                json_object_get(
                    json_array_get(json_object_get(a, "features"), 0),
                    "geometry"),
                "coordinates"),
            0),
        0);
    json_t *pb = json_array_get(
        json_array_get(
            json_object_get(
                json_object_get(
                    json_array_get(json_object_get(b, "features"), 0),
                    "geometry"),
                "coordinates"),
            0),
        0);
    ax = json_real_value(json_array_get(pa, 0));
    ay = json_real_value(json_array_get(pa, 1));
    bx = json_real_value(json_array_get(pb, 0));
    by = json_real_value(json_array_get(pb, 1));
  }
  assert_true(bx - ax > 0.005 && bx - ax < 0.0075);
  assert_true(ay - by > 0.0005 && ay - by < 0.002);
  json_decref(a);
  json_decref(b);
  free(out);
  free(gout);
  assert_int_equal(tu_run(&out, NULL, "--data '%s' export streets", dir), 0);
  a = json_loads(out, 0, NULL);
  assert_int_equal(json_array_size(json_object_get(a, "features")), 14);
  json_decref(a);
  free(out);
  assert_int_equal(
      tu_run(NULL, &out, "--data '%s' export grids --format kml", dir), 1);
  assert_non_null(strstr(out, "unknown format 'kml'"));
  free(out);
}

static void
test_bad_input_refused_nothing_lost(void **state)
{
  static const struct {
    const char *file, *text, *cmd, *want;
  } bad[] = {
      {"open.csv",
       "level,code,name,parent_code\ncommunity,410104001099,\"x,"
       "410104001\n",
       "import divisions", "open.csv:2: unterminated quoted"},
      {"parent.csv",
       "level,code,name,parent_code\nstreet,410104050,新街,"
       "410104\ncommunity,410104099001,某社区,410104099\n",
       "import divisions", "parent.csv:3: unknown parent '410104099'"},
      {"code.csv", "level,code,name,parent_code\nstreet,41010405,短,410104\n",
       "import divisions", "code.csv:2: code '41010405' is not a street code"},
      {"header.csv", "a,b\n1,2\n", "import divisions",
       "header.csv:1: no column 'level' in the header"},
      {"bad.geojson", "{\"type\": \"FeatureCollection\",\n \"features\": [}",
       "import boundary", "bad.geojson:2:"},
      {"line.geojson",
       "{\"type\":\"Feature\",\"properties\":{\"adcode\":"
       "\"410104\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
       "[[113.7,34.7],[113.8,34.7]]}}",
       "import boundary --code 410104", "is a LineString, not a Polygon"},
      {"unknown.geojson",
       "{\"type\":\"FeatureCollection\",\"features\":[{"
       "\"type\":\"Feature\",\"properties\":{\"code\":\"410104001777\"},"
       "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[113.70,34.70],"
       "[113.71,34.70],[113.71,34.71],[113.70,34.70]]]}}]}",
       "import grids", "unknown community code '410104001777'"},
      {"orphan.geojson",
       "{\"type\":\"FeatureCollection\",\"features\":[{"
       "\"type\":\"Feature\",\"properties\":{\"code\":\"410104001777001\"},"
       "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[113.70,34.70],"
       "[113.71,34.70],[113.71,34.71],[113.70,34.70]]]}}]}",
       "import grids", "names unknown community '410104001777'"},
      {"cats.csv",
       "kind,major_code,major_name_zh,minor_code,minor_name_zh,"
       "minor_name_en,default_deadline_hours\ncomponent,01,公用,0199,新,New,\n"
       "gadget,01,公用,0198,新,New,\n",
       "import categories", "cats.csv:3: unknown kind 'gadget'"},
  };
  char *before = fingerprint();

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[4400], *err = NULL, *after;
    snprintf(path, sizeof path, "%s/%s", dir, bad[i].file);
    tu_write(path, bad[i].text);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' %s '%s'", dir, bad[i].cmd, path), 1);
    if (!strstr(err, bad[i].want))
      fail_msg("%s: got '%s', want '%s'", bad[i].file, err, bad[i].want);
    free(err);
    after = fingerprint();
    if (strcmp(before, after) != 0)
      fail_msg("%s changed the store", bad[i].file);
    free(after);
  }
  {
    char *err = NULL, *after;
    /* a cell size that would make millions of grids, and nonsense sizes */
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' grid generate --cell 12", dir), 1);
    assert_non_null(strstr(err, "grids"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' grid generate --cell 5", dir), 1);
    assert_non_null(strstr(err, "out of range"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' grid generate --cell -3", dir), 1);
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s' grid generate --cell x", dir), 1);
    assert_non_null(strstr(err, "cell size 'x' is not a number"));
    free(err);
    assert_int_equal(tu_run(NULL, &err,
                            "--data '%s' import divisions "
                            "/nonexistent.csv",
                            dir),
                     1);
    assert_non_null(strstr(err, "cannot open '/nonexistent.csv'"));
    free(err);
    after = fingerprint();
    assert_string_equal(before, after);
    free(after);
  }
  free(before);
}

static void
test_server_serves_grids(void **state)
{
  char *body = NULL;
  int pid, port = tu_serve_start(dir, NULL, &pid);
  json_t *j;

  assert_true(port > 0);
  assert_int_equal(tu_http(port, "GET", "/healthz", NULL, NULL, &body), 200);
  j = json_loads(body, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
  assert_true(json_integer_value(json_object_get(j, "schema")) >= 1);
  json_decref(j);
  free(body);
  /* a bbox around the old city centre: some grids, far fewer than all */
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/grids?bbox=113.67,34.74,"
                           "113.69,34.76",
                           NULL, NULL, &body),
                   200);
  j = json_loads(body, 0, NULL);
  assert_true(json_array_size(json_object_get(j, "features")) > 10);
  assert_true(json_array_size(json_object_get(j, "features")) < 2000);
  json_decref(j);
  free(body);
  assert_int_equal(
      tu_http(port, "GET", "/api/v1/grids?bbox=1,2,3", NULL, NULL, &body), 400);
  assert_non_null(strstr(body, "\"error\""));
  free(body);
  assert_int_equal(tu_http(port, "GET", "/api/v1/nothing", NULL, NULL, &body),
                   404);
  j = json_loads(body, 0, NULL);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(j, "error"), "code")),
      "not_found");
  json_decref(j);
  free(body);
  assert_int_equal(tu_http(port, "DELETE", "/healthz", NULL, NULL, &body), 405);
  free(body);
  assert_int_equal(tu_http(port, "GET",
                           "/api/v1/locate?lat=34.7555&"
                           "lon=113.6790",
                           NULL, NULL, &body),
                   200);
  assert_non_null(strstr(body, "\"inside\":true"));
  free(body);
  assert_int_equal(tu_serve_stop(pid), 0);
}

static void
test_real_boundaries_imported_instead(void **state)
{
  char path[4400], *out = NULL, *err = NULL;

  /* communities exported, then imported back as if surveyed: they become
  ** real, and generation keeps them and only cuts the grids */
  snprintf(path, sizeof path, "%s/communities.geojson", dir);
  assert_int_equal(tu_run(NULL, NULL,
                          "--data '%s' export communities -"
                          "-output '%s'",
                          dir, path),
                   0);
  assert_int_equal(
      tu_run(&out, &err, "--data '%s' import grids '%s'", dir, path), 0);
  assert_non_null(strstr(out, "imported 155 communities"));
  free(out);
  free(err);
  assert_int_equal(count("SELECT count(*) FROM area WHERE level ="
                         " 'community' AND generated = 0"),
                   155);
  assert_int_equal(tu_run(NULL, NULL, "--data '%s' grid generate", dir), 0);
  assert_int_equal(count("SELECT count(*) FROM area WHERE level ="
                         " 'community' AND generated = 0"),
                   155);
  assert_true(count("SELECT count(*) FROM area WHERE level = 'grid'") > 20000);
}

/* The ETag header of a reply's head, quotes included, into out. */
static void
etag_of(const char *head, char *out, size_t n)
{
  const char *p = strstr(head, "ETag: ");
  assert_non_null(p);
  p += 6;
  snprintf(out, n, "%.*s", (int)strcspn(p, "\r\n"), p);
}

static void
test_whole_levels_kept_until_areas_change(void **state)
{
  char *head, *body, *zbody, *zhead, etag[64], etag2[64], hdr[120];
  unsigned char *plain;
  size_t n, zn;
  uLongf plain_n;
  int pid, port = tu_serve_start(dir, NULL, &pid);
  struct cg_err e = {0};
  struct db *db;
  z_stream z;
  json_t *j;

  assert_true(port > 0);
  /* every community, the same as the store holds */
  assert_int_equal(
      tu_http_full(port, "/api/v1/communities", NULL, &head, &body, &n), 200);
  j = json_loads(body, 0, NULL);
  assert_int_equal(json_array_size(json_object_get(j, "features")),
                   count("SELECT count(*) FROM area WHERE level ="
                         " 'community'"));
  json_decref(j);
  etag_of(head, etag, sizeof etag);
  free(head);
  /* compressed for a client that takes gzip: the same bytes inside */
  assert_int_equal(tu_http_full(port, "/api/v1/communities",
                                "Accept-Encoding: gzip\r\n", &zhead, &zbody,
                                &zn),
                   200);
  assert_non_null(strstr(zhead, "Content-Encoding: gzip"));
  assert_true(zn < n / 3);
  plain = malloc(n + 1);
  plain_n = n + 1;
  memset(&z, 0, sizeof z);
  assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  z.next_in = (unsigned char *)zbody;
  z.avail_in = (uInt)zn;
  z.next_out = plain;
  z.avail_out = (uInt)plain_n;
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  assert_int_equal(z.total_out, n);
  assert_memory_equal(plain, body, n);
  inflateEnd(&z);
  free(plain);
  free(zhead);
  free(zbody);
  free(body);
  /* a client with the current copy is told so */
  snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
  assert_int_equal(
      tu_http_full(port, "/api/v1/communities", hdr, &head, &body, &n), 304);
  free(head);
  free(body);
  /* GCJ-02 is a reply of its own */
  assert_int_equal(tu_http_full(port, "/api/v1/communities?crs=gcj02", hdr,
                                &head, &body, &n),
                   200);
  etag_of(head, etag2, sizeof etag2);
  assert_string_not_equal(etag, etag2);
  free(head);
  free(body);
  /* a community renamed behind the server's back: the next reply has it */
  db = open_db();
  assert_int_equal(db_exec(db,
                           "UPDATE area SET name = '测试更名社区' WHERE code ="
                           " (SELECT min(code) FROM area WHERE level ="
                           " 'community')",
                           &e),
                   CG_OK);
  db_close(db);
  assert_int_equal(
      tu_http_full(port, "/api/v1/communities", hdr, &head, &body, &n), 200);
  assert_non_null(strstr(body, "测试更名社区"));
  etag_of(head, etag2, sizeof etag2);
  assert_string_not_equal(etag, etag2);
  free(head);
  free(body);
  assert_int_equal(tu_serve_stop(pid), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_divisions_and_boundary),
      cmocka_unit_test(test_grid_codes_follow_hierarchy),
      cmocka_unit_test(test_grids_numbered_west_east_north_south),
      cmocka_unit_test(test_grids_cover_district_without_overlap),
      cmocka_unit_test(test_streets_and_communities_contiguous),
      cmocka_unit_test(test_points_locate_into_their_street),
      cmocka_unit_test(test_locate_one_point_both_crs),
      cmocka_unit_test(test_export_both_crs),
      cmocka_unit_test(test_bad_input_refused_nothing_lost),
      cmocka_unit_test(test_server_serves_grids),
      cmocka_unit_test(test_real_boundaries_imported_instead),
      cmocka_unit_test(test_whole_levels_kept_until_areas_change),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
