-- 0016_search_behind.sql — the full-text index follows the cases from a
-- mark instead of with each insert. Counter 'search' is the greatest
-- cases.rowid the index holds; every case above it is added at a commit
-- (src/case/case.c, search_catch_up()), in one statement for all of them.
-- The server's writer does so at most every 100 ms rather than at each of
-- its commits: FTS5 writes a new segment and merges at every transaction
-- that changed the index, which cost a fifth of each report's time and the
-- slowest of its replies. A search also reads the few cases above the
-- mark, by LIKE (src/case/read.c), so it never misses one.
-- Cases are never deleted, so their rowids only grow. Every case there is
-- was added with its row so far.
-- SQLite only (FTS5), as 0005.

INSERT INTO counter (name, value)
  SELECT 'search', coalesce(max(rowid), 0) FROM cases;
