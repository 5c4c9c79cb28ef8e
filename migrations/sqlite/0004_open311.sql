-- What an Open311 client sent with a service request besides the problem itself: where it is,
-- a picture's address, and who to reach. One row per issue reported through Open311, written in
-- the same transaction as the issue. Contact details are personal data: never logged unmasked,
-- never shown by the public Open311 reads.
--
-- Keep migrations/postgres/0004_open311.sql in step.
CREATE TABLE open311_requests (
    issue_id       INTEGER PRIMARY KEY REFERENCES issues (id),
    lat            REAL CHECK (lat BETWEEN -90 AND 90),
    long           REAL CHECK (long BETWEEN -180 AND 180),
    address_string TEXT,
    address_id     TEXT,
    email          TEXT,
    first_name     TEXT,
    last_name      TEXT,
    phone          TEXT,
    media_url      TEXT,
    CHECK ((lat IS NULL) = (long IS NULL)),
    CHECK (lat IS NOT NULL OR address_string IS NOT NULL OR address_id IS NOT NULL)
);

-- Open311's GET requests filters by source and by when a request was made.
CREATE INDEX issues_source ON issues (source, id);
CREATE INDEX issues_created ON issues (created_at);
