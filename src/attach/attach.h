/*
** attach.h — attachments of cases (photos before and after, documents),
** stored by content under the data directory as
** DIR/attachments/ab/cdef... where abcdef... is the SHA-256 of the bytes in
** lowercase hex. Only JPEG, PNG, WebP and PDF are accepted, told apart by
** their first bytes, never by a name or a declared type.
*/
#ifndef CG_ATTACH_H
#define CG_ATTACH_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

#define ATTACH_LIMIT_DEFAULT ((size_t)10 << 20) /* 10 MiB */

/* What was stored. */
struct attach_info {
  char sha256[65];  /* 64 lowercase hex digits, NUL-terminated */
  const char *mime; /* static: "image/jpeg", "image/png", "image/webp" or
                       "application/pdf" */
  size_t size;      /* bytes */
};

/* The type of the bytes p[0..n) from their signature: "image/jpeg" for
** FF D8 FF, "image/png" for 89 50 4E 47 0D 0A 1A 0A, "image/webp" for
** "RIFF" + 4 bytes + "WEBP", "application/pdf" for "%PDF-". Returns that
** static string, or NULL for anything else. */
const char *attach_sniff(const void *p, size_t n);

/* Is p[0..n), of type mime (from attach_sniff()), a whole file of that
** type? Images are decoded (src/attach/image.c) and refused on any damage
** or past 100 megapixels; a PDF must end with %%EOF. what names the file
** in the message. CG_OK, or CG_EINVAL with why in *e. */
int attach_check(const void *p, size_t n, const char *mime, const char *what,
                 struct cg_err *e);

/* Store the n bytes at p as an attachment of data directory data_dir and
** fill *out (if not NULL). The bytes are refused (CG_EINVAL, nothing
** written) if there are none, more than limit (0 means
** ATTACH_LIMIT_DEFAULT), if attach_sniff() does not know them, if
** claimed_mime is not NULL and names another type (compared
** case-insensitively), or if attach_check() finds them damaged. The HTTP
** layer maps "larger than the limit" to 413.
** The bytes go to a temporary file in DIR/attachments, which is synced and
** renamed into place, so no reader ever sees part of a file. Content stored
** before is not written again. Folders are created as needed with mode
** 0700 and files with 0600: only citygrid's user reads attachments.
** Returns CG_OK, CG_EINVAL, or CG_EIO if the disk fails. Nothing is left
** behind on failure; a crash can leave a DIR/attachments/.tmp-* file. */
int attach_put(const char *data_dir, const void *p, size_t n, size_t limit,
               const char *claimed_mime, struct attach_info *out,
               struct cg_err *e);

/* attach_put() on the contents of the file at path, read in chunks. A
** regular file over the limit is refused from its size without reading it;
** a pipe is refused as soon as more than limit bytes have come (opening a
** FIFO that has no writer waits for one). Returns as attach_put(); CG_EIO
** also if path cannot be read. */
int attach_put_file(const char *data_dir, const char *path, size_t limit,
                    const char *claimed_mime, struct attach_info *out,
                    struct cg_err *e);

/* Write the path of attachment sha into buf (n bytes). sha must be exactly
** 64 lowercase hex digits, so that no name can reach outside the folder.
** Returns CG_OK, or CG_EINVAL for a bad sha or a path longer than n - 1.
** Does not check that the attachment exists. */
int attach_path(const char *data_dir, const char *sha, char *buf, size_t n,
                struct cg_err *e);

/* Open attachment sha for reading ("rb"). The caller closes the FILE.
** Returns NULL with CG_EINVAL for a bad sha, CG_ENOTFOUND if it is not
** stored, or CG_EIO. */
FILE *attach_open(const char *data_dir, const char *sha, struct cg_err *e);

#endif
