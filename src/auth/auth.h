/*
** auth.h — who is calling: passwords hashed with argon2id (libsodium's
** crypto_pwhash_str), random session tokens handed out at login and kept
** only as hashes, expiring and revocable, a per-account limit on failed
** logins (the per-address limit lives with the server, which sees
** addresses), API keys for client programs, kept as hashes too, and the
** secret that goes with a case reported without an account.
*/
#ifndef CG_AUTH_H
#define CG_AUTH_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "org/org.h"

#define AUTH_TOKEN_LEN 64          /* hex characters of a session token */
#define AUTH_MAX_FAILURES 5        /* failed logins before the account locks */
#define AUTH_LOCK_S (15 * 60)      /* for this long */
#define AUTH_SESSION_S (12 * 3600) /* a session lasts a working day */

/* May login have this password? CG_OK, or CG_EINVAL with the reason:
** not 8 to 128 bytes, or a built-in account. For callers that must know
** before they write anything else (an account created with its
** password). */
int auth_password_check(const char *login, const char *password,
                        struct cg_err *e);

/* Set (or replace) a user's password: 8 to 128 bytes. Revokes the user's
** sessions and clears its failed logins. Built-in accounts (a login that
** begins with '@') take none: CG_EINVAL. */
int auth_set_password(struct db *db, const char *login, const char *password,
                      struct cg_err *e);

/* Check login and password at time now and open a session: token gets
** AUTH_TOKEN_LEN hex characters and a NUL (the only copy; the store keeps
** its hash), *u the user, *expires its end. Fails with CG_EAUTH for an
** unknown login, a wrong password, a user without a password or a
** disabled one (one message for all, so logins cannot be probed), and
** CG_ELIMIT while the account is locked after AUTH_MAX_FAILURES
** failures. address is recorded with the session. */
int auth_login(struct db *db, const char *login, const char *password,
               const char *address, int64_t now, char *token, int64_t *expires,
               struct org_user *u, struct cg_err *e);

/* The user a token belongs to, if the session is open at time now and the
** user not disabled; CG_EAUTH otherwise. Each thread remembers the
** sessions it checked for AUTH_RECHECK_S seconds, so that a client's
** every request does not read the store: a session ended or a user
** changed in this process is seen at once (auth_forget()), one ended by
** another process (`citygrid user disable`) within those seconds. */
#define AUTH_RECHECK_S 2
int auth_check(struct db *db, const char *token, int64_t now,
               struct org_user *u, struct cg_err *e);

/* Forget every session remembered by auth_check(), in every thread: a
** user was changed. (Ending sessions with the functions below does it.) */
void auth_forget(void);

/* End a session (logout). CG_EAUTH if the token is not an open session. */
int auth_logout(struct db *db, const char *token, struct cg_err *e);

/* End every session of a user (disabled, password changed). */
int auth_revoke_user(struct db *db, const char *login, struct cg_err *e);

/* ---- API keys ---------------------------------------------------------- */

/* A key a client program (an Open311 client) posts with. Like a session
** token it is AUTH_TOKEN_LEN random hex characters shown once, and the
** store keeps only its hash. Each key files its reports as one account
** (login) with one source. */
struct auth_apikey {
  char name[64];   /* who holds it, [A-Za-z0-9._-] */
  char login[64];  /* the account its reports are filed as */
  char source[16]; /* the source its reports get: "public", ... */
  int64_t created_at;
  int64_t revoked_at; /* 0 while valid */
};

/* Add key `name` for account `login` (which must exist) with `source`;
** key gets the new key and a NUL (the only copy). CG_ECONFLICT if the
** name is taken, CG_EINVAL for a bad name, CG_ENOTFOUND for no such
** account. */
int auth_apikey_add(struct db *db, const char *name, const char *login,
                    const char *source, int64_t now, char *key,
                    struct cg_err *e);

/* auth_apikey_add() for a new client, in one transaction: the key files
** as account `as` if given (it must exist), else as the public account
** named after the key, made if it does not exist ("Open311 client NAME";
** CG_ECONFLICT if an account of that login exists with another role).
** login gets the account (n bytes), key the key as above. */
int auth_apikey_create(struct db *db, const char *name, const char *as,
                       const char *source, int64_t now, char *key, char *login,
                       size_t n, struct cg_err *e);

/* The key a client sent: *k gets its record and *u its account. CG_EAUTH
** for a missing, unknown or revoked key, or a disabled account. */
int auth_apikey_check(struct db *db, const char *key, struct auth_apikey *k,
                      struct org_user *u, struct cg_err *e);

/* Revoke key `name` at time now. CG_ENOTFOUND if there is no valid key of
** that name. */
int auth_apikey_revoke(struct db *db, const char *name, int64_t now,
                       struct cg_err *e);

/* Call fn for every key, revoked ones too, in name order; stops early if
** fn returns non-zero. */
int auth_apikey_each(struct db *db,
                     int (*fn)(const struct auth_apikey *k, void *arg),
                     void *arg, struct cg_err *e);

/* ---- Case tickets ------------------------------------------------------ */

/* A case reported on the public pages, without an account, comes with a
** secret for its reporter, the only proof that they reported it (they
** rate the result with it). Like a token it is AUTH_TOKEN_LEN random hex
** characters shown once; the store keeps its hash. */

/* Make the secret of case `no` at time now: secret gets it and a NUL (at
** least AUTH_TOKEN_LEN + 1 bytes; the only copy). Call it in the
** transaction that writes the case. */
int auth_ticket_add(struct db *db, const char *no, int64_t now, char *secret,
                    struct cg_err *e);

/* CG_OK if secret is case `no`'s; CG_EAUTH if it is missing or wrong, or
** the case has no secret (it was not reported on the public pages). */
int auth_ticket_check(struct db *db, const char *no, const char *secret,
                      struct cg_err *e);

#endif
