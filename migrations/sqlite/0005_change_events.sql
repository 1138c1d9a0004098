-- Public change history (GDPR Art. 28(2) notice): one row per announced change to the public
-- registry: a vendor added, its scope changed, or its removal. Rows are never changed or
-- deleted; a correction is a new event. Scopes are JSON (domain::changes::PublicScope).
CREATE TABLE change_events (
    id           INTEGER PRIMARY KEY,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id),
    slug         TEXT NOT NULL,
    legal_name   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('added', 'scope_changed', 'removed')),
    announced_on TEXT NOT NULL,
    effective_on TEXT NOT NULL CHECK (effective_on >= announced_on),
    -- service slugs of the scope before and after, space-separated with a space at each end,
    -- so the service filter is one LIKE on both databases
    services     TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
CREATE INDEX change_events_effective ON change_events (effective_on, id);
CREATE INDEX change_events_vendor ON change_events (vendor_id, id);
CREATE TRIGGER change_events_no_update BEFORE UPDATE ON change_events
BEGIN
    SELECT RAISE(ABORT, 'change_events is append-only');
END;
CREATE TRIGGER change_events_no_delete BEFORE DELETE ON change_events
BEGIN
    SELECT RAISE(ABORT, 'change_events is append-only');
END;
