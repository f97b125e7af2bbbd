/*
** form.c — form bodies (application/x-www-form-urlencoded and
** multipart/form-data) decoded by libmicrohttpd's post processor over the
** body the server already collected, into a list of name/value fields.
** What the fields mean is for the handler to decide.
*/
#include "http.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

/* libmicrohttpd hands a long value over in pieces: off > 0 continues the
** last field. */
static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key,
         const char *filename, const char *content_type,
         const char *transfer_encoding, const char *data, uint64_t off,
         size_t size)
{
  struct http_form *f = cls;
  struct http_field *fd;
  char *grown;

  if (off > 0 && f->n > 0 && strcmp(f->field[f->n - 1].name, key) == 0) {
    fd = &f->field[f->n - 1];
  } else {
    if (f->n == f->cap) {
      int cap = f->cap ? f->cap * 2 : 16;
      struct http_field *nf = realloc(f->field, (size_t)cap * sizeof *nf);
      if (!nf) return MHD_NO;
      f->field = nf;
      f->cap = cap;
    }
    fd = &f->field[f->n];
    memset(fd, 0, sizeof *fd);
    if (!(fd->name = strdup(key ? key : ""))) return MHD_NO;
    f->n++;
  }
  if (!(grown = realloc(fd->value, fd->len + size + 1))) return MHD_NO;
  fd->value = grown;
  memcpy(fd->value + fd->len, data, size);
  fd->len += size;
  fd->value[fd->len] = 0;
  return MHD_YES;
}

int
http_form_parse(struct http_req *r, struct http_form *f, const char **why)
{
  struct MHD_PostProcessor *pp;
  enum MHD_Result ok;

  memset(f, 0, sizeof *f);
  /* the processor reads the Content-Type header and knows only the two
  ** form types: anything else gets no processor */
  if (!(pp = MHD_create_post_processor(r->conn, 16 * 1024, on_field, f))) {
    *why = "the body is not a form (send application/x-www-form-urlencoded)";
    return -1;
  }
  ok = r->body_len ? MHD_post_process(pp, r->body, r->body_len) : MHD_YES;
  if (MHD_destroy_post_processor(pp) != MHD_YES) ok = MHD_NO;
  if (ok != MHD_YES) {
    *why = "the form body is malformed";
    return -1;
  }
  /* a value never given ("a&b=1") still needs its terminating NUL */
  for (int i = 0; i < f->n; i++)
    if (!f->field[i].value && !(f->field[i].value = calloc(1, 1))) {
      *why = "out of memory";
      return -1;
    }
  return 0;
}

void
http_form_release(struct http_form *f)
{
  for (int i = 0; i < f->n; i++) {
    free(f->field[i].name);
    free(f->field[i].value);
  }
  free(f->field);
  memset(f, 0, sizeof *f);
}
