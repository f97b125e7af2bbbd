/*
** area_int.h — helpers shared by the files of the area module; not for use
** outside src/area/.
*/
#ifndef CG_AREA_INT_H
#define CG_AREA_INT_H

#include "area.h"
#include "core/csv.h"

/* Store geometry g (WGS84, valid) on the row `code`: GeoJSON text, area in
** m², bounding box, the generated flag and the source. The row must exist:
** CG_ENOTFOUND otherwise. */
int area_put_geometry(struct db *db, const char *code, const GEOSGeometry *g,
                      int generated, const char *source, struct cg_err *e);

/* The stored geometry of `code` as a new GEOS geometry (caller frees with
** GEOSGeom_destroy_r), or NULL with *e filled (CG_ENOTFOUND when the row
** or its geometry is missing). *generated gets the flag if not NULL. */
GEOSGeometry *area_get_geometry(struct db *db, const char *code, int *generated,
                                struct cg_err *e);

/* Read a GeoJSON file and return its features as a new JSON array (caller
** decrefs): a FeatureCollection's features, a lone Feature wrapped in an
** array, or a bare geometry wrapped in a Feature. NULL with *e filled for
** unreadable or malformed files (the message names the file and, for a
** JSON syntax error, the line and column). */
json_t *area_read_features(const char *path, struct cg_err *e);

/* A new GEOS geometry from a GeoJSON geometry object, converted from crs to
** WGS84 and repaired; must be a Polygon or MultiPolygon. NULL with *e
** filled otherwise. Caller frees. */
GEOSGeometry *area_geom_from_json(json_t *geometry, enum geo_crs crs,
                                  struct cg_err *e);

/* The base name of path (the part after the last '/'); points into path. */
const char *area_basename(const char *path);

/* Fraction of g's area lying outside `within`, 0..1. */
double area_outside_fraction(const GEOSGeometry *g, const GEOSGeometry *within);

#endif
