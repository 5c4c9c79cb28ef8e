-- Working calendars as managed data (issue #14): per region and year, the time zone, the working
-- hours of each weekday, the public holidays and make-up working days, and every change to them.
-- Seeded on first start from the years built into the binary and config/calendars/*.toml; from
-- then on the database is what every instance reads.
--
-- Keep the other dialect's 0013_calendars.sql in step.

-- One row per region and year. `hours`: WorkingHours' table form ({"mon": ["09:00-12:00", …]}).
-- `version` grows by one with every change to the year or its days.
CREATE TABLE calendar_years (
    region     TEXT NOT NULL,
    year       INTEGER NOT NULL,
    time_zone  TEXT NOT NULL,
    hours      jsonb NOT NULL,
    source     TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (region, year)
);

-- The days of a year that depart from its weekly hours. `day` is YYYY-MM-DD in the year.
-- 'holiday': no working time; 'workday': a make-up working day worked with the hours of
-- `works_as` (mon … sun).
CREATE TABLE calendar_days (
    region   TEXT NOT NULL,
    year     INTEGER NOT NULL,
    day      TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name     TEXT NOT NULL,
    works_as TEXT CHECK (works_as IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    PRIMARY KEY (region, day),
    FOREIGN KEY (region, year) REFERENCES calendar_years (region, year) ON DELETE CASCADE
);

-- The audit trail: who changed what and when, with the state before and after (JSON; `null` for
-- the state before a year was first stored). `day` is NULL for a change to a whole year (a seed or an import).
-- `actor_id` is NULL for the seeding at start; `actor` is the login, or 'seed'.
CREATE TABLE calendar_changes (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region   TEXT NOT NULL,
    year     INTEGER NOT NULL,
    day      TEXT,
    action   TEXT NOT NULL CHECK (action IN ('seed', 'import', 'set')),
    actor_id BIGINT REFERENCES users (id),
    actor    TEXT NOT NULL,
    note     TEXT,
    before   jsonb,
    after    jsonb,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX calendar_changes_by_year ON calendar_changes (region, year, id);
