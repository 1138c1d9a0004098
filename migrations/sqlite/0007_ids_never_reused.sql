-- Ids are never reused. The evidence tables were created without AUTOINCREMENT, so SQLite gave
-- a new record the id of a deleted one with the highest id: a remove or edit form left open for
-- the old record (id=N, version=1) then changed the new one, and audit ids such as
-- acme/training/N named two records. Each table is rebuilt with AUTOINCREMENT, every row kept
-- as it was; the id sequence starts above the highest id that exists or that the audit trail
-- ever named. Dropping the old contracts table deletes its obligations (foreign keys stay on:
-- the migration runs in one transaction, where they cannot be switched off), so they are kept
-- aside and put back once the new table stands.
CREATE TEMP TABLE contract_obligations_kept AS SELECT * FROM contract_obligations;

CREATE TABLE vpap_enrollments_rebuilt (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    enrolled_on TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
INSERT INTO vpap_enrollments_rebuilt (id, vendor_id, enrolled_on, status, version, created_at)
    SELECT id, vendor_id, enrolled_on, status, version, created_at FROM vpap_enrollments;
DROP TABLE vpap_enrollments;
ALTER TABLE vpap_enrollments_rebuilt RENAME TO vpap_enrollments;
CREATE INDEX vpap_enrollments_vendor ON vpap_enrollments (vendor_id, enrolled_on);
DELETE FROM sqlite_sequence WHERE name = 'vpap_enrollments';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'vpap_enrollments', MAX(seq) FROM (
        SELECT COALESCE(MAX(id), 0) AS seq FROM vpap_enrollments
        UNION ALL
        SELECT COALESCE(MAX(CAST(replace(entity_id, rtrim(entity_id, '0123456789'), '') AS INTEGER)), 0)
            FROM audit_log WHERE entity = 'enrollment'
    );

CREATE TABLE attestations_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    submitted_on TEXT NOT NULL,
    approved_on  TEXT,
    approved_by  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('pending', 'approved', 'rejected')),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
INSERT INTO attestations_rebuilt (id, vendor_id, submitted_on, approved_on, approved_by, outcome, version, created_at)
    SELECT id, vendor_id, submitted_on, approved_on, approved_by, outcome, version, created_at FROM attestations;
DROP TABLE attestations;
ALTER TABLE attestations_rebuilt RENAME TO attestations;
CREATE INDEX attestations_vendor ON attestations (vendor_id);
DELETE FROM sqlite_sequence WHERE name = 'attestations';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'attestations', MAX(seq) FROM (
        SELECT COALESCE(MAX(id), 0) AS seq FROM attestations
        UNION ALL
        SELECT COALESCE(MAX(CAST(replace(entity_id, rtrim(entity_id, '0123456789'), '') AS INTEGER)), 0)
            FROM audit_log WHERE entity = 'attestation'
    );

CREATE TABLE assessments_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('iso27001', 'iso27701', 'soc2_type2', 'program')),
    assessor     TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    issued_on    TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
INSERT INTO assessments_rebuilt (id, vendor_id, kind, assessor, period_start, period_end, issued_on, valid_until, version, created_at)
    SELECT id, vendor_id, kind, assessor, period_start, period_end, issued_on, valid_until, version, created_at FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_rebuilt RENAME TO assessments;
CREATE INDEX assessments_vendor ON assessments (vendor_id);
DELETE FROM sqlite_sequence WHERE name = 'assessments';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'assessments', MAX(seq) FROM (
        SELECT COALESCE(MAX(id), 0) AS seq FROM assessments
        UNION ALL
        SELECT COALESCE(MAX(CAST(replace(entity_id, rtrim(entity_id, '0123456789'), '') AS INTEGER)), 0)
            FROM audit_log WHERE entity = 'assessment'
    );

CREATE TABLE training_records_rebuilt (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    person_name  TEXT NOT NULL,
    person_email TEXT NOT NULL,
    course_id    INTEGER NOT NULL REFERENCES training_courses (id),
    completed_on TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
INSERT INTO training_records_rebuilt (id, vendor_id, person_name, person_email, course_id, completed_on, expires_on, version, created_at)
    SELECT id, vendor_id, person_name, person_email, course_id, completed_on, expires_on, version, created_at FROM training_records;
DROP TABLE training_records;
ALTER TABLE training_records_rebuilt RENAME TO training_records;
CREATE INDEX training_records_vendor ON training_records (vendor_id, person_email);
DELETE FROM sqlite_sequence WHERE name = 'training_records';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'training_records', MAX(seq) FROM (
        SELECT COALESCE(MAX(id), 0) AS seq FROM training_records
        UNION ALL
        SELECT COALESCE(MAX(CAST(replace(entity_id, rtrim(entity_id, '0123456789'), '') AS INTEGER)), 0)
            FROM audit_log WHERE entity = 'training'
    );

CREATE TABLE contracts_rebuilt (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id     INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('msa', 'dpa', 'sccs', 'nda')),
    reference     TEXT NOT NULL,
    signed_on     TEXT NOT NULL,
    in_force_from TEXT NOT NULL,
    ends_on       TEXT,
    auto_renew    INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
    notice_days   INTEGER NOT NULL DEFAULT 0 CHECK (notice_days >= 0),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);
INSERT INTO contracts_rebuilt (id, vendor_id, kind, reference, signed_on, in_force_from, ends_on, auto_renew, notice_days, version, created_at)
    SELECT id, vendor_id, kind, reference, signed_on, in_force_from, ends_on, auto_renew, notice_days, version, created_at FROM contracts;
DROP TABLE contracts;
ALTER TABLE contracts_rebuilt RENAME TO contracts;
CREATE INDEX contracts_vendor ON contracts (vendor_id);
DELETE FROM sqlite_sequence WHERE name = 'contracts';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'contracts', MAX(seq) FROM (
        SELECT COALESCE(MAX(id), 0) AS seq FROM contracts
        UNION ALL
        SELECT COALESCE(MAX(CAST(replace(entity_id, rtrim(entity_id, '0123456789'), '') AS INTEGER)), 0)
            FROM audit_log WHERE entity = 'contract'
    );

INSERT INTO contract_obligations (contract_id, obligation_code, hours)
    SELECT contract_id, obligation_code, hours FROM contract_obligations_kept;
DROP TABLE contract_obligations_kept;
