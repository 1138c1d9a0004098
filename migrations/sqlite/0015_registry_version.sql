-- One number that every change to what the public registry page shows moves: a vendor, its
-- links to services, countries and data categories, a service, and a vendor's evidence (its
-- triggers of 0013 move the `stamp` of the vendor's stored compliance). Storing a computed
-- compliance does not move it: a stored result that holds reads exactly as the live rule.
-- A page's data kept in memory is good while this number is unchanged (the app reads it
-- with each page), so the page shows a change at once on every instance. Derived
-- bookkeeping, in the writer's own transaction.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO registry_version (id, n) VALUES (1, 0);

CREATE TRIGGER registry_version_vendors_insert AFTER INSERT ON vendors
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendors_update AFTER UPDATE ON vendors
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendors_delete AFTER DELETE ON vendors
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_services_insert AFTER INSERT ON vendor_services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_services_update AFTER UPDATE ON vendor_services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_services_delete AFTER DELETE ON vendor_services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_countries_insert AFTER INSERT ON vendor_countries
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_countries_update AFTER UPDATE ON vendor_countries
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_countries_delete AFTER DELETE ON vendor_countries
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_data_categories_insert AFTER INSERT ON vendor_data_categories
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_data_categories_update AFTER UPDATE ON vendor_data_categories
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_data_categories_delete AFTER DELETE ON vendor_data_categories
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_services_insert AFTER INSERT ON services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_services_update AFTER UPDATE ON services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_services_delete AFTER DELETE ON services
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_assurance_insert AFTER INSERT ON vendor_assurance
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_assurance_update AFTER UPDATE OF stamp ON vendor_assurance
BEGIN UPDATE registry_version SET n = n + 1; END;
CREATE TRIGGER registry_version_vendor_assurance_delete AFTER DELETE ON vendor_assurance
BEGIN UPDATE registry_version SET n = n + 1; END;
