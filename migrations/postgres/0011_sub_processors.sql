-- A vendor's own subprocessors (sub-subprocessors to us), part of its public scope: a JSON
-- list of {legal_name, country, purpose, categories, since, list_url, vendor_slug}, sorted
-- by name, versioned with the vendor (optimistic locking, audit, change events).
ALTER TABLE vendors ADD COLUMN sub_processors TEXT NOT NULL DEFAULT '[]';
