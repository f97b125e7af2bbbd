/*
** settings.c — the table of the district's settings that are loaded from
** files, each kind with its importer (see settings.h).
*/
#include "settings.h"

#include <string.h>

#include "category/category.h"
#include "eval/eval.h"
#include "org/org.h"

typedef int (*import_fn)(struct db *db, const char *data_dir, const char *path,
                         const struct settings_opts *o,
                         struct settings_loaded *out, struct cg_err *e);

static int
divisions(struct db *db, const char *data_dir, const char *path,
          const struct settings_opts *o, struct settings_loaded *out,
          struct cg_err *e)
{
  return area_import_divisions(db, path, &out->areas, e);
}

static int
boundary(struct db *db, const char *data_dir, const char *path,
         const struct settings_opts *o, struct settings_loaded *out,
         struct cg_err *e)
{
  out->areas.n[AREA_DISTRICT] = 1;
  return area_import_boundary(db, path, o->crs, o->code, e);
}

static int
grids(struct db *db, const char *data_dir, const char *path,
      const struct settings_opts *o, struct settings_loaded *out,
      struct cg_err *e)
{
  return area_import_grids(db, path, o->crs, &out->areas, e);
}

static int
categories(struct db *db, const char *data_dir, const char *path,
           const struct settings_opts *o, struct settings_loaded *out,
           struct cg_err *e)
{
  return category_import(db, path, o->scheme, &out->n, e);
}

static int
departments(struct db *db, const char *data_dir, const char *path,
            const struct settings_opts *o, struct settings_loaded *out,
            struct cg_err *e)
{
  return org_dept_import(db, path, &out->n, e);
}

static int
routing(struct db *db, const char *data_dir, const char *path,
        const struct settings_opts *o, struct settings_loaded *out,
        struct cg_err *e)
{
  return case_import_routing(db, path, &out->n, e);
}

static int
limits(struct db *db, const char *data_dir, const char *path,
       const struct settings_opts *o, struct settings_loaded *out,
       struct cg_err *e)
{
  return case_import_limits(db, path, &out->n, e);
}

static int
calendar(struct db *db, const char *data_dir, const char *path,
         const struct settings_opts *o, struct settings_loaded *out,
         struct cg_err *e)
{
  return case_import_calendar(data_dir, path, o->name, &out->n, e);
}

static int
weights(struct db *db, const char *data_dir, const char *path,
        const struct settings_opts *o, struct settings_loaded *out,
        struct cg_err *e)
{
  return eval_import_weights(db, path, &out->n, e);
}

static int
buckets(struct db *db, const char *data_dir, const char *path,
        const struct settings_opts *o, struct settings_loaded *out,
        struct cg_err *e)
{
  return eval_import_buckets(db, path, &out->n, e);
}

static int
flag_rules(struct db *db, const char *data_dir, const char *path,
           const struct settings_opts *o, struct settings_loaded *out,
           struct cg_err *e)
{
  return eval_import_flag_rules(db, path, &out->n, e);
}

static int
segments(struct db *db, const char *data_dir, const char *path,
         const struct settings_opts *o, struct settings_loaded *out,
         struct cg_err *e)
{
  return eval_import_segments(db, path, o->crs, &out->n, e);
}

/* By name, as the kinds list below spells them. */
static const struct {
  const char *kind, *what;
  import_fn fn;
} kinds[] = {
    {"boundary", "district boundary", boundary},
    {"buckets", "buckets", buckets},
    {"calendar", "calendar days", calendar},
    {"categories", "categories", categories},
    {"departments", "departments", departments},
    {"divisions", "divisions", divisions},
    {"flag-rules", "flag settings", flag_rules},
    {"grids", "grids", grids},
    {"limits", "time limits", limits},
    {"routing", "routing rules", routing},
    {"segments", "segments", segments},
    {"weights", "weights", weights},
};

const char settings_kinds[] =
    "boundary, buckets, calendar, categories, departments, divisions, "
    "flag-rules, grids, limits, routing, segments or weights";

static int
find(const char *kind)
{
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kind, kinds[i].kind) == 0) return (int)i;
  return -1;
}

int
settings_known(const char *kind)
{
  return find(kind) >= 0;
}

int
settings_import(struct db *db, const char *data_dir, const char *kind,
                const char *path, const struct settings_opts *o,
                struct settings_loaded *out, struct cg_err *e)
{
  int i = find(kind), rc;

  memset(out, 0, sizeof *out);
  if (i < 0)
    return cg_fail(e, CG_EINVAL, "nothing called '%.40s' to import (%s)", kind,
                   settings_kinds);
  out->what = kinds[i].what;
  rc = kinds[i].fn(db, data_dir, path, o, out, e);
  for (int l = 0; l < 4; l++)
    out->n += out->areas.n[l];
  return rc;
}
