-- Ids are never reused (on PostgreSQL identity columns never give an id twice; SQLite's tables
-- are rebuilt with AUTOINCREMENT in its 0007), and the append-only tables refuse TRUNCATE
-- too: a row trigger does not fire for it, so a statement trigger guards each table.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER change_events_no_truncate BEFORE TRUNCATE ON change_events
    FOR EACH STATEMENT EXECUTE FUNCTION change_events_append_only();
