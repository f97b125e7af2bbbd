/*
** web.c — the web pages: the staff dashboard at /, the public pages at
** /public, and their scripts, styles and libraries under /assets/, all
** embedded into the binary by the build (tools/embed_assets.c writes the
** table), so that a bare `citygrid serve` serves them with nothing to
** install and nothing fetched from elsewhere. Names are looked up in that
** table and nowhere else: no path reaches the file system. Text is stored
** gzip-compressed and sent so to clients that accept it (inflated for the
** rest); every asset carries an ETag and is revalidated (no-cache), so a
** new binary's pages are never mixed with old cached ones.
** Also GET /api/v1/map: the map's settings for the pages.
*/
#include "api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int
cmp_asset(const void *k, const void *v)
{
  return strcmp(k, ((const struct web_asset *)v)->name);
}

const struct web_asset *
web_asset_find(const char *name)
{
  return bsearch(name, web_assets, (size_t)web_nassets, sizeof web_assets[0],
                 cmp_asset);
}

/* Inflate a gzip-compressed asset into a new buffer (caller frees), or
** NULL if memory runs out or the data is damaged. */
static char *
inflate_asset(const struct web_asset *a)
{
  z_stream z;
  char *out = malloc(a->raw_len + 1);
  int rc;

  if (!out) return NULL;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    free(out);
    return NULL;
  }
  z.next_in = (Bytef *)(uintptr_t)a->data;
  z.avail_in = (uInt)a->len;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)a->raw_len + 1;
  rc = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.total_out != a->raw_len) {
    free(out);
    return NULL;
  }
  return out;
}

/* Reply with the asset called name: 200, 304 when the client has it
** already, 404 when there is none. */
static int
send_asset(struct http_req *r, const char *name)
{
  const struct web_asset *a = web_asset_find(name);
  const char *have = http_header(r, "If-None-Match");

  if (!a)
    return http_reply_error(r, 404, "not_found", "no resource at '%.200s'",
                            r->path);
  snprintf(r->etag, sizeof r->etag, "%s", a->etag);
  r->cache_control = "no-cache";
  r->content_type = a->type;
  if (have && strstr(have, a->etag)) {
    r->status = 304;
    return 304;
  }
  if (!a->gzip || http_accepts_gzip(r)) {
    r->text = (char *)(uintptr_t)a->data;
    r->text_len = a->len;
    r->text_static = 1;
    if (a->gzip) r->content_encoding = "gzip";
  } else if (!(r->text = inflate_asset(a))) {
    return http_reply_error(r, 500, "internal", "cannot inflate '%s'", a->name);
  } else {
    r->text_len = a->raw_len; /* and the server will not compress it */
  }
  r->status = 200;
  return 200;
}

/* GET / — the dashboard (挂图作战), work lists, case pages and
** statistics for staff; GET /public — reporting, looking up and rating a
** case, for anyone. Single pages; the part shown follows the URL's #. */
int
web_page_get_api(struct http_req *r)
{
  return send_asset(r, strcmp(r->path, "/public") == 0 ? "public.html"
                                                       : "index.html");
}

/* GET /assets/{file}, /assets/images/{file} — scripts, styles, images. */
int
web_asset_get_api(struct http_req *r)
{
  char name[HTTP_PARAM_LEN + 16];

  snprintf(name, sizeof name, "%s%s",
           strncmp(r->path, "/assets/images/", 15) == 0 ? "images/" : "",
           r->param[0]);
  return send_asset(r, name);
}

/* GET /api/v1/map — what the pages need to draw the map:
** {"tiles": a tile URL template or null (draw our own areas only),
**  "attribution", "district": {"code", "name", "bbox": [minlon, minlat,
**  maxlon, maxlat]} or null before the district is imported}. */
int
map_get_api(struct http_req *r)
{
  const struct conf *c = &api_app(r)->cases->conf;
  struct cg_err e = {0};
  struct db *db = api_db(r, &e);
  struct db_stmt *st;
  json_t *district = json_null();

  if (!db) return http_reply_err(r, &e);
  if (db_prepare_cached(db, &st,
                        "SELECT code, name, min_lon, min_lat, max_lon,"
                        " max_lat FROM area WHERE level = 'district'",
                        &e) != CG_OK)
    return http_reply_err(r, &e);
  if (db_step(st, &e) == DB_ROW) {
    json_decref(district);
    district = json_pack("{s:s, s:s, s:[f, f, f, f]}", "code",
                         db_col_text(st, 0), "name", db_col_text(st, 1), "bbox",
                         db_col_double(st, 2), db_col_double(st, 3),
                         db_col_double(st, 4), db_col_double(st, 5));
  }
  db_finalize(st);
  return http_reply_json(r, 200,
                         json_pack("{s:s?, s:s, s:o}", "tiles",
                                   c->map_tiles[0] ? c->map_tiles : NULL,
                                   "attribution", c->map_attribution,
                                   "district", district));
}
