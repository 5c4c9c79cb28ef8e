-- Sign-in attempts: what the web sign-in throttle remembers, shared by every instance.
--
-- Keep migrations/sqlite/0011_sign_in_attempts.sql in step.
--
-- One row per counted key: a login tried from a client address (`login` is the login typed,
-- lower-cased, or `?` for anything that is no valid login), and the address whatever the
-- login (`login` is empty). An IPv6 address is counted by its /64, the block one host gets.
-- Instants are Unix milliseconds in an integer, so that the throttle's one statement does the
-- same arithmetic on both dialects.
CREATE TABLE sign_in_attempts (
    address   TEXT NOT NULL,
    login     TEXT NOT NULL,
    -- Tries let through since the count was last forgotten, each counted as a failure until a
    -- success clears it.
    failures  BIGINT NOT NULL,
    -- How long after `last_at` the next try must wait: 0 while failures are free, then
    -- doubling with each failure up to the configured cap.
    wait_ms   BIGINT NOT NULL,
    -- When the last try was let through. The failures are forgotten, and the row may be pruned,
    -- once the configured window has passed since then.
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (address, login)
);
CREATE INDEX sign_in_attempts_last ON sign_in_attempts (last_at);
