/*
** err.c — result codes, their names and HTTP statuses, and the error record.
** See err.h for the rules; this file only formats and looks up.
*/
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Indexed by enum cg_code: keep in the enum's order. */
static const struct {
  const char *name;
  int http;
} code_info[] = {
    {"ok", 200},          {"invalid", 400},      {"not_found", 404},
    {"conflict", 409},    {"io", 500},           {"database", 500},
    {"too_large", 413},   {"forbidden", 403},    {"version", 500},
    {"internal", 500},    {"unauthorized", 401}, {"rate_limited", 429},
    {"unavailable", 503},
};

const char *
cg_code_name(int code)
{
  if (code < 0 || (size_t)code >= sizeof code_info / sizeof code_info[0])
    return "internal";
  return code_info[code].name;
}

int
cg_code_http(int code)
{
  if (code < 0 || (size_t)code >= sizeof code_info / sizeof code_info[0])
    return 500;
  return code_info[code].http;
}

int
cg_fail(struct cg_err *e, int code, const char *fmt, ...)
{
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    e->http_status = cg_code_http(code);
  }
  return code;
}

void
cg_err_prefix(struct cg_err *e, const char *fmt, ...)
{
  char old[sizeof e->msg];
  va_list ap;
  int n;

  if (!e) return;
  memcpy(old, e->msg, sizeof old);
  va_start(ap, fmt);
  n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n + 2 < sizeof e->msg) {
    /* the message is cut at the buffer's end if it does not fit */
    e->msg[n] = ':';
    e->msg[n + 1] = ' ';
    memccpy(e->msg + n + 2, old, 0, sizeof e->msg - n - 2);
    e->msg[sizeof e->msg - 1] = 0;
  }
}

void
cg_err_clear(struct cg_err *e)
{
  if (!e) return;
  e->code = CG_OK;
  e->http_status = 200;
  e->msg[0] = 0;
}
