-- 0010_config_version.sql — a version number for the configuration the
-- case module looks up for every case: categories, departments, routing
-- and time limits. Bulk writers keep what they looked up in memory from
-- one transaction to the next (src/case/case.c) and need to know when it
-- changed, whoever changed it: the import commands, the API, or SQL typed
-- by hand. Every write to those tables counts up counter 'config'.
-- SQLite trigger syntax; a PostgreSQL store needs the same triggers
-- written as a trigger function.

INSERT INTO counter (name, value) VALUES ('config', 0)
  ON CONFLICT (name) DO NOTHING;

CREATE TRIGGER category_ins AFTER INSERT ON category
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER category_upd AFTER UPDATE ON category
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER category_del AFTER DELETE ON category
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER department_ins AFTER INSERT ON department
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER department_upd AFTER UPDATE ON department
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER department_del AFTER DELETE ON department
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER routing_ins AFTER INSERT ON routing
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER routing_upd AFTER UPDATE ON routing
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER routing_del AFTER DELETE ON routing
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER time_limit_ins AFTER INSERT ON time_limit
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER time_limit_upd AFTER UPDATE ON time_limit
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
CREATE TRIGGER time_limit_del AFTER DELETE ON time_limit
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'config'; END;
