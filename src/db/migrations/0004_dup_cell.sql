-- 0004_dup_cell.sql — near-duplicate search by cell instead of by a band
-- of latitude. The old index (category, lat, lon, created_at) made each
-- report scan every case of its category in a 100 m band across the whole
-- district and all of history: the cost grew with the store. A case now
-- carries the 0.01° square (≈ 1.1 km × 0.9 km here) its position falls in,
-- and the search seeks the one to four squares a report's radius touches
-- straight to the window's start, reading only the index (it carries what
-- the search tests and returns).

-- floor((lat + 90) * 100) * 1000000 + floor((lon + 180) * 100); the
-- same formula as case_cell() in src/case/case.c
ALTER TABLE cases ADD COLUMN cell BIGINT;
UPDATE cases SET cell = CAST(floor((lat + 90) * 100) AS BIGINT) * 1000000
                      + CAST(floor((lon + 180) * 100) AS BIGINT);
DROP INDEX cases_dup;
CREATE INDEX cases_dup ON cases (category_code, cell, created_at, scheme, kind,
                                 state, lat, lon, no);
