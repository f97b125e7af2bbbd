-- 0015_event_hour.sql — events found by time without an index on their
-- time. An index on event.at would cost every event of a bulk load an
-- insert more; but events come in the order of their gseq, nearly always
-- in the order of their time too. So each hour (at / 3600) keeps the
-- least and the greatest gseq of its events, written once per commit by
-- the case module (see hours_flush() in src/case/case.c), and a query for
-- a span of time reads the events between the least and the greatest gseq
-- of its hours, checking each event's time: the Open311 updates feed.
-- Events replayed with times of the past only widen their hours' spans.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

CREATE TABLE event_hour (
  hour INTEGER PRIMARY KEY,  -- Unix time / 3600
  lo   BIGINT NOT NULL,      -- least gseq of an event of the hour
  hi   BIGINT NOT NULL       -- greatest
);
INSERT INTO event_hour (hour, lo, hi)
  SELECT at / 3600, min(gseq), max(gseq) FROM event GROUP BY at / 3600;
