-- Proposals of a new country and of a new contact (issue 26) beside a new sub-processor.
-- SQLite cannot widen a CHECK in place: the table is rebuilt with its ids, its id sequence
-- (an id is never reused) and its indexes.
CREATE TABLE proposals_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id      INTEGER NOT NULL REFERENCES vendors (id),
    kind           TEXT NOT NULL CHECK (kind IN ('sub_processor', 'country', 'contact')),
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
