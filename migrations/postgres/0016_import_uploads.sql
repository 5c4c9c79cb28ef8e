-- Files uploaded for an import on the web, kept between the dry run the admin reads and the
-- confirmation that writes them: in the database, so that the confirmation may reach any
-- instance behind the proxy. One per admin (a new upload replaces it), dropped once taken or
-- after 15 minutes.
CREATE TABLE import_uploads (
    key      TEXT PRIMARY KEY CHECK (length(key) = 64),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    name     TEXT NOT NULL,
    bytes    BYTEA NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_uploads_user ON import_uploads (user_id);
