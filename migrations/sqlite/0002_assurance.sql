-- Vendor assurance evidence: VPAP enrollment history, attestations, independent assessments,
-- training records, contracts and the obligations they carry. Compliance is computed from
-- these rows on each read; nothing here stores a verdict.

CREATE TABLE vpap_enrollments (
    id          INTEGER PRIMARY KEY,
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    enrolled_on TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE INDEX vpap_enrollments_vendor ON vpap_enrollments (vendor_id, enrolled_on);

CREATE TABLE attestations (
    id           INTEGER PRIMARY KEY,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    submitted_on TEXT NOT NULL,
    approved_on  TEXT,
    approved_by  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('pending', 'approved', 'rejected')),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX attestations_vendor ON attestations (vendor_id);

CREATE TABLE assessments (
    id           INTEGER PRIMARY KEY,
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
CREATE INDEX assessments_vendor ON assessments (vendor_id);

-- Courses set how long their training holds (12 months unless a course says otherwise).
CREATE TABLE training_courses (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    validity_months INTEGER NOT NULL DEFAULT 12 CHECK (validity_months > 0)
);
INSERT INTO training_courses (name, validity_months) VALUES
    ('Privacy essentials for vendors', 12),
    ('Handling customer data in our facilities', 12),
    ('Security awareness', 24);

CREATE TABLE training_records (
    id           INTEGER PRIMARY KEY,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    person_name  TEXT NOT NULL,
    person_email TEXT NOT NULL,
    course_id    INTEGER NOT NULL REFERENCES training_courses (id),
    completed_on TEXT NOT NULL,
    expires_on   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX training_records_vendor ON training_records (vendor_id, person_email);

CREATE TABLE contracts (
    id            INTEGER PRIMARY KEY,
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
CREATE INDEX contracts_vendor ON contracts (vendor_id);

-- The obligation catalogue; codes match the app's Obligation enum.
CREATE TABLE obligations (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO obligations (code, name, description) VALUES
    ('purpose_limitation', 'Purpose limitation', 'Customer data is used only to deliver the contracted service.'),
    ('confidentiality', 'Confidentiality', 'People with access are bound to confidentiality.'),
    ('our_privacy_standards', 'Our privacy standards', 'Follows our privacy standards for vendors working in our facilities or on our equipment.'),
    ('equivalent_privacy_standards', 'Equivalent privacy standards', 'Keeps privacy standards equivalent to ours in its own facilities.'),
    ('privacy_training', 'Regular privacy training', 'People with access complete privacy training regularly.'),
    ('vpap_membership', 'VPAP membership', 'Stays enrolled in the Vendor Privacy Assurance Program.'),
    ('breach_notice', 'Breach notice', 'Tells us of a personal data breach within the stated hours.'),
    ('deletion_or_return', 'Deletion or return', 'Deletes or returns data at the end of the service.'),
    ('flow_down', 'Flow-down to sub-subprocessors', 'Binds its own subprocessors to the same obligations.'),
    ('audit_cooperation', 'Audit cooperation', 'Cooperates with audits and assessments.'),
    ('data_demands_redirect', 'Third-party data demands redirected', 'Redirects third-party demands for data to the customer.');

CREATE TABLE contract_obligations (
    contract_id     INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    obligation_code TEXT NOT NULL REFERENCES obligations (code),
    hours           INTEGER CHECK (hours IS NULL OR hours > 0),
    PRIMARY KEY (contract_id, obligation_code)
);
