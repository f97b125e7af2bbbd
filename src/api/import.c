/*
** import.c — loading the district's settings over HTTP (administrators
** only; the route table's role mask says so). The body of
** POST /api/v1/import/{kind} is the file `citygrid import KIND FILE`
** reads, and it is read by the same table of importers (settings.h),
** applied whole or not at all:
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

#include "settings/settings.h"

/* The options of the request (?scheme=, ?crs=, ?code=, ?name=) for a
** body of `kind`; CG_OK or why not. A calendar sent without ?name= is
** kept as "cn-YYYY.csv" for the year of its first day (into derived), so
** a year sent again replaces the one before. */
static int
options(struct http_req *r, const char *kind, struct settings_opts *o,
        char derived[16], struct cg_err *e)
{
  const char *crs = http_arg(r, "crs"), *day;

  o->scheme = http_arg(r, "scheme");
  o->code = http_arg(r, "code");
  o->name = http_arg(r, "name");
  o->crs = GEO_WGS84;
  if (crs && geo_crs_parse(crs, &o->crs, e) != CG_OK) return e->code;
  if (strcmp(kind, "calendar") == 0 && !o->name) {
    /* the line after the header starts with the year */
    day = strchr(r->body, '\n'); /* (the body ends in a NUL) */
    if (!day || strspn(day + 1, "0123456789") < 4)
      return cg_fail(e, CG_EINVAL,
                     "the body names no day to take the year from: give "
                     "the file a name (?name=cn-2027.csv)");
    snprintf(derived, 16, "cn-%.4s.csv", day + 1);
    o->name = derived;
  }
  return CG_OK;
}

/* Load the request's body as a file of `kind`: the reply 200 {"kind",
** "imported": N}, or the importer's refusal with the body named as such
** (not the temporary file it was kept in). */
static int
import_body(struct http_req *r, const char *kind)
{
  struct case_setup *s = api_app(r)->cases;
  struct settings_opts o;
  struct settings_loaded got;
  struct cg_err e = {0};
  char path[4200], derived[16];
  struct db *db;
  FILE *f;
  int fd, rc;

  if (!settings_known(kind))
    return http_reply_error(r, 404, "not_found",
                            "nothing called '%.40s' to import (%s)", kind,
                            settings_kinds);
  if (r->body_len == 0)
    return http_reply_error(r, 400, "invalid",
                            "the body is empty: send the "
                            "file to load");
  if (options(r, kind, &o, derived, &e) != CG_OK) return http_reply_err(r, &e);
  if (!(db = api_db(r, &e))) return http_reply_err(r, &e);
  /* the importers read files: the body is kept in one beside the store */
  snprintf(path, sizeof path, "%s/import-XXXXXX", s->data_dir);
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
  rc = settings_import(db, s->data_dir, kind, path, &o, &got, &e);
  remove(path);
  /* deadlines counted from now on count by the new calendar (the areas
  ** the server takes up within a second: case_setup_loc()) */
  if (rc == CG_OK && strcmp(kind, "calendar") == 0)
    rc = case_setup_reload_calendar(s, &e);
  if (rc != CG_OK) {
    char *at = strstr(e.msg, path), msg[sizeof e.msg];
    if (at) {
      snprintf(msg, sizeof msg, "%.*sthe body%s", (int)(at - e.msg), e.msg,
               at + strlen(path));
      snprintf(e.msg, sizeof e.msg, "%s", msg);
    }
    return http_reply_err(r, &e);
  }
  return http_reply_json(
      r, 200, json_pack("{s:s, s:i}", "kind", kind, "imported", got.n));
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
