-- 0014_component.sql — the component a report is about. A report of a
-- component (部件: a manhole cover, a street lamp) may name it by its
-- identifier (部件标识码: district code, class and a sequence number; 16
-- digits in CJ/T 214, 17 in GB/T 47678.5) and say what became of it
-- (管理部件状态: damaged, missing, abandoned, removed). Both are kept with
-- the case as reported, like its address, and never change.
-- The index finds every report about one component, and holds only the
-- cases that name one: reports of matters add nothing to it.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

ALTER TABLE cases ADD COLUMN component_id TEXT;
ALTER TABLE cases ADD COLUMN component_state TEXT;
CREATE INDEX cases_component ON cases (component_id, created_at)
  WHERE component_id IS NOT NULL;
