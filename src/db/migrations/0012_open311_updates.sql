-- 0012_open311_updates.sql — what an Open311 client sent with an update
-- (POST servicerequestupdates) beyond its text, which is the comment event
-- itself: the media_url it gave, shown again in the updates feed, and its
-- own id of the update (update_id_ext), so that a client that sends the
-- same update twice — it timed out, it retried — gets the first one's
-- update_id back instead of a second comment.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

CREATE TABLE open311_update (
  gseq          BIGINT PRIMARY KEY REFERENCES event (gseq),
  case_no       TEXT NOT NULL REFERENCES cases (no),
  key_name      TEXT NOT NULL REFERENCES api_key (name),
  update_id_ext TEXT,
  media_url     TEXT
);
CREATE UNIQUE INDEX open311_update_ext
  ON open311_update (key_name, case_no, update_id_ext);
