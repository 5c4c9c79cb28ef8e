-- The notification outbox: one row per message to one recipient on one channel, written in the
-- same transaction as the event that causes it, delivered later by the notifier's workers.
--
-- Keep migrations/postgres/0006_outbox.sql in step.
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_id     INTEGER REFERENCES users (id),
    -- The email address or E.164 phone number, as it was when the row was written.
    address          TEXT NOT NULL,
    locale           TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    template         TEXT NOT NULL,
    params           TEXT NOT NULL CHECK (json_valid(params)),
    -- Higher first; escalations of level 2 and above are urgent and skip quiet hours.
    priority         INTEGER NOT NULL DEFAULT 0,
    -- What makes two rows the same message (the event, the timer, the recipient, the channel):
    -- a retried transaction or a re-fired timer never writes a second copy.
    dedupe_key       TEXT NOT NULL UNIQUE,
    issue_id         INTEGER REFERENCES issues (id),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed',
                                                    'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Quiet hours: not before this instant.
    not_before       TEXT,
    next_attempt_at  TEXT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    provider_id      TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    delivered_at     TEXT,
    CHECK ((state = 'sending') = (lease_owner IS NOT NULL))
);
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notifications_sending ON notifications (lease_expires_at) WHERE state = 'sending';
CREATE INDEX notifications_state ON notifications (state, id);
CREATE INDEX notifications_recipient ON notifications (recipient_id, sent_at);

-- Routing finds an audience by role.
CREATE INDEX user_roles_role ON user_roles (role, user_id);

-- Which channels a user wants for a kind of notification, overriding their role's defaults.
CREATE TABLE notification_prefs (
    user_id  INTEGER NOT NULL REFERENCES users (id),
    kind     TEXT NOT NULL,
    channels TEXT NOT NULL CHECK (json_valid(channels)),
    PRIMARY KEY (user_id, kind)
);

-- Delivery reports received, so a report the gateway sends twice changes nothing twice.
CREATE TABLE notification_dlrs (
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    status          INTEGER NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (notification_id, status)
);
