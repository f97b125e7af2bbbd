/*
** test_cli.c — the command line as a user meets it: help for every
** command, unknown commands and options refused with status 2, the data
** directory chosen by --data or $CITYGRID_DATA, init safe to repeat, a
** command on a directory never initialised told what to do, and a
** server's thread counts checked.
*/
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_help_lists_every_command(void **state)
{
  static const char *const cmds[] = {"export", "grid",   "help",  "import",
                                     "init",   "locate", "serve", "version"};
  char *out = NULL;

  assert_int_equal(tu_run(&out, NULL, "help"), 0);
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    char *sub = NULL;
    assert_non_null(strstr(out, cmds[i]));
    assert_int_equal(tu_run(&sub, NULL, "%s --help", cmds[i]), 0);
    assert_non_null(strstr(sub, "usage: citygrid"));
    free(sub);
    assert_int_equal(tu_run(&sub, NULL, "help %s", cmds[i]), 0);
    assert_non_null(strstr(sub, cmds[i]));
    free(sub);
  }
  free(out);
  assert_int_equal(tu_run(&out, NULL, "version"), 0);
  assert_non_null(strstr(out, "citygrid 0."));
  free(out);
}

static void
test_unknown_commands_and_options(void **state)
{
  char *err = NULL;

  assert_int_equal(tu_run(NULL, &err, "frobnicate"), 2);
  assert_non_null(strstr(err, "unknown command 'frobnicate'"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "locate --fast 34.7 113.7"), 2);
  assert_non_null(strstr(err, "unknown option '--fast'"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "--colour init"), 2);
  assert_non_null(strstr(err, "unknown option '--colour'"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "grid generate --cell"), 2);
  assert_non_null(strstr(err, "'--cell' needs a value"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "import divisions"), 2);
  assert_non_null(strstr(err, "missing arguments"));
  free(err);
  assert_int_equal(tu_run(NULL, &err, "%s", ""), 2);
  free(err);
}

static void
test_data_directory(void **state)
{
  char *dir = tu_tmpdir(), *out = NULL, *err = NULL, path[4300];
  struct stat sb;

  /* never initialised: told to run init, status 1 */
  assert_int_equal(tu_run(NULL, &err, "--data '%s/none' export grids", dir), 1);
  assert_non_null(strstr(err, "run 'citygrid --data"));
  free(err);
  snprintf(path, sizeof path, "%s/none", dir);
  assert_int_not_equal(stat(path, &sb), 0); /* and nothing was created */
  /* --data */
  assert_int_equal(tu_run(&out, NULL, "--data '%s/a' init", dir), 0);
  assert_non_null(strstr(out, "initialised"));
  free(out);
  snprintf(path, sizeof path, "%s/a/citygrid.db", dir);
  assert_int_equal(stat(path, &sb), 0);
  snprintf(path, sizeof path, "%s/a/attachments", dir);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(tu_run(&out, NULL, "--data '%s/a' init", dir), 0);
  assert_non_null(strstr(out, "checked"));
  free(out);
  /* $CITYGRID_DATA, else ./citygrid-data */
  snprintf(path, sizeof path, "%s/b", dir);
  setenv("CITYGRID_DATA", path, 1);
  assert_int_equal(tu_run(NULL, NULL, "init"), 0);
  unsetenv("CITYGRID_DATA");
  snprintf(path, sizeof path, "%s/b/citygrid.db", dir);
  assert_int_equal(stat(path, &sb), 0);
  {
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(tu_run(NULL, NULL, "init"), 0);
    assert_int_equal(chdir(cwd), 0);
    snprintf(path, sizeof path, "%s/citygrid-data/citygrid.db", dir);
    assert_int_equal(stat(path, &sb), 0);
  }
  /* an export on an empty store is an empty collection, not an error */
  assert_int_equal(tu_run(&out, NULL, "--data '%s/a' export streets", dir), 0);
  assert_non_null(strstr(out, "\"features\":[]"));
  free(out);
  /* a server's thread counts are whole numbers 1..64, its lists' cache
  ** megabytes 0..65536, its stop's grace 1..3600 s, its way of waiting
  ** poll or epoll: refused before anything is started */
  {
    static const char *const bad[] = {"--threads 0",   "--threads 65",
                                      "--threads 2.5", "--pool 0",
                                      "--pool 65",     "--pool x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      assert_int_equal(
          tu_run(NULL, &err, "--data '%s/a' serve --port 0 %s", dir, bad[i]),
          1);
      assert_non_null(strstr(err, "thread count"));
      free(err);
    }
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s/a' serve --port 0 --list-cache -1", dir),
        1);
    assert_non_null(strstr(err, "--list-cache -1: megabytes"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s/a' serve --port 0 --stop-grace 0", dir),
        1);
    assert_non_null(strstr(err, "--stop-grace 0: seconds, 1..3600"));
    free(err);
    assert_int_equal(
        tu_run(NULL, &err, "--data '%s/a' serve --port 0 --events select",
               dir),
        1);
    assert_non_null(strstr(err, "--events select: poll or epoll"));
    free(err);
  }
  /* generating without a boundary says what is missing */
  assert_int_equal(tu_run(NULL, &err, "--data '%s/a' grid generate", dir), 1);
  assert_non_null(strstr(err, "no district boundary"));
  free(err);
  tu_rmrf(dir);
  free(dir);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_lists_every_command),
      cmocka_unit_test(test_unknown_commands_and_options),
      cmocka_unit_test(test_data_directory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
