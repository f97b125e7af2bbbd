/*
** area.c — areas in square metres of lon/lat geometries, and the repair of
** slightly invalid polygon rings (repeated vertices, self-touching spikes)
** into valid Polygons or MultiPolygons.
*/
#include "geo.h"

#include <math.h>
#include <stdlib.h>

#define EARTH_R 6371008.8
/* Parts and holes narrower than this on average (2 x area / perimeter, in
** metres) are rounding noise: coordinates given to 1e-6 degree (about
** 0.1 m) make spikes of that width that GEOSMakeValid turns into slivers. */
#define AREA_MIN_WIDTH_M 0.1

/* The equirectangular projection is linear in lon and lat, so the area in
** m² is the planar area in degree² times the two scale factors. */
double
geo_area_m2(const GEOSGeometry *g)
{
  GEOSContextHandle_t h = geo_ctx();
  double a, ymin, ymax, k = EARTH_R * M_PI / 180.0;

  if (!g || !h || GEOSisEmpty_r(h, g) != 0) return 0.0;
  if (!GEOSArea_r(h, g, &a)) return 0.0;
  if (!GEOSGeom_getYMin_r(h, g, &ymin) || !GEOSGeom_getYMax_r(h, g, &ymax))
    return 0.0;
  return a * k * k * cos((ymin + ymax) / 2.0 * M_PI / 180.0);
}

/* True if ring or polygon g is narrower than AREA_MIN_WIDTH_M on average.
** Lengths are taken at the smaller (east-west) scale, which can only
** overstate the width: a part is never dropped for being thin by mistake. */
static int
area_is_thin(GEOSContextHandle_t h, const GEOSGeometry *g, double lat)
{
  double k = EARTH_R * M_PI / 180.0, a = 0.0, len = 0.0, am2, lenm;
  GEOSGeometry *poly = NULL;

  if (GEOSGeomTypeId_r(h, g) == GEOS_LINEARRING) {
    poly = GEOSGeom_createPolygon_r(h, GEOSGeom_clone_r(h, g), NULL, 0);
    if (!poly) return 0;
    g = poly;
  }
  if (!GEOSArea_r(h, g, &a) || !GEOSLength_r(h, g, &len) || len <= 0.0) {
    if (poly) GEOSGeom_destroy_r(h, poly);
    return 0;
  }
  if (poly) GEOSGeom_destroy_r(h, poly);
  am2 = a * k * k * cos(lat * M_PI / 180.0);
  lenm = len * k * cos(lat * M_PI / 180.0);
  return 2.0 * am2 / lenm < AREA_MIN_WIDTH_M;
}

/* A copy of polygon g without its thin holes (see area_is_thin). Caller
** frees; NULL on GEOS failure. */
static GEOSGeometry *
area_fill_thin_holes(GEOSContextHandle_t h, const GEOSGeometry *g, double lat)
{
  int n = GEOSGetNumInteriorRings_r(h, g), k = 0;
  GEOSGeometry **holes = calloc((size_t)n + 1, sizeof *holes), *shell, *out;

  if (!holes) return NULL;
  for (int i = 0; i < n; i++) {
    const GEOSGeometry *ring = GEOSGetInteriorRingN_r(h, g, i);
    if (!area_is_thin(h, ring, lat)) holes[k++] = GEOSGeom_clone_r(h, ring);
  }
  shell = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, g));
  out = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)k);
  free(holes);
  return out;
}

/* Move every Polygon found in g (recursing into collections) into
** parts[*n..]; parts has room for all of g's geometries. The polygons are
** clones owned by the caller. Returns 0 on GEOS failure. */
static int
area_collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g,
                      GEOSGeometry **parts, unsigned *n)
{
  int type = GEOSGeomTypeId_r(h, g);

  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g)) return 1;
    parts[*n] = GEOSGeom_clone_r(h, g);
    if (!parts[*n]) return 0;
    (*n)++;
    return 1;
  }
  if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    int k = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < k; i++)
      if (!area_collect_polygons(h, GEOSGetGeometryN_r(h, g, i), parts, n))
        return 0;
  }
  return 1;
}

/* The number of leaf geometries in g, an upper bound of its polygons. */
static int
area_count_leaves(GEOSContextHandle_t h, const GEOSGeometry *g)
{
  int type = GEOSGeomTypeId_r(h, g), n = 0;

  if (type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION &&
      type != GEOS_MULTILINESTRING && type != GEOS_MULTIPOINT)
    return 1;
  for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
    n += area_count_leaves(h, GEOSGetGeometryN_r(h, g, i));
  return n;
}

/* Drop the thin parts of parts[0..*n) (unless all are thin) and fill the
** thin holes of the others, in place. Returns 0 on GEOS failure. */
static int
area_drop_thin(GEOSContextHandle_t h, GEOSGeometry **parts, unsigned *n,
               double lat)
{
  unsigned k = 0, thick = 0;

  for (unsigned i = 0; i < *n; i++)
    thick += !area_is_thin(h, parts[i], lat);
  for (unsigned i = 0; i < *n; i++) {
    GEOSGeometry *filled;
    if (thick > 0 && area_is_thin(h, parts[i], lat)) {
      GEOSGeom_destroy_r(h, parts[i]);
      continue;
    }
    filled = area_fill_thin_holes(h, parts[i], lat);
    if (!filled) {
      for (unsigned j = i; j < *n; j++)
        GEOSGeom_destroy_r(h, parts[j]);
      *n = k;
      return 0;
    }
    GEOSGeom_destroy_r(h, parts[i]);
    parts[k++] = filled;
  }
  *n = k;
  return 1;
}

GEOSGeometry *
geo_repair(const GEOSGeometry *g, struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeometry *clean = NULL, *valid = NULL, *out = NULL, **parts = NULL;
  unsigned n = 0;
  int type;
  double ymin = 0.0, ymax = 0.0;

  if (!g || !h) {
    cg_fail(e, CG_EINVAL, "no geometry to repair");
    return NULL;
  }
  type = GEOSGeomTypeId_r(h, g);
  if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
    char *name = GEOSGeomType_r(h, g); /* GEOS allocates it */
    cg_fail(e, CG_EINVAL, "cannot repair a '%s': not a polygon",
            name ? name : "?");
    GEOSFree_r(h, name);
    return NULL;
  }
  clean = GEOSRemoveRepeatedPoints_r(h, g, 0.0);
  if (clean) valid = GEOSMakeValid_r(h, clean);
  if (!valid) {
    cg_fail(e, CG_EINVAL, "cannot repair polygon: %s", geo_last_error());
    goto done;
  }
  parts = calloc((size_t)area_count_leaves(h, valid) + 1, sizeof *parts);
  if (!parts) {
    cg_fail(e, CG_ENOMEM, "out of memory repairing a polygon");
    goto done;
  }
  GEOSGeom_getYMin_r(h, valid, &ymin);
  GEOSGeom_getYMax_r(h, valid, &ymax);
  if (!area_collect_polygons(h, valid, parts, &n) ||
      !area_drop_thin(h, parts, &n, (ymin + ymax) / 2.0)) {
    cg_fail(e, CG_EINVAL, "cannot repair polygon: %s", geo_last_error());
    goto done;
  }
  if (n == 0) {
    cg_fail(e, CG_EINVAL, "polygon has no area left after repair");
    goto done;
  }
  if (n == 1) {
    out = parts[0];
    n = 0;
  } else {
    /* the collection takes the parts */
    out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, n);
    if (out)
      n = 0;
    else
      cg_fail(e, CG_EINVAL, "cannot repair polygon: %s", geo_last_error());
  }
done:
  for (unsigned i = 0; i < n; i++)
    GEOSGeom_destroy_r(h, parts[i]);
  free(parts);
  if (valid) GEOSGeom_destroy_r(h, valid);
  if (clean) GEOSGeom_destroy_r(h, clean);
  return out;
}
