/*
** json.c — the compact text of a jansson tree, as json_dumpb() writes it
** with JSON_COMPACT and JSON_REAL_PRECISION, in one pass over the tree
** into the caller's buffer (see json.h for why). The rules it follows are
** jansson's: keys in the order they were set, strings escaped only where
** JSON requires it ('"', '\\' and the control characters, those without a
** short form as \u00XX in capitals) and otherwise as they are, integers in
** decimal, reals as "%.*g" with ".0" added when that reads as an integer
** and the exponent's '+' and leading zeros dropped; a string that is not
** UTF-8 makes the whole dump fail.
*/
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048

struct out {
  char *buf;
  size_t size, used; /* used may pass size: the length the text needs */
  int prec;
  int grow;   /* buf is malloc'd and grows to hold the text (cg_jw) */
  int failed; /* ...and could not */
};

/* Make room for n more bytes in a growing buffer; 0 if there is none. */
static int
room(struct out *o, size_t n)
{
  size_t want = o->size ? o->size * 2 : 1024;
  char *b;
  if (!o->grow || o->failed) return 0;
  while (want < o->used + n)
    want *= 2;
  if (!(b = realloc(o->buf, want))) {
    o->failed = 1;
    return 0;
  }
  o->buf = b;
  o->size = want;
  return 1;
}

static inline void
put(struct out *o, const char *s, size_t n)
{
  if (o->used + n <= o->size || room(o, n)) memcpy(o->buf + o->used, s, n);
  o->used += n;
}

static inline void
put1(struct out *o, char c)
{
  if (o->used < o->size || room(o, 1)) o->buf[o->used] = c;
  o->used++;
}

/* Length of the UTF-8 character at p (at most n bytes there), or 0 if it
** is not one: overlong forms, surrogates and code points past U+10FFFF
** refused as jansson refuses them. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
  unsigned c = p[0], v;
  size_t len;

  if (c < 0xC2 || c > 0xF4) return 0;
  len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (n < len) return 0;
  v = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = v << 6 | (p[i] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
      (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
    return 0;
  return len;
}

/* A JSON string of s[0..n): runs of plain characters copied at once.
** Returns 0, or -1 if s is not UTF-8. */
static int
put_string(struct out *o, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  const unsigned char *run = p;

  put1(o, '"');
  while (p < end) {
    unsigned c = *p;
    char esc[8];
    size_t len;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      p++;
      continue;
    }
    if (c >= 0x80) {
      if (!(len = utf8_len(p, (size_t)(end - p)))) return -1;
      p += len;
      continue;
    }
    put(o, (const char *)run, (size_t)(p - run));
    switch (c) {
    case '"':
      put(o, "\\\"", 2);
      break;
    case '\\':
      put(o, "\\\\", 2);
      break;
    case '\b':
      put(o, "\\b", 2);
      break;
    case '\f':
      put(o, "\\f", 2);
      break;
    case '\n':
      put(o, "\\n", 2);
      break;
    case '\r':
      put(o, "\\r", 2);
      break;
    case '\t':
      put(o, "\\t", 2);
      break;
    default:
      snprintf(esc, sizeof esc, "\\u%04X", c);
      put(o, esc, 6);
    }
    run = ++p;
  }
  put(o, (const char *)run, (size_t)(p - run));
  put1(o, '"');
  return 0;
}

static void
put_integer(struct out *o, json_int_t v)
{
  char tmp[24], *q = tmp + sizeof tmp;
  /* through unsigned: the most negative value has no positive twin */
  unsigned long long u =
      v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    *--q = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--q = '-';
  put(o, q, (size_t)(tmp + sizeof tmp - q));
}

/* Returns 0, or -1 for a value jansson does not allow (not finite). */
static int
put_real(struct out *o, double v)
{
  char b[64], *e;
  int n;

  if (!isfinite(v)) return -1;
  n = snprintf(b, sizeof b, "%.*g", o->prec ? o->prec : 17, v);
  if (n < 0 || (size_t)n >= sizeof b - 3) return -1;
  for (char *q = b; *q; q++) /* a locale's decimal comma */
    if (*q == ',') *q = '.';
  if (!strchr(b, '.') && !strchr(b, 'e')) {
    memcpy(b + n, ".0", 3);
    n += 2;
  }
  if ((e = strchr(b, 'e'))) { /* "e+07" → "e7", "e-07" → "e-7" */
    char *to = e + 1, *from = to + 1;
    if (*to == '-') to++;
    while (*from == '0')
      from++;
    memmove(to, from, (size_t)(b + n + 1 - from));
    n -= (int)(from - to);
  }
  put(o, b, (size_t)n);
  return 0;
}

static int
put_value(struct out *o, const json_t *j, int depth)
{
  if (depth > MAX_DEPTH) return -1;
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    const char *sep = "{";
    for (void *it = json_object_iter((json_t *)j); it;
         it = json_object_iter_next((json_t *)j, it)) {
      put1(o, *sep);
      sep = ",";
      if (put_string(o, json_object_iter_key(it),
                     json_object_iter_key_len(it)) < 0)
        return -1;
      put1(o, ':');
      if (put_value(o, json_object_iter_value(it), depth + 1) < 0) return -1;
    }
    if (*sep == '{') put1(o, '{');
    put1(o, '}');
    return 0;
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(j);
    put1(o, '[');
    for (size_t i = 0; i < n; i++) {
      if (i) put1(o, ',');
      if (put_value(o, json_array_get(j, i), depth + 1) < 0) return -1;
    }
    put1(o, ']');
    return 0;
  }
  case JSON_STRING:
    return put_string(o, json_string_value(j), json_string_length(j));
  case JSON_INTEGER:
    put_integer(o, json_integer_value(j));
    return 0;
  case JSON_REAL:
    return put_real(o, json_real_value(j));
  case JSON_TRUE:
    put(o, "true", 4);
    return 0;
  case JSON_FALSE:
    put(o, "false", 5);
    return 0;
  case JSON_NULL:
    put(o, "null", 4);
    return 0;
  }
  return -1;
}

size_t
cg_json_dumpb(const json_t *j, char *buf, size_t size, int prec)
{
  struct out o = {buf, size, 0, prec, 0, 0};

  /* like jansson without JSON_ENCODE_ANY: a document is an object or
  ** an array */
  if (!j || !(json_is_object(j) || json_is_array(j))) return 0;
  if (put_value(&o, j, 0) < 0) return 0;
  return o.used;
}

char *
cg_json_dumps(const json_t *j, int prec, size_t *len)
{
  char stack[16384], *out;
  size_t n = cg_json_dumpb(j, stack, sizeof stack, prec);

  if (len) *len = 0;
  if (n == 0 || !(out = malloc(n + 1))) return NULL;
  if (n <= sizeof stack)
    memcpy(out, stack, n);
  else if (cg_json_dumpb(j, out, n, prec) != n) {
    free(out);
    return NULL;
  }
  out[n] = 0;
  if (len) *len = n;
  return out;
}

/* The writer's text as a growing output, and back. */
static struct out
jw_out(struct cg_jw *w, int prec)
{
  return (struct out){w->buf, w->size, w->used, prec, 1, w->failed};
}

static void
jw_back(struct cg_jw *w, const struct out *o)
{
  w->buf = o->buf;
  w->size = o->size;
  w->used = o->used;
  w->failed = o->failed;
}

/* The ',' before a value and its key, if any. */
static void
jw_key(struct out *o, struct cg_jw *w, const char *key)
{
  if (w->comma) put1(o, ',');
  if (key) {
    put_string(o, key, strlen(key));
    put1(o, ':');
  }
}

void
cg_jw_open(struct cg_jw *w, const char *key, char bracket)
{
  struct out o = jw_out(w, 0);
  jw_key(&o, w, key);
  put1(&o, bracket);
  jw_back(w, &o);
  w->comma = 0;
}

void
cg_jw_close(struct cg_jw *w, char bracket)
{
  struct out o = jw_out(w, 0);
  put1(&o, bracket);
  jw_back(w, &o);
  w->comma = 1;
}

void
cg_jw_string(struct cg_jw *w, const char *key, const char *s)
{
  struct out o = jw_out(w, 0);
  size_t at = w->used;
  jw_key(&o, w, key);
  if (!s)
    put(&o, "null", 4);
  else if (put_string(&o, s, strlen(s)) < 0) {
    o.used = at; /* not UTF-8: the member left out */
    jw_back(w, &o);
    return;
  }
  jw_back(w, &o);
  w->comma = 1;
}

void
cg_jw_integer(struct cg_jw *w, const char *key, long long v)
{
  struct out o = jw_out(w, 0);
  jw_key(&o, w, key);
  put_integer(&o, (json_int_t)v);
  jw_back(w, &o);
  w->comma = 1;
}

void
cg_jw_real(struct cg_jw *w, const char *key, double v, int prec)
{
  struct out o = jw_out(w, prec);
  size_t at = w->used;
  jw_key(&o, w, key);
  if (put_real(&o, v) < 0) {
    o.used = at; /* not finite: jansson makes no value of it either */
    jw_back(w, &o);
    return;
  }
  jw_back(w, &o);
  w->comma = 1;
}

void
cg_jw_bool(struct cg_jw *w, const char *key, int v)
{
  struct out o = jw_out(w, 0);
  jw_key(&o, w, key);
  if (v)
    put(&o, "true", 4);
  else
    put(&o, "false", 5);
  jw_back(w, &o);
  w->comma = 1;
}

void
cg_jw_null(struct cg_jw *w, const char *key)
{
  cg_jw_string(w, key, NULL);
}

void
cg_jw_tree(struct cg_jw *w, const char *key, const json_t *j, int prec)
{
  struct out o = jw_out(w, prec);
  size_t at = w->used;
  jw_key(&o, w, key);
  if (!j || put_value(&o, j, 0) < 0) {
    o.used = at;
    jw_back(w, &o);
    return;
  }
  jw_back(w, &o);
  w->comma = 1;
}

char *
cg_jw_take(struct cg_jw *w, size_t *len)
{
  struct out o = jw_out(w, 0);
  char *text = NULL;

  put1(&o, 0);
  if (!o.failed) {
    text = o.buf;
    if (len) *len = o.used - 1;
  } else {
    free(o.buf);
  }
  memset(w, 0, sizeof *w);
  return text;
}
