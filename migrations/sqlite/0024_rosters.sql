-- Training rosters submitted by vendors' contacts (issue 26): the people with access, the
-- course each completed and when, waiting for review like an assessment ('pending',
-- 'approved', 'changes_requested', 'rejected'). On approval the roster becomes the vendor's
-- training records: people added or with a newer completion get a record, people no longer
-- listed have their records end. The rows hold vendor staff's names and addresses.
CREATE TABLE roster_submissions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id      INTEGER NOT NULL REFERENCES vendors (id),
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    review_state   TEXT NOT NULL DEFAULT 'pending'
        CHECK (review_state IN ('pending', 'approved', 'changes_requested', 'rejected')),
    submitted_by   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    review_comment TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX roster_submissions_vendor ON roster_submissions (vendor_id);
CREATE INDEX roster_submissions_review ON roster_submissions (review_state, submitted_at);

CREATE TABLE roster_rows (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id INTEGER NOT NULL REFERENCES roster_submissions (id),
    person_name   TEXT NOT NULL,
    person_email  TEXT NOT NULL,
    course        TEXT NOT NULL,
    completed_on  TEXT NOT NULL,
    expires_on    TEXT NOT NULL
);
CREATE INDEX roster_rows_submission ON roster_rows (submission_id);
