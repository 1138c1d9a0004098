-- Following each vendor's own published sub-processor list (issue 29). `watched_lists`: the
-- list's URL (`subprocessor_list_url`), how often it is fetched, the validators of the last
-- answer (ETag, Last-Modified) for a conditional request, the SHA-256 of the last bytes read,
-- and the failures in a row with the last error (shown to managers; the digest says so from
-- 3). `watched_fetches`: every fetch (only ever added to), with the bytes' address in the document
-- store. A difference becomes a proposal of kind 'published_list' (the review queue).
CREATE TABLE watched_lists (
    vendor_id     INTEGER PRIMARY KEY REFERENCES vendors (id),
    url           TEXT NOT NULL,
    every_hours   INTEGER NOT NULL DEFAULT 24 CHECK (every_hours BETWEEN 1 AND 2160),
    next_at       TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT,
    checked_at    TEXT,
    ok_at         TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    claimed_until TEXT
);
CREATE INDEX watched_lists_due ON watched_lists (next_at);
CREATE TABLE watched_fetches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id),
    url          TEXT NOT NULL,
    fetched_at   TEXT NOT NULL,
    outcome      TEXT NOT NULL
        CHECK (outcome IN ('changed', 'same', 'not_modified', 'failed')),
    sha256       TEXT,
    bytes        INTEGER,
    content_type TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX watched_fetches_vendor ON watched_fetches (vendor_id, id);
-- a proposal from the watcher beside a contact's; SQLite rebuilds the table (as in 0027)
CREATE TABLE proposals_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id      INTEGER NOT NULL REFERENCES vendors (id),
    kind           TEXT NOT NULL
        CHECK (kind IN ('sub_processor', 'country', 'contact', 'published_list')),
    payload        TEXT NOT NULL,
    effective_on   TEXT,
    record_version INTEGER NOT NULL,
    review_state   TEXT NOT NULL DEFAULT 'pending'
        CHECK (review_state IN ('pending', 'approved', 'changes_requested', 'rejected')),
    submitted_by   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    review_comment TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1
);
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'proposals_new', seq FROM sqlite_sequence WHERE name = 'proposals';
INSERT INTO proposals_new (id, vendor_id, kind, payload, effective_on, record_version,
    review_state, submitted_by, submitted_at, reviewed_by, reviewed_at, review_comment, version)
SELECT id, vendor_id, kind, payload, effective_on, record_version,
    review_state, submitted_by, submitted_at, reviewed_by, reviewed_at, review_comment, version
FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_new RENAME TO proposals;
CREATE INDEX proposals_vendor ON proposals (vendor_id);
CREATE INDEX proposals_review ON proposals (review_state, submitted_at);
