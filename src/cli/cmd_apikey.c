/*
** cmd_apikey.c — `citygrid apikey add|list|revoke`: the keys Open311
** clients post reports with. A key files its reports as one account (a
** public account named after the key unless --as names another) with one
** source; the key itself is printed once and only its hash is stored.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "case/case.h"

static int
print_key(const struct auth_apikey *k, void *arg)
{
  char when[32];
  time_t t = (time_t)k->created_at;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf("%-20s %-20s %-10s %s%s\n", k->name, k->login, k->source, when,
         k->revoked_at ? "  [revoked]" : "");
  return 0;
}

int
cmd_apikey(struct cli *cli, struct opts *o)
{
  const char *sub = o->pos[0], *source = opt_get(o, "source");
  char key[AUTH_TOKEN_LEN + 1], login[64];
  struct cg_err e = {0};

  if (strcmp(sub, "list") == 0) {
    if (o->npos != 1) return EXIT_USAGE;
    return auth_apikey_each(cli->db, print_key, NULL, &e) ? cli_fail(&e) : 0;
  }
  if (strcmp(sub, "add") && strcmp(sub, "revoke")) {
    fprintf(stderr,
            "citygrid apikey: unknown action '%s' (add, list, "
            "revoke)\n",
            sub);
    return EXIT_USAGE;
  }
  if (o->npos != 2) {
    fprintf(stderr, "citygrid apikey %s: give the key's name\n", sub);
    return EXIT_USAGE;
  }
  if (strcmp(sub, "revoke") == 0) {
    if (auth_apikey_revoke(cli->db, o->pos[1], (int64_t)time(NULL), &e))
      return cli_fail(&e);
    printf("revoked %s\n", o->pos[1]);
    return 0;
  }
  if (!source) source = "public";
  if (!case_source_known(source)) {
    cg_fail(&e, CG_EINVAL,
            "unknown source '%s' (patrol, public, hotline, "
            "sensor, referral or inspection)",
            source);
    return cli_fail(&e);
  }
  if (auth_apikey_create(cli->db, o->pos[1], opt_get(o, "as"), source,
                         (int64_t)time(NULL), key, login, sizeof login,
                         &e) != CG_OK)
    return cli_fail(&e);
  fprintf(stderr,
          "citygrid: API key '%s' files its reports as '%s' (%s); it is "
          "shown this once\n",
          o->pos[1], login, source);
  printf("%s\n", key);
  return 0;
}
