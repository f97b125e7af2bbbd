/*
** import.c — loading the district's settings over HTTP (administrators
** only; the route table's role mask says so). The body of
** POST /api/v1/import/{kind} is the file `citygrid import KIND FILE`
** reads, and it is read by the same code, applied whole or not at all:
** categories, departments, routing rules, time limits, the evaluation's
** weights, buckets and flag rules (CSV), road segments (GeoJSON). The
** server reads all of these from the store when it needs them, so they
** take effect at once; a year's holiday calendar (CSV) is kept in the data
** directory, and the server loads its working calendar again; the
** district's divisions (CSV), boundary and grids (GeoJSON) go to the
** store, and the server loads its locator again within a second.
*/
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "area/area.h"
#include "category/category.h"
#include "eval/eval.h"
#include "org/org.h"

typedef int (*import_fn)(struct http_req *r, struct db *db, const char *path,
                         int *n, struct cg_err *e);

static int
categories(struct http_req *r, struct db *db, const char *path, int *n,
           struct cg_err *e)
{
  return category_import(db, path, http_arg(r, "scheme"), n, e);
}

static int
departments(struct http_req *r, struct db *db, const char *path, int *n,
            struct cg_err *e)
{
  return org_dept_import(db, path, n, e);
}

static int
routing(struct http_req *r, struct db *db, const char *path, int *n,
        struct cg_err *e)
{
  return case_import_routing(db, path, n, e);
}

static int
limits(struct http_req *r, struct db *db, const char *path, int *n,
       struct cg_err *e)
{
  return case_import_limits(db, path, n, e);
}

static int
weights(struct http_req *r, struct db *db, const char *path, int *n,
        struct cg_err *e)
{
  return eval_import_weights(db, path, n, e);
}

static int
buckets(struct http_req *r, struct db *db, const char *path, int *n,
        struct cg_err *e)
{
  return eval_import_buckets(db, path, n, e);
}

static int
flag_rules(struct http_req *r, struct db *db, const char *path, int *n,
           struct cg_err *e)
{
  return eval_import_flag_rules(db, path, n, e);
}

/* The coordinates of a GeoJSON body (?crs=) into *crs. */
static int
crs_of(struct http_req *r, enum geo_crs *crs, struct cg_err *e)
{
  const char *name = http_arg(r, "crs");
  *crs = GEO_WGS84;
  return name ? geo_crs_parse(name, crs, e) : CG_OK;
}

static int
segments(struct http_req *r, struct db *db, const char *path, int *n,
         struct cg_err *e)
{
  enum geo_crs crs;
  int rc;
  if ((rc = crs_of(r, &crs, e)) != CG_OK) return rc;
  return eval_import_segments(db, path, crs, n, e);
}

/* The rows of each level an area import wrote, in all. */
static int
counted(const struct area_counts *c)
{
  return c->n[0] + c->n[1] + c->n[2] + c->n[3];
}

/* The district's areas: the running server locates reports in them within
** a second (case_setup_loc()). */
static int
divisions(struct http_req *r, struct db *db, const char *path, int *n,
          struct cg_err *e)
{
  struct area_counts c = {{0}};
  int rc = area_import_divisions(db, path, &c, e);
  *n = counted(&c);
  return rc;
}

static int
boundary(struct http_req *r, struct db *db, const char *path, int *n,
         struct cg_err *e)
{
  enum geo_crs crs;
  int rc;
  if ((rc = crs_of(r, &crs, e)) != CG_OK) return rc;
  rc = area_import_boundary(db, path, crs, http_arg(r, "code"), e);
  *n = rc == CG_OK;
  return rc;
}

static int
grids(struct http_req *r, struct db *db, const char *path, int *n,
      struct cg_err *e)
{
  struct area_counts c = {{0}};
  enum geo_crs crs;
  int rc;
  if ((rc = crs_of(r, &crs, e)) != CG_OK) return rc;
  rc = area_import_grids(db, path, crs, &c, e);
  *n = counted(&c);
  return rc;
}

/* A year's holidays and make-up working days, kept in DIR/calendar under
** ?name= or else "cn-YYYY.csv" for the year of the file's first day (so a
** year sent again replaces the one before), then the server's working
** calendar loaded again: deadlines counted from now on count by it. */
static int
calendar(struct http_req *r, struct db *db, const char *path, int *n,
         struct cg_err *e)
{
  struct case_setup *s = api_app(r)->cases;
  const char *name = http_arg(r, "name"), *day;
  char derived[16];
  int rc;

  if (!name) { /* the line after the header starts with the year */
    day = strchr(r->body, '\n'); /* (the body ends in a NUL) */
    if (!day || strspn(day + 1, "0123456789") < 4)
      return cg_fail(e, CG_EINVAL,
                     "the body names no day to take the year from: give "
                     "the file a name (?name=cn-2027.csv)");
    snprintf(derived, sizeof derived, "cn-%.4s.csv", day + 1);
    name = derived;
  }
  if ((rc = case_import_calendar(s->data_dir, path, name, n, e)) != CG_OK)
    return rc;
  return case_setup_reload_calendar(s, e);
}

/* What may be loaded, by the name `citygrid import` gives it. */
static const struct {
  const char *kind;
  import_fn fn;
} kinds[] = {
    {"boundary", boundary},       {"buckets", buckets},
    {"calendar", calendar},       {"categories", categories},
    {"departments", departments}, {"divisions", divisions},
    {"flag-rules", flag_rules},   {"grids", grids},
    {"limits", limits},           {"routing", routing},
    {"segments", segments},       {"weights", weights},
};

/* Load the request's body as a file of `kind`: the reply 200 {"kind",
** "imported": N}, or the importer's refusal with the body named as such
** (not the temporary file it was kept in). */
static int
import_body(struct http_req *r, const char *kind)
{
  struct cg_err e = {0};
  char path[4200];
  struct db *db;
  FILE *f;
  int fd, n = 0, rc;
  size_t i;

  for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kind, kinds[i].kind) == 0) break;
  if (i == sizeof kinds / sizeof kinds[0])
    return http_reply_error(r, 404, "not_found",
                            "nothing called '%.40s' to import (boundary, "
                            "buckets, calendar, categories, departments, "
                            "divisions, flag-rules, grids, limits, routing, "
                            "segments or weights)",
                            kind);
  if (r->body_len == 0)
    return http_reply_error(r, 400, "invalid",
                            "the body is empty: send the "
                            "file to load");
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  snprintf(path, sizeof path, "%s/import-XXXXXX", api_app(r)->cases->data_dir);
  if ((fd = mkstemp(path)) < 0 || !(f = fdopen(fd, "wb"))) {
    if (fd >= 0) {
      close(fd);
      remove(path);
    }
    return http_reply_error(r, 500, "io", "cannot keep the upload");
  }
  rc = fwrite(r->body, 1, r->body_len, f) == r->body_len;
  if (fclose(f) != 0 || !rc) {
    remove(path);
    return http_reply_error(r, 500, "io", "cannot keep the upload");
  }
  rc = kinds[i].fn(r, db, path, &n, &e);
  remove(path);
  if (rc != CG_OK) {
    char *at = strstr(e.msg, path), msg[sizeof e.msg];
    if (at) {
      snprintf(msg, sizeof msg, "%.*sthe body%s", (int)(at - e.msg), e.msg,
               at + strlen(path));
      snprintf(e.msg, sizeof e.msg, "%s", msg);
    }
    return http_reply_err(r, &e);
  }
  return http_reply_json(r, 200,
                         json_pack("{s:s, s:i}", "kind", kind, "imported", n));
}

/* POST /api/v1/import/{kind}?scheme=&crs=&name=&code= (admin) — 200
** {"kind", "imported": N}; 400 a malformed file (nothing of it kept); 404
** no such kind. */
int
import_post_api(struct http_req *r)
{
  return import_body(r, r->param[0]);
}

/* POST /api/v1/segments?crs= (admin) — the same as
** POST /api/v1/import/segments, where the evaluation's routes are. */
int
segments_post_api(struct http_req *r)
{
  return import_body(r, "segments");
}
