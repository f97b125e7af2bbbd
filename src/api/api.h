/*
** api.h — citygrid's HTTP resources. One file per resource (health.c,
** areas.c, ...), each handler named <resource>_<verb>_api; the one route
** table is in routes.c. Handlers run on the server's worker threads and get
** the application state below through api_app().
*/
#ifndef CG_API_H
#define CG_API_H

#include "area/area.h"
#include "db/db.h"
#include "http/http.h"

/* State shared by all requests; read-only while serving. */
struct api_app {
  char db_path[4096];
  struct area_locator *loc; /* built at start-up */
};

/* The application state of a request. */
struct api_app *api_app(struct http_req *r);

/* This worker thread's connection to the store, opened on first use and
** kept for the life of the thread (closed by api_close_all()). NULL with
** *e filled if the store cannot be opened. */
struct db *api_db(struct http_req *r, struct cg_err *e);

/* Close every connection api_db() opened. Call after the server stopped. */
void api_close_all(void);

/* The route table, sorted by path then method (see http.h). */
extern const struct http_route api_routes[];
extern const int api_nroutes;

/* Handlers. */
int health_get_api(struct http_req *r);
int areas_get_api(struct http_req *r);
int locate_get_api(struct http_req *r);

#endif
