/*
** context.c — this thread's GEOS context handle and its last error text.
**
** GEOS's re-entrant API wants one context per thread. The handle lives in a
** thread-local variable, is created on first use, and is finished when the
** thread exits (a pthread key destructor) or when geo_ctx_finish() is called.
** This is the only mutable state of the geo module outside its objects.
*/
#include "geo.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local GEOSContextHandle_t tl_ctx;
static _Thread_local char tl_error[512];

/* Written once by pthread_once; its destructor finishes a thread's context
** when the thread exits. */
static pthread_key_t ctx_key;
static pthread_once_t ctx_key_once = PTHREAD_ONCE_INIT;

/* GEOS error handler: keep the text (already formatted) in the thread's
** buffer, truncated to its size. */
static void
ctx_on_error(const char *msg, void *userdata)
{
  char *buf = userdata;
  snprintf(buf, sizeof tl_error, "%s", msg ? msg : "unknown geos error");
}

/* GEOS notices (e.g. "Self-intersection at ...") are expected on the
** slightly invalid input rings; they are not errors, so they are dropped
** instead of being printed. */
static void
ctx_on_notice(const char *msg, void *userdata)
{
  (void)msg;
  (void)userdata;
}

static void
ctx_key_destroy(void *handle)
{
  if (handle) GEOS_finish_r(handle);
}

static void
ctx_key_create(void)
{
  pthread_key_create(&ctx_key, ctx_key_destroy);
}

GEOSContextHandle_t
geo_ctx(void)
{
  if (!tl_ctx) {
    tl_ctx = GEOS_init_r();
    if (!tl_ctx) return NULL;
    GEOSContext_setErrorMessageHandler_r(tl_ctx, ctx_on_error, tl_error);
    GEOSContext_setNoticeMessageHandler_r(tl_ctx, ctx_on_notice, NULL);
    pthread_once(&ctx_key_once, ctx_key_create);
    pthread_setspecific(ctx_key, tl_ctx);
  }
  return tl_ctx;
}

void
geo_ctx_finish(void)
{
  if (!tl_ctx) return;
  pthread_once(&ctx_key_once, ctx_key_create);
  pthread_setspecific(ctx_key, NULL);
  GEOS_finish_r(tl_ctx);
  tl_ctx = NULL;
  tl_error[0] = 0;
}

const char *
geo_last_error(void)
{
  return tl_error;
}
