-- The scheduler: durable jobs, cron schedules, and weekly on-site visits.
--
-- Keep migrations/sqlite/0005_scheduler.sql in step.

-- A unit of background work. `run_at` is when it may start; `lease_*` say who runs it and until
-- when: a worker that dies leaves a lease that expires, and the job is run again (at least once;
-- handlers are idempotent). `unique_key` is unique among live jobs only, so a finished job's key
-- can be used again, and two instances planning the same timer create it once.
CREATE TABLE jobs (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          jsonb NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('scheduled', 'available', 'running', 'retryable',
                                                    'completed', 'dead')),
    run_at           timestamptz NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     BIGINT NOT NULL CHECK (max_attempts >= 1),
    unique_key       TEXT,
    lease_owner      TEXT,
    lease_expires_at timestamptz,
    heartbeat_at     timestamptz,
    last_error       TEXT,
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz,
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
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    expr          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    job_kind      TEXT NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    misfire       TEXT NOT NULL CHECK (misfire IN ('skip', 'fire_once', 'fire_all')),
    misfire_cap   BIGINT CHECK (misfire_cap >= 1),
    paused        BOOLEAN NOT NULL DEFAULT FALSE,
    last_fired_at timestamptz,
    next_fire_at  timestamptz,
    created_at    timestamptz NOT NULL
);
CREATE INDEX schedules_next ON schedules (next_fire_at) WHERE NOT paused;

-- The escalation ladder of a category (gridloop_core::EscalationLadder as JSON); NULL = default.
ALTER TABLE categories ADD COLUMN escalation_ladder jsonb;

-- A weekly on-site service to an enterprise by a commissioner.
CREATE TABLE visit_plans (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    commissioner_id       BIGINT NOT NULL REFERENCES users (id),
    expr                  TEXT NOT NULL,
    time_zone             TEXT NOT NULL,
    window_minutes        BIGINT NOT NULL CHECK (window_minutes > 0),
    reminder_lead_minutes BIGINT NOT NULL CHECK (reminder_lead_minutes >= 0),
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    -- Occurrences up to this instant exist as visits.
    materialised_until    timestamptz,
    created_at            timestamptz NOT NULL
);
CREATE INDEX visit_plans_enterprise ON visit_plans (enterprise_id);
CREATE INDEX visit_plans_commissioner ON visit_plans (commissioner_id);

-- One occurrence of a plan.
CREATE TABLE visits (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id         BIGINT NOT NULL REFERENCES visit_plans (id),
    enterprise_id   BIGINT NOT NULL REFERENCES enterprises (id),
    commissioner_id BIGINT NOT NULL REFERENCES users (id),
    scheduled_at    timestamptz NOT NULL,
    window_end_at   timestamptz NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'checked_in', 'completed', 'missed')),
    checked_in_at   timestamptz,
    completed_at    timestamptz,
    notes           TEXT,
    created_at      timestamptz NOT NULL,
    UNIQUE (plan_id, scheduled_at)
);
CREATE INDEX visits_commissioner ON visits (commissioner_id, scheduled_at);
CREATE INDEX visits_open_window ON visits (window_end_at) WHERE status IN ('planned', 'checked_in');
CREATE INDEX visits_scheduled ON visits (scheduled_at);

-- Issues raised during a visit.
CREATE TABLE visit_issues (
    visit_id BIGINT NOT NULL REFERENCES visits (id),
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    PRIMARY KEY (visit_id, issue_id)
);
