-- 0011_state_index.sql — cases by state in the order they came, not by
-- state and street. New reports all enter the index in state 'reported';
-- keyed by street as well they landed on as many pages as the streets
-- they came from, and every commit of the HTTP writer wrote each of those
-- pages whole: a third of what it wrote. By time, they land on one page.
-- And a state's cases newest first — the work lists, the map, the
-- dashboard's lists — are now read straight off the index, without
-- sorting. A street's cases in one state are found by the street filter
-- over the state's range.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

DROP INDEX cases_state;
CREATE INDEX cases_state ON cases (state, created_at);
