-- 0007_eval.sql — the evaluation (综合评价, DOMAIN.md §4): counts kept per
-- local day and evaluated unit, refreshed from the event history; the open
-- cases whose lateness is judged when a report is made; the weights and
-- buckets of the composite scores; road and river segments (路长制 /
-- 河长制) with their chiefs; red and black flags per period.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.

-- Counts per (kind of unit, local day, unit). kind: district street
-- community grid dept segment supervisor operator shift_leader dispatcher;
-- day: days since 1970-01-01 in the district's local time; unit: the
-- area, department or segment code, or the person's login. Each column is
-- one measure of src/eval/indicator.c (where each is defined); a report
-- sums the days of its period. Written only by eval_refresh(), which adds
-- what the events since its last run changed (setting 'eval.gseq').
CREATE TABLE eval_fact (
  kind               TEXT NOT NULL,
  day                INTEGER NOT NULL,
  unit               TEXT NOT NULL,
  reports            INTEGER NOT NULL DEFAULT 0,
  valid_reports      INTEGER NOT NULL DEFAULT 0,
  self_closed        INTEGER NOT NULL DEFAULT 0,
  missed             INTEGER NOT NULL DEFAULT 0,
  filed              INTEGER NOT NULL DEFAULT 0,
  file_ontime        INTEGER NOT NULL DEFAULT 0,
  file_void          INTEGER NOT NULL DEFAULT 0,
  intake             INTEGER NOT NULL DEFAULT 0,
  verify_sent        INTEGER NOT NULL DEFAULT 0,
  verify_sent_ontime INTEGER NOT NULL DEFAULT 0,
  verified           INTEGER NOT NULL DEFAULT 0,
  verify_ontime      INTEGER NOT NULL DEFAULT 0,
  check_sent         INTEGER NOT NULL DEFAULT 0,
  check_sent_ontime  INTEGER NOT NULL DEFAULT 0,
  checked            INTEGER NOT NULL DEFAULT 0,
  check_ontime       INTEGER NOT NULL DEFAULT 0,
  dispatches         INTEGER NOT NULL DEFAULT 0,
  dispatch_ontime    INTEGER NOT NULL DEFAULT 0,
  dispatch_wrong     INTEGER NOT NULL DEFAULT 0,
  closes             INTEGER NOT NULL DEFAULT 0,
  close_ontime       INTEGER NOT NULL DEFAULT 0,
  rated              INTEGER NOT NULL DEFAULT 0,
  satisfied          INTEGER NOT NULL DEFAULT 0,
  cohort             INTEGER NOT NULL DEFAULT 0,
  c_deferred         INTEGER NOT NULL DEFAULT 0,
  c_closed           INTEGER NOT NULL DEFAULT 0,
  c_ontime           INTEGER NOT NULL DEFAULT 0,
  c_handled_ontime   INTEGER NOT NULL DEFAULT 0,
  c_rework           INTEGER NOT NULL DEFAULT 0,
  c_extended         INTEGER NOT NULL DEFAULT 0,
  c_suspended        INTEGER NOT NULL DEFAULT 0,
  c_wrong            INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, day, unit)
);

-- Cases dispatched and not yet closed, as the last refresh saw them: the
-- day their clock started (the cohort they count in), their disposal
-- deadline, parked = 1 while suspended (挂账, clock stopped), and the units
-- they count for. A case past due_at counts as due and not closed (应结案,
-- 超期未结) at the time a report is made for.
CREATE TABLE eval_open (
  case_no   TEXT PRIMARY KEY REFERENCES cases (no),
  day       INTEGER NOT NULL,
  due_at    BIGINT NOT NULL,
  parked    INTEGER NOT NULL DEFAULT 0,
  street    TEXT NOT NULL DEFAULT '',
  community TEXT NOT NULL DEFAULT '',
  grid      TEXT NOT NULL DEFAULT '',
  dept      TEXT NOT NULL DEFAULT '',  -- the first named (the lead)
  segment   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX eval_open_day ON eval_open (day);
CREATE INDEX eval_open_due ON eval_open (parked, due_at);

-- Every department an open case was dispatched to (吹哨报到 calls several):
-- each counts the case among its own.
CREATE TABLE eval_open_dept (
  case_no TEXT NOT NULL REFERENCES eval_open (case_no),
  dept    TEXT NOT NULL,
  PRIMARY KEY (case_no, dept)
);

-- Composite scores (DOMAIN.md §4.2): formula -> terms. term names an
-- indicator; transform is 'rate' (its value in percent), 'inverse'
-- (100 minus it) or 'bucket:SCALE' (a score from eval_bucket). The weights
-- of a formula sum to 100.
CREATE TABLE eval_weight (
  formula   TEXT NOT NULL,
  term      TEXT NOT NULL,
  transform TEXT NOT NULL,
  weight    DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (formula, term)
);

-- Buckets: for a scale, rows in seq order; the first whose "value op
-- bound" holds gives the score (or, for the scale 'grade', the letter);
-- none: 0 (or 'E'). Bounds are for per_days days and scale with the
-- period's length (0: they do not).
CREATE TABLE eval_bucket (
  scale    TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  op       TEXT NOT NULL CHECK (op IN ('<', '<=', '>', '>=')),
  bound    DOUBLE PRECISION NOT NULL,
  value    TEXT NOT NULL,
  per_days DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (scale, seq)
);

-- Road segments (路段) and river sections (河段): line features, GeoJSON in
-- WGS84, with a chief at each of three levels (a login or a name).
CREATE TABLE road_segment (
  id        TEXT PRIMARY KEY,
  kind      TEXT NOT NULL CHECK (kind IN ('road', 'river')),
  name      TEXT NOT NULL,
  geometry  TEXT NOT NULL,
  length_m  DOUBLE PRECISION NOT NULL,
  min_lon   DOUBLE PRECISION NOT NULL,
  min_lat   DOUBLE PRECISION NOT NULL,
  max_lon   DOUBLE PRECISION NOT NULL,
  max_lat   DOUBLE PRECISION NOT NULL,
  generated INTEGER NOT NULL DEFAULT 0,
  chief1    TEXT NOT NULL DEFAULT '',
  chief2    TEXT NOT NULL DEFAULT '',
  chief3    TEXT NOT NULL DEFAULT ''
);

-- Red and black flags, kept per period (e.g. '2026-W47') so that a
-- segment's history can be shown.
CREATE TABLE eval_flag (
  period   TEXT NOT NULL,
  segment  TEXT NOT NULL,
  flag     TEXT NOT NULL CHECK (flag IN ('red', 'black')),
  score    DOUBLE PRECISION,
  rank     INTEGER,
  assigned BIGINT NOT NULL,
  PRIMARY KEY (period, segment)
);
CREATE INDEX eval_flag_segment ON eval_flag (segment, period);

-- Defaults: the formulas of DOMAIN.md §4.2 [S8]. 'area' and 'segment' are
-- ours (the source's area weights sum to 70 %; no segment rule exists);
-- see data/config/README.md.
INSERT INTO eval_weight (formula, term, transform, weight) VALUES
  ('supervisor', 'valid_report_rate', 'rate', 40),
  ('supervisor', 'missed_rate', 'inverse', 20),
  ('supervisor', 'verify_ontime_rate', 'rate', 20),
  ('supervisor', 'check_ontime_rate', 'rate', 20),
  ('operator', 'intake', 'bucket:intake', 25),
  ('operator', 'verify_sent_ontime_rate', 'rate', 40),
  ('operator', 'check_sent_ontime_rate', 'rate', 35),
  ('shift_leader', 'file_ontime_rate', 'rate', 25),
  ('shift_leader', 'file_accuracy_rate', 'rate', 40),
  ('shift_leader', 'close_ontime_rate', 'rate', 35),
  ('dispatcher', 'dispatches', 'bucket:dispatches', 20),
  ('dispatcher', 'dispatch_ontime_rate', 'rate', 40),
  ('dispatcher', 'dispatch_accuracy_rate', 'rate', 40),
  ('department', 'cohort', 'bucket:dept_cases', 10),
  ('department', 'close_rate', 'rate', 30),
  ('department', 'handle_ontime_rate', 'rate', 30),
  ('department', 'rework_rate', 'inverse', 30),
  ('area', 'filed_per_grid', 'bucket:area_cases', 20),
  ('area', 'close_rate', 'rate', 30),
  ('area', 'ontime_close_rate', 'rate', 30),
  ('area', 'missed_rate', 'inverse', 20),
  ('segment', 'reports_per_km', 'bucket:segment_cases', 20),
  ('segment', 'ontime_close_rate', 'rate', 40),
  ('segment', 'rework_rate', 'inverse', 20),
  ('segment', 'patrol_rate', 'rate', 20);

INSERT INTO eval_bucket (scale, seq, op, bound, value, per_days) VALUES
  ('intake', 1, '>', 2000, '100', 30),
  ('intake', 2, '>', 1200, '90', 30),
  ('intake', 3, '>', 500, '75', 30),
  ('intake', 4, '>', 300, '60', 30),
  ('dispatches', 1, '>', 2000, '100', 30),
  ('dispatches', 2, '>', 1200, '90', 30),
  ('dispatches', 3, '>', 500, '75', 30),
  ('dispatches', 4, '>', 300, '60', 30),
  ('dept_cases', 1, '<=', 50, '100', 30),
  ('dept_cases', 2, '<=', 100, '90', 30),
  ('dept_cases', 3, '<=', 200, '75', 30),
  ('dept_cases', 4, '<=', 500, '60', 30),
  ('dept_cases', 5, '<=', 1000, '40', 30),
  ('area_cases', 1, '<=', 0, '100', 30),
  ('area_cases', 2, '<', 3, '90', 30),
  ('area_cases', 3, '<', 5, '75', 30),
  ('area_cases', 4, '<', 7, '60', 30),
  ('area_cases', 5, '<', 9, '40', 30),
  ('segment_cases', 1, '<=', 1, '100', 7),
  ('segment_cases', 2, '<=', 3, '90', 7),
  ('segment_cases', 3, '<=', 5, '75', 7),
  ('segment_cases', 4, '<=', 10, '60', 7),
  ('segment_cases', 5, '<=', 20, '40', 7),
  ('grade', 1, '>=', 90, 'A', 0),
  ('grade', 2, '>=', 75, 'B', 0),
  ('grade', 3, '>=', 60, 'C', 0),
  ('grade', 4, '>=', 40, 'D', 0);

-- The refresh's high-water mark on event.gseq, how close a case must be to
-- a segment to count for it, and the flag rule (no national rule exists,
-- DOMAIN.md §4.3): mode 'rank' gives the red flag to the best flag.red and
-- the black flag to the worst flag.black segments ('all': ties at the cut
-- all get it; 'none': none of them do); mode 'threshold' gives red at or
-- above flag.red_min and black below flag.black_max. Segments with fewer
-- than flag.min_cases reports in the period are not flagged.
INSERT INTO setting (key, value) VALUES
  ('eval.gseq', '0'),
  ('eval.segment_m', '50'),
  ('flag.period', 'week'),
  ('flag.mode', 'rank'),
  ('flag.red', '3'),
  ('flag.black', '3'),
  ('flag.ties', 'all'),
  ('flag.red_min', '90'),
  ('flag.black_max', '60'),
  ('flag.min_cases', '1');
