/*
** cmd_serve.c — `citygrid serve`: build the locator, then serve the HTTP
** API on the listen address until SIGTERM or SIGINT.
*/
#include "cli.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

static char host[64] = "127.0.0.1";

/* Whole-number option `name`, lo..hi, into *n (what: what it counts, for
** the messages), kept as it is when the option is not given; CG_OK, or
** why not in *e. */
static int
whole_option(struct opts *o, const char *name, const char *what, int lo, int hi,
             int *n, struct cg_err *e)
{
  const char *text = opt_get(o, name);
  double v;

  if (!text) return CG_OK;
  if (cli_number(text, what, &v, e) != CG_OK) return e->code;
  if (v < lo || v > hi || v != (int)v)
    return cg_fail(e, CG_EINVAL, "--%s %s: %s, %d..%d", name, text, what, lo,
                   hi);
  *n = (int)v;
  return CG_OK;
}

/* Tell where we listen: tests started with --port 0 read the port here. */
static void
on_listen(int port, void *app)
{
  printf("citygrid: listening on http://%s:%d\n", host, port);
  fflush(stdout);
}

int
cmd_serve(struct cli *cli, struct opts *o)
{
  static struct api_app app;
  static struct case_setup setup;
  const char *listen = opt_get(o, "listen"), *port = opt_get(o, "port");
  const char *events = opt_get(o, "events");
  struct http_opts ho = {0};
  struct cg_err e = {0};
  double v;
  int rc, cache_mb = 64; /* megabytes of lists kept rendered */
  int grace_s = 10;      /* a stop waits this long for requests, twice */

  /* Requests allocate and free many small objects (parsed bodies, JSON
  ** replies, statement values) on several threads, and larger ones now and
  ** then; each larger one made glibc sweep its fast bins together
  ** (malloc_consolidate: a tenth of the server's time under load). Without
  ** fast bins the per-thread caches serve the small ones as quickly. */
  mallopt(M_MXFAST, 0);

  /* settings, calendar and locator, loaded once for every thread */
  if (case_setup_load(&setup, cli->data_dir, cli->db, &e) != CG_OK)
    return cli_fail(&e);
  if (!setup.loc)
    fprintf(stderr, "citygrid: warning: the district has no areas yet: "
                    "import its boundary and generate its grids (over HTTP, "
                    "or 'citygrid import boundary' and 'citygrid grid "
                    "generate'); until then every report is outside\n");
  /* serve anyway; areas that come or change later, the district's first
  ** ones too, are taken up as it runs */
  if (!listen) listen = setup.conf.listen;
  ho.port = 8080;
  if (listen) {
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host ||
        cli_number(colon + 1, "port", &v, &e) != CG_OK) {
      fprintf(stderr, "citygrid serve: --listen wants ADDR:PORT, e.g. "
                      "127.0.0.1:8080\n");
      {
        rc = EXIT_USAGE;
        goto out;
      }
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    ho.port = (int)v;
  }
  if (port) {
    if (cli_number(port, "port", &v, &e) != CG_OK) {
      rc = cli_fail(&e);
      goto out;
    }
    ho.port = (int)v;
  }
  if (ho.port < 0 || ho.port > 65535) {
    cg_fail(&e, CG_EINVAL, "port %d out of range 0..65535", ho.port);
    {
      rc = cli_fail(&e);
      goto out;
    }
  }
  ho.threads = 2;
  ho.pool = 4;
  if (whole_option(o, "threads", "thread count", 1, 64, &ho.threads, &e) !=
          CG_OK ||
      whole_option(o, "pool", "thread count", 1, 64, &ho.pool, &e) != CG_OK ||
      whole_option(o, "list-cache", "megabytes", 0, 65536, &cache_mb, &e) !=
          CG_OK ||
      whole_option(o, "stop-grace", "seconds", 1, 3600, &grace_s, &e) !=
          CG_OK) {
    rc = cli_fail(&e);
    goto out;
  }
  if (events && strcmp(events, "poll") != 0) {
    if (strcmp(events, "epoll") != 0) {
      cg_fail(&e, CG_EINVAL, "--events %s: poll or epoll", events);
      rc = cli_fail(&e);
      goto out;
    }
    ho.epoll = 1;
  }
  setup.cache = case_cache_new((size_t)cache_mb << 20);
  /* the full-text index kept up to date by a thread of its own, not by
  ** the commits of the requests (src/case/search.c) */
  if (case_indexer_start(cli->db_path, &e) != CG_OK) {
    rc = cli_fail(&e);
    goto out;
  }
  setup.env.search_behind = 1;
  snprintf(app.db_path, sizeof app.db_path, "%s", cli->db_path);
  app.cases = &setup;
  ho.host = host;
  ho.body_limit = (size_t)(setup.conf.attach_limit_mb * 1024 * 1024);
  if (ho.body_limit < HTTP_BODY_LIMIT) ho.body_limit = HTTP_BODY_LIMIT;
  ho.routes = api_routes;
  ho.nroutes = api_nroutes;
  ho.app = &app;
  ho.on_listen = on_listen;
  ho.authenticate = api_authenticate;
  ho.on_stop = api_streams_stop;
  ho.stop_grace_ms = grace_s * 1000;
  ho.on_overdue = api_cut_short;
  ho.error_reply = open311_error_reply;
  rc = http_serve(&ho, &e);
  api_writer_stop();
  case_indexer_stop(); /* after the last reports */
  api_close_all();
  rc = rc != CG_OK ? cli_fail(&e) : (printf("citygrid: stopped\n"), 0);
out:
  case_setup_release(&setup);
  return rc;
}
