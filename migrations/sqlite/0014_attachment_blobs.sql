-- Attachments' bytes in the database, by their SHA-256, so that several instances on one
-- database need no shared disk and a backup of the database holds every attachment. Many
-- attachment rows may share one blob (the same photo uploaded twice). Files kept under the
-- data folder by earlier versions are moved in at start.
CREATE TABLE attachment_blobs (
    sha256  TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size    INTEGER NOT NULL CHECK (size >= 0),
    bytes   BLOB NOT NULL
);
