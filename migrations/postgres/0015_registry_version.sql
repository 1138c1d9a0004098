-- One number that every change to what the public registry page shows moves: a vendor, its
-- links to services, countries and data categories, a service, and a vendor's evidence (its
-- triggers of 0013 move the `stamp` of the vendor's stored compliance). Storing a computed
-- compliance does not move it: a stored result that holds reads exactly as the live rule.
-- A page's data kept in memory is good while this number is unchanged (each instance reads
-- it with each page), so the page shows a change at once on every instance behind the
-- balancer.
--
-- The triggers are deferred to commit and move the number once per transaction: the row's
-- lock is taken last and held only while the transaction commits, so writers never wait on
-- it for long and never deadlock on it (it is the last lock any of them takes).
CREATE TABLE registry_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO registry_version (id, n) VALUES (1, 0);

CREATE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('registry.version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE registry_version SET n = n + 1 WHERE id = 1;
        PERFORM set_config('registry.version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER registry_version_vendors
    AFTER INSERT OR UPDATE OR DELETE ON vendors DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_vendor_services
    AFTER INSERT OR UPDATE OR DELETE ON vendor_services DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_vendor_countries
    AFTER INSERT OR UPDATE OR DELETE ON vendor_countries DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_vendor_data_categories
    AFTER INSERT OR UPDATE OR DELETE ON vendor_data_categories DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_services
    AFTER INSERT OR UPDATE OR DELETE ON services DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE CONSTRAINT TRIGGER registry_version_vendor_assurance
    AFTER INSERT OR UPDATE OF stamp OR DELETE ON vendor_assurance DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
