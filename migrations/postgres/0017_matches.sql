-- Matches (对接, issue #16): two enterprises introduced to each other, followed to an agreement
-- or a drop. Event-sourced like issues: each step appends a row to `match_steps` and rewrites
-- the `matches` row to the core's fold of the steps, under compare-and-set on `version`.
-- (`match_steps`, not `match_events`: the glossary's MatchEvent is a matchmaking event, 对接会.)
--
-- Keep the other dialect's 0017_matches.sql in step.

-- `a_grid_id` and `b_grid_id` are the enterprises' grids when introduced: who sees a match is
-- decided by them, as for issues. The contract value is in fen (分), 0 to 10^13.
CREATE TABLE matches (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version             BIGINT NOT NULL CHECK (version >= 1),
    status              TEXT NOT NULL CHECK (status IN ('introduced', 'in_talks', 'agreed', 'dropped')),
    a_enterprise_id     BIGINT NOT NULL REFERENCES enterprises (id),
    a_grid_id           BIGINT NOT NULL REFERENCES grids (id),
    b_enterprise_id     BIGINT NOT NULL REFERENCES enterprises (id),
    b_grid_id           BIGINT NOT NULL REFERENCES grids (id),
    need_id             BIGINT REFERENCES listings (id),
    offer_id            BIGINT REFERENCES listings (id),
    introduced_by       BIGINT NOT NULL REFERENCES users (id),
    introduced_at       TIMESTAMPTZ NOT NULL,
    moved_at            TIMESTAMPTZ NOT NULL,
    note                TEXT,
    contract_value_fen  BIGINT CHECK (contract_value_fen BETWEEN 0 AND 10000000000000),
    reason              TEXT,
    CHECK (a_enterprise_id <> b_enterprise_id)
);
CREATE INDEX matches_by_a ON matches (a_enterprise_id);
CREATE INDEX matches_by_b ON matches (b_enterprise_id);
CREATE INDEX matches_by_status ON matches (status, moved_at);

-- One immutable step of a match's history.
CREATE TABLE match_steps (
    match_id    BIGINT NOT NULL REFERENCES matches (id),
    version     BIGINT NOT NULL CHECK (version >= 1),
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    from_status TEXT CHECK (from_status IN ('introduced', 'in_talks', 'agreed', 'dropped')),
    to_status   TEXT NOT NULL CHECK (to_status IN ('introduced', 'in_talks', 'agreed', 'dropped')),
    -- The serialized gridloop_core::chain::MatchChange, tagged by `kind`.
    payload     JSONB NOT NULL,
    PRIMARY KEY (match_id, version)
);
CREATE INDEX match_steps_at ON match_steps (at);
