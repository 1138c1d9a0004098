-- The public registry: vendors (subprocessors), our services, and what each vendor touches.
-- Dates are ISO 'YYYY-MM-DD' text and timestamps RFC 3339 UTC text, the same on PostgreSQL,
-- so one set of queries serves both databases.

CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1
);

-- Fixed list; notice_days is how long customers are told in advance (GDPR Art. 28(2)).
CREATE TABLE data_categories (
    code        TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    notice_days INTEGER NOT NULL CHECK (notice_days >= 0)
);
INSERT INTO data_categories (code, label, notice_days) VALUES
    ('customer', 'Customer data', 180),
    ('personal', 'Personal data', 30),
    ('support',  'Support data',  30);

CREATE TABLE vendors (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    legal_name           TEXT NOT NULL CHECK (length(legal_name) > 0),
    trading_name         TEXT,
    parent_company       TEXT,
    registration_country TEXT NOT NULL CHECK (length(registration_country) = 2),
    website              TEXT,
    privacy_contact      TEXT,
    kind                 TEXT NOT NULL CHECK (kind IN ('affiliate', 'third_party')),
    work_location        TEXT NOT NULL CHECK (work_location IN ('our_facilities', 'own_facilities')),
    purpose_category     TEXT NOT NULL,
    purpose              TEXT NOT NULL,
    transfer_mechanism   TEXT NOT NULL,
    announced_on         TEXT,
    effective_on         TEXT,
    removed_on           TEXT,
    -- lower-cased legal and trading names, for search that behaves the same on both databases
    search_text          TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX vendors_legal_name ON vendors (legal_name);

CREATE TABLE vendor_services (
    vendor_id  INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    service_id INTEGER NOT NULL REFERENCES services (id) ON DELETE RESTRICT,
    PRIMARY KEY (vendor_id, service_id)
);
CREATE INDEX vendor_services_service ON vendor_services (service_id, vendor_id);

-- Where the vendor processes data (ISO 3166-1 alpha-2), kept apart from where it is registered.
CREATE TABLE vendor_countries (
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    country_code TEXT NOT NULL CHECK (length(country_code) = 2),
    PRIMARY KEY (vendor_id, country_code)
);
CREATE INDEX vendor_countries_country ON vendor_countries (country_code, vendor_id);

CREATE TABLE vendor_data_categories (
    vendor_id     INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    category_code TEXT NOT NULL REFERENCES data_categories (code),
    PRIMARY KEY (vendor_id, category_code)
);
CREATE INDEX vendor_data_categories_category ON vendor_data_categories (category_code, vendor_id);

-- Append-only history of every change: written in the same transaction as the change.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
