-- 0001_areas.sql — the district and its division into streets, communities
-- and unit grids; the category dictionaries; key/value settings.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

-- One row per administrative or grid area. Codes nest by prefix:
-- district 6 digits, street 9, community 12, unit grid 15 (DOMAIN.md §3).
CREATE TABLE area (
  code        TEXT PRIMARY KEY,
  level       TEXT NOT NULL
              CHECK (level IN ('district', 'street', 'community', 'grid')),
  name        TEXT NOT NULL,
  parent_code TEXT REFERENCES area (code),   -- NULL for the district
  geometry    TEXT,              -- GeoJSON geometry, WGS84 lon/lat
  area_m2     DOUBLE PRECISION,  -- computed from geometry
  min_lon     DOUBLE PRECISION,  -- bounding box of geometry
  min_lat     DOUBLE PRECISION,
  max_lon     DOUBLE PRECISION,
  max_lat     DOUBLE PRECISION,
  generated   INTEGER NOT NULL DEFAULT 0,  -- 1: geometry made by citygrid
  source      TEXT                         -- where the row came from
);
CREATE INDEX area_parent ON area (parent_code);
CREATE INDEX area_level ON area (level, code);
CREATE INDEX area_bbox ON area (level, min_lon, max_lon, min_lat, max_lat);

-- Problem categories: the CJ/T 214 and GB/T 47678.5 dictionaries, plus
-- local extensions (local = 1). Keyed by (scheme, kind, code).
CREATE TABLE category (
  scheme         TEXT NOT NULL,   -- 'cjt214', 'gb47678', or a local name
  kind           TEXT NOT NULL
                 CHECK (kind IN ('component', 'event', 'matter')),
  code           TEXT NOT NULL,   -- the full 4- or 5-digit code
  major_code     TEXT NOT NULL,
  major_name     TEXT NOT NULL,
  name_zh        TEXT NOT NULL,
  name_en        TEXT,
  deadline_hours DOUBLE PRECISION, -- NULL: no default; limits are config
  local          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scheme, kind, code)
);

-- Settings that belong with the data (the district's code, ...).
CREATE TABLE setting (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
