-- gridloop schema, SQLite dialect.
--
-- Append-only: never edit a migration that has shipped; change the schema in a new file.
-- Keep migrations/postgres/0001_init.sql in step: same tables, columns and constraints.
--
-- Types: ids are INTEGER PRIMARY KEY (the rowid); timestamps are TEXT in RFC 3339 UTC as sqlx's
-- chrono encoding writes them (`2026-03-02T01:00:00+00:00`, microseconds at most), which sort and
-- compare as text in time order; event payloads are JSON TEXT; booleans are 0/1.

CREATE TABLE chains (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE grids (
    id       INTEGER PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    chain_id INTEGER NOT NULL REFERENCES chains (id)
);
CREATE INDEX grids_chain ON grids (chain_id);

CREATE TABLE posts (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES grids (id)
);
CREATE INDEX posts_grid ON posts (grid_id);

CREATE TABLE enterprises (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES grids (id),
    address TEXT
);
CREATE INDEX enterprises_grid ON enterprises (grid_id);

CREATE TABLE units (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE categories (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    default_unit_id INTEGER REFERENCES units (id)
);

CREATE TABLE category_slas (
    category_id      INTEGER NOT NULL REFERENCES categories (id),
    priority         TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    response_minutes INTEGER NOT NULL CHECK (response_minutes > 0),
    resolve_minutes  INTEGER NOT NULL CHECK (resolve_minutes >= response_minutes),
    PRIMARY KEY (category_id, priority)
);

CREATE TABLE users (
    id     INTEGER PRIMARY KEY,
    login  TEXT NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    phone  TEXT,
    email  TEXT,
    locale TEXT NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('post_member', 'commissioner', 'dispatcher', 'unit_member',
                                          'unit_head', 'supervisor', 'admin', 'enterprise')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_posts (
    user_id INTEGER NOT NULL REFERENCES users (id),
    post_id INTEGER NOT NULL REFERENCES posts (id),
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX user_posts_post ON user_posts (post_id);

CREATE TABLE user_units (
    user_id INTEGER NOT NULL REFERENCES users (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);
CREATE INDEX user_units_unit ON user_units (unit_id);

CREATE TABLE user_grids (
    user_id INTEGER NOT NULL REFERENCES users (id),
    grid_id INTEGER NOT NULL REFERENCES grids (id),
    PRIMARY KEY (user_id, grid_id)
);
CREATE INDEX user_grids_grid ON user_grids (grid_id);

CREATE TABLE user_enterprises (
    user_id       INTEGER NOT NULL REFERENCES users (id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (user_id, enterprise_id)
);
CREATE INDEX user_enterprises_enterprise ON user_enterprises (enterprise_id);

-- The projection of each issue's events (gridloop_core::Issue). Written only together with the
-- event that produced it, under compare-and-set on `version`.
CREATE TABLE issues (
    -- AUTOINCREMENT: an id is never handed out twice, even after a rolled-back insert of the
    -- highest one, so a client that saw an id never sees it name another issue.
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    version                INTEGER NOT NULL CHECK (version >= 1),
    status                 TEXT NOT NULL CHECK (status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                                           'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL,
    category_id            INTEGER NOT NULL REFERENCES categories (id),
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    grid_id                INTEGER NOT NULL REFERENCES grids (id),
    enterprise_id          INTEGER NOT NULL REFERENCES enterprises (id),
    reporter_id            INTEGER REFERENCES users (id),
    source                 TEXT NOT NULL CHECK (source IN ('cli', 'api', 'web', 'open311', 'visit')),
    unit_id                INTEGER REFERENCES units (id),
    sla_response_minutes   INTEGER CHECK (sla_response_minutes > 0),
    sla_resolve_minutes    INTEGER CHECK (sla_resolve_minutes >= sla_response_minutes),
    assigned_at            TEXT,
    response_due_at        TEXT,
    resolve_due_at         TEXT,
    responded_at           TEXT,
    resolved_at            TEXT,
    closed_at              TEXT,
    held_since             TEXT,
    held_minutes           INTEGER NOT NULL DEFAULT 0 CHECK (held_minutes >= 0),
    escalation_level       INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 255),
    rework_count           INTEGER NOT NULL DEFAULT 0 CHECK (rework_count >= 0),
    return_count           INTEGER NOT NULL DEFAULT 0 CHECK (return_count >= 0),
    resolution             TEXT,
    satisfaction           INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    verifier_id            INTEGER REFERENCES users (id),
    duplicate_of           INTEGER REFERENCES issues (id),
    -- The pending extension request (gridloop_core::ExtensionRequest), all or nothing.
    extension_until        TEXT,
    extension_reason       TEXT,
    extension_requested_by INTEGER REFERENCES users (id),
    extension_requested_at TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
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

-- Each issue's history (gridloop_core::Event), append-only: the triggers below refuse any change.
CREATE TABLE issue_events (
    issue_id    INTEGER NOT NULL REFERENCES issues (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    from_status TEXT CHECK (from_status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                            'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    to_status   TEXT NOT NULL CHECK (to_status IN ('reported', 'accepted', 'assigned', 'in_progress',
                                                   'on_hold', 'resolved', 'closed', 'rejected', 'duplicate')),
    -- The serialized gridloop_core::Change, tagged by `kind`.
    payload     TEXT NOT NULL CHECK (json_valid(payload)),
    PRIMARY KEY (issue_id, version)
);
CREATE INDEX issue_events_at ON issue_events (at);

CREATE TRIGGER issue_events_no_update BEFORE UPDATE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'issue_events is append-only: history is never rewritten');
END;

CREATE TRIGGER issue_events_no_delete BEFORE DELETE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'issue_events is append-only: history is never rewritten');
END;

-- Idempotency keys of reports: the same reporter sending the same key gets the first issue back.
-- `fingerprint` is a SHA-256 of the request, to tell a retry from a reused key.
CREATE TABLE issue_keys (
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    client_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    issue_id    INTEGER NOT NULL REFERENCES issues (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (reporter_id, client_key)
);
