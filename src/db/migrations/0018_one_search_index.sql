-- 0018_one_search_index.sql — one full-text index, of character pairs.
-- Every case was indexed twice: its trigrams (0005) for search words of
-- three characters or more, its pairs of neighbouring characters (0017)
-- for words of two. The pairs serve both: a longer word is all the pairs
-- it holds ("井盖缺失": "井盖", "盖缺", "缺失"), which few cases hold
-- together, and LIKE keeps those that hold the word (src/case/read.c).
-- The trigram index, which stored each trigram of each case with its
-- positions, cost each report more than the rest of its full-text work;
-- every report sent over HTTP pays for it in the writer's commits.
-- SQLite only (FTS5), as 0005.

DROP TABLE case_search;
