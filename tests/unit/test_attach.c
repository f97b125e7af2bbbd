/*
** test_attach.c — the attachment store as a case handler meets it: photos
** and PDFs stored and read back byte for byte, the same photo uploaded
** twice kept once, executables, HTML and text refused, photos cut short or
** damaged refused, oversize uploads refused without a trace on disk, and
** attachment ids that try to leave the store refused.
*/
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "attach/attach.h"

/* A PDF of exactly n bytes (n >= 16): its header, filler, its end. */
static unsigned char *
pdf(size_t n, unsigned seed)
{
  unsigned char *p = malloc(n);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)((seed * 2654435761u + i * 40503u) >> 7);
  memcpy(p, "%PDF-1.4\n", 9);
  memcpy(p + n - 7, "\n%%EOF\n", 7);
  return p;
}

/* A real image (tu_image()); caller frees. */
static unsigned char *
image(const char *mime, int w, int h, unsigned seed, size_t *n)
{
  unsigned char *p = tu_image(mime, w, h, seed, n);
  assert_non_null(p);
  return p;
}

/* Number of files under dir, recursively; temporary files are counted too.
** A missing dir counts 0. */
static int
count_files(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;

  if (!d) return 0;
  while ((de = readdir(d))) {
    char path[1024];
    struct stat sb;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    assert_int_equal(lstat(path, &sb), 0);
    n += S_ISDIR(sb.st_mode) ? count_files(path) : 1;
  }
  closedir(d);
  return n;
}

/* Files in DIR/attachments. */
static int
stored(const char *dir)
{
  char top[512];
  snprintf(top, sizeof top, "%s/attachments", dir);
  return count_files(top);
}

/* Read attachment sha back and compare it with p[0..n). */
static void
assert_stored(const char *dir, const char *sha, const void *p, size_t n)
{
  struct cg_err e = {0};
  FILE *f = attach_open(dir, sha, &e);
  unsigned char *back = malloc(n + 1);

  assert_non_null(f);
  assert_int_equal(fread(back, 1, n + 1, f), n);
  assert_memory_equal(back, p, n);
  fclose(f);
  free(back);
}

static void
test_types_stored(void **state)
{
  static const char *const types[] = {"image/jpeg", "image/png", "image/webp",
                                      "application/pdf"};
  char *dir = tu_tmpdir();
  unsigned char digest[crypto_hash_sha256_BYTES];
  char hex[65], path[1024], want[1024];

  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    size_t n;
    unsigned char *p = image(types[i], 40 + 7 * (int)i, 30, (unsigned)i, &n);
    struct attach_info info;
    struct cg_err e = {0};

    assert_string_equal(attach_sniff(p, n), types[i]);
    assert_int_equal(attach_put(dir, p, n, 0, types[i], &info, &e), CG_OK);
    assert_string_equal(info.mime, types[i]);
    assert_int_equal(info.size, n);
    crypto_hash_sha256(digest, p, n);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    assert_string_equal(info.sha256, hex);
    /* DIR/attachments/ab/cdef... */
    assert_int_equal(attach_path(dir, info.sha256, path, sizeof path, &e),
                     CG_OK);
    snprintf(want, sizeof want, "%s/attachments/%.2s/%s", dir, hex, hex + 2);
    assert_string_equal(path, want);
    assert_int_equal(access(path, R_OK), 0);
    assert_stored(dir, info.sha256, p, n);
    free(p);
  }
  assert_int_equal(stored(dir), 4); /* and no temporary files */
  tu_rmrf(dir);
  free(dir);
}

static void
test_same_content_once(void **state)
{
  char *dir = tu_tmpdir(), file[512];
  size_t n;
  unsigned char *p = image("image/jpeg", 640, 480, 7, &n);
  struct attach_info a, b, c;
  struct cg_err e = {0};
  FILE *f;

  assert_int_equal(attach_put(dir, p, n, 0, NULL, &a, &e), CG_OK);
  assert_int_equal(attach_put(dir, p, n, 0, NULL, &b, &e), CG_OK);
  assert_string_equal(a.sha256, b.sha256);
  assert_int_equal(stored(dir), 1);

  /* the same bytes from a file, read in chunks, are the same attachment */
  snprintf(file, sizeof file, "%s/photo.jpg", dir);
  f = fopen(file, "wb");
  fwrite(p, 1, n, f);
  fclose(f);
  assert_int_equal(attach_put_file(dir, file, 0, "image/jpeg", &c, &e), CG_OK);
  assert_string_equal(c.sha256, a.sha256);
  assert_string_equal(c.mime, "image/jpeg");
  assert_int_equal(c.size, n);
  assert_int_equal(stored(dir), 1);

  /* one byte different (the JFIF header's pixel density) is another
  ** attachment */
  p[15] ^= 1;
  assert_int_equal(attach_put(dir, p, n, 0, NULL, &b, &e), CG_OK);
  assert_string_not_equal(a.sha256, b.sha256);
  assert_int_equal(stored(dir), 2);
  assert_stored(dir, b.sha256, p, n);
  free(p);
  tu_rmrf(dir);
  free(dir);
}

static void
test_other_types_refused(void **state)
{
  static const struct {
    const char *bytes;
    size_t len;
  } bad[] = {
      {"MZ\x90\0\3\0\0\0\4\0\0\0\xFF\xFF", 16}, /* Windows executable */
      {"\x7F"
       "ELF\2\1\1\0",
       8},
      {"<!DOCTYPE html><html><script>alert(1)</script>", 47},
      {"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 41},
      {"hello, this is plain text\n", 26},
      {"RIFF\x24\x10\0\0WAVEfmt ", 16}, /* RIFF, but audio */
      {"\x89PNG", 4},                   /* a cut-off signature */
      {"\xFF\xD8", 2},
      {" %PDF-1.4", 9}, /* not at the start */
  };
  char *dir = tu_tmpdir(), file[512];
  struct attach_info info;
  struct cg_err e = {0};

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_null(attach_sniff(bad[i].bytes, bad[i].len));
    assert_int_equal(
        attach_put(dir, bad[i].bytes, bad[i].len, 0, NULL, &info, &e),
        CG_EINVAL);
    assert_string_equal(e.msg,
                        "attachment is not a JPEG, PNG, WebP or PDF file");
  }
  assert_int_equal(attach_put(dir, "", 0, 0, NULL, &info, &e), CG_EINVAL);
  assert_string_equal(e.msg, "attachment is empty");

  snprintf(file, sizeof file, "%s/setup.exe", dir);
  tu_write(file, "MZ\x90 this program cannot be run in DOS mode");
  assert_int_equal(attach_put_file(dir, file, 0, NULL, &info, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "setup.exe' is not a JPEG"));
  assert_int_equal(stored(dir), 0);
  tu_rmrf(dir);
  free(dir);
}

/* Files with a right signature that are not whole: cut short (a dropped
** upload), damaged, or claiming more pixels than any photo has. */
static void
test_damaged_refused(void **state)
{
  char *dir = tu_tmpdir(), file[512];
  struct attach_info info;
  struct cg_err e = {0};
  size_t nj, np, nw;
  unsigned char *jpg = image("image/jpeg", 320, 240, 1, &nj);
  unsigned char *png = image("image/png", 64, 48, 2, &np);
  unsigned char *webp = image("image/webp", 64, 48, 3, &nw);
  unsigned char *doc = pdf(1000, 4);
  unsigned long crc;
  FILE *f;

  assert_int_equal(attach_put(dir, jpg, nj / 2, 0, NULL, &info, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "attachment is not a whole JPEG image: "));
  assert_int_equal(attach_put(dir, jpg, 3, 0, NULL, &info, &e), CG_EINVAL);
  assert_int_equal(attach_put(dir, png, np - 12, 0, NULL, &info, &e),
                   CG_EINVAL); /* no IEND */
  assert_non_null(strstr(e.msg, "attachment is not a whole PNG image: "));
  assert_int_equal(attach_put(dir, webp, nw - 10, 0, NULL, &info, &e),
                   CG_EINVAL);
  assert_non_null(strstr(e.msg, "attachment is not a whole WebP image"));
  assert_int_equal(attach_put(dir, doc, 900, 0, NULL, &info, &e), CG_EINVAL);
  assert_string_equal(e.msg,
                      "attachment is not a whole PDF file: it has no %%EOF");
  /* a byte of the picture changed: the PNG's checksum catches it */
  png[np - 20] ^= 0x40;
  assert_int_equal(attach_put(dir, png, np, 0, NULL, &info, &e), CG_EINVAL);
  png[np - 20] ^= 0x40;
  assert_int_equal(attach_put(dir, png, np, 0, NULL, &info, &e), CG_OK);
  /* 20000 x 20000 in a well-formed header (its checksum made anew) */
  memcpy(png + 16, "\0\0\x4e\x20\0\0\x4e\x20", 8);
  crc = crc32(crc32(0, NULL, 0), png + 12, 17);
  for (int i = 0; i < 4; i++)
    png[29 + i] = (unsigned char)(crc >> (24 - 8 * i));
  assert_int_equal(attach_put(dir, png, np, 0, NULL, &info, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "more pixels than a photo has"));
  assert_int_equal(stored(dir), 1);

  /* the same from a file read in chunks: refused, no temporary file left */
  snprintf(file, sizeof file, "%s/cut.jpg", dir);
  f = fopen(file, "wb");
  fwrite(jpg, 1, nj - 100, f);
  fclose(f);
  assert_int_equal(attach_put_file(dir, file, 0, NULL, &info, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "cut.jpg' is not a whole JPEG image: "));
  assert_int_equal(stored(dir), 1);
  free(jpg);
  free(png);
  free(webp);
  free(doc);
  tu_rmrf(dir);
  free(dir);
}

static void
test_claimed_type(void **state)
{
  char *dir = tu_tmpdir();
  size_t n;
  unsigned char *p = image("image/png", 20, 20, 3, &n);
  struct attach_info info;
  struct cg_err e = {0};

  assert_int_equal(attach_put(dir, p, n, 0, "image/jpeg", &info, &e),
                   CG_EINVAL);
  assert_string_equal(e.msg,
                      "attachment claims 'image/jpeg' but is 'image/png'");
  assert_int_equal(stored(dir), 0);
  assert_int_equal(attach_put(dir, p, n, 0, "Image/PNG", &info, &e), CG_OK);
  assert_string_equal(info.mime, "image/png");
  free(p);
  tu_rmrf(dir);
  free(dir);
}

static void
test_oversize_refused(void **state)
{
  char *dir = tu_tmpdir(), file[512];
  size_t big = ATTACH_LIMIT_DEFAULT + 1;
  unsigned char *p = pdf(big, 5), *exact = pdf(100, 6), *piped = pdf(5000, 7);
  struct attach_info info;
  struct cg_err e = {0};
  int fds[2];

  assert_int_equal(attach_put(dir, p, 101, 100, NULL, &info, &e), CG_EINVAL);
  assert_string_equal(e.msg, "attachment of 101 bytes is larger than the "
                             "limit of 100 bytes");
  assert_int_equal(attach_put(dir, p, big, 0, NULL, &info, &e), CG_EINVAL);
  assert_string_equal(e.msg, "attachment of 10485761 bytes is larger than the "
                             "limit of 10485760 bytes");
  assert_int_equal(stored(dir), 0);

  /* a file over the limit is refused from its size */
  snprintf(file, sizeof file, "%s/big.pdf", dir);
  {
    FILE *f = fopen(file, "wb");
    fwrite(p, 1, big, f);
    fclose(f);
  }
  assert_int_equal(attach_put_file(dir, file, 0, NULL, &info, &e), CG_EINVAL);
  assert_non_null(strstr(e.msg, "big.pdf' of 10485761 bytes is larger than "
                                "the limit of 10485760 bytes"));
  assert_int_equal(stored(dir), 0);

  /* a pipe has no size: refused once too much has come, no temp file left */
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(write(fds[1], piped, 5000), 5000);
  close(fds[1]);
  snprintf(file, sizeof file, "/dev/fd/%d", fds[0]);
  assert_int_equal(attach_put_file(dir, file, 4999, NULL, &info, &e),
                   CG_EINVAL);
  assert_non_null(strstr(e.msg, "is larger than the limit of 4999 bytes"));
  close(fds[0]);
  assert_int_equal(stored(dir), 0);

  /* exactly the limit is allowed, from memory and from a pipe */
  assert_int_equal(attach_put(dir, exact, 100, 100, NULL, &info, &e), CG_OK);
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(write(fds[1], piped, 5000), 5000);
  close(fds[1]);
  snprintf(file, sizeof file, "/dev/fd/%d", fds[0]);
  assert_int_equal(attach_put_file(dir, file, 5000, NULL, &info, &e), CG_OK);
  close(fds[0]);
  assert_int_equal(info.size, 5000);
  assert_stored(dir, info.sha256, piped, 5000);
  assert_int_equal(stored(dir), 2);
  free(p);
  free(exact);
  free(piped);
  tu_rmrf(dir);
  free(dir);
}

static void
test_bad_ids(void **state)
{
  static const char *bad[] = {
      "../etc/passwd",
      "../../../../../../../../../../../../../../../../../../../etc/passwd",
      "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
      "e3/0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
      "",
  };
  char *dir = tu_tmpdir(), path[1024];
  const char *good =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  struct cg_err e = {0};

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    strcpy(path, "unchanged");
    assert_int_equal(attach_path(dir, bad[i], path, sizeof path, &e),
                     CG_EINVAL);
    assert_int_equal(strncmp(e.msg, "bad attachment id '", 19), 0);
    assert_null(attach_open(dir, bad[i], &e));
    assert_int_equal(e.code, CG_EINVAL);
  }
  assert_int_equal(attach_path(dir, NULL, path, sizeof path, &e), CG_EINVAL);

  /* a valid id that is not stored, and a buffer too small */
  assert_null(attach_open(dir, good, &e));
  assert_int_equal(e.code, CG_ENOTFOUND);
  assert_string_equal(e.msg, "no attachment 'e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855'");
  assert_int_equal(attach_path(dir, good, path, 40, &e), CG_EINVAL);
  tu_rmrf(dir);
  free(dir);
}

static void
test_missing_data_dir(void **state)
{
  size_t n;
  unsigned char *p = image("image/jpeg", 8, 8, 1, &n);
  struct attach_info info;
  struct cg_err e = {0};

  assert_int_equal(attach_put("/nonexistent/dir", p, n, 0, NULL, &info, &e),
                   CG_EIO);
  assert_string_equal(e.msg, "cannot create '/nonexistent/dir/attachments': "
                             "No such file or directory");
  assert_int_equal(
      attach_put_file("/tmp", "/nonexistent/a.jpg", 0, NULL, &info, &e),
      CG_EIO);
  free(p);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_stored),
      cmocka_unit_test(test_same_content_once),
      cmocka_unit_test(test_other_types_refused),
      cmocka_unit_test(test_damaged_refused),
      cmocka_unit_test(test_claimed_type),
      cmocka_unit_test(test_oversize_refused),
      cmocka_unit_test(test_bad_ids),
      cmocka_unit_test(test_missing_data_dir),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
