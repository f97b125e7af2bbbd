/*
** auth.h — who is calling: passwords hashed with argon2id (libsodium's
** crypto_pwhash_str), random session tokens handed out at login and kept
** only as hashes, expiring and revocable, and a per-account limit on
** failed logins (the per-address limit lives with the server, which sees
** addresses).
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

/* Set (or replace) a user's password: 8 to 128 bytes. Revokes the user's
** sessions and clears its failed logins. */
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
** user not disabled; CG_EAUTH otherwise. */
int auth_check(struct db *db, const char *token, int64_t now,
               struct org_user *u, struct cg_err *e);

/* End a session (logout). CG_EAUTH if the token is not an open session. */
int auth_logout(struct db *db, const char *token, struct cg_err *e);

/* End every session of a user (disabled, password changed). */
int auth_revoke_user(struct db *db, const char *login, struct cg_err *e);

#endif
