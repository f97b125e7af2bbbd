/*
** db_csv.c — loading a CSV file into the store in one transaction, the
** common part of every `citygrid import` of a table: header checked,
** records handed to the caller one by one with their place for messages,
** all of it applied or none (see db_load_csv() in db.h).
*/
#include "db.h"

#include <stdio.h>
#include <string.h>

#include "core/csv.h"

int
db_load_csv(struct db *db, const char *path, const char *const *cols, int ncols,
            int nreq, const char *before,
            int (*fn)(struct db *db, const struct db_csv_row *row, void *arg,
                      struct cg_err *e),
            void *arg, const char *noun, int *n, struct cg_err *e)
{
  static char empty[] = "";
  FILE *f = fopen(path, "rb");
  char *fields[CSV_MAX_FIELDS], where[600];
  int idx[CSV_MAX_FIELDS], width, r, rc;
  struct db_csv_row row = {fields, where};
  struct csv c;

  *n = 0;
  if (ncols > CSV_MAX_FIELDS)
    return cg_fail(e, CG_EINTERNAL, "too many columns");
  if (!f) return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  if ((rc = csv_init(&c, f, path, e)) != CG_OK) {
    fclose(f);
    return rc;
  }
  if ((r = csv_read(&c, e)) <= 0) {
    rc = r == 0 ? cg_fail(e, CG_EINVAL, "%s: empty file", path) : CG_EINVAL;
    goto out;
  }
  width = c.nfield;
  for (int i = 0; i < ncols; i++)
    if ((idx[i] = csv_column(&c, cols[i])) < 0 && i < nreq) {
      rc = cg_fail(e, CG_EINVAL, "%s:1: no column '%s' in the header", path,
                   cols[i]);
      goto out;
    }
  if ((rc = db_begin(db, e)) != CG_OK) goto out;
  if (before) rc = db_exec(db, before, e);
  while (rc == CG_OK && (r = csv_read(&c, e)) == 1) {
    if (c.nfield == 1 && !c.field[0][0]) continue; /* a blank line */
    snprintf(where, sizeof where, "%s:%ld", path, c.line);
    if (c.nfield != width) {
      rc = cg_fail(e, CG_EINVAL, "%s: %d fields, expected %d", where, c.nfield,
                   width);
      break;
    }
    for (int i = 0; i < ncols; i++)
      fields[i] = idx[i] >= 0 ? c.field[idx[i]] : empty;
    if ((rc = fn(db, &row, arg, e)) != CG_OK) {
      if (e && strncmp(e->msg, where, strlen(where)) != 0)
        cg_err_prefix(e, "%s", where);
      break;
    }
    (*n)++;
  }
  if (rc == CG_OK && r < 0) rc = CG_EINVAL;
  if (rc == CG_OK && *n == 0)
    rc = cg_fail(e, CG_EINVAL, "%s: no %s in the file", path, noun);
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    *n = 0;
  }
out:
  csv_release(&c);
  fclose(f);
  return rc;
}
