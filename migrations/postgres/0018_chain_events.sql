-- Matchmaking events (对接会, issue #16), called meetings in code: planned for a day and time,
-- a place and a theme, aimed at stages and tags; enterprises invited, told, and their
-- attendance recorded.
--
-- Keep the other dialect's 0018_chain_events.sql in step.

-- One meeting. `grid_id` is the grid a commissioner planned it for (its scope); NULL for a
-- park-wide meeting planned by a dispatcher or admin. `status` is planned, held or cancelled.
CREATE TABLE chain_meetings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at     TIMESTAMPTZ NOT NULL,
    place         TEXT NOT NULL,
    theme         TEXT NOT NULL,
    capacity      BIGINT NOT NULL CHECK (capacity > 0),
    grid_id       BIGINT REFERENCES grids (id),
    status        TEXT NOT NULL DEFAULT 'planned'
                  CHECK (status IN ('planned', 'held', 'cancelled')),
    planned_by    BIGINT NOT NULL REFERENCES users (id),
    planned_at    TIMESTAMPTZ NOT NULL,
    closed_by     BIGINT REFERENCES users (id),
    closed_at     TIMESTAMPTZ,
    cancel_reason TEXT
);
CREATE INDEX chain_meetings_by_start ON chain_meetings (starts_at);

-- The stages a meeting is aimed at.
CREATE TABLE meeting_stages (
    meeting_id BIGINT NOT NULL REFERENCES chain_meetings (id),
    stage_id   BIGINT NOT NULL REFERENCES chain_stages (id),
    PRIMARY KEY (meeting_id, stage_id)
);

-- The tags a meeting is aimed at (lowercased, one form, as enterprises' tags).
CREATE TABLE meeting_tags (
    meeting_id BIGINT NOT NULL REFERENCES chain_meetings (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (meeting_id, tag)
);

-- One enterprise invited to one meeting, once: when its users were told (`notified_at`, NULL
-- until the invitations are sent) and whether it came (`attended`, NULL until recorded). The
-- id names one attendance where a count needs one thing per row (the weekly report's facts).
CREATE TABLE meeting_invitations (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id    BIGINT NOT NULL REFERENCES chain_meetings (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    invited_by    BIGINT NOT NULL REFERENCES users (id),
    invited_at    TIMESTAMPTZ NOT NULL,
    notified_at   TIMESTAMPTZ,
    attended      BOOLEAN,
    recorded_by   BIGINT REFERENCES users (id),
    recorded_at   TIMESTAMPTZ,
    UNIQUE (meeting_id, enterprise_id)
);
CREATE INDEX meeting_invitations_by_enterprise ON meeting_invitations (enterprise_id);
