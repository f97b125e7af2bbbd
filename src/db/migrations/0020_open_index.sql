-- 0020_open_index.sql — the open cases, newest first, in an index of
-- their own. The lists a district's leaders open most, its open cases and
-- its overdue ones, were read newest first off the index of all cases by
-- time, every case tested on the way: on a store of a million cases of
-- which a thousand are open, half a second to a second for each page
-- built. This index holds only the open ones, so those lists read only
-- them. New reports enter it at its end, and a case leaves it when it is
-- done. Its condition must stay the one the lists ask
-- (CASE_SQL_OPEN, src/case/case_int.h), word for word, or they cannot use
-- it.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

CREATE INDEX cases_open ON cases (created_at)
  WHERE state NOT IN ('closed', 'void', 'rejected', 'duplicate', 'draft');
