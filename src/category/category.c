/*
** category.c — loading category dictionaries (see category.h), and reading
** them back, as JSON or in the CSV they were loaded from. Each row loaded
** is checked: a known kind, digits-only codes whose width fits the scheme,
** a minor code that begins with its major code, a name.
*/
#include "category.h"

#include <ctype.h>
#include <stdio.h>
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

/* State of one import, for the row function. */
struct load {
  char scheme[32]; /* the scheme, named or taken from the first code */
};

static int
put_category(struct db *db, const struct db_csv_row *row, void *arg,
             struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO category (scheme, kind, code, major_code, major_name,"
      " name_zh, name_en, deadline_hours, local)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (scheme, kind, code) DO UPDATE SET"
      " major_code = excluded.major_code, major_name = excluded.major_name,"
      " name_zh = excluded.name_zh, name_en = excluded.name_en,"
      " deadline_hours = excluded.deadline_hours";
  static const int col[7] = {0, 1, 2, 3, 4, 5, 6};
  struct load *l = arg;
  char **f = row->f;
  struct db_stmt *st;
  int rc;

  if (!*l->scheme)
    snprintf(l->scheme, sizeof l->scheme, "%s",
             strlen(f[3]) == 4 ? "cjt214" : "gb47678");
  if ((rc = check_row(row->where, l->scheme, f, col, e)) != CG_OK) return rc;
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ttttttt", l->scheme, f[0], f[3], f[1], f[2], f[4],
           *f[5] ? f[5] : NULL);
  if (*f[6]) db_bind_double(st, 8, strtod(f[6], NULL));
  db_bind_int(st, 9,
              strcmp(l->scheme, "cjt214") && strcmp(l->scheme, "gb47678"));
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
category_import(struct db *db, const char *path, const char *scheme, int *n,
                struct cg_err *e)
{
  static const char *const cols[] = {
      "kind",          "major_code",    "major_name_zh",         "minor_code",
      "minor_name_zh", "minor_name_en", "default_deadline_hours"};
  struct load l;

  snprintf(l.scheme, sizeof l.scheme, "%s", scheme ? scheme : "");
  return db_load_csv(db, path, cols, 7, 7, NULL, put_category, &l, "categories",
                     n, e);
}

json_t *
category_list_json(struct db *db, const char *scheme, struct cg_err *e)
{
  struct db_stmt *st;
  json_t *list;
  int rc;

  if (db_prepare(db, &st,
                 "SELECT scheme, kind, code, major_code, major_name, name_zh,"
                 " name_en, local FROM category WHERE ? IS NULL OR scheme = ?"
                 " ORDER BY scheme, kind, code",
                 e) != CG_OK)
    return NULL;
  db_bindf(st, "tt", scheme, scheme);
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW)
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:b}", "scheme",
                        db_col_text(st, 0), "kind", db_col_text(st, 1), "code",
                        db_col_text(st, 2), "major_code", db_col_text(st, 3),
                        "major_name", db_col_text(st, 4), "name_zh",
                        db_col_text(st, 5), "name_en", db_col_text(st, 6),
                        "local", (int)db_col_int(st, 7)));
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return list;
}

int
category_export_csv(struct db *db, const char *scheme, FILE *out,
                    struct cg_err *e)
{
  struct db_stmt *st;
  int rc, n = 0;

  if (db_prepare(db, &st,
                 "SELECT kind, major_code, major_name, code, name_zh, name_en,"
                 " deadline_hours FROM category WHERE scheme = ?"
                 " ORDER BY kind, code",
                 e) != CG_OK)
    return e->code;
  db_bindf(st, "t", scheme);
  while ((rc = db_step(st, e)) == DB_ROW) {
    if (!n++)
      fputs("kind,major_code,major_name_zh,minor_code,minor_name_zh,"
            "minor_name_en,default_deadline_hours\n",
            out);
    for (int i = 0; i < 6; i++) {
      csv_write_field(out, db_col_text(st, i));
      putc(',', out);
    }
    if (!db_col_is_null(st, 6)) fprintf(out, "%g", db_col_double(st, 6));
    putc('\n', out);
  }
  db_finalize(st);
  if (rc < 0) return e->code;
  if (!n)
    return cg_fail(e, CG_ENOTFOUND, "no categories of scheme '%s'", scheme);
  return ferror(out) ? cg_fail(e, CG_EIO, "cannot write the categories")
                     : CG_OK;
}
