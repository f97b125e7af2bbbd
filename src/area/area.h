/*
** area.h — the district's areas in the store: the official divisions
** (district, streets, communities), boundaries imported from GeoJSON, unit
** grids generated or imported, their export as GeoJSON, and the locator
** that answers "which grid, community, street is this point in".
**
** Every import runs in one transaction: it applies whole or not at all.
** Geometry is stored as GeoJSON text in WGS84 with its bounding box and its
** area in square metres (see src/db/migrations/0001_areas.sql).
*/
#ifndef CG_AREA_H
#define CG_AREA_H

#include <jansson.h>
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"
#include "geo/geo.h"

enum area_level {
  AREA_DISTRICT = 0,  /* 6-digit code */
  AREA_STREET = 1,    /* 9 digits: district + 3 */
  AREA_COMMUNITY = 2, /* 12 digits: street + 3 */
  AREA_GRID = 3       /* 15 digits: community + 3 */
};

/* "district", "street", "community", "grid"; static strings. */
const char *area_level_name(int level);

/* Level named by s (singular or plural: "grids"), or -1. */
int area_level_parse(const char *s);

/* Level implied by a code's length (6, 9, 12, 15 digits), or -1 if the
** code is not all digits or of another length. */
int area_level_of_code(const char *code);

/* What an import did, for the command's report. */
struct area_counts {
  int n[4]; /* rows written per level */
};

/* Load the official division list: a CSV with the header
** level,code,name,parent_code (the format of data/guancheng-divisions.csv).
** Codes are checked against their level and their parent (a street's code
** begins with its district's code, and the parent must exist in the file
** or the store). Rows that exist are updated (name, parent); none are
** deleted. Errors name the file and line. */
int area_import_divisions(struct db *db, const char *path,
                          struct area_counts *out, struct cg_err *e);

/* Load the district's boundary from a GeoJSON file (FeatureCollection,
** Feature or bare geometry) in the given CRS. The feature is the one whose
** "adcode" or "code" property equals `code`; code NULL means the district
** already in the store, or the file's only feature. The polygon is repaired
** (repeated vertices, spikes), converted to WGS84 and stored on the
** district's row, which is created if the division list was not loaded. */
int area_import_boundary(struct db *db, const char *path, enum geo_crs crs,
                         const char *code, struct cg_err *e);

/* Load real street, community and/or grid boundaries from a GeoJSON
** FeatureCollection whose features carry a "code" property (9, 12 or 15
** digits) and optionally "name". Streets and communities must be known
** divisions; a grid's community must exist; geometries must be polygons
** lying within the district. For each level present in the file, those
** rows become real (not generated); grids in the file replace all stored
** grids. */
int area_import_grids(struct db *db, const char *path, enum geo_crs crs,
                      struct area_counts *out, struct cg_err *e);

/* Generate what is missing: street and community areas that have no real
** boundary, and unit grids of about cell_m metres square in every
** community, replacing the stored grids, all marked generated. Needs the
** district boundary and the division list. *ngrids gets the grid count. */
int area_generate(struct db *db, double cell_m, int *ngrids, struct cg_err *e);

/* A GeoJSON FeatureCollection of the stored areas of one level, geometry
** in the CRS asked for, with properties code, name, level, parent_code,
** area_m2 and generated. bbox (min_lon, min_lat, max_lon, max_lat, WGS84)
** keeps only the areas whose bounding box meets it; NULL keeps all. The
** caller owns the returned reference (json_decref). NULL with *e filled on
** failure. */
json_t *area_geojson(struct db *db, int level, const double *bbox,
                     enum geo_crs crs, struct cg_err *e);

/* Count of stored areas of a level. */
int area_count(struct db *db, int level, int64_t *n, struct cg_err *e);

/* ---- The locator --------------------------------------------------------- */

struct area_locator; /* opaque; read-only after area_locator_load() */

/* Where a point is. Strings belong to the locator. */
struct area_place {
  const char *code[4]; /* by enum area_level; NULL where unknown */
  const char *name[4];
};

/* Build a locator from the stored areas: an in-memory index over the finest
** level that has geometry (grids, else communities, else streets). The
** caller frees it with area_locator_free(). */
int area_locator_load(struct db *db, struct area_locator **out,
                      struct cg_err *e);
void area_locator_free(struct area_locator *loc);

/* Locate a WGS84 point. Returns 1 and fills *p when the point lies in the
** district's areas, 0 when it is outside (p cleared). */
int area_locate(const struct area_locator *loc, double lon, double lat,
                struct area_place *p);

/* Number of areas indexed by the locator, and their level. */
int area_locator_size(const struct area_locator *loc, int *level);

/* Check a WGS84/GCJ-02 position given by a user: finite, latitude within
** -90..90, longitude within -180..180. CG_OK or CG_EINVAL with a message. */
int area_check_position(double lat, double lon, struct cg_err *e);

#endif
