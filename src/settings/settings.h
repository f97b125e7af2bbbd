/*
** settings.h — the district's settings loaded from files, by kind: the
** one table of what `citygrid import KIND FILE` and
** POST /api/v1/import/{kind} load. Each kind is read by its module's
** importer and applied whole or not at all: the divisions, boundary and
** grids (area), categories (category), departments (org), routing rules,
** time limits and a year's holiday calendar (case), the evaluation's
** weights, buckets, flag rules and road segments (eval).
*/
#ifndef CG_SETTINGS_H
#define CG_SETTINGS_H

#include "area/area.h"
#include "core/err.h"
#include "db/db.h"

/* What some kinds need besides the file. */
struct settings_opts {
  const char *scheme; /* categories: the scheme; NULL: the file's own */
  enum geo_crs crs;   /* boundary, grids, segments: the file's coordinates */
  const char *code;   /* boundary: the district's code; NULL: any */
  const char *name;   /* calendar: the name it is kept under; NULL: the
                      ** file's own */
};

/* What a load wrote. */
struct settings_loaded {
  int n;                    /* rows, days or areas, all told */
  struct area_counts areas; /* divisions, grids: by level */
  const char *what;         /* what n counts: "routing rules", ... (static) */
};

/* The kinds, as a message lists them: "boundary, buckets, ..., weights". */
extern const char settings_kinds[];

/* Non-zero if kind is one of them. */
int settings_known(const char *kind);

/* Load the file at path as the settings of `kind` into the store db (the
** calendar into the data directory's calendar/). CG_OK with *out filled,
** CG_EINVAL for an unknown kind, or the importer's refusal in *e (nothing
** of the file kept). */
int settings_import(struct db *db, const char *data_dir, const char *kind,
                    const char *path, const struct settings_opts *o,
                    struct settings_loaded *out, struct cg_err *e);

#endif
