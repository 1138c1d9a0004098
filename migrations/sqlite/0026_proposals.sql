-- Changes a vendor's contact proposes to its record (issue 26): for now a new sub-processor.
-- `payload` is the change as the editor's form would send it (JSON); `record_version` the
-- vendor's version it was proposed against: if the record changed since, accepting it is
-- refused (the review shows the conflict), never overwriting. Reviewed like any submission.
CREATE TABLE proposals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id      INTEGER NOT NULL REFERENCES vendors (id),
    kind           TEXT NOT NULL CHECK (kind IN ('sub_processor')),
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
CREATE INDEX proposals_vendor ON proposals (vendor_id);
CREATE INDEX proposals_review ON proposals (review_state, submitted_at);
