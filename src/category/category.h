/*
** category.h — the problem-category dictionaries: the legacy CJ/T 214 /
** GB/T 30428.2 scheme (4-digit codes: components and events) and GB/T
** 47678.5-2026 (5-digit codes: components and matters), loaded from the
** shipped CSV files, with local extensions flagged. Keyed by (scheme, kind,
** code).
*/
#ifndef CG_CATEGORY_H
#define CG_CATEGORY_H

#include <jansson.h>
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"

/* Load a dictionary CSV with the header kind,major_code,major_name_zh,
** minor_code,minor_name_zh,minor_name_en,default_deadline_hours into
** scheme `scheme` (NULL: "cjt214" for 4-digit codes, "gb47678" for 5-digit
** ones). A scheme other than those two marks its rows local. Rows that
** exist are updated; the whole file applies or none of it. *n gets the
** number of rows. */
int category_import(struct db *db, const char *path, const char *scheme, int *n,
                    struct cg_err *e);

/* The categories of `scheme` (NULL: of every scheme) by scheme, kind and
** code: [{"scheme","kind","code","major_code","major_name","name_zh",
** "name_en","local"}] (caller decrefs); NULL with *e if the store fails. */
json_t *category_list_json(struct db *db, const char *scheme, struct cg_err *e);

/* Write the categories of `scheme` to out, by kind and code, as the CSV
** category_import() reads. CG_ENOTFOUND for a scheme without categories
** (nothing written), CG_EIO if out fails. */
int category_export_csv(struct db *db, const char *scheme, FILE *out,
                        struct cg_err *e);

#endif
