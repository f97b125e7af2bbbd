/*
** image.c — is an attachment whole? A signature says what a file claims
** to be; a photo cut short by a dropped upload, or a page renamed .jpg
** with the right first bytes, still has one. So each image is decoded by
** its own library — libjpeg at an eighth of its size (a fraction of the
** work), libpng row by row into one row's buffer, libwebp scaled down the
** same way — and refused on any error or any sign of damaged data, or
** when it claims more pixels than a photo has (a "decompression bomb").
** A PDF, which citygrid never renders, only has to end as a PDF ends
** (%%EOF).
*/
#include "attach.h"

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

/* 100 megapixels: more than the photos of phones and patrol cameras */
#define MAX_PIXELS (100L * 1000 * 1000)

/* libjpeg: errors and corrupt-data warnings jump back with the message. */
struct jerr {
  struct jpeg_error_mgr mgr;
  jmp_buf jb;
  char msg[JMSG_LENGTH_MAX];
};

static void
jpeg_fail(j_common_ptr c)
{
  struct jerr *j = (struct jerr *)c->err;
  c->err->format_message(c, j->msg);
  longjmp(j->jb, 1);
}

/* Warnings that the picture's data is damaged or missing fail it; the
** rest (an odd progression, an unknown colour transform, a newer JFIF
** revision) are met in photos that show fine, and pass. */
static void
jpeg_note(j_common_ptr c, int level)
{
  if (level >= 0) return; /* trace messages */
  switch (c->err->msg_code) {
  case JWRN_JPEG_EOF:      /* the file ends inside the picture */
  case JWRN_HIT_MARKER:    /* a segment of it is cut short */
  case JWRN_HUFF_BAD_CODE: /* its coded data is garbled */
  case JWRN_MUST_RESYNC:   /* ...so badly the decoder lost its place */
    jpeg_fail(c);
  }
}

static int
check_jpeg(const unsigned char *p, size_t n, const char *what, struct cg_err *e)
{
  struct jpeg_decompress_struct d;
  struct jerr j;
  JSAMPARRAY row;

  memset(&d, 0, sizeof d);
  d.err = jpeg_std_error(&j.mgr);
  j.mgr.error_exit = jpeg_fail;
  j.mgr.emit_message = jpeg_note;
  if (setjmp(j.jb)) {
    jpeg_destroy_decompress(&d);
    return cg_fail(e, CG_EINVAL, "%s is not a whole JPEG image: %s", what,
                   j.msg);
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, p, (unsigned long)n);
  jpeg_read_header(&d, TRUE);
  if ((long)d.image_width * d.image_height > MAX_PIXELS) {
    jpeg_destroy_decompress(&d);
    return cg_fail(e, CG_EINVAL, "%s is a JPEG of %ux%u pixels: too large",
                   what, d.image_width, d.image_height);
  }
  d.scale_num = 1;
  d.scale_denom = 8;
  d.dct_method = JDCT_IFAST;
  d.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&d);
  row = d.mem->alloc_sarray((j_common_ptr)&d, JPOOL_IMAGE,
                            d.output_width * d.output_components, 1);
  while (d.output_scanline < d.output_height)
    jpeg_read_scanlines(&d, row, 1);
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return CG_OK;
}

/* libpng: reads from memory; errors jump back with the message. */
struct pngsrc {
  const unsigned char *p;
  size_t n, at;
  char msg[200];
};

static void
png_read_mem(png_structp png, png_bytep out, size_t want)
{
  struct pngsrc *s = png_get_io_ptr(png);
  if (want > s->n - s->at) png_error(png, "the data ends too soon");
  memcpy(out, s->p + s->at, want);
  s->at += want;
}

static void
png_fail(png_structp png, png_const_charp msg)
{
  struct pngsrc *s = png_get_error_ptr(png);
  snprintf(s->msg, sizeof s->msg, "%s", msg);
  png_longjmp(png, 1);
}

static void
png_warn(png_structp png, png_const_charp msg)
{
  (void)png;
  (void)msg; /* benign: unknown chunks, odd profiles; errors still fail */
}

static int
check_png(const unsigned char *p, size_t n, const char *what, struct cg_err *e)
{
  struct pngsrc s = {p, n, 0, ""};
  png_structp png;
  png_infop info = NULL;
  png_bytep volatile row = NULL;
  png_uint_32 w, h;

  png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, png_fail, png_warn);
  if (!png || !(info = png_create_info_struct(png))) {
    png_destroy_read_struct(&png, NULL, NULL);
    return cg_fail(e, CG_ENOMEM, "out of memory checking %s", what);
  }
  if (setjmp(png_jmpbuf(png))) {
    free(row);
    png_destroy_read_struct(&png, &info, NULL);
    return cg_fail(e, CG_EINVAL, "%s is not a whole PNG image: %s", what,
                   s.msg);
  }
  png_set_read_fn(png, &s, png_read_mem);
  png_read_info(png, info);
  w = png_get_image_width(png, info);
  h = png_get_image_height(png, info);
  if ((long)w * h > MAX_PIXELS) png_error(png, "more pixels than a photo has");
  /* every row of every pass through one buffer, then the end (IEND) */
  for (int pass = png_set_interlace_handling(png); pass > 0; pass--) {
    if (!row && !(row = malloc(png_get_rowbytes(png, info))))
      png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++)
      png_read_row(png, row, NULL);
  }
  png_read_end(png, NULL);
  free(row);
  png_destroy_read_struct(&png, &info, NULL);
  return CG_OK;
}

static int
check_webp(const unsigned char *p, size_t n, const char *what, struct cg_err *e)
{
  WebPDecoderConfig c;
  VP8StatusCode st;

  if (!WebPInitDecoderConfig(&c))
    return cg_fail(e, CG_EINTERNAL, "libwebp does not match its headers");
  if ((st = WebPGetFeatures(p, n, &c.input)) != VP8_STATUS_OK)
    return cg_fail(e, CG_EINVAL, "%s is not a whole WebP image (status %d)",
                   what, (int)st);
  if ((long)c.input.width * c.input.height > MAX_PIXELS)
    return cg_fail(e, CG_EINVAL, "%s is a WebP of %dx%d pixels: too large",
                   what, c.input.width, c.input.height);
  c.options.use_scaling = 1;
  c.options.scaled_width = c.input.width > 8 ? c.input.width / 8 : 1;
  c.options.scaled_height = c.input.height > 8 ? c.input.height / 8 : 1;
  c.options.bypass_filtering = 1;
  c.options.no_fancy_upsampling = 1;
  st = WebPDecode(p, n, &c);
  WebPFreeDecBuffer(&c.output);
  if (st != VP8_STATUS_OK)
    return cg_fail(e, CG_EINVAL, "%s is not a whole WebP image (status %d)",
                   what, (int)st);
  return CG_OK;
}

/* A PDF ends with "%%EOF" (and maybe a line end or a little padding) in
** its last kilobyte; one cut short does not. */
static int
check_pdf(const unsigned char *p, size_t n, const char *what, struct cg_err *e)
{
  size_t from = n > 1024 ? n - 1024 : 0;
  for (size_t i = n; i >= from + 5; i--)
    if (memcmp(p + i - 5, "%%EOF", 5) == 0) return CG_OK;
  return cg_fail(e, CG_EINVAL, "%s is not a whole PDF file: it has no %%%%EOF",
                 what);
}

int
attach_check(const void *p, size_t n, const char *mime, const char *what,
             struct cg_err *e)
{
  if (!strcmp(mime, "image/jpeg")) return check_jpeg(p, n, what, e);
  if (!strcmp(mime, "image/png")) return check_png(p, n, what, e);
  if (!strcmp(mime, "image/webp")) return check_webp(p, n, what, e);
  if (!strcmp(mime, "application/pdf")) return check_pdf(p, n, what, e);
  return cg_fail(e, CG_EINVAL, "%s is not a known type", what);
}
