-- 0009_recent_cases.sql — the duplicate search no longer reads an index.
-- A report can only duplicate a case of the last few days, so the case
-- module keeps those cases in memory (src/case/recent.c), loaded through
-- cases_created and kept up by rowid. The index over every open case by
-- (category, square, time) cost each new case a write at a random place
-- in a B-tree that grew with history — most of the cost of writing a case
-- in a store of a million — and the square it was keyed by goes with it.
-- Portable SQL only: it runs unchanged on SQLite (3.35 and later) and
-- PostgreSQL.

DROP INDEX cases_dup;
ALTER TABLE cases DROP COLUMN cell;
