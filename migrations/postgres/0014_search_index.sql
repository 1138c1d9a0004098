-- Search and counts at 100,000 vendors without reading the whole table.
--
-- `q` is `search_text LIKE '%...%'`; a trigram index (pg_trgm, shipped with PostgreSQL and
-- trusted, so the database's owner may create it) answers that from the index for a search
-- of three or more letters, with no change to the query.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX vendors_search_trgm ON vendors USING gin (search_text gin_trgm_ops);

-- A vendor's status on a day reads these three dates only.
CREATE INDEX vendors_lifecycle ON vendors (announced_on, effective_on, removed_on);
