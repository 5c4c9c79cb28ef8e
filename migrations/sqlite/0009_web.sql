-- Web sign-in: a password per user and the sessions of the web pages.
--
-- Keep migrations/postgres/0009_web.sql in step.

-- An argon2id hash in the PHC string format (`$argon2id$v=19$m=…`); NULL means the user cannot
-- sign in to the web pages (API tokens still work).
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- A signed-in browser. Only a SHA-256 of the random cookie value is kept, so a leaked database
-- holds no working session. A session ends at `expires_at` (absolute) or when unused for the
-- idle time the server is configured with (read from `last_seen_at`), or when signed out.
CREATE TABLE web_sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
