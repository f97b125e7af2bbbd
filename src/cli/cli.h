/*
** cli.h — the `citygrid <command>` front end. main.c holds the one sorted
** command table; each cmd_*.c file implements one command on top of the
** domain modules (never a second implementation of what they do).
**
** Exit statuses: 0 success, 1 the command failed (bad input, I/O, store),
** 2 the command line itself was wrong (unknown command or option, missing
** argument).
*/
#ifndef CG_CLI_H
#define CG_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* One option of a command. Keep each table in the order help shows it. */
struct opt {
  const char *name; /* long name without "--" */
  const char *arg;  /* name of its argument in help; NULL for a flag */
  const char *help;
};

#define OPT_MAX 64 /* options a command may have; opt_parse() checks */
#define POS_MAX 16

/* The parsed command line of one command. */
struct opts {
  const struct opt *table;
  const char *val[OPT_MAX]; /* argument, or "" for a flag; NULL if absent */
  const char *pos[POS_MAX]; /* positional arguments */
  int npos;
};

struct cli;

/* A command: its function, the positional arguments it takes (for help),
** flags, a one-line summary and its options. */
struct cmd {
  const char *name;
  int (*fn)(struct cli *cli, struct opts *o);
  const char *args; /* e.g. "LAT LON" */
  int flags;        /* CMD_* below */
  const char *summary;
  const struct opt *opts;
  int min_pos, max_pos; /* bounds on positional arguments */
};

enum {
  CMD_STORE = 1 /* needs an initialised data directory, opened as cli->db */
};

/* State handed to every command. */
struct cli {
  const char *data_dir; /* --data, $CITYGRID_DATA or ./citygrid-data */
  char db_path[4096];   /* data_dir/citygrid.db */
  struct db *db;        /* open when the command has CMD_STORE */
  const struct cmd *cmd;
};

/* Value of option `name`, or NULL if it was not given. */
const char *opt_get(const struct opts *o, const char *name);

/* Parse argv (after the command name) against cmd's option table into *o.
** Returns 0 on success, EXIT_USAGE after printing a message for an unknown
** option, a missing argument or a wrong number of positional arguments,
** and -1 after printing help for --help. */
int opt_parse(const struct cmd *cmd, int argc, char **argv, struct opts *o);

/* Print the help of one command to f. */
void cmd_usage(const struct cmd *cmd, FILE *f);

/* Parse a time given on the command line: "@UNIX", "YYYY-MM-DD" (local
** midnight by cal) or "YYYY-MM-DDTHH:MM[:SS]Z" (UTC). CG_EINVAL naming
** `what` otherwise. */
struct cal;
int cli_time(const struct cal *cal, const char *s, const char *what, int64_t *t,
             struct cg_err *e);

/* Print "citygrid: <message>" for a failed operation and return EXIT_FAIL. */
int cli_fail(const struct cg_err *e);

/* Parse a decimal number in full; CG_OK or CG_EINVAL naming `what`. */
int cli_number(const char *s, const char *what, double *out, struct cg_err *e);

/* Output written whole or not at all. cli_out_open() opens a temporary
** file beside `path` (path.part) for writing, or returns stdout when path
** is NULL or "-"; NULL with *e (CG_EIO naming path) if it cannot.
** cli_out_close() finishes it: a file is closed and, unless `failed` or the
** close fails, renamed over path, else removed; stdout is flushed.
** Returns CG_OK, or CG_EIO naming the output in *e. */
FILE *cli_out_open(const char *path, struct cg_err *e);
int cli_out_close(FILE *f, const char *path, int failed, struct cg_err *e);

/* Open the command's data directory store (creating it when `create`),
** migrating its schema. Fills cli->db. */
int cli_open_store(struct cli *cli, int create, struct cg_err *e);

/* The commands. */
int cmd_apikey(struct cli *cli, struct opts *o);
int cmd_calendar(struct cli *cli, struct opts *o);
int cmd_case(struct cli *cli, struct opts *o);
int cmd_export(struct cli *cli, struct opts *o);
int cmd_grid(struct cli *cli, struct opts *o);
int cmd_help(struct cli *cli, struct opts *o);
int cmd_import(struct cli *cli, struct opts *o);
int cmd_init(struct cli *cli, struct opts *o);
int cmd_locate(struct cli *cli, struct opts *o);
int cmd_report(struct cli *cli, struct opts *o);
int cmd_segment(struct cli *cli, struct opts *o);
int cmd_serve(struct cli *cli, struct opts *o);
int cmd_user(struct cli *cli, struct opts *o);
int cmd_verify(struct cli *cli, struct opts *o);
int cmd_version(struct cli *cli, struct opts *o);

/* The command table and its size (main.c). */
extern const struct cmd cli_commands[];
extern const int cli_ncommands;
const struct cmd *cli_find(const char *name);

#endif
