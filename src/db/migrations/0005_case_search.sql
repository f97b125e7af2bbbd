-- 0005_case_search.sql — full-text search of cases in Chinese: an FTS5
-- index over each case's address and description with the trigram
-- tokenizer, which needs no word segmentation: any run of three or more
-- characters is found wherever it occurs ("井盖缺" in "人行道井盖缺失").
-- Shorter words are matched by the list query with LIKE instead (see
-- src/case/read.c). The index reads its text from cases (external
-- content); the case module adds a case to it when it inserts the row
-- (case_save() in src/case/case.c). Not a trigger: a statement that fires
-- one opens a statement journal, and FTS5 then writes its pending terms
-- out at every statement, ten times the cost of the insert itself.
-- A case's address and description never change once reported.
-- SQLite only (FTS5); a PostgreSQL store uses a pg_trgm GIN index on the
-- same two columns for the same queries.

CREATE VIRTUAL TABLE case_search USING fts5(
  address, description,
  content = 'cases', content_rowid = 'rowid',
  tokenize = 'trigram'
);
INSERT INTO case_search (case_search) VALUES ('rebuild');
