-- The VPAP attestation questionnaire and the attestations vendors' contacts sign (issue 26).
-- A questionnaire version is a draft (admins edit it) until published; a published one is
-- frozen (the triggers below refuse to change or delete it), so every answer points at the
-- exact text answered. `body` is the questionnaire's JSON, `sha256` the SHA-256 of it (set on
-- publishing).
CREATE TABLE questionnaires (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    number       INTEGER NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    sha256       TEXT,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    edited_by    TEXT NOT NULL,
    edited_at    TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT,
    version      INTEGER NOT NULL DEFAULT 1
);
-- at most one draft at a time
CREATE UNIQUE INDEX questionnaires_one_draft ON questionnaires (state) WHERE state = 'draft';
CREATE TRIGGER questionnaires_frozen BEFORE UPDATE ON questionnaires
    WHEN OLD.state = 'published' BEGIN
    SELECT RAISE(ABORT, 'a published questionnaire is frozen');
END;
CREATE TRIGGER questionnaires_kept BEFORE DELETE ON questionnaires
    WHEN OLD.state = 'published' BEGIN
    SELECT RAISE(ABORT, 'a published questionnaire is kept');
END;

-- Attestations keep their record and their outcome; the portal's review extends them: a
-- fourth outcome ('changes_requested'), the questionnaire answered (and its SHA-256 at
-- signing), the typed signature with its time and address, who submitted it, and the
-- reviewer's decision. Rows entered by managers have no questionnaire and read as before:
-- their outcome is what the manager chose, their reviewer the approver. SQLite cannot widen
-- a CHECK in place: the table is rebuilt, its ids, triggers and indexes kept.
CREATE TABLE attestations_rebuilt (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id            INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    submitted_on         TEXT NOT NULL,
    approved_on          TEXT,
    approved_by          TEXT,
    outcome              TEXT NOT NULL
        CHECK (outcome IN ('pending', 'approved', 'changes_requested', 'rejected')),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    questionnaire_id     INTEGER REFERENCES questionnaires (id),
    questionnaire_sha256 TEXT,
    signed_name          TEXT,
    signed_at            TEXT,
    signed_from          TEXT,
    submitted_by         TEXT,
    reviewed_by          TEXT,
    reviewed_at          TEXT,
    review_comment       TEXT NOT NULL DEFAULT ''
);
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'attestations_rebuilt', seq FROM sqlite_sequence WHERE name = 'attestations';
INSERT INTO attestations_rebuilt (id, vendor_id, submitted_on, approved_on, approved_by, outcome, version, created_at)
    SELECT id, vendor_id, submitted_on, approved_on, approved_by, outcome, version, created_at FROM attestations;
DROP TABLE attestations;
ALTER TABLE attestations_rebuilt RENAME TO attestations;
CREATE INDEX attestations_vendor ON attestations (vendor_id);
CREATE INDEX attestations_created ON attestations (created_at);
CREATE INDEX attestations_review ON attestations (outcome, created_at);
CREATE TRIGGER attestations_stale_ins AFTER INSERT ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER attestations_stale_upd AFTER UPDATE ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER attestations_stale_del AFTER DELETE ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;

-- A signed attestation's answers, one per statement of its questionnaire, with the
-- document a "yes" rests on and the reviewer's comment on the answer.
CREATE TABLE attestation_answers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    attestation_id INTEGER NOT NULL REFERENCES attestations (id) ON DELETE CASCADE,
    question_key   TEXT NOT NULL,
    answer         TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'not_applicable')),
    explanation    TEXT NOT NULL DEFAULT '',
    document_id    INTEGER REFERENCES documents (id),
    review_comment TEXT NOT NULL DEFAULT '',
    UNIQUE (attestation_id, question_key)
);
