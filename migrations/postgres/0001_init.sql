-- gridloop schema, PostgreSQL dialect.
--
-- Append-only: never edit a migration that has shipped; change the schema in a new file.
-- Keep migrations/sqlite/0001_init.sql in step: same tables, columns and constraints.
--
-- Types: ids and counters are BIGINT (the store reads every integer as i64); timestamps are
-- timestamptz (microsecond precision: the store truncates instants to microseconds before
-- deciding, so both backends hold exactly what the core computed); event payloads are jsonb.

CREATE TABLE chains (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE grids (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    chain_id BIGINT NOT NULL REFERENCES chains (id)
);
CREATE INDEX grids_chain ON grids (chain_id);

CREATE TABLE posts (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES grids (id)
);
CREATE INDEX posts_grid ON posts (grid_id);

CREATE TABLE enterprises (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    address TEXT
);
CREATE INDEX enterprises_grid ON enterprises (grid_id);

CREATE TABLE units (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE categories (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    default_unit_id BIGINT REFERENCES units (id)
);

CREATE TABLE category_slas (
    category_id      BIGINT NOT NULL REFERENCES categories (id),
    priority         TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    response_minutes BIGINT NOT NULL CHECK (response_minutes > 0),
    resolve_minutes  BIGINT NOT NULL CHECK (resolve_minutes >= response_minutes),
    PRIMARY KEY (category_id, priority)
);

CREATE TABLE users (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login  TEXT NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    phone  TEXT,
    email  TEXT,
    locale TEXT NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('post_member', 'commissioner', 'dispatcher', 'unit_member',
                                          'unit_head', 'supervisor', 'admin', 'enterprise')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_posts (
    user_id BIGINT NOT NULL REFERENCES users (id),
    post_id BIGINT NOT NULL REFERENCES posts (id),
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX user_posts_post ON user_posts (post_id);

CREATE TABLE user_units (
    user_id BIGINT NOT NULL REFERENCES users (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);
CREATE INDEX user_units_unit ON user_units (unit_id);

CREATE TABLE user_grids (
    user_id BIGINT NOT NULL REFERENCES users (id),
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    PRIMARY KEY (user_id, grid_id)
);
CREATE INDEX user_grids_grid ON user_grids (grid_id);

CREATE TABLE user_enterprises (
    user_id       BIGINT NOT NULL REFERENCES users (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (user_id, enterprise_id)
);
CREATE INDEX user_enterprises_enterprise ON user_enterprises (enterprise_id);

-- The projection of each issue's events (gridloop_core::Issue). Written only together with the
-- event that produced it, under compare-and-set on `version`.
CREATE TABLE issues (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version                BIGINT NOT NULL CHECK (version >= 1),
    status                 TEXT NOT NULL CHECK (status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                                           'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL,
    category_id            BIGINT NOT NULL REFERENCES categories (id),
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    grid_id                BIGINT NOT NULL REFERENCES grids (id),
    enterprise_id          BIGINT NOT NULL REFERENCES enterprises (id),
    reporter_id            BIGINT REFERENCES users (id),
    source                 TEXT NOT NULL CHECK (source IN ('cli', 'api', 'web', 'open311', 'visit')),
    unit_id                BIGINT REFERENCES units (id),
    sla_response_minutes   BIGINT CHECK (sla_response_minutes > 0),
    sla_resolve_minutes    BIGINT CHECK (sla_resolve_minutes >= sla_response_minutes),
    assigned_at            TIMESTAMPTZ,
    response_due_at        TIMESTAMPTZ,
    resolve_due_at         TIMESTAMPTZ,
    responded_at           TIMESTAMPTZ,
    resolved_at            TIMESTAMPTZ,
    closed_at              TIMESTAMPTZ,
    held_since             TIMESTAMPTZ,
    held_minutes           BIGINT NOT NULL DEFAULT 0 CHECK (held_minutes >= 0),
    escalation_level       BIGINT NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 255),
    rework_count           BIGINT NOT NULL DEFAULT 0 CHECK (rework_count >= 0),
    return_count           BIGINT NOT NULL DEFAULT 0 CHECK (return_count >= 0),
    resolution             TEXT,
    satisfaction           BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
    verifier_id            BIGINT REFERENCES users (id),
    duplicate_of           BIGINT REFERENCES issues (id),
    -- The pending extension request (gridloop_core::ExtensionRequest), all or nothing.
    extension_until        TIMESTAMPTZ,
    extension_reason       TEXT,
    extension_requested_by BIGINT REFERENCES users (id),
    extension_requested_at TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    CHECK ((sla_response_minutes IS NULL) = (sla_resolve_minutes IS NULL)),
    CHECK ((extension_until IS NULL) = (extension_reason IS NULL)),
    CHECK ((extension_until IS NULL) = (extension_requested_at IS NULL))
);
CREATE INDEX issues_status ON issues (status, id);
CREATE INDEX issues_grid ON issues (grid_id, id);
CREATE INDEX issues_unit ON issues (unit_id, id);
CREATE INDEX issues_category ON issues (category_id, id);
CREATE INDEX issues_enterprise ON issues (enterprise_id, id);
CREATE INDEX issues_reporter ON issues (reporter_id, id);
-- Overdue scans (Issue::is_overdue) only ever look at issues whose clock runs.
CREATE INDEX issues_open_resolve_due ON issues (resolve_due_at)
    WHERE status IN ('assigned', 'in_progress');
CREATE INDEX issues_open_response_due ON issues (response_due_at)
    WHERE status IN ('assigned', 'in_progress') AND responded_at IS NULL;

-- Each issue's history (gridloop_core::Event), append-only: the trigger below refuses any change.
CREATE TABLE issue_events (
    issue_id    BIGINT NOT NULL REFERENCES issues (id),
    version     BIGINT NOT NULL CHECK (version >= 1),
    kind        TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT REFERENCES users (id),
    from_status TEXT CHECK (from_status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                            'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    to_status   TEXT NOT NULL CHECK (to_status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                                   'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    -- The serialized gridloop_core::Change, tagged by `kind`.
    payload     JSONB NOT NULL,
    PRIMARY KEY (issue_id, version)
);
CREATE INDEX issue_events_at ON issue_events (at);

CREATE FUNCTION issue_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issue_events is append-only: history is never rewritten (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER issue_events_no_update_or_delete BEFORE UPDATE OR DELETE ON issue_events
    FOR EACH ROW EXECUTE FUNCTION issue_events_append_only();
CREATE TRIGGER issue_events_no_truncate BEFORE TRUNCATE ON issue_events
    FOR EACH STATEMENT EXECUTE FUNCTION issue_events_append_only();

-- Idempotency keys of reports: the same reporter sending the same key gets the first issue back.
-- `fingerprint` is a SHA-256 of the request, to tell a retry from a reused key.
CREATE TABLE issue_keys (
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    client_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    issue_id    BIGINT NOT NULL REFERENCES issues (id),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (reporter_id, client_key)
);
