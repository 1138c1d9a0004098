-- Each vendor's public assurance (compliance verdict, reasons and what customers read) as
-- computed by the app from the evidence (domain::compliance, the one rule) for the day
-- `computed_on`; it holds until `steady_until` (exclusive; NULL: no change in sight).
-- Derived data: `server recompute` rebuilds it; pages, filters and counts read it instead of
-- assessing every vendor per request. Triggers on every table the rule reads mark a vendor's
-- row stale and bump its `stamp` in the writer's own transaction; the app stores a result
-- only for the stamp it read with the evidence, so a result raced by a change is never kept.
CREATE TABLE vendor_assurance (
    vendor_id    INTEGER PRIMARY KEY REFERENCES vendors (id) ON DELETE CASCADE,
    stamp        INTEGER NOT NULL DEFAULT 0,
    stale        INTEGER NOT NULL DEFAULT 1 CHECK (stale IN (0, 1)),
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

CREATE TRIGGER vendor_assurance_new AFTER INSERT ON vendors BEGIN
    INSERT INTO vendor_assurance (vendor_id) VALUES (NEW.id);
END;
CREATE TRIGGER vendor_assurance_vendor
    AFTER UPDATE OF announced_on, effective_on, removed_on, work_location, sub_processors ON vendors
BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id = NEW.id;
END;
CREATE TRIGGER vpap_enrollments_stale_ins AFTER INSERT ON vpap_enrollments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER vpap_enrollments_stale_upd AFTER UPDATE ON vpap_enrollments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER vpap_enrollments_stale_del AFTER DELETE ON vpap_enrollments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER attestations_stale_ins AFTER INSERT ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER attestations_stale_upd AFTER UPDATE ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER attestations_stale_del AFTER DELETE ON attestations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER assessments_stale_ins AFTER INSERT ON assessments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER assessments_stale_upd AFTER UPDATE ON assessments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER assessments_stale_del AFTER DELETE ON assessments BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER training_records_stale_ins AFTER INSERT ON training_records BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER training_records_stale_upd AFTER UPDATE ON training_records BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER training_records_stale_del AFTER DELETE ON training_records BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER contracts_stale_ins AFTER INSERT ON contracts BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER contracts_stale_upd AFTER UPDATE ON contracts BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER contracts_stale_del AFTER DELETE ON contracts BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER vendor_data_categories_stale_ins AFTER INSERT ON vendor_data_categories BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (NEW.vendor_id);
END;
CREATE TRIGGER vendor_data_categories_stale_upd AFTER UPDATE ON vendor_data_categories BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id, NEW.vendor_id);
END;
CREATE TRIGGER vendor_data_categories_stale_del AFTER DELETE ON vendor_data_categories BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (OLD.vendor_id);
END;
CREATE TRIGGER contract_obligations_stale_ins AFTER INSERT ON contract_obligations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (SELECT vendor_id FROM contracts WHERE id IN (NEW.contract_id));
END;
CREATE TRIGGER contract_obligations_stale_upd AFTER UPDATE ON contract_obligations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (SELECT vendor_id FROM contracts WHERE id IN (OLD.contract_id, NEW.contract_id));
END;
CREATE TRIGGER contract_obligations_stale_del AFTER DELETE ON contract_obligations BEGIN
    UPDATE vendor_assurance SET stamp = stamp + 1, stale = 1 WHERE vendor_id IN (SELECT vendor_id FROM contracts WHERE id IN (OLD.contract_id));
END;
