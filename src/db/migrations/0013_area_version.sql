-- 0013_area_version.sql — a version number for the district's areas. The
-- server keeps each level's GeoJSON made and compressed (the map asks for
-- every grid at each load: 8 MB of JSON, slower to make than to send) and
-- needs to know when the areas changed, whoever changed them: the import
-- commands or SQL typed by hand. Every write to `area` counts up counter
-- 'areas'.
-- SQLite trigger syntax; a PostgreSQL store needs the same triggers
-- written as a trigger function.

INSERT INTO counter (name, value) VALUES ('areas', 0)
  ON CONFLICT (name) DO NOTHING;

CREATE TRIGGER area_ins AFTER INSERT ON area
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'areas'; END;
CREATE TRIGGER area_upd AFTER UPDATE ON area
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'areas'; END;
CREATE TRIGGER area_del AFTER DELETE ON area
  BEGIN UPDATE counter SET value = value + 1 WHERE name = 'areas'; END;
