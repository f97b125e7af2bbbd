-- 0019_grid_in_search.sql — each case's unit grid in the index of
-- character pairs (0017), as one more word: "g" and the grid's code. A
-- grid worker's list asked the store for the cases of a few grids, which
-- no index serves: every case read for each page, a second on a store of
-- a million cases. An index on the grid would serve it, but each commit's
-- reports land on as many of its pages, and it cost a quarter of the
-- reports a second the server takes. The full-text index takes new cases
-- in batches (0016) and writes them together, so the word costs the
-- reports next to nothing, and a grid's cases are one lookup
-- (src/case/read.c). The index is filled again with the word.
-- SQLite only (FTS5), as 0005.

INSERT INTO case_bigram (case_bigram) VALUES ('delete-all');
INSERT INTO case_bigram (rowid, words)
  SELECT rowid, bigrams(address || ' ' || description) || ' g' ||
    coalesce(grid_code, '')
  FROM cases
  WHERE rowid <= (SELECT value FROM counter WHERE name = 'search');
