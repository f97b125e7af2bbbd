/*
** testutil.h — helpers shared by the test programs: temporary directories,
** running the citygrid binary and capturing what it prints, paths of the
** shipped reference data. Tests find the binary in $CG_BIN and the data
** folder in $CG_DATA_SRC (set by ctest; see CMakeLists.txt).
*/
#ifndef CG_TESTUTIL_H
#define CG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* A new empty directory under $TMPDIR (or /tmp). Caller frees the string
** and removes the directory with tu_rmrf(). */
char *tu_tmpdir(void);

/* Remove a directory tree (rm -rf). */
void tu_rmrf(const char *dir);

/* Path of a shipped data file, "$CG_DATA_SRC/name", in one of four static
** buffers used in turn (so up to four calls may share one argument list). */
const char *tu_data(const char *name);

/* Run "$CG_BIN <args>" through /bin/sh, args formatted printf-style (quote
** paths yourself). Captured stdout and stderr go to *out and *err when
** those are not NULL; the caller frees them. Returns the exit status, or
** -1 if the program did not exit normally (a crash is a failure). */
int tu_run(char **out, char **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Make dir a data directory of the real district: init, the official
** divisions, the WGS84 boundary, the GB/T 47678.5 categories, unit grids
** of cell metres, and the sample departments, routing and limits.
** Returns 0, or -1 (with what failed on stderr). */
int tu_district(const char *dir, int cell);

/* Add a user with role (and extra options such as " --dept hwc") whose
** password is "a long password". Returns 0 or -1. */
int tu_user(const char *dir, const char *login, const char *role,
            const char *extra);

/* One user per role but the system's, named "u<role number>" (a
** department's user in department hwc), password "a long password".
** Returns 0 or -1. */
int tu_users_per_role(const char *dir);
/* Log each of them in over HTTP: tokens[role] gets the role's token (the
** system's is left empty). Returns 0, or -1 if one could not. */
int tu_login_per_role(int port, char tokens[][65]);
/* Report a case over HTTP with the session token given: category
** gb47678 matter code (e.g. "06010") at a point inside the district;
** no (32 bytes, may be NULL) gets its number. Returns the status (201 on
** success). */
int tu_report(int port, const char *token, const char *code, char *no);
/* A concrete path for a route's pattern: each {name} replaced by the value
** vals gives it ("name=value" strings, NULL-terminated), or by fallback.
** out gets at most n bytes. */
void tu_route_path(const char *pattern, const char *const *vals,
                   const char *fallback, char *out, size_t n);
/* Log in over HTTP with "a long password"; token gets the session token.
** Returns the status (200 on success). */
int tu_login(int port, const char *login, char token[65]);

/* Whole contents of a file, NUL-terminated; caller frees. NULL if absent. */
char *tu_slurp(const char *path);

/* Write text to a file (created or truncated). */
void tu_write(const char *path, const char *text);

/* Start "$CG_BIN --data DIR serve --port 0 <extra>" in the background and
** wait for its "listening on" line. Returns the port (> 0) and sets *pid,
** or -1 if it did not start within 20 s. */
int tu_serve_start(const char *dir, const char *extra, int *pid);

/* Send SIGTERM to a server and wait for it. Returns its exit status, or -1
** if it did not exit normally within 20 s (it is killed then). */
int tu_serve_stop(int pid);

/* A group teardown: stop the server (tu_serve_stop), remove and free the
** data directory dir (from tu_tmpdir). 0 if the server stopped cleanly,
** -1 otherwise. */
int tu_serve_done(int pid, char *dir);

/* One HTTP/1.1 request to 127.0.0.1:port (Connection: close). body may be
** NULL; content_type defaults to application/json. Returns the status
** code, or -1 on a connection error; *resp (caller frees) gets the body. */
int tu_http(int port, const char *method, const char *path,
            const char *content_type, const char *body, char **resp);

/* The same with extra header lines (each ending in "\r\n"), e.g. an
** "Authorization: Bearer ...\r\n"; NULL for none. */
int tu_http_h(int port, const char *method, const char *path,
              const char *headers, const char *content_type, const char *body,
              char **resp);

/* The same with a body of n bytes that may hold NULs (a photo). */
int tu_http_raw(int port, const char *method, const char *path,
                const char *headers, const char *content_type, const void *body,
                size_t n, char **resp);

/* The same, with the status line and headers in *head (each line ending
** in "\r\n"; caller frees; NULL for no head wanted). */
int tu_http_head(int port, const char *method, const char *path,
                 const char *headers, const char *content_type,
                 const void *body, size_t n, char **head, char **resp);

/* GET path from 127.0.0.1:port with the path sent as it is (no
** normalising) and extra header lines (each ending in "\r\n", or NULL).
** *head gets the status line and headers, *body the body (NUL-terminated)
** and *n its length; the caller frees both. Returns the status code, or
** -1 on a connection error (nothing is allocated then). */
int tu_http_full(int port, const char *path, const char *headers, char **head,
                 char **body, size_t *n);

/* A multipart/form-data body of np parts (a name, a filename or NULL, and
** n bytes) into buf of cap bytes, with boundary XyZ: send it with Content-Type
** TU_MULTIPART. Returns its length; fails the test if buf is too small. */
#define TU_MULTIPART "multipart/form-data; boundary=XyZ"
struct tu_part {
  const char *name, *filename;
  const void *data;
  size_t n;
};
size_t tu_multipart(char *buf, size_t cap, const struct tu_part *p, int np);

/* A real 1x1 PNG, tu_png_len bytes: the smallest photo a test can send. */
extern const unsigned char tu_png[];
extern const size_t tu_png_len;
/* A real, whole file of type mime ("image/jpeg", "image/png",
** "image/webp" or "application/pdf"), of w x h pixels for images, its
** content different for each seed. Returns it (caller frees) with its
** length in *n, or NULL. */
unsigned char *tu_image(const char *mime, int w, int h, unsigned seed,
                        size_t *n);
#endif
