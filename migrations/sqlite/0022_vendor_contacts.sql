-- The vendor portal's first part (issue 26): a vendor's own contacts, the sign-in links
-- mailed to them and the sessions those links open. A contact has no password: a manager
-- invites it, the mail carries a link (256 random bits, stored as its SHA-256, used once,
-- good for 7 days) whose page shows a Continue button; only the button's POST opens a
-- session, scoped to the contact's one vendor. Timestamps are RFC 3339 UTC text.
CREATE TABLE vendor_contacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    -- the address as given, and the mailbox it reaches (`Email::mailbox`): one contact per
    -- mailbox and vendor
    email       TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    -- what the contact answers for: 'privacy', 'security', 'training', space separated
    answers_for TEXT NOT NULL DEFAULT '',
    -- a disabled contact has no session and gets no link
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (vendor_id, mailbox)
);
CREATE INDEX vendor_contacts_mailbox ON vendor_contacts (mailbox);

CREATE TABLE vendor_contact_links (
    token_hash TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES vendor_contacts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX vendor_contact_links_contact ON vendor_contact_links (contact_id);

CREATE TABLE vendor_sessions (
    token_hash   TEXT PRIMARY KEY,
    contact_id   INTEGER NOT NULL REFERENCES vendor_contacts (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vendor_sessions_contact ON vendor_sessions (contact_id);
