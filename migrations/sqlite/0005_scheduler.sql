-- The scheduler: durable jobs, cron schedules, and weekly on-site visits.
--
-- Keep migrations/postgres/0005_scheduler.sql in step.

-- A unit of background work. `run_at` is when it may start; `lease_*` say who runs it and until
-- when: a worker that dies leaves a lease that expires, and the job is run again (at least once;
-- handlers are idempotent). `unique_key` is unique among live jobs only, so a finished job's key
-- can be used again, and two instances planning the same timer create it once.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL CHECK (json_valid(payload)),
    state            TEXT NOT NULL CHECK (state IN ('scheduled', 'available', 'running', 'retryable',
                                                    'completed', 'dead')),
    run_at           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    unique_key       TEXT,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    heartbeat_at     TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    finished_at      TEXT,
    CHECK ((state = 'running') = (lease_owner IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_unique_live ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead');
-- What a claim reads: waiting jobs in start order.
CREATE INDEX jobs_waiting ON jobs (run_at, id) WHERE state IN ('scheduled', 'available', 'retryable');
-- What the lease rescue reads.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'completed';
CREATE INDEX jobs_state ON jobs (state, id);

-- A recurring job. Each tick advances `last_fired_at` by compare-and-set and inserts the job in
-- the same transaction, so with several instances each occurrence fires once.
CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    expr          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    job_kind      TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    misfire       TEXT NOT NULL CHECK (misfire IN ('skip', 'fire_once', 'fire_all')),
    misfire_cap   INTEGER CHECK (misfire_cap >= 1),
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    last_fired_at TEXT,
    next_fire_at  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX schedules_next ON schedules (next_fire_at) WHERE paused = 0;

-- The escalation ladder of a category (gridloop_core::EscalationLadder as JSON); NULL = default.
ALTER TABLE categories ADD COLUMN escalation_ladder TEXT CHECK (json_valid(escalation_ladder));

-- A weekly on-site service to an enterprise by a commissioner.
CREATE TABLE visit_plans (
    id                    INTEGER PRIMARY KEY,
    enterprise_id         INTEGER NOT NULL REFERENCES enterprises (id),
    commissioner_id       INTEGER NOT NULL REFERENCES users (id),
    expr                  TEXT NOT NULL,
    time_zone             TEXT NOT NULL,
    window_minutes        INTEGER NOT NULL CHECK (window_minutes > 0),
    reminder_lead_minutes INTEGER NOT NULL CHECK (reminder_lead_minutes >= 0),
    active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Occurrences up to this instant exist as visits.
    materialised_until    TEXT,
    created_at            TEXT NOT NULL
);
CREATE INDEX visit_plans_enterprise ON visit_plans (enterprise_id);
CREATE INDEX visit_plans_commissioner ON visit_plans (commissioner_id);

-- One occurrence of a plan.
CREATE TABLE visits (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES visit_plans (id),
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises (id),
    commissioner_id INTEGER NOT NULL REFERENCES users (id),
    scheduled_at    TEXT NOT NULL,
    window_end_at   TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'checked_in', 'completed', 'missed')),
    checked_in_at   TEXT,
    completed_at    TEXT,
    notes           TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (plan_id, scheduled_at)
);
CREATE INDEX visits_commissioner ON visits (commissioner_id, scheduled_at);
CREATE INDEX visits_open_window ON visits (window_end_at) WHERE status IN ('planned', 'checked_in');
CREATE INDEX visits_scheduled ON visits (scheduled_at);

-- Issues raised during a visit.
CREATE TABLE visit_issues (
    visit_id INTEGER NOT NULL REFERENCES visits (id),
    issue_id INTEGER NOT NULL REFERENCES issues (id),
    PRIMARY KEY (visit_id, issue_id)
);
