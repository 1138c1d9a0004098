-- `GET /api/v1/subprocessors` and the registry's `Last-Modified` ask, on every request, when
-- the data last changed: the newest time in seven tables. Without these indexes each MAX read
-- its whole table (125 ms at 100,000 vendors on SQLite); with them each is one index probe.
CREATE INDEX vendors_updated ON vendors (updated_at);
CREATE INDEX vpap_enrollments_created ON vpap_enrollments (created_at);
CREATE INDEX attestations_created ON attestations (created_at);
CREATE INDEX assessments_created ON assessments (created_at);
CREATE INDEX training_records_created ON training_records (created_at);
CREATE INDEX contracts_created ON contracts (created_at);
