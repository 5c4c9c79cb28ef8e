-- The notification outbox: one row per message to one recipient on one channel, written in the
-- same transaction as the event that causes it, delivered later by the notifier's workers.
--
-- Keep migrations/sqlite/0006_outbox.sql in step.
CREATE TABLE notifications (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_id     BIGINT REFERENCES users (id),
    -- The email address or E.164 phone number, as it was when the row was written.
    address          TEXT NOT NULL,
    locale           TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    template         TEXT NOT NULL,
    params           jsonb NOT NULL,
    -- Higher first; escalations of level 2 and above are urgent and skip quiet hours.
    priority         BIGINT NOT NULL DEFAULT 0,
    -- What makes two rows the same message (the event, the timer, the recipient, the channel):
    -- a retried transaction or a re-fired timer never writes a second copy.
    dedupe_key       TEXT NOT NULL UNIQUE,
    issue_id         BIGINT REFERENCES issues (id),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed',
                                                    'dead')),
    attempts         BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Quiet hours: not before this instant.
    not_before       timestamptz,
    next_attempt_at  timestamptz NOT NULL,
    lease_owner      TEXT,
    lease_expires_at timestamptz,
    provider_id      TEXT,
    last_error       TEXT,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    delivered_at     timestamptz,
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
    user_id  BIGINT NOT NULL REFERENCES users (id),
    kind     TEXT NOT NULL,
    channels jsonb NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Delivery reports received, so a report the gateway sends twice changes nothing twice.
CREATE TABLE notification_dlrs (
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    status          BIGINT NOT NULL,
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (notification_id, status)
);
