/*
** csv.c — RFC 4180 record reader. One pass over the bytes of each record
** with a tiny state machine: outside a field, inside an unquoted field,
** inside a quoted field, just after a quote inside a quoted field.
*/
#include "csv.h"

#include <stdlib.h>
#include <string.h>

int
csv_init(struct csv *c, FILE *in, const char *name, struct cg_err *e)
{
  memset(c, 0, sizeof *c);
  c->in = in;
  c->name = name ? name : "-";
  c->next_line = 1;
  c->buf = malloc(CSV_MAX_RECORD + 1);
  if (!c->buf)
    return cg_fail(e, CG_ENOMEM, "out of memory reading '%s'", c->name);
  return CG_OK;
}

void
csv_release(struct csv *c)
{
  free(c->buf);
  c->buf = NULL;
}

/* True if s[0..n) is well-formed UTF-8. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    unsigned char b = s[i];
    int len = b < 0x80         ? 1
              : (b >> 5) == 6  ? 2
              : (b >> 4) == 14 ? 3
              : (b >> 3) == 30 ? 4
                               : 0;
    if (!len || i + len > n) return 0;
    for (int k = 1; k < len; k++)
      if ((s[i + k] & 0xC0) != 0x80) return 0;
    if (len == 2 && b < 0xC2) return 0;
    i += len;
  }
  return 1;
}

int
csv_read(struct csv *c, struct cg_err *e)
{
  enum { START, PLAIN, QUOTED, QUOTE_SEEN } st = START;
  size_t n = 0;
  int ch;

  c->line = c->next_line;
  c->nfield = 0;
  if (c->line == 1) { /* skip a UTF-8 byte-order mark */
    int b0 = getc(c->in);
    if (b0 == 0xEF) {
      int b1 = getc(c->in), b2 = getc(c->in);
      if (b1 != 0xBB || b2 != 0xBF)
        return cg_fail(e, CG_EINVAL, "%s:1: invalid UTF-8 at start of file",
                       c->name),
               -1;
    } else if (b0 != EOF) {
      ungetc(b0, c->in);
    }
  }
  ch = getc(c->in);
  if (ch == EOF) return 0;
  c->field[c->nfield++] = c->buf;
  for (;; ch = getc(c->in)) {
    if (n >= CSV_MAX_RECORD)
      return cg_fail(e, CG_EINVAL, "%s:%ld: record longer than %d bytes",
                     c->name, c->line, CSV_MAX_RECORD),
             -1;
    if (ch == EOF) {
      if (st == QUOTED)
        return cg_fail(e, CG_EINVAL, "%s:%ld: unterminated quoted field",
                       c->name, c->line),
               -1;
      break;
    }
    if (ch == '\n') c->next_line++;
    if (st == QUOTED) {
      if (ch == '"')
        st = QUOTE_SEEN;
      else
        c->buf[n++] = (char)ch;
      continue;
    }
    if (st == QUOTE_SEEN && ch == '"') { /* "" inside quotes */
      c->buf[n++] = '"';
      st = QUOTED;
      continue;
    }
    if (ch == ',') {
      if (c->nfield >= CSV_MAX_FIELDS)
        return cg_fail(e, CG_EINVAL, "%s:%ld: more than %d fields", c->name,
                       c->line, CSV_MAX_FIELDS),
               -1;
      c->buf[n++] = 0;
      c->field[c->nfield++] = c->buf + n;
      st = START;
      continue;
    }
    if (ch == '\r') {
      int nx = getc(c->in);
      if (nx == '\n') {
        c->next_line++;
        break;
      }
      if (nx != EOF) ungetc(nx, c->in);
      return cg_fail(e, CG_EINVAL, "%s:%ld: stray carriage return", c->name,
                     c->line),
             -1;
    }
    if (ch == '\n') break;
    if (ch == '"') {
      if (st != START)
        return cg_fail(e, CG_EINVAL, "%s:%ld: stray quote in field %d", c->name,
                       c->line, c->nfield),
               -1;
      st = QUOTED;
      continue;
    }
    if (st == QUOTE_SEEN)
      return cg_fail(e, CG_EINVAL,
                     "%s:%ld: text after closing quote in "
                     "field %d",
                     c->name, c->line, c->nfield),
             -1;
    st = PLAIN;
    c->buf[n++] = (char)ch;
  }
  c->buf[n] = 0;
  if (!utf8_valid((unsigned char *)c->buf, n))
    return cg_fail(e, CG_EINVAL, "%s:%ld: invalid UTF-8", c->name, c->line), -1;
  return 1;
}

int
csv_column(const struct csv *c, const char *name)
{
  for (int i = 0; i < c->nfield; i++)
    if (strcmp(c->field[i], name) == 0) return i;
  return -1;
}

void
csv_write_field(FILE *out, const char *s)
{
  if (!s) return;
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, out);
    return;
  }
  putc('"', out);
  for (; *s; s++) {
    if (*s == '"') putc('"', out);
    putc(*s, out);
  }
  putc('"', out);
}
