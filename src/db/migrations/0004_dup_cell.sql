-- 0004_dup_cell.sql — near-duplicate search by cell instead of by a band
-- of latitude. The old index (category, lat, lon, created_at) made each
-- report scan every case of its category in a 100 m band across the whole
-- district and all of history: the cost grew with the store. A case now
-- carries the 0.01° square (≈ 1.1 km × 0.9 km here) its position falls in,
-- and the search seeks the one to four squares a report's radius touches
-- straight to the window's start, reading only the index (it carries what
-- the search tests and returns). Only open cases are in it: duplicates,
-- closed and void cases never match, and a busy corner of the district
-- would otherwise pile them up in the squares searched.

-- floor((lat + 90) * 100) * 1000000 + floor((lon + 180) * 100); the
-- same formula as case_cell() in src/case/case.c
ALTER TABLE cases ADD COLUMN cell BIGINT;
UPDATE cases SET cell = CAST(floor((lat + 90) * 100) AS BIGINT) * 1000000
                      + CAST(floor((lon + 180) * 100) AS BIGINT);
DROP INDEX cases_dup;
-- the WHERE must read exactly as in find_duplicate() for the index to serve
CREATE INDEX cases_dup ON cases (category_code, cell, created_at, scheme, kind,
                                 lat, lon, no, state)
  WHERE state NOT IN ('closed', 'void', 'rejected', 'duplicate', 'draft',
                      'self_handled');
