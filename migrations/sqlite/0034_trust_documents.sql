-- Trust documents (issue 27): our own audit reports and certificates shared with customers.
-- `trust_documents`: what a document is (title, kind, what it covers, issuer, access level:
-- public, agreement or approval); `trust_versions`: each published file (its bytes are a row of
-- `documents`, vendor_id NULL), kept for the log when a newer one replaces it. The agreement
-- is versioned (`trust_agreements`, its SHA-256 kept): an acceptance points at the exact text.
-- `trust_requests`: who asked for what (the mailed link's token stored hashed, working once);
-- `trust_acceptances`, `trust_accesses` and `trust_downloads` are only ever added to, except
-- that personal data past the retention period is replaced by its hash (`redacted_at`).
CREATE TABLE trust_documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL
        CHECK (kind IN ('soc2', 'iso27001', 'iso27701', 'vpap', 'pentest', 'dpa',
                        'bridge_letter', 'other')),
    covers       TEXT NOT NULL DEFAULT '',
    issuer       TEXT NOT NULL DEFAULT '',
    access       TEXT NOT NULL CHECK (access IN ('public', 'agreement', 'approval')),
    bridges_id   INTEGER REFERENCES trust_documents (id),
    withdrawn_at TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE TABLE trust_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  INTEGER NOT NULL REFERENCES trust_documents (id),
    version      INTEGER NOT NULL,
    stored_id    INTEGER NOT NULL REFERENCES documents (id),
    period_start TEXT,
    period_end   TEXT,
    issued_on    TEXT NOT NULL,
    valid_until  TEXT,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    UNIQUE (document_id, version)
);
CREATE TABLE trust_agreements (
    version    INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE trust_requests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    organisation      TEXT NOT NULL,
    documents         TEXT NOT NULL,
    agreement_version INTEGER NOT NULL REFERENCES trust_agreements (version),
    state             TEXT NOT NULL
        CHECK (state IN ('mailed', 'waiting', 'approved', 'denied', 'open')),
    token_hash        TEXT UNIQUE,
    token_expires_at  TEXT,
    created_at        TEXT NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    user_agent        TEXT NOT NULL DEFAULT '',
    decided_by        TEXT,
    decided_at        TEXT,
    reason            TEXT NOT NULL DEFAULT '',
    redacted_at       TEXT
);
CREATE INDEX trust_requests_state ON trust_requests (state, id);
CREATE TABLE trust_acceptances (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id        INTEGER NOT NULL REFERENCES trust_requests (id),
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    organisation      TEXT NOT NULL,
    accepted_at       TEXT NOT NULL,
    address           TEXT NOT NULL,
    user_agent        TEXT NOT NULL,
    agreement_version INTEGER NOT NULL REFERENCES trust_agreements (version),
    agreement_sha256  TEXT NOT NULL,
    redacted_at       TEXT
);
CREATE TABLE trust_accesses (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         TEXT NOT NULL UNIQUE,
    request_id   INTEGER NOT NULL REFERENCES trust_requests (id),
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    organisation TEXT NOT NULL,
    cookie_hash  TEXT UNIQUE,
    documents    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    revoked_by   TEXT,
    redacted_at  TEXT
);
CREATE TABLE trust_downloads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id   INTEGER NOT NULL REFERENCES trust_documents (id),
    version_id    INTEGER NOT NULL REFERENCES trust_versions (id),
    access_id     INTEGER REFERENCES trust_accesses (id),
    downloaded_at TEXT NOT NULL,
    address       TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    served_sha256 TEXT NOT NULL
);
CREATE INDEX trust_downloads_document ON trust_downloads (document_id, id);
