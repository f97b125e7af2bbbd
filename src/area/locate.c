/*
** locate.c — the locator: point → unit grid → community → street →
** district. Built at start-up from the stored areas of the finest level
** that has geometry, on the in-memory index of geo_index; afterwards
** read-only, so any number of threads may use one locator.
*/
#include "area_int.h"

#include <stdlib.h>
#include <string.h>

struct loc_area {
  char code[16];
  char *name;
  int parent; /* index into the areas of the level above, -1 for none */
};

struct area_locator {
  int level; /* level indexed by ix */
  struct geo_index *ix;
  struct loc_area *a[4]; /* areas per level */
  int n[4];
};

/* Load code, name and parent index of every area of `level`. */
static int
load_names(struct db *db, struct area_locator *loc, int level, struct cg_err *e)
{
  struct db_stmt *st;
  int rc, cap = 0;

  rc = db_prepare(db, &st,
                  "SELECT code, name FROM area WHERE level = ?"
                  " ORDER BY code",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", area_level_name(level));
  while ((rc = db_step(st, e)) == DB_ROW) {
    struct loc_area *x;
    if (loc->n[level] == cap) {
      cap = cap ? cap * 2 : 256;
      loc->a[level] = realloc(loc->a[level], cap * sizeof *loc->a[level]);
      if (!loc->a[level]) abort();
    }
    x = &loc->a[level][loc->n[level]++];
    snprintf(x->code, sizeof x->code, "%s", db_col_text(st, 0));
    x->name = strdup(db_col_text(st, 1));
    x->parent = -1;
  }
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

static int
cmp_code(const void *k, const void *v)
{
  return strcmp(k, ((const struct loc_area *)v)->code);
}

/* Link each area to its parent one level up (codes are sorted: bsearch). */
static void
link_parents(struct area_locator *loc)
{
  for (int l = 1; l < 4; l++)
    for (int i = 0; i < loc->n[l]; i++) {
      char key[16];
      struct loc_area *p;
      snprintf(key, sizeof key, "%.*s", 3 + 3 * l, loc->a[l][i].code);
      p = bsearch(key, loc->a[l - 1], loc->n[l - 1], sizeof *p, cmp_code);
      loc->a[l][i].parent = p ? (int)(p - loc->a[l - 1]) : -1;
    }
}

/* Build the index over the stored geometries of `level`. Areas without
** geometry are indexed as empty and never found. */
static int
build_index(struct db *db, struct area_locator *loc, int level,
            struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
  const GEOSGeometry **gs = calloc(loc->n[level] + 1, sizeof *gs);
  struct db_stmt *st;
  int rc, k = 0;

  rc = db_prepare(db, &st,
                  "SELECT code, geometry FROM area WHERE level = ?"
                  " ORDER BY code",
                  e);
  if (rc == CG_OK) {
    db_bindf(st, "t", area_level_name(level));
    while ((rc = db_step(st, e)) == DB_ROW && k < loc->n[level]) {
      if (!db_col_is_null(st, 1)) {
        gs[k] = GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 1));
        if (!gs[k]) {
          rc = -cg_fail(e, CG_EDB, "stored geometry of '%s' is unreadable",
                        db_col_text(st, 0));
          break;
        }
      } else {
        gs[k] = GEOSGeom_createEmptyPolygon_r(h);
      }
      k++;
    }
    rc = rc < 0 ? -rc : CG_OK;
    db_finalize(st);
  }
  if (rc == CG_OK && !(loc->ix = geo_index_new(gs, k, e))) rc = e->code;
  for (int i = 0; i < k; i++)
    if (gs[i]) GEOSGeom_destroy_r(h, (GEOSGeometry *)gs[i]);
  free(gs);
  GEOSGeoJSONReader_destroy_r(h, r);
  return rc;
}

int
area_locator_load(struct db *db, struct area_locator **out, struct cg_err *e)
{
  struct area_locator *loc = calloc(1, sizeof *loc);
  int rc = CG_OK;

  *out = NULL;
  if (!loc) return cg_fail(e, CG_ENOMEM, "out of memory");
  for (int l = 0; l < 4 && rc == CG_OK; l++)
    rc = load_names(db, loc, l, e);
  if (rc == CG_OK) {
    link_parents(loc);
    loc->level = -1;
    for (int l = AREA_GRID; l >= AREA_DISTRICT && loc->level < 0; l--) {
      int64_t n;
      rc = db_query_int(db, &n, 0, e,
                        "SELECT count(*) FROM area WHERE level"
                        " = ? AND geometry IS NOT NULL",
                        "t", area_level_name(l));
      if (rc != CG_OK) break;
      if (n > 0) loc->level = l;
    }
    if (rc == CG_OK && loc->level < 0)
      rc = cg_fail(e, CG_ENOTFOUND,
                   "no area has a boundary yet: run "
                   "'citygrid import boundary' and 'citygrid grid generate'");
  }
  if (rc == CG_OK) rc = build_index(db, loc, loc->level, e);
  if (rc != CG_OK) {
    area_locator_free(loc);
    return rc;
  }
  *out = loc;
  return CG_OK;
}

void
area_locator_free(struct area_locator *loc)
{
  if (!loc) return;
  for (int l = 0; l < 4; l++) {
    for (int i = 0; i < loc->n[l]; i++)
      free(loc->a[l][i].name);
    free(loc->a[l]);
  }
  geo_index_free(loc->ix);
  free(loc);
}

int
area_locate(const struct area_locator *loc, double lon, double lat,
            struct area_place *p)
{
  int i = geo_index_locate(loc->ix, lon, lat);

  memset(p, 0, sizeof *p);
  if (i < 0) return 0;
  for (int l = loc->level; l >= 0 && i >= 0; l--) {
    p->code[l] = loc->a[l][i].code;
    p->name[l] = loc->a[l][i].name;
    i = loc->a[l][i].parent;
  }
  return 1;
}

int
area_locator_size(const struct area_locator *loc, int *level)
{
  if (level) *level = loc->level;
  return loc->n[loc->level];
}
