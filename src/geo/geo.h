/*
** geo.h — geometry for citygrid: coordinate systems (WGS84, GCJ-02), areas
** in square metres, repair of slightly invalid rings, generation of street,
** community and unit-grid areas, and the in-memory point-location index.
**
** Pure computation on GEOS geometries in longitude/latitude (x = lon,
** y = lat, WGS84 unless said otherwise): no database and no files here.
** GEOS needs a context handle per thread; geo_ctx() gives this thread's.
** Geometries returned by these functions belong to the caller, who frees
** them with GEOSGeom_destroy_r(geo_ctx(), g).
*/
#ifndef CG_GEO_H
#define CG_GEO_H

#include <geos_c.h>

#include "../core/err.h"

/* This thread's GEOS context, created on first use and kept for the life of
** the thread. GEOS notices and errors are kept; geo_last_error() returns the
** last error text (a thread-local buffer, never NULL). */
GEOSContextHandle_t geo_ctx(void);
const char *geo_last_error(void);

/* Finish this thread's GEOS context now; the next geo_ctx() makes a new
** one. Optional: a thread's context is finished when the thread exits, but
** not the main thread's at exit(), so leak checkers want this call. Every
** geometry made in the old context must be freed before. */
void geo_ctx_finish(void);

/* Coordinate systems a caller may name on input or output. */
enum geo_crs {
  GEO_WGS84 = 0, /* GPS; what citygrid stores */
  GEO_GCJ02 = 1 /* the offset system of Chinese map apps (高德, 腾讯, WeChat) */
};

/* Parse "wgs84" or "gcj02" (case-insensitive). Returns CG_OK or CG_EINVAL. */
int geo_crs_parse(const char *name, enum geo_crs *out, struct cg_err *e);

/* GCJ-02 forward transform (Krasovsky ellipsoid, a = 6378245,
** ee = 0.00669342162296594323), the widely published formula; outside
** China the point is returned unchanged. geo_wgs84_from_gcj02() inverts it
** by fixed-point iteration to better than 1e-7 degrees. */
void geo_gcj02_from_wgs84(double lon, double lat, double *glon, double *glat);
void geo_wgs84_from_gcj02(double glon, double glat, double *lon, double *lat);

/* Convert a point between systems in place. */
void geo_convert_point(enum geo_crs from, enum geo_crs to, double *lon,
                       double *lat);

/* A new geometry: g with every coordinate converted from `from` to `to`
** (a clone when they are the same). NULL on GEOS failure. Caller frees. */
GEOSGeometry *geo_convert(const GEOSGeometry *g, enum geo_crs from,
                          enum geo_crs to);

/* Area of a lon/lat geometry in square metres, on a local equirectangular
** projection at the latitude of the geometry's bounding-box centre with the
** mean Earth radius 6371008.8 m. Good to well under 0.1 % at district size. */
double geo_area_m2(const GEOSGeometry *g);

/* A new valid Polygon or MultiPolygon made from g: repeated vertices
** removed and self-touching spikes repaired (GEOSMakeValid, keeping only
** the polygonal parts). Parts and holes narrower than 0.1 m on average
** (2 x area / perimeter), slivers left by coordinate rounding, are dropped
** unless nothing else is left. NULL with *e filled if g is not polygonal
** or nothing polygonal is left. Caller frees. */
GEOSGeometry *geo_repair(const GEOSGeometry *g, struct cg_err *e);

/* ---- Generation of areas and unit grids ------------------------------ */

/* A street or a community to be placed. The caller owns the array and
** fills code, parent, weight and, where a real boundary exists, geom. */
struct geo_area {
  char code[16];      /* 9-digit street or 12-digit community code */
  int parent;         /* communities: index into the street array */
  double weight;      /* share of the parent's area (e.g. member count) */
  GEOSGeometry *geom; /* in: real boundary or NULL; out: the area. The
                      ** generated ones belong to the geo_gen and are freed by
                      ** geo_gen_release(); real ones stay the caller's */
  int generated;      /* out: 1 if geom was made by geo_generate() */
};

/* A unit grid produced by geo_generate(). */
struct geo_grid {
  char code[16];      /* 15 digits: community code + 3-digit sequence */
  int community;      /* index into the community array */
  GEOSGeometry *geom; /* Polygon (or MultiPolygon); owned by the geo_gen */
  double area_m2;
};

struct geo_gen {
  /* in */
  const GEOSGeometry *district; /* valid polygonal district boundary */
  struct geo_area *streets;
  int nstreets;
  struct geo_area *communities; /* each with parent set */
  int ncommunities;
  double cell_m; /* grid cell edge in metres, e.g. 100 */
  int max_grids; /* refuse above this many (0: 200000) */
  /* out */
  struct geo_grid *grids; /* owned; freed by geo_gen_release() */
  int ngrids;
};

/* Cut the district into contiguous street areas (area roughly
** proportional to weight), each street into contiguous community areas the
** same way, and every community into unit grids of about cell_m x cell_m
** clipped to it; areas that came with a real boundary are used as given.
** Grids of a community are numbered 001, 002, ... west to east within rows
** taken north to south. Grids never overlap and together cover the
** district. Returns CG_OK, or CG_EINVAL with *e filled (cell size out of
** range, too many grids, more than 999 grids in one community, a community
** with no street; also a street with no community, a weight that is not
** positive, a community code that is not 12 digits, or cells too large to
** give every area one). The grid limit is checked on the estimate district
** area / cell² before any work. A grid's area_m2 is geo_area_m2() of its
** geometry. Release with geo_gen_release() even after a failure. */
int geo_generate(struct geo_gen *g, struct cg_err *e);
void geo_gen_release(struct geo_gen *g);

/* ---- Point location ---------------------------------------------------- */

/* An in-memory index over n non-overlapping polygons (Polygon or
** MultiPolygon, holes allowed) answering "which polygon holds this point".
** Built once, read by any number of threads. Points on an edge shared by two
** polygons belong to exactly one of them: the one to the east of a
** north-south edge, the one to the north of an east-west edge (the
** half-open rule of the crossing-number test). */
struct geo_index;

/* Build an index over polys[0..n). The geometries are copied; the caller
** keeps them. Returns NULL with *e filled on failure. Free with
** geo_index_free(). */
struct geo_index *geo_index_new(const GEOSGeometry *const *polys, int n,
                                struct cg_err *e);

/* Index of the polygon holding (lon, lat), or -1 if none does. */
int geo_index_locate(const struct geo_index *ix, double lon, double lat);

/* Bytes of memory the index holds. */
size_t geo_index_bytes(const struct geo_index *ix);

void geo_index_free(struct geo_index *ix);

#endif
