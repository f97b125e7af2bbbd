-- 0002_cases.sql — the closed loop of a case: departments and routing,
-- users with a role and a scope, cases, their dispatch tasks, the
-- append-only hash-chained history, and counters.
-- Portable SQL only: it runs unchanged on SQLite and PostgreSQL.
-- Times are Unix seconds (UTC) in BIGINT columns.

-- 专业部门 / 处置单位: the departments cases are dispatched to.
CREATE TABLE department (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  phone  TEXT,
  active INTEGER NOT NULL DEFAULT 1
);

-- Routing: which department a category goes to, optionally only in one
-- street or area class. The most specific matching row wins (see
-- src/case/routing.c); code_prefix '' matches every code of the scheme.
CREATE TABLE routing (
  scheme      TEXT NOT NULL,
  kind        TEXT NOT NULL,
  code_prefix TEXT NOT NULL,
  street_code TEXT NOT NULL DEFAULT '',  -- '' = any street
  area_class  TEXT NOT NULL DEFAULT '',  -- '' = any class
  dept_code   TEXT NOT NULL REFERENCES department (code),
  PRIMARY KEY (scheme, kind, code_prefix, street_code, area_class)
);

-- People and their role. scope: comma-separated area codes (grid,
-- community, street) a field or street user works in; empty = the whole
-- district. dept_code: the department of department staff.
CREATE TABLE app_user (
  login      TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  scope      TEXT NOT NULL DEFAULT '',
  dept_code  TEXT REFERENCES department (code),
  phone      TEXT,
  disabled   INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);

-- Time limits (时限) as configuration: step is 'disposal' (the
-- department's limit, from dispatch) or a step: 'intake', 'verify',
-- 'register', 'file', 'dispatch', 'check_request', 'check', 'close'.
-- '' in category/area_class and -1 in urgency match anything; the most
-- specific row wins. unit: 'hours' (working hours) or 'days' (working days).
CREATE TABLE time_limit (
  step        TEXT NOT NULL,
  scheme      TEXT NOT NULL DEFAULT '',
  code_prefix TEXT NOT NULL DEFAULT '',
  area_class  TEXT NOT NULL DEFAULT '',
  urgency     INTEGER NOT NULL DEFAULT -1,
  amount      DOUBLE PRECISION NOT NULL,
  unit        TEXT NOT NULL CHECK (unit IN ('hours', 'days')),
  PRIMARY KEY (step, scheme, code_prefix, area_class, urgency)
);

-- Named counters: case numbers per day, the global event sequence.
CREATE TABLE counter (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

-- A case (案件). state caches the result of its events (same transaction).
CREATE TABLE cases (
  no             TEXT PRIMARY KEY,   -- district + yyyymmdd + sequence
  kind           TEXT NOT NULL,      -- component | event | matter
  scheme         TEXT NOT NULL,
  category_code  TEXT NOT NULL,
  source         TEXT NOT NULL,      -- patrol public hotline sensor referral inspection
  case_type      TEXT NOT NULL DEFAULT 'daily', -- daily | inspection | other
  lat            DOUBLE PRECISION NOT NULL,     -- WGS84
  lon            DOUBLE PRECISION NOT NULL,
  grid_code      TEXT,
  community_code TEXT,
  street_code    TEXT,
  address        TEXT NOT NULL DEFAULT '',
  description    TEXT NOT NULL DEFAULT '',
  urgency        INTEGER NOT NULL DEFAULT 0,    -- 0 normal, 1 urgent, 2 emergency
  area_class     TEXT NOT NULL DEFAULT 'B',     -- A B C
  reporter_login TEXT,                          -- who reported (account)
  reporter_name  TEXT,                          -- private
  reporter_phone TEXT,                          -- private
  dept_code      TEXT REFERENCES department (code), -- responsible (routing)
  state          TEXT NOT NULL,
  duplicate_of   TEXT REFERENCES cases (no),
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  step_started   BIGINT,             -- when the current step began
  step_due       BIGINT,             -- step limit of the current step
  dispatched_at  BIGINT,             -- first dispatch: the clock starts
  due_at         BIGINT,             -- disposal deadline (latest open task)
  suspended_at   BIGINT,             -- set while suspended (挂账)
  closed_at      BIGINT,
  on_time        INTEGER,            -- at close: 1 on time, 0 late
  escalation     INTEGER NOT NULL DEFAULT 0,    -- 督办 level reached
  -- counters for evaluation, kept by the events that cause them
  n_rework       INTEGER NOT NULL DEFAULT 0,    -- 返工
  n_wrong        INTEGER NOT NULL DEFAULT 0,    -- 错误派遣
  n_return       INTEGER NOT NULL DEFAULT 0,    -- 回退 (approved)
  n_extend       INTEGER NOT NULL DEFAULT 0,    -- 延期 (approved)
  n_suspend      INTEGER NOT NULL DEFAULT 0,    -- 挂账 (approved)
  n_shirk        INTEGER NOT NULL DEFAULT 0,    -- 推诿 (return refused)
  deferred       INTEGER NOT NULL DEFAULT 0,    -- 缓办 at some point
  rating         TEXT,               -- 回访: satisfied | basic | unsatisfied
  rating_note    TEXT,
  last_seq       INTEGER NOT NULL DEFAULT 0,    -- events so far
  last_hash      TEXT NOT NULL DEFAULT ''       -- hash of the last event
);
CREATE INDEX cases_state ON cases (state, street_code);
CREATE INDEX cases_created ON cases (created_at);
-- near-duplicates: a band of latitude, the rest checked in the index
CREATE INDEX cases_dup ON cases (category_code, lat, lon, created_at);

-- Dispatch tasks: one per department called to a case (派遣 / 吹哨报到).
CREATE TABLE task (
  case_no       TEXT NOT NULL REFERENCES cases (no),
  n             INTEGER NOT NULL,   -- 1, 2, ... within the case
  dept_code     TEXT NOT NULL REFERENCES department (code),
  state         TEXT NOT NULL,      -- open returning extending suspending handled returned cancelled
  dispatched_at BIGINT NOT NULL,
  limit_s       BIGINT NOT NULL,    -- working seconds allowed
  due_at        BIGINT NOT NULL,
  extra_s       BIGINT NOT NULL DEFAULT 0, -- extensions granted
  handled_at    BIGINT,
  rework        INTEGER NOT NULL DEFAULT 0, -- 1: re-sent after a failed check
  request_s     BIGINT,             -- extension asked for (pending)
  PRIMARY KEY (case_no, n)
);
CREATE INDEX task_dept ON task (dept_code, state);

-- The history: append-only. hash = BLAKE2b-256 over the event's content and
-- prev (the hash of the case's previous event); gseq numbers all events of
-- the district in the order they were written (the table's key, so the
-- table is stored in that order), and ledger keeps the district-wide chain
-- head over them.
CREATE TABLE event (
  gseq       INTEGER PRIMARY KEY,  -- SQLite: the rowid itself
                                   -- (a backend with 32-bit INTEGER widens it)
  case_no    TEXT NOT NULL REFERENCES cases (no),
  seq        INTEGER NOT NULL,
  at         BIGINT NOT NULL,
  actor      TEXT NOT NULL,
  role       TEXT NOT NULL,
  action     TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  data       TEXT NOT NULL DEFAULT '{}', -- JSON: task, departments, attachments
  prev       TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE UNIQUE INDEX event_case ON event (case_no, seq);

CREATE TABLE ledger (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  events BIGINT NOT NULL,
  head   TEXT NOT NULL
);
INSERT INTO ledger (id, events, head) VALUES (1, 0, '');

-- Attachments referenced by a case (content-addressed files).
CREATE TABLE attachment (
  case_no TEXT NOT NULL REFERENCES cases (no),
  sha256  TEXT NOT NULL,
  mime    TEXT NOT NULL,
  bytes   BIGINT NOT NULL,
  stage   TEXT NOT NULL,     -- before | after | document
  seq     INTEGER NOT NULL,  -- the event that added it
  PRIMARY KEY (case_no, sha256, stage)
);
