-- Files attached to issues: photos of the problem before and after the fix, PDFs. The bytes
-- live on disk under the data folder, named by their SHA-256, so identical uploads share one
-- file; each upload is a row of its own. Attachments are not issue events: the core's history
-- has no attachment step, so adding one neither bumps the issue's version nor shows in its
-- event list.
CREATE TABLE attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id      BIGINT NOT NULL REFERENCES issues (id),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    content_type  TEXT NOT NULL CHECK (length(content_type) > 0),
    size          BIGINT NOT NULL CHECK (size >= 0),
    filename      TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    kind          TEXT CHECK (kind IN ('before', 'after')),
    note          TEXT,
    uploaded_by   BIGINT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_issue ON attachments (issue_id, id);
CREATE INDEX attachments_sha256 ON attachments (sha256);
