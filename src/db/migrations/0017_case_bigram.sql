-- 0017_case_bigram.sql — two-character search words. Chinese searches are
-- mostly words of two characters ("井盖", "路灯", "积水"), which the
-- trigram index (0005) cannot find: they were matched by LIKE over every
-- case, half a second on a store of a million cases, seconds when it is
-- not in memory. This index holds every pair of neighbouring characters
-- of a case's address and description (bigrams(), src/core/bigram.c: "井盖
-- 缺失" gives "井盖 盖缺 缺失"), each one token of the unicode61
-- tokenizer, so a two-character word is one lookup (src/case/read.c).
-- Contentless and without positions: it only says which cases hold a
-- pair. It follows the cases from the same mark as the trigram index
-- (0016): the rows up to it are added here, the rest by the same catch-up
-- (src/case/case.c, search_catch_up()).
-- SQLite only (FTS5), as 0005.

CREATE VIRTUAL TABLE case_bigram USING fts5(
  words,
  content = '', detail = 'none', tokenize = 'unicode61'
);
INSERT INTO case_bigram (rowid, words)
  SELECT rowid, bigrams(address || ' ' || description) FROM cases
  WHERE rowid <= (SELECT value FROM counter WHERE name = 'search');
