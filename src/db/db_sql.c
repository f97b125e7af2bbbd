/*
** db_sql.c — backend-neutral SQL text handling: the one place where the
** `?` placeholders that domain code writes are rewritten for a backend
** that numbers them ($1, $2, ... for PostgreSQL).
*/
#include "db.h"

#include <stdio.h>

int
db_sql_translate(const char *sql, enum db_dialect d, char *out, int n)
{
  int k = 0, np = 0;
  char quote = 0;

  for (const char *p = sql; *p; p++) {
    char buf[16];
    const char *emit = buf;
    int len = 1;

    buf[0] = *p;
    buf[1] = 0;
    if (quote) { /* inside '...', "..." or -- */
      if ((quote == '-' && *p == '\n') || (quote != '-' && *p == quote))
        quote = 0;
    } else if (*p == '\'' || *p == '"') {
      quote = *p;
    } else if (p[0] == '-' && p[1] == '-') {
      quote = '-';
    } else if (*p == '?') {
      np++;
      if (d == DB_DOLLAR) len = snprintf(buf, sizeof buf, "$%d", np);
    }
    if (k + len >= n) return -1;
    for (int i = 0; i < len; i++)
      out[k++] = emit[i];
  }
  if (k >= n) return -1;
  out[k] = 0;
  return np;
}
