-- 0009_lighter_case_rows.sql — less to write for every case and event.
--
-- The duplicate search no longer reads an index. A report can only
-- duplicate a case of the last few days, so the case module keeps those
-- cases in memory (src/case/recent.c), loaded through cases_created and
-- kept up by rowid. The index over every open case by (category, square,
-- time) cost each new case a write at a random place in a B-tree that grew
-- with history — most of the cost of writing a case in a store of a
-- million — and the square it was keyed by goes with it.
--
-- An event no longer stores the hash of the event before it: that hash is
-- the previous event's own `hash`, and `citygrid verify` now takes it from
-- there (src/case/verify.c). Every hash stays as it was: the previous hash
-- is still part of what each event's hash covers.
--
-- Portable SQL only: it runs unchanged on SQLite (3.35 and later) and
-- PostgreSQL.

DROP INDEX cases_dup;
ALTER TABLE cases DROP COLUMN cell;
ALTER TABLE event DROP COLUMN prev;
