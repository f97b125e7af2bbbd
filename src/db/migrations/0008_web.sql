-- 0008_web.sql — the public web pages: the account that reports made
-- there without an account are filed as, and the secret each such report
-- hands its reporter with the case number (they rate the result with it),
-- stored only as a hash like session tokens.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

-- '@web' cannot be taken by a person ('user add' allows no '@') and has
-- no password, so nobody logs in as it.
INSERT INTO app_user (login, name, role, scope, created_at)
VALUES ('@web', '网页匿名上报', 'public', '', 0);

CREATE TABLE public_ticket (
  case_no     TEXT PRIMARY KEY REFERENCES cases (no),
  secret_hash TEXT NOT NULL,   -- BLAKE2b-256 of the secret, hex
  created_at  BIGINT NOT NULL
);
