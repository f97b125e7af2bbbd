-- 0003_accounts.sql — logging in: password hashes (argon2id), login
-- failures for the per-account limit, and session tokens, stored only as
-- hashes so that a copy of the database logs nobody in.

ALTER TABLE app_user ADD COLUMN password_hash TEXT;      -- NULL: no login
ALTER TABLE app_user ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;

CREATE TABLE session (
  token_hash TEXT PRIMARY KEY,      -- BLAKE2b-256 of the token, hex
  login      TEXT NOT NULL REFERENCES app_user (login),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0,
  address    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX session_login ON session (login);
