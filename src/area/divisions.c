/*
** divisions.c — `citygrid import divisions`: the official list of the
** district's streets and communities (统计用区划代码), one CSV row each,
** checked against the hierarchy and written in one transaction.
*/
#include "area_int.h"

#include <stdlib.h>
#include <string.h>

/* Does the parent named by `parent` exist, in the store or among the rows
** already written in this transaction (they are in the store too)? */
static int
parent_exists(struct db *db, const char *parent, struct cg_err *e)
{
  int64_t n;
  if (db_query_int(db, &n, 0, e, "SELECT count(*) FROM area WHERE code = ?",
                   "t", parent) != CG_OK)
    return -1;
  return n > 0;
}

/* Check one row; fill *e naming path:line. */
static int
check_row(struct db *db, const char *where, int level, const char *code,
          const char *name, const char *parent, struct cg_err *e)
{
  int clevel = area_level_of_code(code);
  size_t plen = strlen(parent);

  if (level < 0 || level == AREA_GRID)
    return cg_fail(e, CG_EINVAL,
                   "%s: unknown level (expected district, "
                   "street or community)",
                   where);
  if (clevel != level)
    return cg_fail(e, CG_EINVAL, "%s: code '%s' is not a %s code (%d digits)",
                   where, code, area_level_name(level), 6 + 3 * level);
  if (!*name)
    return cg_fail(e, CG_EINVAL, "%s: empty name for '%s'", where, code);
  if (level == AREA_DISTRICT) return CG_OK;
  if (plen != strlen(code) - 3 || strncmp(code, parent, plen) != 0)
    return cg_fail(e, CG_EINVAL,
                   "%s: code '%s' does not belong to parent "
                   "'%s'",
                   where, code, parent);
  switch (parent_exists(db, parent, e)) {
  case 1:
    return CG_OK;
  case 0:
    return cg_fail(e, CG_EINVAL, "%s: unknown parent '%s' of '%s'", where,
                   parent, code);
  default:
    return CG_EDB;
  }
}

/* Insert or update one division row; where is "path:line", of which the
** file's name is kept as the row's source. */
static int
put_row(struct db *db, int level, const char *code, const char *name,
        const char *parent, const char *where, struct cg_err *e)
{
  char source[256], *colon;
  struct db_stmt *st;
  int rc;

  snprintf(source, sizeof source, "%s", area_basename(where));
  if ((colon = strrchr(source, ':'))) *colon = 0;
  rc = db_prepare(db, &st,
                  "INSERT INTO area (code, level, name, parent_code,"
                  " source) VALUES (?, ?, ?, ?, ?)"
                  " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                  " parent_code = excluded.parent_code",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "ttttt", code, area_level_name(level), name,
           level == AREA_DISTRICT ? NULL : parent, source);
  rc = db_step(st, e);
  rc = rc < 0 ? -rc : CG_OK;
  db_finalize(st);
  return rc;
}

/* One row of the division list: checked, then written. */
static int
put_division(struct db *db, const struct db_csv_row *row, void *arg,
             struct cg_err *e)
{
  struct area_counts *out = arg;
  const char *code = row->f[1], *name = row->f[2], *parent = row->f[3];
  int level = area_level_parse(row->f[0]), rc;
  int64_t others;

  if ((rc = check_row(db, row->where, level, code, name, parent, e)) != CG_OK)
    return rc;
  if (level == AREA_DISTRICT) {
    rc = db_query_int(db, &others, 0, e,
                      "SELECT count(*) FROM area WHERE"
                      " level = 'district' AND code <> ?",
                      "t", code);
    if (rc != CG_OK) return rc;
    if (others)
      return cg_fail(e, CG_ECONFLICT,
                     "the store already holds another "
                     "district; one data directory serves one district");
  }
  if ((rc = put_row(db, level, code, name, parent, row->where, e)) != CG_OK)
    return rc;
  out->n[level]++;
  return CG_OK;
}

int
area_import_divisions(struct db *db, const char *path, struct area_counts *out,
                      struct cg_err *e)
{
  static const char *const cols[] = {"level", "code", "name", "parent_code"};
  int n;

  memset(out, 0, sizeof *out);
  if (db_load_csv(db, path, cols, 4, 4, NULL, put_division, out, "divisions",
                  &n, e) != CG_OK) {
    memset(out, 0, sizeof *out);
    return e->code;
  }
  return CG_OK;
}
