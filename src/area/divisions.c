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

/* Insert or update one division row. */
static int
put_row(struct db *db, int level, const char *code, const char *name,
        const char *parent, const char *source, struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare(db, &st,
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

int
area_import_divisions(struct db *db, const char *path, struct area_counts *out,
                      struct cg_err *e)
{
  FILE *f = fopen(path, "rb");
  struct csv c;
  int cl, cc, cn, cp, r, rc;
  int64_t districts;
  char where[600];

  memset(out, 0, sizeof *out);
  if (!f) return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  if ((rc = csv_init(&c, f, path, e)) != CG_OK) {
    fclose(f);
    return rc;
  }
  r = csv_read(&c, e);
  if (r <= 0) {
    if (r == 0) cg_fail(e, CG_EINVAL, "%s: empty file", path);
    rc = CG_EINVAL;
    goto done;
  }
  cl = csv_column(&c, "level");
  cc = csv_column(&c, "code");
  cn = csv_column(&c, "name");
  cp = csv_column(&c, "parent_code");
  if (cl < 0 || cc < 0 || cn < 0 || cp < 0) {
    rc = cg_fail(e, CG_EINVAL,
                 "%s:1: header must name the columns level, "
                 "code, name, parent_code",
                 path);
    goto done;
  }
  if ((rc = db_begin(db, e)) != CG_OK) goto done;
  while ((r = csv_read(&c, e)) == 1) {
    int level;
    if (c.nfield == 1 && !c.field[0][0]) continue; /* blank line */
    snprintf(where, sizeof where, "%s:%ld", path, c.line);
    if (c.nfield <= cl || c.nfield <= cc || c.nfield <= cn || c.nfield <= cp) {
      rc = cg_fail(e, CG_EINVAL, "%s: %d fields, expected at least 4", where,
                   c.nfield);
      break;
    }
    level = area_level_parse(c.field[cl]);
    rc = check_row(db, where, level, c.field[cc], c.field[cn], c.field[cp], e);
    if (rc == CG_OK && level == AREA_DISTRICT) {
      rc = db_query_int(db, &districts, 0, e,
                        "SELECT count(*) FROM area"
                        " WHERE level = 'district' AND code <> ?",
                        "t", c.field[cc]);
      if (rc == CG_OK && districts)
        rc = cg_fail(e, CG_ECONFLICT,
                     "%s: the store already holds another "
                     "district; one data directory serves one district",
                     where);
    }
    if (rc == CG_OK)
      rc = put_row(db, level, c.field[cc], c.field[cn], c.field[cp],
                   area_basename(path), e);
    if (rc != CG_OK) {
      if (strncmp(e->msg, where, strlen(where)) != 0)
        cg_err_prefix(e, "%s", where);
      break;
    }
    out->n[level]++;
  }
  if (r < 0) rc = CG_EINVAL;
  if (rc == CG_OK && out->n[0] + out->n[1] + out->n[2] == 0)
    rc = cg_fail(e, CG_EINVAL, "%s: no divisions in the file", path);
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    memset(out, 0, sizeof *out);
  }
done:
  csv_release(&c);
  fclose(f);
  return rc;
}
