/*
** conf.c — reading citygrid.conf (see conf.h). Each key has a parser that
** checks its value; the table below is the one list of keys.
*/
#include "conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
conf_init(struct conf *c)
{
  memset(c, 0, sizeof *c);
  snprintf(c->work_hours, sizeof c->work_hours, "08:30-12:00,14:30-18:00");
  c->utc_offset = 8 * 3600;
  c->dup_radius_m = 50;
  c->dup_window_h = 72;
  c->escalate_pct[0] = 100;
  c->escalate_pct[1] = 150;
  c->escalate_pct[2] = 200;
  c->nescalate = 3;
  c->attach_limit_mb = 10;
  snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
}

/* A number in [lo, hi]; 0 on success. */
static int
number(const char *v, double lo, double hi, double *out)
{
  char *end;
  *out = strtod(v, &end);
  return end == v || *end || *out < lo || *out > hi;
}

static int
set_hours(struct conf *c, const char *v)
{
  if (strlen(v) >= sizeof c->work_hours) return -1;
  snprintf(c->work_hours, sizeof c->work_hours, "%s", v);
  return 0; /* checked in full by cal_set_hours() */
}

static int
set_offset(struct conf *c, const char *v)
{
  int h, m = 0, sign;
  if ((v[0] != '+' && v[0] != '-') || sscanf(v + 1, "%d:%d", &h, &m) < 1 ||
      h > 14 || m < 0 || m > 59)
    return -1;
  sign = v[0] == '-' ? -1 : 1;
  c->utc_offset = sign * (h * 3600 + m * 60);
  return 0;
}

static int
set_radius(struct conf *c, const char *v)
{
  /* at most 1 km: the search seeks each ~1 km square the radius touches */
  return number(v, 0, 1000, &c->dup_radius_m);
}

static int
set_window(struct conf *c, const char *v)
{
  return number(v, 0, 24 * 365, &c->dup_window_h);
}

static int
set_escalate(struct conf *c, const char *v)
{
  int n = 0, last = 0;
  while (*v && n < 4) {
    char *end;
    long p = strtol(v, &end, 10);
    if (end == v || p <= last || p > 10000) return -1;
    c->escalate_pct[n++] = (int)(last = (int)p);
    v = end;
    if (*v == ',')
      v++;
    else if (*v)
      return -1;
  }
  if (*v || n == 0) return -1;
  c->nescalate = n;
  return 0;
}

static int
set_attach(struct conf *c, const char *v)
{
  return number(v, 0.01, 1024, &c->attach_limit_mb);
}

static int
set_listen(struct conf *c, const char *v)
{
  if (!strchr(v, ':') || strlen(v) >= sizeof c->listen) return -1;
  snprintf(c->listen, sizeof c->listen, "%s", v);
  return 0;
}

static int
set_tiles(struct conf *c, const char *v)
{
  /* a URL template with the tile's place in it, or nothing */
  if (*v &&
      ((strncmp(v, "http://", 7) && strncmp(v, "https://", 8) && v[0] != '/') ||
       !strstr(v, "{z}") || !strstr(v, "{x}") || !strstr(v, "{y}")))
    return -1;
  if (strlen(v) >= sizeof c->map_tiles) return -1;
  snprintf(c->map_tiles, sizeof c->map_tiles, "%s", v);
  return 0;
}

static int
set_attribution(struct conf *c, const char *v)
{
  if (strlen(v) >= sizeof c->map_attribution) return -1;
  snprintf(c->map_attribution, sizeof c->map_attribution, "%s", v);
  return 0;
}

static const struct {
  const char *key;
  int (*set)(struct conf *, const char *);
  const char *what;
} keys[] = {
    {"attachment_limit_mb", set_attach, "a size in MB, 0.01 to 1024"},
    {"duplicate_radius_m", set_radius, "metres, 0 to 1000 (0: off)"},
    {"duplicate_window_h", set_window, "hours, 0 to 8760 (0: off)"},
    {"escalate_pct", set_escalate,
     "up to 4 rising percentages, e.g. 100,150,200"},
    {"listen", set_listen, "ADDR:PORT"},
    {"map_attribution", set_attribution, "text of at most 255 bytes"},
    {"map_tiles", set_tiles,
     "a tile URL template with {z}, {x} and {y} (http, https or /path)"},
    {"utc_offset", set_offset, "+HH:MM or -HH:MM"},
    {"work_hours", set_hours, "periods like 08:30-12:00,14:30-18:00"},
};

/* Trim spaces at both ends, in place. */
static char *
trim(char *s)
{
  char *end;
  while (isspace((unsigned char)*s))
    s++;
  end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1]))
    *--end = 0;
  return s;
}

int
conf_load(struct conf *c, const char *path, struct cg_err *e)
{
  FILE *f = fopen(path, "r");
  char line[1024];
  int n = 0;

  if (!f) return CG_OK;
  while (fgets(line, sizeof line, f)) {
    char *s = trim(line), *eq, *key, *val;
    size_t i;
    n++;
    if (!*s || *s == '#') continue;
    if (!(eq = strchr(s, '='))) {
      fclose(f);
      return cg_fail(e, CG_EINVAL, "%s:%d: expected 'key = value'", path, n);
    }
    *eq = 0;
    key = trim(s);
    val = trim(eq + 1);
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if (strcmp(keys[i].key, key) == 0) break;
    if (i == sizeof keys / sizeof keys[0]) {
      fclose(f);
      return cg_fail(e, CG_EINVAL, "%s:%d: unknown setting '%s'", path, n, key);
    }
    if (keys[i].set(c, val) != 0) {
      fclose(f);
      return cg_fail(e, CG_EINVAL, "%s:%d: bad %s '%s': want %s", path, n, key,
                     val, keys[i].what);
    }
  }
  fclose(f);
  return CG_OK;
}

const char *
conf_default_text(void)
{
  return "# citygrid settings for this data directory. Lines are\n"
         "# 'key = value'; the values shown are the defaults.\n"
         "\n"
         "# Working hours of a working day, and the district's UTC offset\n"
         "# (Asia/Shanghai has no daylight saving). Public holidays and\n"
         "# make-up working days come from the files in calendar/.\n"
         "# work_hours = 08:30-12:00,14:30-18:00\n"
         "# utc_offset = +08:00\n"
         "\n"
         "# A report of the same category this close to an open case, this\n"
         "# soon after it, is linked to it as a duplicate (0 turns it off).\n"
         "# duplicate_radius_m = 50\n"
         "# duplicate_window_h = 72\n"
         "\n"
         "# Overdue work is escalated (督办) at these shares of its limit.\n"
         "# escalate_pct = 100,150,200\n"
         "\n"
         "# Largest photo or document accepted, in MB.\n"
         "# attachment_limit_mb = 10\n"
         "\n"
         "# Where 'citygrid serve' listens unless told otherwise.\n"
         "# listen = 127.0.0.1:8080\n"
         "\n"
         "# A tile server for the dashboard's map, where the deployment has\n"
         "# one (a URL template; empty: the map draws the district, streets,\n"
         "# communities and grids alone, with nothing fetched from outside).\n"
         "# map_tiles = https://tiles.example.gov.cn/{z}/{x}/{y}.png\n"
         "# map_attribution = \n";
}
