/*
** org.h — the organisation: roles, departments (专业部门) and users with
** a role and a scope. A scope is a comma-separated list of area codes
** (street, community or grid) the user works in; empty means the whole
** district. Department staff belong to one department.
*/
#ifndef CG_ORG_H
#define CG_ORG_H

#include <jansson.h>
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"

/* Roles (DESIGN.md §1). Stable numbers: stored by name, used as bits. */
enum org_role {
  ROLE_GRID_WORKER =
      0, /* 网格员 / 监督员: patrols, reports, verifies, checks */
  ROLE_OPERATOR = 1, /* 受理员: intake, registration, verify/check requests */
  ROLE_SHIFT_LEADER = 2, /* 值班长: files or voids, closes */
  ROLE_DISPATCHER = 3, /* 派遣员: dispatches, approves returns/extensions */
  ROLE_DEPARTMENT = 4, /* 专业部门: handles the tasks sent to it */
  ROLE_STREET = 5,    /* 街道: calls departments in (吹哨), sees its area */
  ROLE_COMMUNITY = 6, /* 社区: sees its area */
  ROLE_ROAD_CHIEF = 7, /* 路长 / 河长 */
  ROLE_LEADER = 8,     /* 领导: sees all, supervises */
  ROLE_PUBLIC = 9,     /* 公众: reports, follows own reports, rates */
  ROLE_ADMIN = 10,     /* 管理员 */
  ROLE_SYSTEM = 11,    /* sensors and the escalation sweep */
  ROLE_COUNT = 12
};

#define ROLE_BIT(r) (1u << (r))

/* "grid_worker", ...; static. "?" for an unknown number. */
const char *org_role_name(int role);
/* The Chinese name: "网格员", ...; static. */
const char *org_role_zh(int role);
/* Role named by s, or -1. */
int org_role_parse(const char *s);

struct org_user {
  char login[64];
  char name[128];
  int role;
  char scope[512]; /* comma-separated area codes; "" = whole district */
  char dept[32];   /* department code of department staff, else "" */
  char phone[32];
  int disabled;
};

/* Add a user. The login is 1-63 characters of [A-Za-z0-9._-]; the role
** must exist; department staff need an existing department; scope codes
** must be stored areas. CG_ECONFLICT if the login is taken. */
int org_user_add(struct db *db, const struct org_user *u, struct cg_err *e);

/* Load a user by login into *u. CG_ENOTFOUND if there is none. */
int org_user_get(struct db *db, const char *login, struct org_user *u,
                 struct cg_err *e);

/* Change role, scope and department of a user (checked as in add). A
** built-in account's role (a login beginning with '@') stays:
** CG_ECONFLICT. */
int org_user_update(struct db *db, const struct org_user *u, struct cg_err *e);

/* Disable (1) or enable (0) a user. */
int org_user_disable(struct db *db, const char *login, int disabled,
                     struct cg_err *e);

/* Call fn for every user in login order; stops early if fn returns
** non-zero. */
int org_user_each(struct db *db, int (*fn)(const struct org_user *, void *),
                  void *arg, struct cg_err *e);

/* Non-zero if the user's scope covers the area `code` (any level): the
** scope is empty, or one of its codes is a prefix of code, or code is a
** prefix of one of them (a street user sees the grids of the street). */
int org_in_scope(const struct org_user *u, const char *code);

/* Load departments from a CSV with the header code,name[,phone]; rows
** that exist are updated. Whole file or nothing. *n gets the row count. */
int org_dept_import(struct db *db, const char *path, int *n, struct cg_err *e);

/* The active departments by code: [{"code","name"}] (caller decrefs);
** NULL with *e if the store fails. */
json_t *org_dept_list_json(struct db *db, struct cg_err *e);

/* Write the active departments to out, by code, as the CSV
** org_dept_import() reads (code,name,phone). CG_EIO if out fails. */
int org_dept_export_csv(struct db *db, FILE *out, struct cg_err *e);

/* Name of department `code` into buf; CG_ENOTFOUND if it does not exist
** or is inactive. */
int org_dept_name(struct db *db, const char *code, char *buf, size_t n,
                  struct cg_err *e);

#endif
