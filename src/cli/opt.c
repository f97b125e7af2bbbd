/*
** opt.c — per-command option parsing: `--name value`, `--name=value`,
** flags, `--` to end options, `-h`/`--help`. Options not in the command's
** table are refused, as are missing arguments and wrong positional counts.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"

const char *
opt_get(const struct opts *o, const char *name)
{
  for (int i = 0; o->table && o->table[i].name; i++)
    if (strcmp(o->table[i].name, name) == 0) return o->val[i];
  return NULL;
}

void
cmd_usage(const struct cmd *cmd, FILE *f)
{
  fprintf(f, "usage: citygrid [--data DIR] %s%s%s%s\n\n%s\n", cmd->name,
          cmd->opts && cmd->opts[0].name ? " [options]" : "",
          cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
  if (cmd->opts && cmd->opts[0].name) fprintf(f, "\noptions:\n");
  for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", cmd->opts[i].name,
             cmd->opts[i].arg ? " " : "",
             cmd->opts[i].arg ? cmd->opts[i].arg : "");
    fprintf(f, "  %-24s %s\n", left, cmd->opts[i].help);
  }
}

int
opt_parse(const struct cmd *cmd, int argc, char **argv, struct opts *o)
{
  int only_pos = 0;

  memset(o, 0, sizeof *o);
  o->table = cmd->opts;
  for (int j = 0; cmd->opts && cmd->opts[j].name; j++)
    if (j >= OPT_MAX) {
      fprintf(stderr, "citygrid %s: more than %d options in its table\n",
              cmd->name, OPT_MAX);
      return EXIT_USAGE;
    }
  for (int i = 0; i < argc; i++) {
    char *a = argv[i], *eq;
    int k = -1;
    size_t len;

    if (only_pos || a[0] != '-' || a[1] == 0 ||
        (a[1] != '-' && a[1] != 'h' &&
         (a[1] == '.' || (a[1] >= '0' && a[1] <= '9')))) {
      /* positional (a lone "-" and negative numbers included) */
      if (o->npos == POS_MAX) {
        fprintf(stderr, "citygrid %s: too many arguments\n", cmd->name);
        return EXIT_USAGE;
      }
      o->pos[o->npos++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      cmd_usage(cmd, stdout);
      return -1;
    }
    if (a[1] != '-') {
      /* one-letter forms, the same for every command that has the
      ** option: -o is --output */
      for (int j = 0; a[1] == 'o' && !a[2] && cmd->opts && cmd->opts[j].name;
           j++)
        if (!strcmp(cmd->opts[j].name, "output")) k = j;
      if (k < 0) {
        fprintf(stderr, "citygrid %s: unknown option '%s'\n", cmd->name, a);
        return EXIT_USAGE;
      }
      eq = NULL;
    } else {
      eq = strchr(a + 2, '=');
      len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
      for (int j = 0; cmd->opts && cmd->opts[j].name; j++)
        if (strlen(cmd->opts[j].name) == len &&
            strncmp(cmd->opts[j].name, a + 2, len) == 0)
          k = j;
    }
    if (k < 0) {
      fprintf(stderr,
              "citygrid %s: unknown option '%.*s' (see 'citygrid %s "
              "--help')\n",
              cmd->name, (int)len + 2, a, cmd->name);
      return EXIT_USAGE;
    }
    if (!cmd->opts[k].arg) {
      if (eq) {
        fprintf(stderr, "citygrid %s: option '--%s' takes no value\n",
                cmd->name, cmd->opts[k].name);
        return EXIT_USAGE;
      }
      o->val[k] = "";
    } else if (eq) {
      o->val[k] = eq + 1;
    } else if (i + 1 < argc) {
      o->val[k] = argv[++i];
    } else {
      fprintf(stderr, "citygrid %s: option '--%s' needs a value (%s)\n",
              cmd->name, cmd->opts[k].name, cmd->opts[k].arg);
      return EXIT_USAGE;
    }
  }
  if (o->npos < cmd->min_pos || o->npos > cmd->max_pos) {
    fprintf(stderr, "citygrid %s: %s arguments\n", cmd->name,
            o->npos < cmd->min_pos ? "missing" : "too many");
    cmd_usage(cmd, stderr);
    return EXIT_USAGE;
  }
  return 0;
}

int
cli_time(const struct cal *cal, const char *s, const char *what, int64_t *t,
         struct cg_err *e)
{
  int y, m, d, hh, mm, ss = 0, n = 0;
  char *end;

  if (s[0] == '@') {
    *t = strtoll(s + 1, &end, 10);
    if (!*end && end != s + 1) return CG_OK;
  } else if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !s[n]) {
    *t = cal_local_time(cal, y, m, d, 0);
    return CG_OK;
  } else if ((sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &m, &d, &hh, &mm, &ss,
                     &n) == 6 &&
              !s[n]) ||
             (n = 0, sscanf(s, "%4d-%2d-%2dT%2d:%2dZ%n", &y, &m, &d, &hh, &mm,
                            &n) == 5 &&
                         n && !s[n])) {
    /* local_time() counts from local midnight: add the offset back */
    *t = cal_local_time(cal, y, m, d, hh * 3600 + mm * 60 + ss) +
         cal_utc_offset(cal);
    return CG_OK;
  }
  return cg_fail(e, CG_EINVAL,
                 "bad %s '%s' (YYYY-MM-DD, "
                 "YYYY-MM-DDTHH:MM:SSZ or @unix-seconds)",
                 what, s);
}
