/*
** attach.c — content-addressed attachment store. Checks size and type
** first, hashes with libsodium's SHA-256, writes a temporary file next to
** the store, syncs it and renames it to its hash, then syncs the folder so
** the name survives a crash.
*/
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536 /* bytes read from a file at a time */
#define SNIFF 12    /* bytes attach_sniff() needs at most */

static const char accepted[] = "a JPEG, PNG, WebP or PDF file";

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

/* Run sodium_init() exactly once per process. */
static void
sodium_start(void)
{
  sodium_status = sodium_init();
}

/* CG_OK if libsodium is initialised, CG_EINTERNAL if it cannot be. */
static int
sodium_ready(struct cg_err *e)
{
  pthread_once(&sodium_once, sodium_start);
  if (sodium_status < 0)
    return cg_fail(e, CG_EINTERNAL, "cannot initialise libsodium");
  return CG_OK;
}

const char *
attach_sniff(const void *p, size_t n)
{
  const unsigned char *b = p;

  if (n >= 3 && memcmp(b, "\xFF\xD8\xFF", 3) == 0) return "image/jpeg";
  if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1A\n", 8) == 0) return "image/png";
  if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
    return "image/webp";
  if (n >= 5 && memcmp(b, "%PDF-", 5) == 0) return "application/pdf";
  return NULL;
}

/* Non-zero if sha is exactly 64 lowercase hex digits. */
static int
sha_valid(const char *sha)
{
  size_t i;
  for (i = 0; i < 64; i++)
    if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
      return 0;
  return sha[64] == 0;
}

int
attach_path(const char *data_dir, const char *sha, char *buf, size_t n,
            struct cg_err *e)
{
  int len;

  if (!sha || !sha_valid(sha))
    return cg_fail(e, CG_EINVAL, "bad attachment id '%.80s'", sha ? sha : "");
  len = snprintf(buf, n, "%s/attachments/%.2s/%s", data_dir, sha, sha + 2);
  if (len < 0 || (size_t)len >= n)
    return cg_fail(e, CG_EINVAL, "path of attachment in '%s' is too long",
                   data_dir);
  return CG_OK;
}

FILE *
attach_open(const char *data_dir, const char *sha, struct cg_err *e)
{
  char path[PATH_MAX];
  FILE *f;

  if (attach_path(data_dir, sha, path, sizeof path, e) != CG_OK) return NULL;
  f = fopen(path, "rbe");
  if (!f) {
    if (errno == ENOENT)
      cg_fail(e, CG_ENOTFOUND, "no attachment '%s'", sha);
    else
      cg_fail(e, CG_EIO, "cannot open attachment '%s': %s", path,
              strerror(errno));
  }
  return f;
}

/* Refuse bytes of type mime (NULL: unknown) claimed to be claimed. `what`
** names the bytes in messages ("attachment" or "attachment 'x.jpg'"). */
static int
check_type(const char *what, const char *mime, const char *claimed,
           struct cg_err *e)
{
  if (!mime) return cg_fail(e, CG_EINVAL, "%s is not %s", what, accepted);
  if (claimed && strcasecmp(claimed, mime) != 0)
    return cg_fail(e, CG_EINVAL, "%s claims '%.100s' but is '%s'", what,
                   claimed, mime);
  return CG_OK;
}

/* Create dir (mode 0700) unless it exists. *made is set to 1 if it was
** created. Returns CG_OK or CG_EIO. */
static int
make_dir(const char *dir, int *made, struct cg_err *e)
{
  *made = 0;
  if (mkdir(dir, 0700) == 0) {
    *made = 1;
    return CG_OK;
  }
  if (errno == EEXIST) return CG_OK;
  return cg_fail(e, CG_EIO, "cannot create '%s': %s", dir, strerror(errno));
}

/* fsync a folder so that names created in it are on disk. */
static int
sync_dir(const char *dir, struct cg_err *e)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    return cg_fail(e, CG_EIO, "cannot sync '%s': %s", dir, strerror(err));
  }
  close(fd);
  return CG_OK;
}

/* A temporary file being written in DIR/attachments. */
struct tmp {
  int fd;              /* -1 once closed */
  char top[PATH_MAX];  /* DIR/attachments */
  char path[PATH_MAX]; /* DIR/attachments/.tmp-XXXXXX */
};

/* Create DIR/attachments if needed and an empty temporary file in it. */
static int
tmp_open(struct tmp *t, const char *data_dir, struct cg_err *e)
{
  int made, rc;

  t->fd = -1;
  if ((size_t)snprintf(t->top, sizeof t->top, "%s/attachments", data_dir) >=
          sizeof t->top ||
      (size_t)snprintf(t->path, sizeof t->path, "%s/.tmp-XXXXXX", t->top) >=
          sizeof t->path)
    return cg_fail(e, CG_EINVAL, "path of attachment in '%s' is too long",
                   data_dir);
  if ((rc = make_dir(t->top, &made, e)) != CG_OK) return rc;
  t->fd = mkostemp(t->path, O_CLOEXEC);
  if (t->fd < 0)
    return cg_fail(e, CG_EIO, "cannot create a file in '%s': %s", t->top,
                   strerror(errno));
  return CG_OK;
}

/* Write all n bytes at p to the temporary file. */
static int
tmp_write(struct tmp *t, const void *p, size_t n, struct cg_err *e)
{
  const char *b = p;
  while (n > 0) {
    ssize_t w = write(t->fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      return cg_fail(e, CG_EIO, "cannot write '%s': %s", t->path,
                     strerror(errno));
    b += w;
    n -= (size_t)w;
  }
  return CG_OK;
}

/* Close and remove the temporary file (after a failure). */
static void
tmp_abort(struct tmp *t)
{
  if (t->fd >= 0) {
    close(t->fd);
    unlink(t->path);
    t->fd = -1;
  }
}

/* Sync the temporary file and rename it to the path of sha, creating the
** two-digit folder as needed; if that content is stored already, drop the
** temporary file instead. Removes the temporary file on failure too. */
static int
tmp_commit(struct tmp *t, const char *data_dir, const char *sha,
           struct cg_err *e)
{
  char sub[PATH_MAX], final[PATH_MAX];
  int made, rc;

  if (fsync(t->fd) != 0) {
    rc = cg_fail(e, CG_EIO, "cannot sync '%s': %s", t->path, strerror(errno));
    tmp_abort(t);
    return rc;
  }
  if (close(t->fd) != 0) {
    int err = errno;
    t->fd = -1;
    unlink(t->path);
    return cg_fail(e, CG_EIO, "cannot write '%s': %s", t->path, strerror(err));
  }
  t->fd = -1;
  rc = attach_path(data_dir, sha, final, sizeof final, e);
  if (rc == CG_OK) {
    memcpy(sub, final, sizeof sub);
    *strrchr(sub, '/') = 0; /* DIR/attachments/ab */
    rc = make_dir(sub, &made, e);
  }
  if (rc == CG_OK && made) rc = sync_dir(t->top, e);
  if (rc == CG_OK && access(final, F_OK) == 0) {
    unlink(t->path); /* the same bytes are stored already */
    return CG_OK;
  }
  if (rc == CG_OK && rename(t->path, final) != 0)
    rc = cg_fail(e, CG_EIO, "cannot rename '%s' to '%s': %s", t->path, final,
                 strerror(errno));
  if (rc != CG_OK) {
    unlink(t->path);
    return rc;
  }
  return sync_dir(sub, e);
}

/* Fill *out from a binary digest, a type and a size. */
static void
info_set(struct attach_info *out, const unsigned char *digest, const char *mime,
         size_t size)
{
  sodium_bin2hex(out->sha256, sizeof out->sha256, digest,
                 crypto_hash_sha256_BYTES);
  out->mime = mime;
  out->size = size;
}

int
attach_put(const char *data_dir, const void *p, size_t n, size_t limit,
           const char *claimed_mime, struct attach_info *out, struct cg_err *e)
{
  unsigned char digest[crypto_hash_sha256_BYTES];
  char final[PATH_MAX];
  struct attach_info info;
  const char *mime;
  struct tmp t;
  int rc;

  if (limit == 0) limit = ATTACH_LIMIT_DEFAULT;
  if (n > limit)
    return cg_fail(e, CG_EINVAL,
                   "attachment of %zu bytes is larger than the limit of %zu "
                   "bytes",
                   n, limit);
  if (n == 0) return cg_fail(e, CG_EINVAL, "attachment is empty");
  mime = attach_sniff(p, n);
  if ((rc = check_type("attachment", mime, claimed_mime, e)) != CG_OK ||
      (rc = attach_check(p, n, mime, "attachment", e)) != CG_OK)
    return rc;
  if ((rc = sodium_ready(e)) != CG_OK) return rc;

  crypto_hash_sha256(digest, p, n);
  info_set(&info, digest, mime, n);
  rc = attach_path(data_dir, info.sha256, final, sizeof final, e);
  if (rc != CG_OK) return rc;
  if (access(final, F_OK) != 0) {
    if ((rc = tmp_open(&t, data_dir, e)) != CG_OK) return rc;
    if ((rc = tmp_write(&t, p, n, e)) != CG_OK) {
      tmp_abort(&t);
      return rc;
    }
    if ((rc = tmp_commit(&t, data_dir, info.sha256, e)) != CG_OK) return rc;
  }
  if (out) *out = info;
  return CG_OK;
}

/* attach_check() on the n bytes written to the temporary file, mapped
** rather than read back into memory. */
static int
check_written(struct tmp *t, size_t n, const char *mime, const char *what,
              struct cg_err *e)
{
  void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, t->fd, 0);
  int rc;
  if (p == MAP_FAILED)
    return cg_fail(e, CG_EIO, "cannot read '%s' back: %s", t->path,
                   strerror(errno));
  rc = attach_check(p, n, mime, what, e);
  munmap(p, n);
  return rc;
}

/* Read into buf until it holds want bytes or the file ends. Returns the
** count, or -1 with errno set. */
static ssize_t
read_full(int fd, unsigned char *buf, size_t want)
{
  size_t got = 0;
  while (got < want) {
    ssize_t r = read(fd, buf + got, want - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

/* Stream the file open on fd (named path) into the store. buf holds CHUNK
** bytes of scratch. */
static int
put_stream(const char *data_dir, const char *path, int fd, unsigned char *buf,
           size_t limit, const char *claimed_mime, struct attach_info *out,
           struct cg_err *e)
{
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_state st;
  char what[PATH_MAX + 16];
  const char *mime;
  size_t total = 0;
  struct attach_info info;
  struct tmp t;
  ssize_t got;
  int rc;

  snprintf(what, sizeof what, "attachment '%s'", path);
  got = read_full(fd, buf, SNIFF);
  if (got < 0)
    return cg_fail(e, CG_EIO, "cannot read attachment '%s': %s", path,
                   strerror(errno));
  if (got == 0) return cg_fail(e, CG_EINVAL, "%s is empty", what);
  mime = attach_sniff(buf, (size_t)got);
  if ((rc = check_type(what, mime, claimed_mime, e)) != CG_OK) return rc;
  if ((rc = sodium_ready(e)) != CG_OK) return rc;

  if ((rc = tmp_open(&t, data_dir, e)) != CG_OK) return rc;
  crypto_hash_sha256_init(&st);
  while (got > 0) {
    total += (size_t)got;
    if (total > limit) {
      tmp_abort(&t);
      return cg_fail(e, CG_EINVAL, "%s is larger than the limit of %zu bytes",
                     what, limit);
    }
    crypto_hash_sha256_update(&st, buf, (size_t)got);
    if ((rc = tmp_write(&t, buf, (size_t)got, e)) != CG_OK) {
      tmp_abort(&t);
      return rc;
    }
    got = read_full(fd, buf, CHUNK);
  }
  if (got < 0) {
    rc = cg_fail(e, CG_EIO, "cannot read attachment '%s': %s", path,
                 strerror(errno));
    tmp_abort(&t);
    return rc;
  }
  if ((rc = check_written(&t, total, mime, what, e)) != CG_OK) {
    tmp_abort(&t);
    return rc;
  }
  crypto_hash_sha256_final(&st, digest);
  info_set(&info, digest, mime, total);
  if ((rc = tmp_commit(&t, data_dir, info.sha256, e)) != CG_OK) return rc;
  if (out) *out = info;
  return CG_OK;
}

int
attach_put_file(const char *data_dir, const char *path, size_t limit,
                const char *claimed_mime, struct attach_info *out,
                struct cg_err *e)
{
  unsigned char *buf;
  struct stat sb;
  int fd, rc, err;

  if (limit == 0) limit = ATTACH_LIMIT_DEFAULT;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cg_fail(e, CG_EIO, "cannot open attachment '%s': %s", path,
                   strerror(errno));
  err = fstat(fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
  if (err) {
    close(fd);
    return cg_fail(e, CG_EIO, "cannot read attachment '%s': %s", path,
                   strerror(err));
  }
  if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > limit) {
    close(fd);
    return cg_fail(e, CG_EINVAL,
                   "attachment '%s' of %jd bytes is larger than the limit of "
                   "%zu bytes",
                   path, (intmax_t)sb.st_size, limit);
  }
  buf = malloc(CHUNK);
  if (!buf) {
    close(fd);
    return cg_fail(e, CG_ENOMEM, "out of memory reading '%s'", path);
  }
  rc = put_stream(data_dir, path, fd, buf, limit, claimed_mime, out, e);
  free(buf);
  close(fd);
  return rc;
}
