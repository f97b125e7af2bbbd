/*
** render.c — a bulletin in the four forms people use: JSON (the tree),
** CSV (each table under its title, a blank line between), a spreadsheet
** (libxlsxwriter, one sheet per table) and a printable HTML page in
** Chinese. All but JSON are made from eval_bulletin_tables(), so they show
** the same cells; a figure without a value is "—", never a number.
*/
#include "eval_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define NO_VALUE "—"

/* A growable text buffer; an allocation failure sticks until checked. */
struct buf {
  char *p;
  size_t n, cap;
  int oom;
};

static void
put(struct buf *b, const char *s, size_t n)
{
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *p;
    while (b->n + n + 1 > cap)
      cap *= 2;
    if (!(p = realloc(b->p, cap))) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void
puts_(struct buf *b, const char *s)
{
  put(b, s, strlen(s));
}

/* A cell as text: integers as they are, reals with 2 decimals. */
static void
cell_text(json_t *v, char *out, size_t n)
{
  if (json_is_integer(v))
    snprintf(out, n, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    snprintf(out, n, "%.2f", json_real_value(v));
  else if (json_is_string(v))
    snprintf(out, n, "%s", json_string_value(v));
  else
    snprintf(out, n, "%s", NO_VALUE);
}

static void
csv_field(struct buf *b, const char *s)
{
  if (!strpbrk(s, ",\"\n\r")) {
    puts_(b, s);
    return;
  }
  puts_(b, "\"");
  for (; *s; s++) {
    if (*s == '"') put(b, "\"", 1); /* a quote is doubled */
    put(b, s, 1);
  }
  puts_(b, "\"");
}

static void
csv_row(struct buf *b, json_t *cells)
{
  size_t i;
  json_t *v;
  json_array_foreach(cells, i, v)
  {
    char text[1024];
    if (i) puts_(b, ",");
    cell_text(v, text, sizeof text);
    csv_field(b, text);
  }
  puts_(b, "\n");
}

static void
render_csv(json_t *bulletin, json_t *tables, struct buf *b)
{
  size_t i, k;
  json_t *t, *row;
  csv_field(b, json_string_value(json_object_get(bulletin, "title")));
  puts_(b, ",");
  csv_field(b, json_string_value(
                   json_object_get(json_object_get(bulletin, "period"), "zh")));
  puts_(b, "\n");
  json_array_foreach(tables, i, t)
  {
    puts_(b, "\n");
    csv_field(b, json_string_value(json_object_get(t, "title")));
    puts_(b, "\n");
    csv_row(b, json_object_get(t, "columns"));
    json_array_foreach(json_object_get(t, "rows"), k, row) csv_row(b, row);
  }
}

/* HTML-escaped text. */
static void
esc(struct buf *b, const char *s)
{
  for (; *s; s++)
    switch (*s) {
    case '<':
      puts_(b, "&lt;");
      break;
    case '>':
      puts_(b, "&gt;");
      break;
    case '&':
      puts_(b, "&amp;");
      break;
    case '"':
      puts_(b, "&quot;");
      break;
    default:
      put(b, s, 1);
    }
}

static void
render_html(json_t *bulletin, json_t *tables, struct buf *b)
{
  const char *title = json_string_value(json_object_get(bulletin, "title"));
  const char *period = json_string_value(
      json_object_get(json_object_get(bulletin, "period"), "zh"));
  const char *at = json_string_value(json_object_get(bulletin, "at_local"));
  size_t i, k, c;
  json_t *t, *row, *v;

  puts_(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
           "<meta charset=\"utf-8\">\n<title>");
  esc(b, title);
  puts_(b, " ");
  esc(b, period);
  puts_(b, "</title>\n<style>\n"
           "@page { size: A4; margin: 15mm; }\n"
           "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\","
           " \"Microsoft YaHei\", sans-serif; font-size: 11pt; color: #000; }\n"
           "h1 { text-align: center; font-size: 18pt; margin: 0 0 4pt; }\n"
           "p.period { text-align: center; margin: 0 0 12pt; }\n"
           "h2 { font-size: 13pt; margin: 14pt 0 4pt; }\n"
           "table { border-collapse: collapse; width: 100%; "
           "page-break-inside: auto; }\n"
           "tr { page-break-inside: avoid; }\n"
           "th, td { border: 1px solid #444; padding: 2pt 4pt; }\n"
           "th { background: #eee; }\n"
           "td.n { text-align: right; }\n"
           "p.empty { text-align: center; font-size: 13pt; }\n"
           "</style>\n</head>\n<body>\n<h1>");
  esc(b, title);
  puts_(b, "</h1>\n<p class=\"period\">");
  esc(b, period);
  puts_(b, "　统计截至 ");
  esc(b, at ? at : "");
  puts_(b, "</p>\n");
  if (json_is_true(json_object_get(bulletin, "empty")))
    puts_(b, "<p class=\"empty\">本期无案件数据。</p>\n");
  json_array_foreach(tables, i, t)
  {
    puts_(b, "<h2>");
    esc(b, json_string_value(json_object_get(t, "title")));
    puts_(b, "</h2>\n<table>\n<thead><tr>");
    json_array_foreach(json_object_get(t, "columns"), c, v)
    {
      puts_(b, "<th>");
      esc(b, json_string_value(v));
      puts_(b, "</th>");
    }
    puts_(b, "</tr></thead>\n<tbody>\n");
    if (json_array_size(json_object_get(t, "rows")) == 0) {
      char span[64];
      snprintf(span, sizeof span, "<tr><td colspan=\"%zu\">无</td></tr>\n",
               json_array_size(json_object_get(t, "columns")));
      puts_(b, span);
    }
    json_array_foreach(json_object_get(t, "rows"), k, row)
    {
      puts_(b, "<tr>");
      json_array_foreach(row, c, v)
      {
        char text[1024];
        cell_text(v, text, sizeof text);
        puts_(b, json_is_number(v) ? "<td class=\"n\">" : "<td>");
        esc(b, text);
        puts_(b, "</td>");
      }
      puts_(b, "</tr>\n");
    }
    puts_(b, "</tbody>\n</table>\n");
  }
  puts_(b, "</body>\n</html>\n");
}

/* The spreadsheet, written to a file under tmpdir and read back. */
static int
render_xlsx(json_t *bulletin, json_t *tables, const char *tmpdir, struct buf *b,
            struct cg_err *e)
{
  char path[4200];
  lxw_workbook *wb;
  lxw_format *head, *num;
  size_t i, k, c;
  json_t *t, *row, *v;
  FILE *f;
  int fd, rc = CG_OK;

  snprintf(path, sizeof path, "%s/bulletin-XXXXXX", tmpdir ? tmpdir : "/tmp");
  if ((fd = mkstemp(path)) < 0)
    return cg_fail(e, CG_EIO, "cannot create a file in '%s'",
                   tmpdir ? tmpdir : "/tmp");
  close(fd);
  if (!(wb = workbook_new(path))) {
    remove(path);
    return cg_fail(e, CG_EIO, "cannot start a spreadsheet");
  }
  head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0xEEEEEE);
  format_set_border(head, LXW_BORDER_THIN);
  num = workbook_add_format(wb);
  format_set_num_format(num, "0.##");
  json_array_foreach(tables, i, t)
  {
    lxw_worksheet *ws = workbook_add_worksheet(
        wb, json_string_value(json_object_get(t, "title")));
    if (!ws) {
      rc = cg_fail(e, CG_EINTERNAL, "cannot add sheet '%s'",
                   json_string_value(json_object_get(t, "title")));
      break;
    }
    json_array_foreach(json_object_get(t, "columns"), c, v)
    {
      worksheet_write_string(ws, 0, (lxw_col_t)c, json_string_value(v), head);
      worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, c == 1 ? 24 : 12,
                           NULL);
    }
    json_array_foreach(json_object_get(t, "rows"), k, row)
    {
      json_array_foreach(row, c, v)
      {
        lxw_row_t r = (lxw_row_t)(k + 1);
        if (json_is_number(v))
          worksheet_write_number(ws, r, (lxw_col_t)c, json_number_value(v),
                                 num);
        else if (json_is_string(v))
          worksheet_write_string(ws, r, (lxw_col_t)c, json_string_value(v),
                                 NULL);
        else
          worksheet_write_string(ws, r, (lxw_col_t)c, NO_VALUE, NULL);
      }
    }
  }
  workbook_set_properties(
      wb, &(lxw_doc_properties){.title = (char *)json_string_value(
                                    json_object_get(bulletin, "title"))});
  if (workbook_close(wb) != LXW_NO_ERROR && rc == CG_OK)
    rc = cg_fail(e, CG_EIO, "cannot write the spreadsheet");
  if (rc == CG_OK && (f = fopen(path, "rb"))) {
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
      put(b, chunk, got);
    fclose(f);
  } else if (rc == CG_OK) {
    rc = cg_fail(e, CG_EIO, "cannot read back the spreadsheet");
  }
  remove(path);
  return rc;
}

int
eval_render(json_t *bulletin, const char *format, const char *tmpdir,
            char **out, size_t *len, struct cg_err *e)
{
  struct buf b = {0};
  json_t *tables;
  int rc = CG_OK;

  *out = NULL;
  *len = 0;
  if (!format || !strcmp(format, "json")) {
    char *s = json_dumps(bulletin, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
    if (!s) return cg_fail(e, CG_ENOMEM, "out of memory");
    puts_(&b, s);
    puts_(&b, "\n");
    free(s);
  } else if (strcmp(format, "csv") && strcmp(format, "html") &&
             strcmp(format, "xlsx")) {
    return cg_fail(e, CG_EINVAL,
                   "unknown format '%s' (json, csv, xlsx or html)", format);
  } else {
    tables = eval_bulletin_tables(bulletin);
    if (!strcmp(format, "csv"))
      render_csv(bulletin, tables, &b);
    else if (!strcmp(format, "html"))
      render_html(bulletin, tables, &b);
    else
      rc = render_xlsx(bulletin, tables, tmpdir, &b, e);
    json_decref(tables);
  }
  if (rc == CG_OK && b.oom) rc = cg_fail(e, CG_ENOMEM, "out of memory");
  if (rc != CG_OK) {
    free(b.p);
    return rc;
  }
  *out = b.p ? b.p : calloc(1, 1);
  *len = b.n;
  return CG_OK;
}
