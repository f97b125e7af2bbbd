/*
** csv.h — a streaming reader of RFC 4180 CSV (UTF-8, comma separated,
** double-quoted fields with "" escapes, CRLF or LF line ends).
**
** A struct csv reads one record at a time from a FILE the caller owns; the
** fields point into the reader's own buffer and stay valid until the next
** csv_read() or csv_release(). Errors name the line where the record began.
*/
#ifndef CG_CSV_H
#define CG_CSV_H

#include <stdio.h>

#include "err.h"

#define CSV_MAX_FIELDS 64    /* a record with more fields is an error */
#define CSV_MAX_RECORD 65536 /* bytes in one record, quotes included */

struct csv {
  FILE *in;                    /* not owned */
  const char *name;            /* file name for messages; not owned */
  long line;                   /* line on which the last record began */
  long next_line;              /* line the next record begins on */
  int nfield;                  /* fields in the last record */
  char *field[CSV_MAX_FIELDS]; /* NUL-terminated, in buf */
  char *buf;                   /* owned; CSV_MAX_RECORD + 1 bytes */
};

/* Start reading `in` (named `name` in messages). Release with
** csv_release(); the FILE stays the caller's. Returns CG_OK or CG_ENOMEM. */
int csv_init(struct csv *c, FILE *in, const char *name, struct cg_err *e);

/* Read the next record into c->field[0..c->nfield). Returns 1 for a record,
** 0 at end of input, or -1 with *e filled for malformed input (an open
** quote at end of file, a stray quote, too many fields, a record too long,
** invalid UTF-8). A byte-order mark at the start of the file is skipped. */
int csv_read(struct csv *c, struct cg_err *e);

/* Index of the column named `name` in the last record (a header), or -1. */
int csv_column(const struct csv *c, const char *name);

/* Write one field to out, quoted (with "" escapes) only when it holds a
** comma, a quote, CR or LF; NULL writes an empty field. */
void csv_write_field(FILE *out, const char *s);

/* Free the reader's buffer. */
void csv_release(struct csv *c);

#endif
