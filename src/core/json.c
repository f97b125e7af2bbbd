/*
** json.c — the compact text of a jansson tree, as json_dumpb() writes it
** with JSON_COMPACT and JSON_REAL_PRECISION, in one pass over the tree
** into the caller's buffer (see json.h for why). The rules it follows are
** jansson's: keys in the order they were set, strings escaped only where
** JSON requires it ('"', '\\' and the control characters, those without a
** short form as \u00XX in capitals) and otherwise as they are, integers in
** decimal, reals as "%.*g" with ".0" added when that reads as an integer
** and the exponent's '+' and leading zeros dropped; a string that is not
** UTF-8 makes the whole dump fail. A struct cg_jw is the same output
** with a buffer of its own that grows: the writer's functions at the end
** write its members one by one.
*/
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048

/* Make room for n more bytes in a growing buffer; 0 if there is none. */
static int
room(struct cg_jw *o, size_t n)
{
  size_t want = o->size ? o->size * 2 : 1024;
  char *b;
  if (o->fixed || o->failed) return 0;
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
put(struct cg_jw *o, const char *s, size_t n)
{
  if (o->used + n <= o->size || room(o, n)) memcpy(o->buf + o->used, s, n);
  o->used += n;
}

static inline void
put1(struct cg_jw *o, char c)
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
put_string(struct cg_jw *o, const char *s, size_t n)
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
put_integer(struct cg_jw *o, json_int_t v)
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
put_real(struct cg_jw *o, double v)
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
put_value(struct cg_jw *o, const json_t *j, int depth)
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
  struct cg_jw o = {.buf = buf, .size = size, .prec = prec, .fixed = 1};

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

/* The ',' before a value and its key, if any. */
static void
key(struct cg_jw *w, const char *name)
{
  if (w->comma) put1(w, ',');
  if (name) {
    put_string(w, name, strlen(name));
    put1(w, ':');
  }
  w->comma = 1;
}

void
cg_jw_open(struct cg_jw *w, const char *name, char bracket)
{
  key(w, name);
  put1(w, bracket);
  w->comma = 0;
}

void
cg_jw_close(struct cg_jw *w, char bracket)
{
  put1(w, bracket);
  w->comma = 1;
}

/* Take back a member begun at `at` whose value cannot be written. */
static void
unwrite(struct cg_jw *w, size_t at, int comma)
{
  w->used = at;
  w->comma = comma;
}

void
cg_jw_string(struct cg_jw *w, const char *name, const char *s)
{
  size_t at = w->used;
  int comma = w->comma;
  key(w, name);
  if (!s)
    put(w, "null", 4);
  else if (put_string(w, s, strlen(s)) < 0)
    unwrite(w, at, comma); /* not UTF-8: the member left out */
}

void
cg_jw_integer(struct cg_jw *w, const char *name, long long v)
{
  key(w, name);
  put_integer(w, (json_int_t)v);
}

void
cg_jw_real(struct cg_jw *w, const char *name, double v, int prec)
{
  size_t at = w->used;
  int comma = w->comma;
  key(w, name);
  w->prec = prec;
  if (put_real(w, v) < 0) unwrite(w, at, comma); /* not finite: as jansson */
}

void
cg_jw_bool(struct cg_jw *w, const char *name, int v)
{
  key(w, name);
  if (v)
    put(w, "true", 4);
  else
    put(w, "false", 5);
}

void
cg_jw_null(struct cg_jw *w, const char *name)
{
  cg_jw_string(w, name, NULL);
}

void
cg_jw_tree(struct cg_jw *w, const char *name, const json_t *j, int prec)
{
  size_t at = w->used;
  int comma = w->comma;
  key(w, name);
  w->prec = prec;
  if (!j || put_value(w, j, 0) < 0) unwrite(w, at, comma);
}

char *
cg_jw_take(struct cg_jw *w, size_t *len)
{
  char *text = NULL;

  put1(w, 0);
  if (!w->failed) {
    text = w->buf;
    if (len) *len = w->used - 1;
  } else {
    free(w->buf);
  }
  memset(w, 0, sizeof *w);
  return text;
}
