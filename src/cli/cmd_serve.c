/*
** cmd_serve.c — `citygrid serve`: build the locator, then serve the HTTP
** API on the listen address until SIGTERM or SIGINT.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

static char host[64] = "127.0.0.1";

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
  const char *listen = opt_get(o, "listen"), *port = opt_get(o, "port");
  const char *threads = opt_get(o, "threads");
  struct http_opts ho = {0};
  struct cg_err e = {0};
  double v;
  int rc;

  ho.port = 8080;
  if (listen) {
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host ||
        cli_number(colon + 1, "port", &v, &e) != CG_OK) {
      fprintf(stderr, "citygrid serve: --listen wants ADDR:PORT, e.g. "
                      "127.0.0.1:8080\n");
      return EXIT_USAGE;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    ho.port = (int)v;
  }
  if (port) {
    if (cli_number(port, "port", &v, &e) != CG_OK) return cli_fail(&e);
    ho.port = (int)v;
  }
  if (ho.port < 0 || ho.port > 65535) {
    cg_fail(&e, CG_EINVAL, "port %d out of range 0..65535", ho.port);
    return cli_fail(&e);
  }
  ho.threads = 2;
  if (threads) {
    if (cli_number(threads, "thread count", &v, &e) != CG_OK)
      return cli_fail(&e);
    if (v < 1 || v > 64) {
      cg_fail(&e, CG_EINVAL, "thread count %g out of range 1..64", v);
      return cli_fail(&e);
    }
    ho.threads = (int)v;
  }
  snprintf(app.db_path, sizeof app.db_path, "%s", cli->db_path);
  if (area_locator_load(cli->db, &app.loc, &e) != CG_OK) {
    if (e.code != CG_ENOTFOUND) return cli_fail(&e);
    fprintf(stderr, "citygrid: warning: %s\n", e.msg); /* serve anyway */
  }
  ho.host = host;
  ho.body_limit = 1 << 20;
  ho.routes = api_routes;
  ho.nroutes = api_nroutes;
  ho.app = &app;
  ho.on_listen = on_listen;
  ho.authenticate = api_authenticate;
  rc = http_serve(&ho, &e);
  api_close_all();
  area_locator_free(app.loc);
  if (rc != CG_OK) return cli_fail(&e);
  printf("citygrid: stopped\n");
  return 0;
}
