-- Frozen copies of the weekly reports as they were sent.
--
-- Keep migrations/postgres/0008_reports.sql in step.

-- One report of one period for one scope (`park`, `unit:3`, `grid:2`), written once by the
-- weekly job in the transaction that queues its emails. `document` is the report's JSON, kept
-- as text so that what was sent is what is shown again, byte for byte, whatever changes later.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    period      TEXT NOT NULL,
    period_from TEXT NOT NULL,
    scope       TEXT NOT NULL,
    scope_name  TEXT NOT NULL,
    locale      TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    document    TEXT NOT NULL CHECK (json_valid(document)),
    created_at  TEXT NOT NULL,
    UNIQUE (period, scope)
);
CREATE INDEX reports_recent ON reports (period_from, id);
