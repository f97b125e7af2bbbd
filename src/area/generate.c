/*
** generate.c — `citygrid grid generate`: load the district, its streets and
** communities from the store, let geo_generate() cut what has no real
** boundary and lay the unit grids, then write the result in one
** transaction, marked as generated.
*/
#include "area_int.h"

#include <stdlib.h>
#include <string.h>

/* Load the divisions of one level (streets or communities) into a new
** array of geo_area (caller frees, and destroys the geometries that are
** not generated); real boundaries are loaded, generated ones dropped so
** that they are made again. Names go to a parallel array of strdup'ed
** strings. */
static int
load_level(struct db *db, int level, struct geo_area **out, char ***names,
           int *n, struct cg_err *e)
{
  struct db_stmt *st;
  struct geo_area *a = NULL;
  char **nm = NULL;
  int cap = 0, k = 0, rc;

  *out = NULL;
  *names = NULL;
  *n = 0;
  rc = db_prepare(db, &st,
                  "SELECT code, name, parent_code, geometry,"
                  " generated FROM area WHERE level = ? ORDER BY code",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", area_level_name(level));
  while ((rc = db_step(st, e)) == DB_ROW) {
    if (k == cap) {
      cap = cap ? 2 * cap : 64;
      a = realloc(a, cap * sizeof *a);
      nm = realloc(nm, cap * sizeof *nm);
      if (!a || !nm) abort();
    }
    memset(&a[k], 0, sizeof a[k]);
    snprintf(a[k].code, sizeof a[k].code, "%s", db_col_text(st, 0));
    nm[k] = strdup(db_col_text(st, 1));
    a[k].parent = -1;
    a[k].weight = 1;
    if (!db_col_is_null(st, 3) && db_col_int(st, 4) == 0) {
      GEOSContextHandle_t h = geo_ctx();
      GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
      a[k].geom = GEOSGeoJSONReader_readGeometry_r(h, r, db_col_text(st, 3));
      GEOSGeoJSONReader_destroy_r(h, r);
    }
    k++;
  }
  db_finalize(st);
  *out = a;
  *names = nm;
  *n = k;
  return rc < 0 ? -rc : CG_OK;
}

/* Free what load_level() returned. Generated geometries belong to the
** geo_gen and are not touched here. */
static void
free_level(struct geo_area *a, char **names, int n)
{
  for (int i = 0; i < n; i++) {
    if (a[i].geom && !a[i].generated) GEOSGeom_destroy_r(geo_ctx(), a[i].geom);
    free(names[i]);
  }
  free(a);
  free(names);
}

/* Write the generated result. */
static int
write_result(struct db *db, struct geo_gen *g, char **cnames, struct cg_err *e)
{
  struct db_stmt *ins = NULL;
  int rc;

  for (int i = 0; i < g->nstreets; i++)
    if (g->streets[i].generated &&
        (rc = area_put_geometry(db, g->streets[i].code, g->streets[i].geom, 1,
                                "grid generate", e)) != CG_OK)
      return rc;
  for (int i = 0; i < g->ncommunities; i++)
    if (g->communities[i].generated &&
        (rc = area_put_geometry(db, g->communities[i].code,
                                g->communities[i].geom, 1, "grid generate",
                                e)) != CG_OK)
      return rc;
  if ((rc = db_exec(db, "DELETE FROM area WHERE level = 'grid'", e)) != CG_OK)
    return rc;
  rc = db_prepare(db, &ins,
                  "INSERT INTO area (code, level, name, parent_code)"
                  " VALUES (?, 'grid', ?, ?)",
                  e);
  for (int i = 0; i < g->ngrids && rc == CG_OK; i++) {
    const struct geo_grid *gr = &g->grids[i];
    char name[256];

    snprintf(name, sizeof name, "%s第%s网格", cnames[gr->community],
             gr->code + 12);
    db_reset(ins);
    db_bindf(ins, "ttt", gr->code, name, g->communities[gr->community].code);
    rc = db_step(ins, e);
    rc = rc < 0 ? -rc : CG_OK;
    if (rc == CG_OK)
      rc = area_put_geometry(db, gr->code, gr->geom, 1, "grid generate", e);
  }
  db_finalize(ins);
  return rc;
}

int
area_generate(struct db *db, double cell_m, int *ngrids, struct cg_err *e)
{
  struct geo_gen g;
  char **snames = NULL, **cnames = NULL, dcode[32] = "";
  struct db_stmt *st;
  GEOSGeometry *district = NULL;
  int rc;

  memset(&g, 0, sizeof g);
  *ngrids = 0;
  if ((rc = db_prepare(db, &st,
                       "SELECT code FROM area WHERE level ="
                       " 'district' AND geometry IS NOT NULL",
                       e)) != CG_OK)
    return rc;
  if (db_step(st, e) == DB_ROW)
    snprintf(dcode, sizeof dcode, "%s", db_col_text(st, 0));
  db_finalize(st);
  if (!*dcode)
    return cg_fail(e, CG_EINVAL,
                   "no district boundary in the store: run "
                   "'citygrid import boundary' first");
  if (!(district = area_get_geometry(db, dcode, NULL, e))) return e->code;
  rc = load_level(db, AREA_STREET, &g.streets, &snames, &g.nstreets, e);
  if (rc == CG_OK)
    rc = load_level(db, AREA_COMMUNITY, &g.communities, &cnames,
                    &g.ncommunities, e);
  if (rc == CG_OK && (g.nstreets == 0 || g.ncommunities == 0))
    rc = cg_fail(e, CG_EINVAL,
                 "no streets or communities in the store: run "
                 "'citygrid import divisions' first");
  /* Link communities to streets; a street's weight is its community count. */
  for (int i = 0; rc == CG_OK && i < g.nstreets; i++)
    g.streets[i].weight = 0;
  for (int c = 0; rc == CG_OK && c < g.ncommunities; c++) {
    for (int s = 0; s < g.nstreets; s++)
      if (strncmp(g.communities[c].code, g.streets[s].code, 9) == 0) {
        g.communities[c].parent = s;
        g.streets[s].weight += 1;
      }
    if (g.communities[c].parent < 0)
      rc = cg_fail(e, CG_EINVAL, "community '%s' has no street",
                   g.communities[c].code);
  }
  for (int s = 0; rc == CG_OK && s < g.nstreets; s++)
    if (g.streets[s].weight == 0)
      rc = cg_fail(e, CG_EINVAL, "street '%s' has no communities",
                   g.streets[s].code);
  g.district = district;
  g.cell_m = cell_m;
  if (rc == CG_OK) rc = geo_generate(&g, e);
  if (rc == CG_OK && (rc = db_begin(db, e)) == CG_OK) {
    rc = write_result(db, &g, cnames, e);
    if (rc == CG_OK) rc = db_commit(db, e);
    if (rc != CG_OK) db_rollback(db);
  }
  if (rc == CG_OK) *ngrids = g.ngrids;
  geo_gen_release(&g); /* before free_level: it reads the area arrays */
  free_level(g.streets, snames, g.nstreets);
  free_level(g.communities, cnames, g.ncommunities);
  GEOSGeom_destroy_r(geo_ctx(), district);
  return rc;
}
