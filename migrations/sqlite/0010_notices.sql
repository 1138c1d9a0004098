-- Telling customers (GDPR Art. 28(2)): subscriptions with double opt-in, their webhook
-- endpoints, one outbox of deliveries, objections to upcoming changes, and the managers'
-- daily reminders.

-- One subscription per address. Its filters are service slugs and data category codes,
-- space-separated (empty: everything). pending until confirmed; unsubscribed stays a row.
CREATE TABLE subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,
    organisation    TEXT,
    services        TEXT NOT NULL DEFAULT '',
    categories      TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    created_at      TEXT NOT NULL,
    confirmed_at    TEXT,
    unsubscribed_at TEXT,
    -- confirmation mails sent today (UTC), at most 3 a day per address
    mails_day       TEXT NOT NULL DEFAULT '',
    mails_that_day  INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1
);

-- Tokens of a subscription, stored as SHA-256: 'access' tokens (in every mail's unsubscribe,
-- manage and objection links; good as long as the subscription) and 'confirm' tokens
-- (7 days). A mail gets a fresh token when it is sent, so none is ever stored in the clear.
CREATE TABLE subscription_tokens (
    token_hash      TEXT PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('access', 'confirm')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT
);
CREATE INDEX subscription_tokens_subscription ON subscription_tokens (subscription_id, kind);

-- Webhook endpoints of a confirmed subscriber (Standard Webhooks). The signing secret is
-- kept to sign with; it is shown to the subscriber once.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_subscription ON webhook_endpoints (subscription_id);

-- A change event to tell subscribers of, written with the event; the worker turns it into
-- deliveries in batches, moving the cursor in the same transaction as each batch, so a crash
-- between batches loses nothing and repeats nothing.
CREATE TABLE fanouts (
    change_event_id INTEGER PRIMARY KEY REFERENCES change_events (id),
    next_subscription_id INTEGER NOT NULL DEFAULT 0,
    done            INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_at      TEXT NOT NULL
);
CREATE INDEX fanouts_pending ON fanouts (done, change_event_id);

-- The outbox: one row per message to send (a mail or a webhook call). Never deleted: marked
-- sent, failed or skipped (its subscription ended first). A row is claimed by one worker at a time until claimed_until.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL CHECK (channel IN ('mail', 'webhook')),
    purpose         TEXT NOT NULL,
    -- the same message (change, recipient, channel) is written once
    dedup_key       TEXT NOT NULL UNIQUE,
    change_event_id INTEGER REFERENCES change_events (id),
    subscription_id INTEGER REFERENCES subscriptions (id),
    endpoint_id     INTEGER REFERENCES webhook_endpoints (id),
    recipient       TEXT NOT NULL,
    -- what to send (JSON): rendered when sent, from the data named here
    payload         TEXT NOT NULL,
    -- Standard Webhooks message id: the same on every retry
    message_id      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_due_at    TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_change ON deliveries (change_event_id);

-- An objection of a subscriber to an upcoming change, and every later step, append-only.
CREATE TABLE objections (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    change_event_id INTEGER NOT NULL REFERENCES change_events (id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    email           TEXT NOT NULL,
    organisation    TEXT,
    contact         TEXT,
    reason          TEXT NOT NULL,
    received_at     TEXT NOT NULL
);
CREATE INDEX objections_change ON objections (change_event_id);
CREATE TABLE objection_steps (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    objection_id INTEGER NOT NULL REFERENCES objections (id),
    step         TEXT NOT NULL CHECK (step IN ('received', 'acknowledged', 'resolved')),
    outcome      TEXT CHECK (outcome IS NULL OR outcome IN ('change_withdrawn', 'change_kept', 'customer_terminates')),
    response     TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL,
    occurred_at  TEXT NOT NULL
);
CREATE INDEX objection_steps_objection ON objection_steps (objection_id, id);
CREATE TRIGGER objections_no_update BEFORE UPDATE ON objections
BEGIN
    SELECT RAISE(ABORT, 'objections are append-only');
END;
CREATE TRIGGER objections_no_delete BEFORE DELETE ON objections
BEGIN
    SELECT RAISE(ABORT, 'objections are append-only');
END;
CREATE TRIGGER objection_steps_no_update BEFORE UPDATE ON objection_steps
BEGIN
    SELECT RAISE(ABORT, 'objection steps are append-only');
END;
CREATE TRIGGER objection_steps_no_delete BEFORE DELETE ON objection_steps
BEGIN
    SELECT RAISE(ABORT, 'objection steps are append-only');
END;

-- The managers' daily digest of what lapses: one row per day, written by whichever instance
-- gets there first, so it goes out once.
CREATE TABLE reminder_digests (
    day        TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
-- A manager or admin can stop the digest.
ALTER TABLE users ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1));
