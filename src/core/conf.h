/*
** conf.h — the settings file of a data directory (citygrid.conf): lines of
** `key = value`, `#` comments, blank lines. Only known keys are accepted
** (a typo is an error naming file and line, not a silent default); each
** key has a default, so a missing file means all defaults.
*/
#ifndef CG_CONF_H
#define CG_CONF_H

#include <stddef.h>

#include "err.h"

/* The settings, with their defaults from conf_init(). */
struct conf {
  char work_hours[128]; /* "08:30-12:00,14:30-18:00" */
  int utc_offset;       /* seconds east of UTC: 28800 */
  double dup_radius_m;  /* duplicates within this distance: 50 */
  double dup_window_h;  /* ... and this many hours: 72 */
  int escalate_pct[4];  /* 督办 thresholds: 100,150,200 */
  int nescalate;
  double attach_limit_mb; /* largest attachment: 10 */
  char listen[64];        /* serve's default: 127.0.0.1:8080 */
  char map_tiles[512];    /* the dashboard's tile layer, a URL template
                          ** like https://tiles.example/{z}/{x}/{y}.png;
                          ** "": none, the map draws our own areas only */
  char map_attribution[256]; /* shown with the tiles */
};

void conf_init(struct conf *c);

/* Read path into c (which conf_init() filled). A missing file is not an
** error. CG_EINVAL names path:line for an unknown key or a bad value. */
int conf_load(struct conf *c, const char *path, struct cg_err *e);

/* The default file's text, with every key commented; static. */
const char *conf_default_text(void);

#endif
