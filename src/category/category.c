/*
** category.c — loading category dictionaries (see category.h). Each row is
** checked: a known kind, digits-only codes whose width fits the scheme, a
** minor code that begins with its major code, a name.
*/
#include "category.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

static int
all_digits(const char *s)
{
  if (!*s) return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* Check one row; the message names where. */
static int
check_row(const char *where, const char *scheme, char **f, const int *col,
          struct cg_err *e)
{
  const char *kind = f[col[0]], *major = f[col[1]], *code = f[col[3]];
  size_t w = strlen(code);

  if (strcmp(kind, "component") && strcmp(kind, "event") &&
      strcmp(kind, "matter"))
    return cg_fail(e, CG_EINVAL,
                   "%s: unknown kind '%s' (component, event "
                   "or matter)",
                   where, kind);
  if (!all_digits(major) || strlen(major) != 2 || !all_digits(code) ||
      strncmp(code, major, 2) != 0)
    return cg_fail(e, CG_EINVAL,
                   "%s: code '%s' is not a 2-digit major '%s' "
                   "followed by digits",
                   where, code, major);
  if ((strcmp(scheme, "cjt214") == 0 && w != 4) ||
      (strcmp(scheme, "gb47678") == 0 && w != 5))
    return cg_fail(e, CG_EINVAL,
                   "%s: code '%s' has the wrong width for "
                   "scheme '%s'",
                   where, code, scheme);
  if (!*f[col[4]] || !*f[col[2]])
    return cg_fail(e, CG_EINVAL, "%s: empty name", where);
  if (*f[col[6]]) {
    char *end;
    double h = strtod(f[col[6]], &end);
    if (*end || h <= 0)
      return cg_fail(e, CG_EINVAL,
                     "%s: default_deadline_hours '%s' is not a "
                     "positive number",
                     where, f[col[6]]);
  }
  return CG_OK;
}

int
category_import(struct db *db, const char *path, const char *scheme, int *n,
                struct cg_err *e)
{
  static const char *const names[] = {
      "kind",          "major_code",    "major_name_zh",         "minor_code",
      "minor_name_zh", "minor_name_en", "default_deadline_hours"};
  FILE *in = fopen(path, "rb");
  struct db_stmt *st = NULL;
  struct csv c;
  char where[600], sch[32] = "";
  int col[7], r, rc;

  *n = 0;
  if (!in) return cg_fail(e, CG_EIO, "cannot open '%s'", path);
  if ((rc = csv_init(&c, in, path, e)) != CG_OK) {
    fclose(in);
    return rc;
  }
  if (scheme) snprintf(sch, sizeof sch, "%s", scheme);
  if ((r = csv_read(&c, e)) <= 0) {
    rc = r == 0 ? cg_fail(e, CG_EINVAL, "%s: empty file", path) : CG_EINVAL;
    goto out;
  }
  for (int i = 0; i < 7; i++)
    if ((col[i] = csv_column(&c, names[i])) < 0) {
      rc = cg_fail(e, CG_EINVAL, "%s:1: no column '%s' in the header", path,
                   names[i]);
      goto out;
    }
  if ((rc = db_begin(db, e)) != CG_OK) goto out;
  rc = db_prepare(db, &st,
                  "INSERT INTO category (scheme, kind, code, major_code,"
                  " major_name, name_zh, name_en, deadline_hours, local)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                  " ON CONFLICT (scheme, kind, code) DO UPDATE SET"
                  " major_code = excluded.major_code,"
                  " major_name = excluded.major_name,"
                  " name_zh = excluded.name_zh, name_en = excluded.name_en,"
                  " deadline_hours = excluded.deadline_hours",
                  e);
  while (rc == CG_OK && (r = csv_read(&c, e)) == 1) {
    if (c.nfield == 1 && !c.field[0][0]) continue;
    snprintf(where, sizeof where, "%s:%ld", path, c.line);
    if (c.nfield != 7) {
      rc = cg_fail(e, CG_EINVAL, "%s: %d fields, expected 7", where, c.nfield);
      break;
    }
    if (!*sch)
      snprintf(sch, sizeof sch, "%s",
               strlen(c.field[col[3]]) == 4 ? "cjt214" : "gb47678");
    if ((rc = check_row(where, sch, c.field, col, e)) != CG_OK) break;
    db_reset(st);
    db_bindf(st, "ttttttt", sch, c.field[col[0]], c.field[col[3]],
             c.field[col[1]], c.field[col[2]], c.field[col[4]],
             *c.field[col[5]] ? c.field[col[5]] : NULL);
    if (*c.field[col[6]])
      db_bind_double(st, 8, strtod(c.field[col[6]], NULL));
    else
      db_bind_null(st, 8);
    db_bind_int(st, 9, strcmp(sch, "cjt214") && strcmp(sch, "gb47678"));
    rc = db_step(st, e);
    rc = rc < 0 ? -rc : CG_OK;
    if (rc == CG_OK) (*n)++;
  }
  if (r < 0) rc = CG_EINVAL;
  if (rc == CG_OK && *n == 0)
    rc = cg_fail(e, CG_EINVAL, "%s: no categories in the file", path);
  db_finalize(st);
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    *n = 0;
  }
out:
  csv_release(&c);
  fclose(in);
  return rc;
}
