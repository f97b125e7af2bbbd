/*
** cmd_user.c — `citygrid user add|update|show|list|disable|enable`: the
** people who use citygrid, each with a role and a scope.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "org/org.h"

/* Fill the fields of u given on the command line. */
static int
fields(struct opts *o, struct org_user *u, struct cg_err *e)
{
  const char *v;
  if ((v = opt_get(o, "name"))) snprintf(u->name, sizeof u->name, "%s", v);
  if ((v = opt_get(o, "role")) && (u->role = org_role_parse(v)) < 0)
    return cg_fail(e, CG_EINVAL,
                   "unknown role '%s' (see 'citygrid user "
                   "--help')",
                   v);
  if ((v = opt_get(o, "scope"))) snprintf(u->scope, sizeof u->scope, "%s", v);
  if ((v = opt_get(o, "dept"))) snprintf(u->dept, sizeof u->dept, "%s", v);
  if ((v = opt_get(o, "phone"))) snprintf(u->phone, sizeof u->phone, "%s", v);
  return CG_OK;
}

static int
print_user(const struct org_user *u, void *arg)
{
  printf("%-16s %-14s %-10s %-12s %-8s %s%s\n", u->login,
         org_role_name(u->role), org_role_zh(u->role), u->name,
         *u->dept ? u->dept : "-", *u->scope ? u->scope : "(district)",
         u->disabled ? "  [disabled]" : "");
  return 0;
}

int
cmd_user(struct cli *cli, struct opts *o)
{
  const char *sub = o->pos[0];
  struct cg_err e = {0};
  struct org_user u;

  if (strcmp(sub, "list") == 0) {
    if (o->npos != 1) return EXIT_USAGE;
    return org_user_each(cli->db, print_user, NULL, &e) ? cli_fail(&e) : 0;
  }
  if (o->npos != 2) {
    fprintf(stderr, "citygrid user %s: give the login\n", sub);
    return EXIT_USAGE;
  }
  memset(&u, 0, sizeof u);
  if (strcmp(sub, "add") == 0) {
    snprintf(u.login, sizeof u.login, "%s", o->pos[1]);
    u.role = -1;
    if (fields(o, &u, &e) != CG_OK) return cli_fail(&e);
    if (!opt_get(o, "role")) {
      cg_fail(&e, CG_EINVAL, "a user needs --role");
      return cli_fail(&e);
    }
    if (!*u.name) snprintf(u.name, sizeof u.name, "%s", u.login);
    if (org_user_add(cli->db, &u, &e) != CG_OK) return cli_fail(&e);
    printf("added %s (%s)\n", u.login, org_role_name(u.role));
    return 0;
  }
  if (org_user_get(cli->db, o->pos[1], &u, &e) != CG_OK) return cli_fail(&e);
  if (strcmp(sub, "show") == 0) return print_user(&u, NULL);
  if (strcmp(sub, "update") == 0) {
    if (fields(o, &u, &e) != CG_OK || org_user_update(cli->db, &u, &e))
      return cli_fail(&e);
    return print_user(&u, NULL);
  }
  if (strcmp(sub, "passwd") == 0) {
    char pw[256];
    size_t n;
    if (!fgets(pw, sizeof pw, stdin)) {
      cg_fail(&e, CG_EINVAL, "give the new password on standard input");
      return cli_fail(&e);
    }
    n = strcspn(pw, "\r\n");
    pw[n] = 0;
    if (auth_set_password(cli->db, u.login, pw, &e) != CG_OK)
      return cli_fail(&e);
    printf("password of %s set; its sessions ended\n", u.login);
    return 0;
  }
  if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
    if (org_user_disable(cli->db, u.login, sub[0] == 'd', &e) != CG_OK ||
        (sub[0] == 'd' && auth_revoke_user(cli->db, u.login, &e) != CG_OK))
      return cli_fail(&e);
    printf("%sd %s\n", sub, u.login);
    return 0;
  }
  fprintf(stderr,
          "citygrid user: unknown action '%s' (add, update, show, "
          "list, passwd, disable, enable)\n",
          sub);
  return EXIT_USAGE;
}
