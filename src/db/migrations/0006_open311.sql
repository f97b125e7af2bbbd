-- 0006_open311.sql — Open311 GeoReport v2: the API keys client programs
-- post with (stored only as hashes, like session tokens, so that a copy of
-- the database posts nothing), and what an Open311 client sent with a
-- request beyond the case itself.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

-- A key names the account its reports are filed as (a public account by
-- default) and the source they get.
CREATE TABLE api_key (
  name       TEXT PRIMARY KEY,             -- who holds it: 'fixmystreet'
  key_hash   TEXT NOT NULL UNIQUE,         -- BLAKE2b-256 of the key, hex
  login      TEXT NOT NULL REFERENCES app_user (login),
  source     TEXT NOT NULL DEFAULT 'public',
  created_at BIGINT NOT NULL,
  revoked_at BIGINT                        -- NULL while the key is valid
);

-- One row per case reported over Open311, written in the report's own
-- transaction: the token of GET tokens/{token}, the key it came with, and
-- the media_url the client gave.
CREATE TABLE open311_request (
  case_no    TEXT PRIMARY KEY REFERENCES cases (no),
  token      TEXT NOT NULL UNIQUE,
  key_name   TEXT NOT NULL REFERENCES api_key (name),
  media_url  TEXT,
  created_at BIGINT NOT NULL
);
