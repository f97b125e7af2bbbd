/*
** json.h — the compact text of a jansson tree, written in one pass.
**
** Every reply of the server is a jansson tree dumped to text, and
** jansson's dump costs more than building the tree: it formats each
** integer with snprintf() and, to catch cycles, keeps a hash table of the
** containers it is inside (a formatted pointer, an allocation and a
** lookup per object). For the 1 KB case a report is answered with that
** was 7 µs of the server's ~80 µs for a durable report. This writes the
** same bytes from the same tree — the test holds it to json_dumpb() byte
** for byte — three times as fast (bench/json.c). jansson still
** builds, parses and checks everything; only its dump is replaced, and
** only where replies and stored events are written.
**
** struct cg_jw writes such a text as it is made, without a tree: for the
** case every report is answered with and every list shows, built member
** by member (a jansson tree of it is some sixty allocations, made and
** freed for each). Its strings, numbers and trees are written by the
** same rules as cg_json_dumpb()'s.
*/
#ifndef CG_JSON_H
#define CG_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Write j into buf of size bytes as json_dumpb(j, buf, size, JSON_COMPACT
** | JSON_REAL_PRECISION(prec)) does (prec 0: 17 digits): no terminating
** NUL, and only as much as fits. Returns the length of the whole text —
** larger than size when it did not fit — or 0 if j cannot be written (a
** string or key that is not UTF-8, nesting over 2048 deep). */
size_t cg_json_dumpb(const json_t *j, char *buf, size_t size, int prec);

/* The text of j as cg_json_dumpb() writes it, NUL-terminated: a new
** string the caller frees, its length in *len (may be NULL). NULL if j
** cannot be written or memory ran out. */
char *cg_json_dumps(const json_t *j, int prec, size_t *len);

/* A JSON text being written. Zero it to begin; key is the member's name
** inside an object (a literal: ASCII), NULL inside an array or at the
** top. A string that is not UTF-8 leaves its member out, as a jansson
** object leaves out a member whose value it cannot make. */
struct cg_jw {
  char *buf;         /* owned: the text so far, not NUL-terminated */
  size_t size, used; /* used may pass size: the length the text needs */
  int prec;          /* digits of the reals being written */
  int fixed;         /* buf is not ours to grow (cg_json_dumpb()) */
  int failed;        /* memory ran out */
  int comma;         /* a value was written at this level: ',' before the
                     ** next */
};
void cg_jw_open(struct cg_jw *w, const char *key, char bracket); /* { [ */
void cg_jw_close(struct cg_jw *w, char bracket);                 /* } ] */
/* s NULL writes null */
void cg_jw_string(struct cg_jw *w, const char *key, const char *s);
void cg_jw_integer(struct cg_jw *w, const char *key, long long v);
void cg_jw_real(struct cg_jw *w, const char *key, double v, int prec);
void cg_jw_bool(struct cg_jw *w, const char *key, int v);
void cg_jw_null(struct cg_jw *w, const char *key);
/* The tree j (any value) as cg_json_dumpb() writes it; j is not taken. */
void cg_jw_tree(struct cg_jw *w, const char *key, const json_t *j, int prec);

/* The text written, NUL-terminated: the caller frees it; its length in
** *len (may be NULL). NULL if memory ran out. w is empty again after. */
char *cg_jw_take(struct cg_jw *w, size_t *len);

#endif
