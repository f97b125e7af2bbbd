/*
** testutil.c — see testutil.h. Plain POSIX: mkdtemp, system, stdio.
*/
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

#include "org/org.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *
tu_tmpdir(void)
{
  const char *base = getenv("TMPDIR");
  char *path;

  if (!base || !*base) base = "/tmp";
  if (asprintf(&path, "%s/citygrid-test-XXXXXX", base) < 0) abort();
  if (!mkdtemp(path)) abort();
  return path;
}

void
tu_rmrf(const char *dir)
{
  char *cmd;
  if (asprintf(&cmd, "rm -rf '%s'", dir) < 0) abort();
  if (system(cmd) != 0) fprintf(stderr, "cannot remove '%s'\n", dir);
  free(cmd);
}

const char *
tu_data(const char *name)
{
  static char ring[4][4096]; /* several calls may share one printf */
  static int next;
  const char *src = getenv("CG_DATA_SRC");
  char *path = ring[next++ % 4];
  snprintf(path, sizeof ring[0], "%s/%s", src ? src : "data", name);
  return path;
}

char *
tu_slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;

  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) abort();
  buf[n] = 0;
  fclose(f);
  return buf;
}

void
tu_write(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
}

int
tu_run(char **out, char **err, const char *fmt, ...)
{
  char *args, *cmd, *dir = tu_tmpdir(), outp[4200], errp[4200];
  const char *bin = getenv("CG_BIN");
  va_list ap;
  int st;

  va_start(ap, fmt);
  if (vasprintf(&args, fmt, ap) < 0) abort();
  va_end(ap);
  snprintf(outp, sizeof outp, "%s/out", dir);
  snprintf(errp, sizeof errp, "%s/err", dir);
  if (asprintf(&cmd, "'%s' </dev/null %s >'%s' 2>'%s'", bin ? bin : "citygrid",
               args, outp, errp) < 0)
    abort();
  st = system(cmd);
  if (out) *out = tu_slurp(outp);
  if (err) *err = tu_slurp(errp);
  tu_rmrf(dir);
  free(dir);
  free(cmd);
  free(args);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

int
tu_serve_start(const char *dir, const char *extra, int *pid)
{
  char log[4200], *cmd;
  const char *bin = getenv("CG_BIN");
  pid_t p;

  snprintf(log, sizeof log, "%s/serve.log", dir);
  unlink(log);
  if (asprintf(&cmd, "exec '%s' --data '%s' serve --port 0 %s >'%s' 2>&1",
               bin ? bin : "citygrid", dir, extra ? extra : "", log) < 0)
    abort();
  p = fork();
  if (p == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  free(cmd);
  *pid = (int)p;
  for (int i = 0; i < 2000; i++) {
    char *text = tu_slurp(log), *at;
    int port = -1;
    if (text && (at = strstr(text, "listening on http://"))) {
      at = strchr(at + 20, ':');
      if (at) port = atoi(at + 1);
    }
    free(text);
    if (port > 0) return port;
    if (waitpid(p, NULL, WNOHANG) == p) return -1;
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  kill(p, SIGKILL);
  waitpid(p, NULL, 0);
  return -1;
}

int
tu_serve_stop(int pid)
{
  int st;
  if (pid <= 0) return -1; /* never signal a whole process group */
  kill(pid, SIGTERM);
  for (int i = 0; i < 2000; i++) {
    if (waitpid(pid, &st, WNOHANG) == pid) {
      if (WIFSIGNALED(st)) /* say how, for the failure it makes */
        fprintf(stderr, "the server (pid %d) died of signal %d\n", pid,
                WTERMSIG(st));
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return -1;
}

int
tu_http(int port, const char *method, const char *path,
        const char *content_type, const char *body, char **resp)
{
  return tu_http_h(port, method, path, NULL, content_type, body, resp);
}

int
tu_http_h(int port, const char *method, const char *path, const char *headers,
          const char *content_type, const char *body, char **resp)
{
  return tu_http_raw(port, method, path, headers, content_type, body,
                     body ? strlen(body) : 0, resp);
}

/* Send req and n bytes of body to 127.0.0.1:port and read the whole
** answer into *out (NUL-terminated, caller frees) of *len bytes. Returns
** 0, or -1 on a connection error (nothing allocated). */
static int
exchange(int port, const char *req, const void *body, size_t n, char **out,
         size_t *len)
{
  struct sockaddr_in sa = {0};
  char *buf = NULL;
  size_t cap = 0;
  ssize_t got;
  int fd;

  *len = 0;
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
      (n && write(fd, body, n) != (ssize_t)n)) {
    close(fd);
    return -1;
  }
  for (;;) {
    if (*len + 65536 + 1 > cap) {
      cap = (cap + 65536) * 2;
      if (!(buf = realloc(buf, cap))) abort();
    }
    if ((got = read(fd, buf + *len, 65536)) <= 0) break;
    *len += (size_t)got;
  }
  close(fd);
  buf[*len] = 0;
  *out = buf;
  return 0;
}

int
tu_http_raw(int port, const char *method, const char *path, const char *headers,
            const char *content_type, const void *body, size_t n, char **resp)
{
  return tu_http_head(port, method, path, headers, content_type, body, n, NULL,
                      resp);
}

int
tu_http_head(int port, const char *method, const char *path,
             const char *headers, const char *content_type, const void *body,
             size_t n, char **head, char **resp)
{
  char *req, *buf, *hdr_end;
  size_t len;
  int status = -1;

  if (resp) *resp = NULL;
  if (head) *head = NULL;
  if (asprintf(&req,
               "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Connection: close\r\n%sContent-Type: %s\r\n"
               "Content-Length: %zu\r\n\r\n",
               method, path, headers ? headers : "",
               content_type ? content_type : "application/json", n) < 0)
    abort();
  if (exchange(port, req, body, n, &buf, &len) != 0) {
    free(req);
    return -1;
  }
  free(req);
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) status = -1;
  hdr_end = strstr(buf, "\r\n\r\n");
  if (head) *head = strndup(buf, hdr_end ? (size_t)(hdr_end - buf) + 2 : len);
  if (resp) *resp = strdup(hdr_end ? hdr_end + 4 : "");
  free(buf);
  return status;
}

int
tu_http_full(int port, const char *path, const char *headers, char **head,
             char **body, size_t *n)
{
  char *req, *buf, *end;
  size_t len;
  int status = -1;

  if (asprintf(&req,
               "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               "%s\r\n",
               path, headers ? headers : "") < 0)
    abort();
  if (exchange(port, req, NULL, 0, &buf, &len) != 0) {
    free(req);
    return -1;
  }
  free(req);
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) status = -1;
  end = strstr(buf, "\r\n\r\n");
  *head = strndup(buf, end ? (size_t)(end - buf) : len);
  *n = end ? len - (size_t)(end + 4 - buf) : 0;
  if (!(*body = malloc(*n + 1))) abort();
  memcpy(*body, end ? end + 4 : "", *n);
  (*body)[*n] = 0;
  free(buf);
  return status;
}

int
tu_district(const char *dir, int cell)
{
  char *err = NULL;
  struct {
    const char *fmt, *file;
  } steps[] = {
      {"--data '%s' init", NULL},
      {"--data '%s' import divisions '%s'", "guancheng-divisions.csv"},
      {"--data '%s' import boundary '%s' --code 410104",
       "zhengzhou-districts-wgs84.geojson"},
      {"--data '%s' import categories '%s'", "categories-gb47678.csv"},
      {"--data '%s' import departments '%s'", "config/departments.csv"},
      {"--data '%s' import routing '%s'", "config/routing.csv"},
      {"--data '%s' import limits '%s'", "config/limits.csv"},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    int rc = steps[i].file
                 ? tu_run(NULL, &err, steps[i].fmt, dir, tu_data(steps[i].file))
                 : tu_run(NULL, &err, steps[i].fmt, dir);
    if (rc != 0) {
      fprintf(stderr, "%s", err ? err : "");
      free(err);
      return -1;
    }
    free(err);
    err = NULL;
    if (i == 3 && tu_run(NULL, NULL, "--data '%s' grid generate --cell %d", dir,
                         cell) != 0)
      return -1;
  }
  return 0;
}

int
tu_user(const char *dir, const char *login, const char *role, const char *extra)
{
  char pw[4200];
  snprintf(pw, sizeof pw, "%s/.pw", dir);
  tu_write(pw, "a long password\n");
  if (tu_run(NULL, NULL, "--data '%s' user add %s --role %s%s", dir, login,
             role, extra ? extra : "") != 0)
    return -1;
  return tu_run(NULL, NULL, "--data '%s' user passwd %s < '%s'", dir, login,
                pw) == 0
             ? 0
             : -1;
}

int
tu_users_per_role(const char *dir)
{
  for (int r = 0; r < ROLE_COUNT; r++) {
    char login[16];
    if (r == ROLE_SYSTEM) continue; /* no account logs in as the system */
    snprintf(login, sizeof login, "u%d", r);
    if (tu_user(dir, login, org_role_name(r),
                r == ROLE_DEPARTMENT ? " --dept hwc" : "") != 0)
      return -1;
  }
  return 0;
}

int
tu_login_per_role(int port, char tokens[][65])
{
  for (int r = 0; r < ROLE_COUNT; r++) {
    char login[16];
    tokens[r][0] = 0;
    if (r == ROLE_SYSTEM) continue;
    snprintf(login, sizeof login, "u%d", r);
    if (tu_login(port, login, tokens[r]) != 200) return -1;
  }
  return 0;
}

int
tu_report(int port, const char *token, const char *code, char *no)
{
  char h[120], body[200], *resp = NULL;
  json_t *j;
  int st;

  snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", token);
  snprintf(body, sizeof body,
           "{\"scheme\":\"gb47678\",\"kind\":\"matter\",\"code\":\"%s\","
           "\"lat\":34.7555,\"lon\":113.679}",
           code);
  st = tu_http_h(port, "POST", "/api/v1/cases", h, NULL, body, &resp);
  if (no) {
    j = json_loads(resp ? resp : "", 0, NULL);
    snprintf(no, 32, "%s",
             json_string_value(json_object_get(j, "no"))
                 ? json_string_value(json_object_get(j, "no"))
                 : "");
    json_decref(j);
  }
  free(resp);
  return st;
}

void
tu_route_path(const char *pattern, const char *const *vals,
              const char *fallback, char *out, size_t n)
{
  size_t k = 0;
  for (const char *p = pattern; *p && k + 1 < n;) {
    const char *end, *v = fallback;
    if (*p != '{') {
      out[k++] = *p++;
      continue;
    }
    end = strchr(p, '}');
    if (!end) break;
    for (int i = 0; vals[i]; i++)
      if (!strncmp(vals[i], p + 1, (size_t)(end - p - 1)) &&
          vals[i][end - p - 1] == '=')
        v = vals[i] + (end - p);
    k += (size_t)snprintf(out + k, n - k, "%s", v);
    if (k >= n) k = n - 1;
    p = end + 1;
  }
  out[k] = 0;
}

int
tu_login(int port, const char *login, char token[65])
{
  char body[200], *resp = NULL;
  json_t *j;
  int st;

  snprintf(body, sizeof body,
           "{\"login\":\"%s\",\"password\":\"a long password\"}", login);
  st = tu_http(port, "POST", "/api/v1/login", NULL, body, &resp);
  token[0] = 0;
  if (st == 200 && (j = json_loads(resp, 0, NULL))) {
    snprintf(token, 65, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
  }
  free(resp);
  return st;
}

int
tu_serve_done(int pid, char *dir)
{
  int st = tu_serve_stop(pid);
  tu_rmrf(dir);
  free(dir);
  return st == 0 ? 0 : -1;
}

size_t
tu_multipart(char *buf, size_t cap, const struct tu_part *p, int np)
{
  size_t len = 0;
  for (int i = 0; i < np; i++) {
    len += snprintf(buf + len, cap - len,
                    "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"",
                    p[i].name);
    if (p[i].filename)
      len += snprintf(buf + len, cap - len,
                      "; filename=\"%s\"\r\nContent-Type: "
                      "application/octet-stream",
                      p[i].filename);
    len += snprintf(buf + len, cap - len, "\r\n\r\n");
    assert_true(len + p[i].n + 2 < cap);
    memcpy(buf + len, p[i].data, p[i].n);
    len += p[i].n;
    memcpy(buf + len, "\r\n", 2);
    len += 2;
  }
  len += snprintf(buf + len, cap - len, "--XyZ--\r\n");
  assert_true(len < cap);
  return len;
}

const unsigned char tu_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
    0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x38, 0x11, 0xa0, 0x01,
    0x00, 0x03, 0x24, 0x01, 0x41, 0x23, 0xe4, 0x4c, 0x68, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
const size_t tu_png_len = sizeof tu_png;

/* Pixels of a w x h RGB picture, different for each seed; caller frees. */
static unsigned char *
pixels(int w, int h, unsigned seed)
{
  unsigned char *px = malloc((size_t)w * h * 3);
  unsigned x = seed * 2654435761u + 1;
  for (size_t i = 0; px && i < (size_t)w * h * 3; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    px[i] =
        (unsigned char)((i / 3 % (size_t)w) * 255 / (size_t)w / 2 + x % 128);
  }
  return px;
}

unsigned char *
tu_image(const char *mime, int w, int h, unsigned seed, size_t *n)
{
  unsigned char *px, *out = NULL;
  *n = 0;
  if (!strcmp(mime, "application/pdf")) {
    char text[400];
    int k = snprintf(text, sizeof text,
                     "%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> "
                     "endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> "
                     "endobj\n%% %u\ntrailer << /Root 1 0 R >>\n%%%%EOF\n",
                     seed);
    *n = (size_t)k;
    return (unsigned char *)strdup(text);
  }
  if (!(px = pixels(w, h, seed))) return NULL;
  if (!strcmp(mime, "image/jpeg")) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    unsigned long len = 0;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 80, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
      JSAMPROW row = px + (size_t)c.next_scanline * w * 3;
      jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *n = len;
  } else if (!strcmp(mime, "image/png")) {
    png_image img;
    png_alloc_size_t len = 0;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    if (png_image_write_to_memory(&img, NULL, &len, 0, px, 0, NULL) &&
        (out = malloc(len)) &&
        !png_image_write_to_memory(&img, out, &len, 0, px, 0, NULL)) {
      free(out);
      out = NULL;
    }
    *n = out ? len : 0;
  } else if (!strcmp(mime, "image/webp")) {
    uint8_t *webp = NULL;
    size_t len = WebPEncodeRGB(px, w, h, w * 3, 80, &webp);
    if (len && (out = malloc(len))) {
      memcpy(out, webp, len);
      *n = len;
    }
    WebPFree(webp);
  }
  free(px);
  return out;
}
