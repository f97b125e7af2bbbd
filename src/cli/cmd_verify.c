/*
** cmd_verify.c — `citygrid verify`: check that no event of any case's
** history was altered, removed or reordered; name each case that was.
** Exit status 1 when anything was found.
*/
#include "cli.h"

#include <stdio.h>

#include "case/case.h"

static void
report(const char *no, const char *problem, void *arg)
{
  int *n = arg;
  (*n)++;
  if (*no)
    fprintf(stdout, "case %s: %s\n", no, problem);
  else
    fprintf(stdout, "district: %s\n", problem);
}

int
cmd_verify(struct cli *cli, struct opts *o)
{
  struct cg_err e = {0};
  int64_t events, cases;
  char head[65];
  int problems = 0;

  if (case_verify(cli->db, report, &problems, &events, &cases, head, &e) !=
      CG_OK)
    return cli_fail(&e);
  if (problems) {
    printf("%d problems in %lld events of %lld cases\n", problems,
           (long long)events, (long long)cases);
    return EXIT_FAIL;
  }
  printf("ok: %lld events of %lld cases, chain head %s\n", (long long)events,
         (long long)cases, *head ? head : "(empty)");
  return 0;
}
