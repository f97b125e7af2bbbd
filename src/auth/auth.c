/*
** auth.c — passwords, sessions and the per-account login limit (see
** auth.h). Password hashes are argon2id strings from crypto_pwhash_str;
** a session token is 32 random bytes in hex, and the store keeps only its
** BLAKE2b-256 hash.
*/
#include "auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored form of a token. */
static void
token_hash(const char *token, char out[65])
{
  unsigned char d[32];
  crypto_generichash(d, sizeof d, (const unsigned char *)token, strlen(token),
                     NULL, 0);
  sodium_bin2hex(out, 65, d, sizeof d);
}

/* A new random token or key into out (AUTH_TOKEN_LEN hex characters and a NUL) and
** its stored form into hash. */
static void
new_token(char *out, char hash[65])
{
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out, AUTH_TOKEN_LEN + 1, raw, sizeof raw);
  token_hash(out, hash);
}

static int
init_sodium(struct cg_err *e)
{
  if (sodium_init() < 0)
    return cg_fail(e, CG_EINTERNAL, "cannot initialise libsodium");
  return CG_OK;
}

/* The sessions a thread checked lately (see auth_check() in auth.h): by
** a few bits of the token's hash; good while `epoch` is the current one
** and for AUTH_RECHECK_S seconds after `checked`. */
#define REMEMBERED 16 /* power of two */
struct remembered {
  char th[65];
  struct org_user u;
  int64_t checked, expires;
  unsigned epoch;
};
static __thread struct remembered remembered[REMEMBERED];
static atomic_uint epoch = 1;

void
auth_forget(void)
{
  atomic_fetch_add(&epoch, 1);
}

int
auth_revoke_user(struct db *db, const char *login, struct cg_err *e)
{
  struct db_stmt *st;
  int rc =
      db_prepare(db, &st, "UPDATE session SET revoked = 1 WHERE login = ?", e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", login);
  rc = db_step(st, e);
  db_finalize(st);
  auth_forget(); /* after the change: no thread remembers the session */
  return rc < 0 ? -rc : CG_OK;
}

int
auth_password_check(const char *login, const char *password, struct cg_err *e)
{
  size_t n = strlen(password);
  if (login[0] == '@') /* built-in accounts ('@web') never log in */
    return cg_fail(e, CG_EINVAL,
                   "'%s' is a built-in account: it takes no "
                   "password",
                   login);
  if (n < 8 || n > 128)
    return cg_fail(e, CG_EINVAL, "a password must be 8 to 128 bytes long");
  return CG_OK;
}

int
auth_set_password(struct db *db, const char *login, const char *password,
                  struct cg_err *e)
{
  char hash[crypto_pwhash_STRBYTES];
  size_t n = strlen(password);
  struct db_stmt *st;
  int rc;

  if ((rc = init_sodium(e)) != CG_OK ||
      (rc = auth_password_check(login, password, e)) != CG_OK)
    return rc;
  if (crypto_pwhash_str(hash, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return cg_fail(e, CG_ENOMEM, "out of memory hashing the password");
  if ((rc = db_begin(db, e)) != CG_OK) return rc;
  rc = db_prepare(db, &st,
                  "UPDATE app_user SET password_hash = ?,"
                  " failed_logins = 0, locked_until = 0 WHERE login = ?",
                  e);
  if (rc == CG_OK) {
    db_bindf(st, "tt", hash, login);
    rc = db_step(st, e);
    rc = rc < 0           ? -rc
         : db_changes(db) ? CG_OK
                          : cg_fail(e, CG_ENOTFOUND, "no user '%s'", login);
    db_finalize(st);
  }
  if (rc == CG_OK) rc = auth_revoke_user(db, login, e);
  if (rc == CG_OK) {
    rc = db_commit(db, e);
    auth_forget(); /* again, now that the revoking is committed */
    return rc;
  }
  db_rollback(db);
  return rc;
}

/* Record a failed login; lock the account at the limit. */
static int
failed(struct db *db, const char *login, int failures, int64_t now,
       struct cg_err *e)
{
  struct db_stmt *st;
  int lock = failures + 1 >= AUTH_MAX_FAILURES;
  int rc = db_prepare(db, &st,
                      "UPDATE app_user SET failed_logins = ?,"
                      " locked_until = ? WHERE login = ?",
                      e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "iit", (int64_t)(lock ? 0 : failures + 1),
           lock ? now + AUTH_LOCK_S : (int64_t)0, login);
  rc = db_step(st, e);
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

int
auth_login(struct db *db, const char *login, const char *password,
           const char *address, int64_t now, char *token, int64_t *expires,
           struct org_user *u, struct cg_err *e)
{
  /* verified against when the login is unknown, so that a wrong login
  ** costs as long as a wrong password */
  static char dummy[crypto_pwhash_STRBYTES];
  static pthread_mutex_t dummy_mu = PTHREAD_MUTEX_INITIALIZER;
  char hash[crypto_pwhash_STRBYTES] = "", th[65];
  int failures = 0, known = 0, ok, rc;
  int64_t locked = 0;
  struct db_stmt *st;

  token[0] = 0;
  if ((rc = init_sodium(e)) != CG_OK) return rc;
  /* made by the first login, while the others wait (logins run on
  ** several threads), and never changed after */
  pthread_mutex_lock(&dummy_mu);
  if (!dummy[0]) { /* a failed try leaves it empty */
    char made[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(made, "not a password", 14,
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
      memcpy(dummy, made, sizeof dummy);
  }
  rc = dummy[0] != 0;
  pthread_mutex_unlock(&dummy_mu);
  if (!rc) return cg_fail(e, CG_ENOMEM, "out of memory");
  rc = db_prepare(db, &st,
                  "SELECT coalesce(password_hash, ''),"
                  " failed_logins, locked_until, disabled FROM app_user"
                  " WHERE login = ?",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", login);
  if ((rc = db_step(st, e)) == DB_ROW) {
    snprintf(hash, sizeof hash, "%s", db_col_text(st, 0));
    failures = (int)db_col_int(st, 1);
    locked = db_col_int(st, 2);
    known = !db_col_int(st, 3) && hash[0];
  }
  db_finalize(st);
  if (rc < 0) return -rc;
  if (known && locked > now)
    return cg_fail(e, CG_ELIMIT,
                   "too many failed logins for '%s': try again "
                   "in %lld minutes",
                   login, (long long)(locked - now + 59) / 60);
  ok = crypto_pwhash_str_verify(known ? hash : dummy, password,
                                strlen(password)) == 0 &&
       known;
  if (!ok) {
    if (known && (rc = failed(db, login, failures, now, e)) != CG_OK) return rc;
    return cg_fail(e, CG_EAUTH, "wrong login or password");
  }
  new_token(token, th);
  *expires = now + AUTH_SESSION_S;
  if ((rc = db_begin(db, e)) != CG_OK) return rc;
  rc = db_prepare(db, &st,
                  "INSERT INTO session (token_hash, login,"
                  " created_at, expires_at, address) VALUES (?, ?, ?, ?, ?)",
                  e);
  if (rc == CG_OK) {
    db_bindf(st, "ttiit", th, login, now, *expires, address ? address : "");
    rc = db_step(st, e);
    rc = rc < 0 ? -rc : CG_OK;
    db_finalize(st);
  }
  if (rc == CG_OK && failures) { /* a success forgets earlier failures */
    rc = db_prepare(db, &st,
                    "UPDATE app_user SET failed_logins = 0 WHERE"
                    " login = ?",
                    e);
    if (rc == CG_OK) {
      db_bindf(st, "t", login);
      rc = db_step(st, e);
      rc = rc < 0 ? -rc : CG_OK;
      db_finalize(st);
    }
  }
  if (rc == CG_OK)
    rc = db_commit(db, e);
  else
    db_rollback(db);
  if (rc == CG_OK) rc = org_user_get(db, login, u, e);
  if (rc != CG_OK) token[0] = 0;
  return rc;
}

int
auth_check(struct db *db, const char *token, int64_t now, struct org_user *u,
           struct cg_err *e)
{
  static const char sql[] =
      "SELECT login, expires_at FROM session WHERE token_hash = ?"
      " AND revoked = 0 AND expires_at > ?";
  char th[65], login[64] = "";
  unsigned now_epoch = atomic_load(&epoch);
  struct remembered *m;
  struct db_stmt *st;
  int64_t expires = 0;
  int rc;

  if (!token || strlen(token) != AUTH_TOKEN_LEN)
    return cg_fail(e, CG_EAUTH, "not logged in");
  token_hash(token, th);
  m = &remembered[(unsigned char)th[0] % REMEMBERED];
  if (m->epoch == now_epoch && now < m->checked + AUTH_RECHECK_S &&
      now < m->expires && now >= m->checked && strcmp(m->th, th) == 0) {
    *u = m->u;
    return CG_OK;
  }
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "ti", th, now);
  if ((rc = db_step(st, e)) == DB_ROW) {
    snprintf(login, sizeof login, "%s", db_col_text(st, 0));
    expires = db_col_int(st, 1);
  }
  db_finalize(st);
  if (rc < 0) return -rc;
  if (!login[0]) return cg_fail(e, CG_EAUTH, "session expired or unknown");
  if ((rc = org_user_get(db, login, u, e)) != CG_OK) return rc;
  if (u->disabled) return cg_fail(e, CG_EAUTH, "user '%s' is disabled", login);
  memcpy(m->th, th, sizeof th);
  m->u = *u;
  m->checked = now;
  m->expires = expires;
  m->epoch = now_epoch;
  return CG_OK;
}

int
auth_logout(struct db *db, const char *token, struct cg_err *e)
{
  char th[65];
  struct db_stmt *st;
  int rc;

  if (!token || strlen(token) != AUTH_TOKEN_LEN)
    return cg_fail(e, CG_EAUTH, "not logged in");
  token_hash(token, th);
  rc = db_prepare(db, &st,
                  "UPDATE session SET revoked = 1 WHERE token_hash"
                  " = ? AND revoked = 0",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "t", th);
  rc = db_step(st, e);
  rc = rc < 0           ? -rc
       : db_changes(db) ? CG_OK
                        : cg_fail(e, CG_EAUTH, "not logged in");
  db_finalize(st);
  auth_forget();
  return rc;
}

/* ---- API keys ---------------------------------------------------------- */

int
auth_apikey_add(struct db *db, const char *name, const char *login,
                const char *source, int64_t now, char *key, struct cg_err *e)
{
  char hash[65];
  struct org_user u;
  struct db_stmt *st;
  size_t n = strlen(name);
  int rc;

  key[0] = 0;
  if ((rc = init_sodium(e)) != CG_OK) return rc;
  if (n == 0 || n > 63 ||
      strspn(name, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
    return cg_fail(e, CG_EINVAL,
                   "bad key name '%s' (1 to 63 of A-Z a-z 0-9 . _ -)", name);
  if ((rc = org_user_get(db, login, &u, e)) != CG_OK) return rc;
  new_token(key, hash);
  rc = db_prepare(db, &st,
                  "INSERT INTO api_key (name, key_hash, login, source,"
                  " created_at) VALUES (?, ?, ?, ?, ?)",
                  e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "tttti", name, hash, login, source, now);
  rc = db_step(st, e);
  db_finalize(st);
  if (rc == -CG_ECONFLICT)
    return cg_fail(e, CG_ECONFLICT, "an API key named '%s' exists", name);
  if (rc < 0) {
    key[0] = 0;
    return -rc;
  }
  return CG_OK;
}

int
auth_apikey_create(struct db *db, const char *name, const char *as,
                   const char *source, int64_t now, char *key, char *login,
                   size_t n, struct cg_err *e)
{
  struct org_user u;
  int rc;

  key[0] = 0;
  snprintf(login, n, "%s", as ? as : name);
  if ((rc = db_begin(db, e)) != CG_OK) return rc;
  if (!as && (rc = org_user_get(db, name, &u, NULL)) == CG_OK &&
      u.role != ROLE_PUBLIC) {
    rc = cg_fail(e, CG_ECONFLICT,
                 "account '%s' is a %s's: name the account the key files "
                 "as",
                 name, org_role_name(u.role));
  } else if (!as && rc != CG_OK) {
    memset(&u, 0, sizeof u);
    snprintf(u.login, sizeof u.login, "%s", name);
    snprintf(u.name, sizeof u.name, "Open311 client %s", name);
    u.role = ROLE_PUBLIC;
    rc = org_user_add(db, &u, e);
  } else {
    rc = CG_OK;
  }
  if (rc == CG_OK) rc = auth_apikey_add(db, name, login, source, now, key, e);
  if (rc == CG_OK) rc = db_commit(db, e);
  if (rc != CG_OK) {
    db_rollback(db);
    key[0] = 0;
  }
  return rc;
}

/* The key record of the current row of st (name, login, source,
** created_at, revoked_at). */
static void
apikey_row(struct db_stmt *st, struct auth_apikey *k)
{
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", db_col_text(st, 0));
  snprintf(k->login, sizeof k->login, "%s", db_col_text(st, 1));
  snprintf(k->source, sizeof k->source, "%s", db_col_text(st, 2));
  k->created_at = db_col_int(st, 3);
  k->revoked_at = db_col_is_null(st, 4) ? 0 : db_col_int(st, 4);
}

int
auth_apikey_check(struct db *db, const char *key, struct auth_apikey *k,
                  struct org_user *u, struct cg_err *e)
{
  static const char sql[] =
      "SELECT name, login, source, created_at, revoked_at FROM api_key"
      " WHERE key_hash = ? AND revoked_at IS NULL";
  struct db_stmt *st;
  char th[65];
  int rc;

  if (!key || !*key) return cg_fail(e, CG_EAUTH, "api_key is missing");
  if (strlen(key) != AUTH_TOKEN_LEN)
    return cg_fail(e, CG_EAUTH, "invalid api_key");
  token_hash(key, th);
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "t", th);
  if ((rc = db_step(st, e)) == DB_ROW) apikey_row(st, k);
  db_finalize(st);
  if (rc < 0) return -rc;
  if (rc != DB_ROW) return cg_fail(e, CG_EAUTH, "invalid api_key");
  if ((rc = org_user_get(db, k->login, u, e)) != CG_OK) return rc;
  if (u->disabled)
    return cg_fail(e, CG_EAUTH, "the account of api_key '%s' is disabled",
                   k->name);
  return CG_OK;
}

int
auth_apikey_revoke(struct db *db, const char *name, int64_t now,
                   struct cg_err *e)
{
  struct db_stmt *st;
  int rc = db_prepare(db, &st,
                      "UPDATE api_key SET revoked_at = ? WHERE name = ?"
                      " AND revoked_at IS NULL",
                      e);
  if (rc != CG_OK) return rc;
  db_bindf(st, "it", now, name);
  rc = db_step(st, e);
  rc = rc < 0 ? -rc
       : db_changes(db)
           ? CG_OK
           : cg_fail(e, CG_ENOTFOUND, "no valid API key '%s'", name);
  db_finalize(st);
  return rc;
}

int
auth_apikey_each(struct db *db,
                 int (*fn)(const struct auth_apikey *k, void *arg), void *arg,
                 struct cg_err *e)
{
  struct db_stmt *st;
  struct auth_apikey k;
  int rc = db_prepare(db, &st,
                      "SELECT name, login, source, created_at, revoked_at"
                      " FROM api_key ORDER BY name",
                      e);
  if (rc != CG_OK) return rc;
  while ((rc = db_step(st, e)) == DB_ROW) {
    apikey_row(st, &k);
    if (fn(&k, arg)) break;
  }
  db_finalize(st);
  return rc < 0 ? -rc : CG_OK;
}

/* ---- Case tickets ------------------------------------------------------ */

int
auth_ticket_add(struct db *db, const char *no, int64_t now, char *secret,
                struct cg_err *e)
{
  static const char sql[] = "INSERT INTO public_ticket (case_no, secret_hash,"
                            " created_at) VALUES (?, ?, ?)";
  struct db_stmt *st;
  char hash[65];
  int rc;

  secret[0] = 0;
  if ((rc = init_sodium(e)) != CG_OK) return rc;
  new_token(secret, hash);
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "tti", no, hash, now);
  rc = db_step(st, e);
  db_finalize(st);
  if (rc < 0) {
    secret[0] = 0;
    return -rc;
  }
  return CG_OK;
}

int
auth_ticket_check(struct db *db, const char *no, const char *secret,
                  struct cg_err *e)
{
  static const char sql[] =
      "SELECT secret_hash FROM public_ticket WHERE case_no = ?";
  struct db_stmt *st;
  char want[65] = "", got[65];
  int rc;

  if (!secret || !*secret)
    return cg_fail(e, CG_EAUTH, "the case's secret is missing");
  if ((rc = init_sodium(e)) != CG_OK) return rc;
  if ((rc = db_prepare_cached(db, &st, sql, e)) != CG_OK) return rc;
  db_bindf(st, "t", no);
  if ((rc = db_step(st, e)) == DB_ROW)
    snprintf(want, sizeof want, "%s", db_col_text(st, 0));
  db_finalize(st);
  if (rc < 0) return -rc;
  token_hash(secret, got);
  if (!want[0] || sodium_memcmp(want, got, 64) != 0)
    return cg_fail(e, CG_EAUTH, "wrong secret for case '%s'", no);
  return CG_OK;
}
