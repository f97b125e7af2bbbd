/*
** json.c — benchmark of the JSON text every reply is written as: the case
** a report is answered with (the 201 of POST /api/v1/cases, a real one,
** 967 bytes) and the real district boundaries of Zhengzhou (GeoJSON, the
** shape of the map's layers), each written by cg_json_dumpb() and by the
** baseline, jansson's json_dumpb() with the same flags; both must give the
** same bytes. Prints one `name: value` per line, the ratios last.
** Usage: bench_json   (run from the repository root)
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "bench.h"

static const char case_reply[] =
    "{\"no\":\"4101042026120700002\",\"state\":\"duplicate\",\"state_zh\":"
    "\"重复\","
    "\"category\":{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":"
    "\"06010\","
    "\"name\":\"暴露垃圾\"},\"source\":\"hotline\",\"case_type\":\"daily\","
    "\"lat\":34.7,\"lon\":113.75,\"grid\":{\"code\":\"410104007011103\","
    "\"name\":\"新郑路社区第103网格\"},\"community\":{\"code\":"
    "\"410104007011\","
    "\"name\":\"新郑路社区\"},\"street\":{\"code\":\"410104007\",\"name\":"
    "\"陇海马路街道\"},"
    "\"urgency\":0,\"area_class\":\"B\",\"address\":\"\",\"description\":"
    "\"路边有暴露垃圾\","
    "\"created_at\":\"2026-12-07T11:19:22Z\",\"updated_at\":\"2026-12-07T11:19:"
    "22Z\","
    "\"reporter\":{\"login\":\"op\",\"name\":null,\"phone\":null},"
    "\"component\":null,\"dept\":{\"code\":\"hwc\",\"name\":"
    "\"管城回族区环境卫生服务中心\"},"
    "\"dispatched_at\":null,\"due_at\":null,\"closed_at\":null,"
    "\"duplicate_of\":\"4101042026120700001\",\"light\":null,\"escalation\":0,"
    "\"counters\":{\"rework\":0,\"wrong_dispatch\":0,\"returned\":0,"
    "\"extended\":0,\"suspended\":0,\"shirked\":0,\"deferred\":false},"
    "\"tasks\":[],\"attachments\":[],\"actions\":[]}";

/* Dumps of j a second by each writer over about a second each; exits if
** their texts differ. */
static void
run(const char *name, const json_t *j, int prec, double *ours, double *base)
{
  size_t cap = 16 << 20, na, nb;
  char *a = malloc(cap), *b = malloc(cap);
  size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(prec);
  long n = 0;
  double t0;

  if (!a || !b) exit(1);
  na = json_dumpb(j, a, cap, flags);
  nb = cg_json_dumpb(j, b, cap, prec);
  if (na == 0 || na != nb || memcmp(a, b, na) != 0) {
    fprintf(stderr, "bench_json: %s: the two texts differ\n", name);
    exit(1);
  }
  printf("json.%s.bytes: %zu\n", name, na);
  for (t0 = bench_secs(), n = 0; bench_secs() - t0 < 1.0; n++)
    cg_json_dumpb(j, b, cap, prec);
  *ours = n / (bench_secs() - t0);
  for (t0 = bench_secs(), n = 0; bench_secs() - t0 < 1.0; n++)
    json_dumpb(j, a, cap, flags);
  *base = n / (bench_secs() - t0);
  printf("json.%s.citygrid.per_s: %.0f\n", name, *ours);
  printf("json.%s.jansson.per_s: %.0f\n", name, *base);
  free(a);
  free(b);
}

int
main(void)
{
  json_error_t err;
  json_t *c = json_loads(case_reply, 0, &err);
  json_t *g = json_load_file("data/zhengzhou-districts.geojson", 0, &err);
  double co, cb, go, gb;

  if (!c || !g) {
    fprintf(stderr, "bench_json: %s\n", err.text);
    return 1;
  }
  run("case", c, 10, &co, &cb);
  run("geojson", g, 10, &go, &gb);
  printf("json.case.ratio: %.2f\n", co / cb);
  printf("json.geojson.ratio: %.2f\n", go / gb);
  json_decref(c);
  json_decref(g);
  return 0;
}
