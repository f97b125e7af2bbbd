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

#endif
