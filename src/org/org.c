/*
** org.c — roles, users and departments in the store (see org.h).
*/
#include "org.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"

/* Indexed by enum org_role. */
static const struct {
  const char *name, *zh;
} roles[ROLE_COUNT] = {
    {"grid_worker", "网格员"},  {"operator", "受理员"},
    {"shift_leader", "值班长"}, {"dispatcher", "派遣员"},
    {"department", "专业部门"}, {"street", "街道"},
    {"community", "社区"},      {"road_chief", "路长"},
    {"leader", "领导"},         {"public", "公众"},
    {"admin", "管理员"},        {"system", "系统"},
};

const char *
org_role_name(int role)
{
  return role >= 0 && role < ROLE_COUNT ? roles[role].name : "?";
}

const char *
org_role_zh(int role)
{
  return role >= 0 && role < ROLE_COUNT ? roles[role].zh : "?";
}

int
org_role_parse(const char *s)
{
  for (int i = 0; i < ROLE_COUNT; i++)
    if (strcmp(s, roles[i].name) == 0) return i;
  return -1;
}

int
org_in_scope(const struct org_user *u, const char *code)
{
  const char *s = u->scope;

  if (!*s) return 1;
  if (!code) return 0;
  while (*s) {
    size_t n = strcspn(s, ",");
    size_t m = strlen(code);
    if (n && (strncmp(s, code, n < m ? n : m) == 0)) return 1;
    s += n;
    if (*s == ',') s++;
  }
  return 0;
}

/* Check login, role, department and scope of u. */
static int
check_user(struct db *db, const struct org_user *u, struct cg_err *e)
{
  size_t n = strlen(u->login);
  const char *s = u->scope;
  int64_t k;

  if (n == 0 || n > 63)
    return cg_fail(e, CG_EINVAL, "login must be 1 to 63 characters");
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)u->login[i]) && !strchr("._-", u->login[i]))
      return cg_fail(e, CG_EINVAL,
                     "login '%s' may only hold letters, "
                     "digits, '.', '_' and '-'",
                     u->login);
  if (!*u->name)
    return cg_fail(e, CG_EINVAL, "user '%s' needs a name", u->login);
  if (u->role < 0 || u->role >= ROLE_COUNT)
    return cg_fail(e, CG_EINVAL, "unknown role");
  if (u->role == ROLE_DEPARTMENT && !*u->dept)
    return cg_fail(e, CG_EINVAL, "department staff '%s' need a department",
                   u->login);
  if (*u->dept) {
    char name[128];
    if (org_dept_name(db, u->dept, name, sizeof name, e) != CG_OK)
      return e ? e->code : CG_ENOTFOUND;
  }
  while (*s) {
    char code[32];
    size_t len = strcspn(s, ",");
    if (len == 0 || len >= sizeof code)
      return cg_fail(e, CG_EINVAL, "bad scope '%s'", u->scope);
    memcpy(code, s, len);
    code[len] = 0;
    if (db_query_int(db, &k, 0, e, "SELECT count(*) FROM area WHERE code = ?",
                     "t", code) != CG_OK)
      return CG_EDB;
    if (!k) return cg_fail(e, CG_EINVAL, "scope names unknown area '%s'", code);
    s += len;
    if (*s == ',') s++;
  }
  return CG_OK;
}

/* Run one write statement with 7 user fields bound. */
static int
write_user(struct db *db, const char *sql, const struct org_user *u,
           struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare(db, &st, sql, e);

  if (rc != CG_OK) return rc;
  db_bindf(st, "tttttti", u->name, org_role_name(u->role), u->scope,
           *u->dept ? u->dept : NULL, *u->phone ? u->phone : NULL, u->login,
           (int64_t)time(NULL));
  rc = db_step(st, e);
  db_finalize(st);
  if (rc == -CG_ECONFLICT)
    return cg_fail(e, CG_ECONFLICT, "user '%s' exists already", u->login);
  return rc < 0 ? -rc : CG_OK;
}

int
org_user_add(struct db *db, const struct org_user *u, struct cg_err *e)
{
  int rc = check_user(db, u, e);
  if (rc != CG_OK) return rc;
  return write_user(db,
                    "INSERT INTO app_user (name, role, scope, dept_code,"
                    " phone, login, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    u, e);
}

int
org_user_update(struct db *db, const struct org_user *u, struct cg_err *e)
{
  struct org_user old;
  int rc;

  if ((rc = org_user_get(db, u->login, &old, e)) != CG_OK) return rc;
  /* a built-in account ('@web': the public page's reports) acts as its
  ** role: another would refuse what it does */
  if (old.login[0] == '@' && u->role != old.role)
    return cg_fail(e, CG_ECONFLICT,
                   "'%s' is a built-in account: it keeps its role", u->login);
  if ((rc = check_user(db, u, e)) != CG_OK) return rc;
  /* the trailing "? > 0" takes the time write_user() binds last */
  return write_user(db,
                    "UPDATE app_user SET name = ?, role = ?, scope = ?,"
                    " dept_code = ?, phone = ? WHERE login = ? AND ? > 0",
                    u, e);
}

int
org_user_disable(struct db *db, const char *login, int disabled,
                 struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare(db, &st,
                      "UPDATE app_user SET disabled = ? WHERE"
                      " login = ?",
                      e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "it", (int64_t)(disabled != 0), login);
  rc = db_step(st, e);
  rc = rc < 0           ? -rc
       : db_changes(db) ? CG_OK
                        : cg_fail(e, CG_ENOTFOUND, "no user '%s'", login);
  db_finalize(st);
  return rc;
}

/* Fill *u from a row of the columns listed in USER_COLS. */
#define USER_COLS                                                              \
  "login, name, role, scope, coalesce(dept_code, ''),"                         \
  " coalesce(phone, ''), disabled"
static void
row_user(struct db_stmt *st, struct org_user *u)
{
  memset(u, 0, sizeof *u);
  snprintf(u->login, sizeof u->login, "%s", db_col_text(st, 0));
  snprintf(u->name, sizeof u->name, "%s", db_col_text(st, 1));
  u->role = org_role_parse(db_col_text(st, 2));
  snprintf(u->scope, sizeof u->scope, "%s", db_col_text(st, 3));
  snprintf(u->dept, sizeof u->dept, "%s", db_col_text(st, 4));
  snprintf(u->phone, sizeof u->phone, "%s", db_col_text(st, 5));
  u->disabled = (int)db_col_int(st, 6);
}

int
org_user_get(struct db *db, const char *login, struct org_user *u,
             struct cg_err *e)
{
  /* cached: every authenticated request reads its user */
  static const char sql[] = "SELECT " USER_COLS " FROM app_user WHERE"
                            " login = ?";
  struct db_stmt *st;
  int rc = db_prepare_cached(db, &st, sql, e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", login);
  rc = db_step(st, e);
  if (rc == DB_ROW) row_user(st, u);
  db_finalize(st);
  if (rc == DB_ROW) return CG_OK;
  return rc < 0 ? -rc : cg_fail(e, CG_ENOTFOUND, "no user '%s'", login);
}

int
org_user_each(struct db *db, int (*fn)(const struct org_user *, void *),
              void *arg, struct cg_err *e)
{
  struct db_stmt *st;
  struct org_user u;
  int rc = db_prepare(db, &st,
                      "SELECT " USER_COLS " FROM app_user ORDER BY"
                      " login",
                      e);
  if (rc != CG_OK) return rc;
  while ((rc = db_step(st, e)) == DB_ROW) {
    row_user(st, &u);
    if (fn(&u, arg)) break;
  }
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
org_dept_name(struct db *db, const char *code, char *buf, size_t n,
              struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare(db, &st,
                      "SELECT name FROM department WHERE code = ?"
                      " AND active = 1",
                      e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", code);
  rc = db_step(st, e);
  if (rc == DB_ROW) snprintf(buf, n, "%s", db_col_text(st, 0));
  db_finalize(st);
  if (rc == DB_ROW) return CG_OK;
  return rc < 0 ? -rc
                : cg_fail(e, CG_ENOTFOUND, "unknown department '%s'", code);
}

static int
put_dept(struct db *db, const struct db_csv_row *row, void *arg,
         struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO department (code, name, phone) VALUES (?, ?, ?)"
      " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
      " phone = excluded.phone, active = 1";
  const char *code = row->f[0], *name = row->f[1], *phone = row->f[2];
  struct db_stmt *st;
  int rc;

  if (!*code || strlen(code) > 31 || strchr(code, ',') || !*name)
    return cg_fail(e, CG_EINVAL,
                   "a department needs a code (up to 31 "
                   "characters, no commas) and a name");
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ttt", code, name, *phone ? phone : NULL);
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

json_t *
org_dept_list_json(struct db *db, struct cg_err *e)
{
  struct db_stmt *st;
  json_t *list;
  int rc;

  if (db_prepare(db, &st,
                 "SELECT code, name FROM department WHERE active = 1"
                 " ORDER BY code",
                 e) != CG_OK)
    return NULL;
  list = json_array();
  while ((rc = db_step(st, e)) == DB_ROW)
    json_array_append_new(list,
                          json_pack("{s:s, s:s}", "code", db_col_text(st, 0),
                                    "name", db_col_text(st, 1)));
  db_finalize(st);
  if (rc < 0) {
    json_decref(list);
    return NULL;
  }
  return list;
}

int
org_dept_export_csv(struct db *db, FILE *out, struct cg_err *e)
{
  struct db_stmt *st;
  int rc;

  if (db_prepare(db, &st,
                 "SELECT code, name, phone FROM department WHERE active = 1"
                 " ORDER BY code",
                 e) != CG_OK)
    return e->code;
  fputs("code,name,phone\n", out);
  while ((rc = db_step(st, e)) == DB_ROW) {
    csv_write_field(out, db_col_text(st, 0));
    putc(',', out);
    csv_write_field(out, db_col_text(st, 1));
    putc(',', out);
    csv_write_field(out, db_col_text(st, 2));
    putc('\n', out);
  }
  db_finalize(st);
  if (rc < 0) return e->code;
  return ferror(out) ? cg_fail(e, CG_EIO, "cannot write the departments")
                     : CG_OK;
}

int
org_dept_import(struct db *db, const char *path, int *n, struct cg_err *e)
{
  static const char *const cols[] = {"code", "name", "phone"};
  return db_load_csv(db, path, cols, 3, 2, NULL, put_dept, NULL, "departments",
                     n, e);
}
