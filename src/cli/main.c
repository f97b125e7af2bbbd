/*
** main.c — `citygrid [--data DIR] <command> [options] [args]`: global
** options, the one command table, and dispatch. Each command's options are
** in its own table next to its entry; commands that work on the store get
** it opened and migrated before they run (CMD_STORE).
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db/migrate.h"

static const struct opt apikey_opts[] = {
    {"as", "LOGIN",
     "add: the account its reports are filed as (default: a public "
     "account named after the key, created if missing)"},
    {"source", "SRC",
     "add: the source its reports get (default public; patrol, hotline, "
     "sensor, referral, inspection)"},
    {NULL, NULL, NULL}};
static const struct opt case_opts[] = {
    {"as", "USER",
     "act as this user (required, but for 'actions' and "
     "'sweep')"},
    {"category", "S:K:CODE",
     "report: category, e.g. gb47678:matter:06010; "
     "list, stats, points: a scheme and code prefix"},
    {"lat", "LAT", "report: latitude"},
    {"lon", "LON", "report: longitude"},
    {"crs", "CRS", "report: wgs84 (default) or gcj02"},
    {"address", "TEXT", "report: address"},
    {"description", "TEXT", "report: what is wrong"},
    {"urgency", "N", "report: 0 normal, 1 urgent, 2 emergency"},
    {"area-class", "A|B|C", "report: area class (default B)"},
    {"component-id", "ID",
     "report of a component: its identifier (部件标识码); list: the "
     "reports of that component"},
    {"component-state", "STATE",
     "report of a component: damaged, missing, abandoned, removed or "
     "intact"},
    {"source", "SRC", "patrol, public, hotline, sensor, referral, inspection"},
    {"type", "TYPE", "report: daily (default), inspection or other"},
    {"reporter-name", "NAME", "report: the reporter's name (kept private)"},
    {"reporter-phone", "PHONE", "report: the reporter's phone (private)"},
    {"draft", NULL, "report: keep as a draft"},
    {"self", NULL, "report: fixed on the spot (自处理; needs --after)"},
    {"photo", "FILES", "photos before (comma-separated files)"},
    {"after", "FILES", "photos after"},
    {"document", "FILES", "documents (PDF)"},
    {"note", "TEXT", "action: the note recorded with it"},
    {"dept", "CODES", "dispatch: department codes, comma-separated"},
    {"task", "N", "department actions: the task number"},
    {"hours", "H", "extend_request: working hours asked for"},
    {"limit-hours", "H",
     "dispatch: the new tasks' limit in working hours "
     "(default: the configured limit)"},
    {"pass", NULL, "verify, check: passed"},
    {"fail", NULL, "verify, check: failed"},
    {"rating", "R", "rate: satisfied, basic or unsatisfied"},
    {"at", "TIME",
     "when it happened (default now); sweep: the time to "
     "sweep at"},
    {"state", "STATE", "list, stats, points: a state, or 'open'"},
    {"area", "CODE", "list, stats, points: street, community or grid code"},
    {"overdue", NULL, "list, stats, points: only cases past a deadline"},
    {"from", "TIME", "list, stats, points: reported at or after"},
    {"to", "TIME", "list, stats, points: reported before"},
    {"text", "WORDS",
     "list, stats, points: words that must all occur in address or\n"
     "description"},
    {"limit", "N", "list: at most N (default 50)"},
    {"offset", "N", "list: skip N"},
    {"output", "FILE", "attachment: write to FILE instead of standard output"},
    {"since", "GSEQ",
     "events: only those after event GSEQ (default: every one; with "
     "--follow, from now)"},
    {"follow", NULL, "events: then each new one as it is committed"},
    {"json", NULL, "print JSON"},
    {NULL, NULL, NULL}};
static const struct opt export_opts[] = {
    {"format", "FMT",
     "areas: geojson (the default); categories, departments: json (the "
     "default) or csv (as import reads it)"},
    {"scheme", "NAME", "categories: only this scheme (cjt214, gb47678, ...)"},
    {"crs", "CRS", "coordinates: wgs84 (default) or gcj02"},
    {"output", "FILE", "write to FILE instead of standard output"},
    {NULL, NULL, NULL}};
static const struct opt grid_opts[] = {
    {"cell", "METRES", "edge of a unit grid in metres (default 100)"},
    {NULL, NULL, NULL}};
static const struct opt import_opts[] = {
    {"crs", "CRS", "coordinates of a GeoJSON file: wgs84 (default) or gcj02"},
    {"code", "CODE", "boundary: the district's 6-digit code (adcode)"},
    {"scheme", "NAME",
     "categories: cjt214 or gb47678 (default: from the "
     "code width)"},
    {"map", "FILE", "cases: foreign category -> scheme,kind,code"},
    {"fit", NULL,
     "cases: move the file's positions into the district's "
     "extent"},
    {NULL, NULL, NULL}};
static const struct opt calendar_opts[] = {
    {"format", "FMT",
     "text (the default), json, or csv (as 'import calendar' reads it)"},
    {NULL, NULL, NULL}};
static const struct opt init_opts[] = {{NULL, NULL, NULL}};
static const struct opt user_opts[] = {
    {"name", "NAME", "the person's name"},
    {"role", "ROLE",
     "grid_worker, operator, shift_leader, dispatcher, "
     "department, street, community, road_chief, leader, "
     "public, admin"},
    {"scope", "CODES",
     "area codes the user works in (default: the whole "
     "district)"},
    {"dept", "CODE", "the department of department staff"},
    {"phone", "PHONE", "contact phone"},
    {NULL, NULL, NULL}};
static const struct opt locate_opts[] = {
    {"crs", "CRS", "coordinates given: wgs84 (default) or gcj02"},
    {"csv", "FILE",
     "locate every row of FILE (columns lat,lon; '-' reads "
     "standard input) and write CSV"},
    {"json", NULL, "print JSON"},
    {NULL, NULL, NULL}};
static const struct opt serve_opts[] = {
    {"listen", "ADDR:PORT", "address to listen on (default 127.0.0.1:8080)"},
    {"port", "PORT",
     "port on the listen address; 0 picks a free one and "
     "prints it"},
    {"threads", "N", "worker threads (default 2)"},
    {"pool", "N",
     "threads for slow requests: searches, reports, logins, photos "
     "(default 4)"},
    {"events", "poll|epoll",
     "how workers wait on their connections: poll is quicker for up to "
     "some hundred open connections a worker, epoll for more (default "
     "poll)"},
    {"list-cache", "MB",
     "memory for lists kept rendered, 0 for none (default 64)"},
    {"stop-grace", "SECONDS",
     "on SIGTERM, how long requests under way may run before those "
     "still reading are cut short with a 503 (default 10)"},
    {NULL, NULL, NULL}};
static const struct opt report_opts[] = {
    {"day", "YYYY-MM-DD", "the period: one day"},
    {"week", "YYYY-Www", "the period: an ISO week, Monday to Sunday"},
    {"month", "YYYY-MM", "the period: a month"},
    {"quarter", "YYYY-Qn", "the period: a quarter"},
    {"from", "YYYY-MM-DD", "the period: from this day ..."},
    {"to", "YYYY-MM-DD", "... to this day, both included"},
    {"unit", "KIND",
     "indicators: district, street, community, grid, dept, segment, "
     "supervisor, operator, shift_leader or dispatcher"},
    {"code", "CODE",
     "indicators: only this unit (area code, department, "
     "segment or login)"},
    {"format", "FMT",
     "bulletins: json (default), csv, xlsx or html; "
     "indicators: json or csv"},
    {"output", "FILE", "write to FILE instead of standard output (-o)"},
    {"at", "TIME", "judge open cases as of this time (default now)"},
    {"overdue", "N", "bulletins: list at most N overdue cases (default 50)"},
    {"segment", "ID", "flags: the history of one segment"},
    {"rebuild", NULL, "refresh: count everything again from the start"},
    {NULL, NULL, NULL}};
static const struct opt segment_opts[] = {
    {"spacing", "METRES", "generate: a line every METRES (default 1000)"},
    {"kind", "KIND", "list: road or river"},
    {"crs", "CRS", "list: wgs84 (default) or gcj02"},
    {"level", "N", "chief: 1, 2 or 3"},
    {"user", "WHO", "chief: a login or a name ('' clears)"},
    {NULL, NULL, NULL}};
static const struct opt none_opts[] = {{NULL, NULL, NULL}};

/* The command table. Keep sorted by name: cli_find() uses bsearch. */
const struct cmd cli_commands[] = {
    {"apikey", cmd_apikey, "add|list|revoke [NAME]", CMD_STORE,
     "Manage the keys Open311 clients post reports with. 'add NAME' prints\n"
     "the new key once; the store keeps only its hash.",
     apikey_opts, 1, 2},
    {"calendar", cmd_calendar, "[YEAR]", CMD_STORE,
     "Show the working calendar deadlines are counted by: the working hours,\n"
     "and the holidays and make-up working days (调休) of YEAR (default:\n"
     "this year) that the files loaded with 'import calendar' name.",
     calendar_opts, 0, 1},
    {"case", cmd_case, "ACTION [NO]", CMD_STORE,
     "Work on cases: report, show NO, list, stats (the counts of the\n"
     "statistics page), points (the map's, as JSON), events (the changes to\n"
     "cases, as JSON lines; --follow for the live ones), attachment SHA256\n"
     "(a case's photo or document), actions (the workflow table), sweep\n"
     "(escalate overdue work), or any workflow action by name:\n"
     "  citygrid case file NO --as USER --note TEXT",
     case_opts, 1, 2},
    {"export", cmd_export, "grids|communities|streets|categories|departments",
     CMD_STORE,
     "Write the stored areas of one level as GeoJSON, or the categories or\n"
     "departments as JSON or as the CSV 'import' reads.",
     export_opts, 1, 1},
    {"grid", cmd_grid, "generate", CMD_STORE,
     "Cut the district into streets, communities (where no real boundary\n"
     "is stored) and unit grids of about --cell metres square.",
     grid_opts, 1, 1},
    {"help", cmd_help, "[COMMAND]", 0,
     "Show the commands, or one command's "
     "help.",
     none_opts, 0, 1},
    {"import", cmd_import, "KIND FILE", CMD_STORE,
     "Load data into the store, whole or not at all. KIND is one of:\n"
     "  divisions FILE.csv      the official streets and communities\n"
     "  boundary FILE.geojson   the district's outline (--crs, --code)\n"
     "  grids FILE.geojson      real street, community or grid boundaries\n"
     "  categories FILE.csv     a category dictionary (CJ/T 214, GB/T "
     "47678.5)\n"
     "  departments FILE.csv    departments: code,name,phone\n"
     "  routing FILE.csv        category -> department rules\n"
     "  limits FILE.csv         time limits of steps and disposal\n"
     "  calendar FILE.csv       a year's holidays and make-up working days\n"
     "  cases FILE.csv          replay a 311 workload (--map FILE)\n"
     "  weights FILE.csv        composite score weights: formula,term,..\n"
     "  buckets FILE.csv        score buckets and grades: scale,op,bound,..\n"
     "  flag-rules FILE.csv     red/black flag rule: key,value\n"
     "  segments FILE.geojson   road segments and river sections (--crs)",
     import_opts, 2, 2},
    {"init", cmd_init, NULL, 0,
     "Create the data directory and its database (safe to run again).",
     init_opts, 0, 0},
    {"locate", cmd_locate, "[LAT LON]", CMD_STORE,
     "Tell which unit grid, community, street and district a point is in.",
     locate_opts, 0, 2},
    {"report", cmd_report,
     "weekly|monthly|indicators|flags|refresh|definitions", CMD_STORE,
     "Evaluation (综合评价): bulletins, indicators, scores and flags.\n"
     "  citygrid report weekly --week 2026-W47 --format xlsx -o w47.xlsx\n"
     "  citygrid report monthly --month 2026-11 --format html -o m11.html\n"
     "  citygrid report indicators --unit street --week 2026-W47\n"
     "  citygrid report flags --week 2026-W47   (or --segment ID: history)\n"
     "  citygrid report refresh [--rebuild]     (bring the counts up to date)\n"
     "  citygrid report definitions             (every indicator's formula)",
     report_opts, 1, 1},
    {"segment", cmd_segment, "generate|list|chief|flags [ID]", CMD_STORE,
     "Road segments and river sections (路长制 / 河长制) and their chiefs.\n"
     "Load real ones with 'citygrid import segments FILE.geojson'.",
     segment_opts, 1, 2},
    {"serve", cmd_serve, NULL, CMD_STORE,
     "Serve the HTTP API and the dashboard.", serve_opts, 0, 0},
    {"user", cmd_user, "add|update|show|list|passwd|disable|enable [LOGIN]",
     CMD_STORE,
     "Manage the people who use citygrid and their roles. 'passwd' reads\n"
     "the new password (8 to 128 bytes) from standard input.",
     user_opts, 1, 2},
    {"verify", cmd_verify, NULL, CMD_STORE,
     "Check that no case history was altered, removed or reordered.", none_opts,
     0, 0},
    {"version", cmd_version, NULL, 0, "Print citygrid's version.", none_opts, 0,
     0},
};
const int cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

static int
cmp_cmd(const void *k, const void *c)
{
  return strcmp(k, ((const struct cmd *)c)->name);
}

const struct cmd *
cli_find(const char *name)
{
  return bsearch(name, cli_commands, cli_ncommands, sizeof cli_commands[0],
                 cmp_cmd);
}

static void
usage(FILE *f)
{
  fprintf(f, "usage: citygrid [--data DIR] <command> [options] [args]\n\n"
             "commands:\n");
  for (int i = 0; i < cli_ncommands; i++) {
    const char *nl = strchr(cli_commands[i].summary, '\n');
    int len = nl ? (int)(nl - cli_commands[i].summary)
                 : (int)strlen(cli_commands[i].summary);
    fprintf(f, "  %-10s %.*s\n", cli_commands[i].name, len,
            cli_commands[i].summary);
  }
  fprintf(f, "\nThe data directory holds the database, attachments and "
             "settings:\n--data DIR, else $CITYGRID_DATA, else "
             "./citygrid-data.\n'citygrid <command> --help' tells more.\n");
}

int
cmd_help(struct cli *cli, struct opts *o)
{
  const struct cmd *c;
  if (o->npos == 0) {
    usage(stdout);
    return 0;
  }
  if (!(c = cli_find(o->pos[0]))) {
    fprintf(stderr, "citygrid: unknown command '%s'\n", o->pos[0]);
    return EXIT_USAGE;
  }
  cmd_usage(c, stdout);
  return 0;
}

int
cmd_version(struct cli *cli, struct opts *o)
{
  printf("citygrid %s (schema %d)\n", CG_VERSION, db_schema_latest());
  return 0;
}

int
cli_fail(const struct cg_err *e)
{
  fprintf(stderr, "citygrid: %s\n", e->msg[0] ? e->msg : "failed");
  return EXIT_FAIL;
}

int
cli_number(const char *s, const char *what, double *out, struct cg_err *e)
{
  char *end;
  if (!s || !*s) return cg_fail(e, CG_EINVAL, "missing %s", what);
  *out = strtod(s, &end);
  if (*end) return cg_fail(e, CG_EINVAL, "%s '%s' is not a number", what, s);
  return CG_OK;
}

/* path.part into buf */
static void
part_name(const char *path, char *buf, size_t n)
{
  snprintf(buf, n, "%s.part", path);
}

FILE *
cli_out_open(const char *path, struct cg_err *e)
{
  char tmp[4200];
  FILE *f;
  if (!path || !strcmp(path, "-")) return stdout;
  part_name(path, tmp, sizeof tmp);
  if (!(f = fopen(tmp, "wb"))) cg_fail(e, CG_EIO, "cannot write '%s'", path);
  return f;
}

int
cli_out_close(FILE *f, const char *path, int failed, struct cg_err *e)
{
  char tmp[4200];
  if (f == stdout) {
    if (fflush(stdout) != 0 || failed)
      return cg_fail(e, CG_EIO, "cannot write to standard output");
    return CG_OK;
  }
  part_name(path, tmp, sizeof tmp);
  failed |= fclose(f) != 0;
  if (failed || rename(tmp, path) != 0) {
    remove(tmp);
    return cg_fail(e, CG_EIO, "cannot write '%s'", path);
  }
  return CG_OK;
}

int
cli_open_store(struct cli *cli, int create, struct cg_err *e)
{
  struct stat sb;
  int rc;

  if (!create && stat(cli->db_path, &sb) != 0)
    return cg_fail(e, CG_ENOTFOUND,
                   "no citygrid data in '%s': run "
                   "'citygrid --data %s init' first",
                   cli->data_dir, cli->data_dir);
  rc = db_open(&cli->db, cli->db_path, create ? DB_CREATE : 0, e);
  if (rc == CG_OK && (rc = db_migrate(cli->db, e)) != CG_OK) {
    db_close(cli->db);
    cli->db = NULL;
  }
  return rc;
}

int
main(int argc, char **argv)
{
  struct cli cli = {0};
  struct opts o;
  struct cg_err e = {0};
  const char *env = getenv("CITYGRID_DATA");
  int i = 1, rc;

  cli.data_dir = env && *env ? env : "citygrid-data";
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      cli.data_dir = argv[i + 1];
      i += 2;
    } else if (strncmp(argv[i], "--data=", 7) == 0) {
      cli.data_dir = argv[i++] + 7;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--version") == 0) {
      return cmd_version(&cli, &o);
    } else {
      fprintf(stderr, "citygrid: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return EXIT_USAGE;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (!*cli.data_dir) {
    fprintf(stderr, "citygrid: --data needs a directory\n");
    return EXIT_USAGE;
  }
  if (!(cli.cmd = cli_find(argv[i]))) {
    fprintf(stderr, "citygrid: unknown command '%s' (see 'citygrid help')\n",
            argv[i]);
    return EXIT_USAGE;
  }
  rc = opt_parse(cli.cmd, argc - i - 1, argv + i + 1, &o);
  if (rc) return rc < 0 ? 0 : rc;
  snprintf(cli.db_path, sizeof cli.db_path, "%s/citygrid.db", cli.data_dir);
  if ((cli.cmd->flags & CMD_STORE) && cli_open_store(&cli, 0, &e) != CG_OK)
    return cli_fail(&e);
  rc = cli.cmd->fn(&cli, &o);
  db_close(cli.db);
  return rc;
}
