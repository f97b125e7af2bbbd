-- 0022_search_file.sql — the full-text index moves out of the store into a
-- file of its own beside it (DIR/citygrid-search.db, attached to every
-- connection as schema `search`, see db_open()), with its mark, the
-- greatest cases.rowid it holds (was counter 'search', 0016).
-- In the store, every catch-up of the index (FTS5 writing a segment and
-- merging) ran in the server's one writing transaction: every 100 ms, all
-- reports waited milliseconds behind it. SQLite has one writer a file, so
-- in a file of its own the index is written by a thread of its own while
-- the reports are (src/case/search.c). The file holds only what can be
-- made again from the cases: made empty when missing, it is filled from
-- them by the next catch-up (after the next commit that makes a case, when
-- the server starts, or `citygrid init`); searches meanwhile read the cases
-- above its mark by LIKE, as they always did.
-- SQLite only (FTS5), as 0005.

DROP TABLE IF EXISTS main.case_bigram;
DELETE FROM counter WHERE name = 'search';
