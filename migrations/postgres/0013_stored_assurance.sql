-- Each vendor's public assurance (compliance verdict, reasons and what customers read) as
-- computed by the app from the evidence (domain::compliance, the one rule) for the day
-- `computed_on`; it holds until `steady_until` (exclusive; NULL: no change in sight).
-- Derived data: `server recompute` rebuilds it; pages, filters and counts read it instead of
-- assessing every vendor per request. Triggers on every table the rule reads mark a vendor's
-- row stale and bump its `stamp` in the writer's own transaction; the app stores a result
-- only for the stamp it read with the evidence, so a result raced by a change is never kept.
CREATE TABLE vendor_assurance (
    vendor_id    BIGINT PRIMARY KEY REFERENCES vendors (id) ON DELETE CASCADE,
    stamp        BIGINT NOT NULL DEFAULT 0,
    stale        BIGINT NOT NULL DEFAULT 1 CHECK (stale IN (0, 1)),
    computed_on  TEXT,
    steady_until TEXT,
    standing     TEXT,
    assurance    TEXT
);
CREATE INDEX vendor_assurance_stale ON vendor_assurance (stale);
CREATE INDEX vendor_assurance_steady ON vendor_assurance (steady_until);
CREATE INDEX vendor_assurance_computed ON vendor_assurance (computed_on);
CREATE INDEX vendor_assurance_standing ON vendor_assurance (standing, vendor_id);
INSERT INTO vendor_assurance (vendor_id) SELECT id FROM vendors;

CREATE FUNCTION vendor_assurance_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vendor_assurance (vendor_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER vendor_assurance_new AFTER INSERT ON vendors
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_new();

CREATE FUNCTION vendor_assurance_vendor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER vendor_assurance_vendor
    AFTER UPDATE OF announced_on, effective_on, removed_on, work_location, sub_processors ON vendors
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_vendor();

-- evidence rows carry vendor_id
CREATE FUNCTION vendor_assurance_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id = OLD.vendor_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id = NEW.vendor_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER vpap_enrollments_stale AFTER INSERT OR UPDATE OR DELETE ON vpap_enrollments
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();
CREATE TRIGGER attestations_stale AFTER INSERT OR UPDATE OR DELETE ON attestations
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();
CREATE TRIGGER assessments_stale AFTER INSERT OR UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();
CREATE TRIGGER training_records_stale AFTER INSERT OR UPDATE OR DELETE ON training_records
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();
CREATE TRIGGER contracts_stale AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();
CREATE TRIGGER vendor_data_categories_stale AFTER INSERT OR UPDATE OR DELETE ON vendor_data_categories
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_stale();

-- a contract's obligations reach the vendor through the contract
CREATE FUNCTION vendor_assurance_obligations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1
            WHERE vendor_id IN (SELECT vendor_id FROM contracts WHERE id = OLD.contract_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1
            WHERE vendor_id IN (SELECT vendor_id FROM contracts WHERE id = NEW.contract_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contract_obligations_stale AFTER INSERT OR UPDATE OR DELETE ON contract_obligations
    FOR EACH ROW EXECUTE FUNCTION vendor_assurance_obligations();
