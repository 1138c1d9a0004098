-- Trust documents' acceptances and downloads are the record a customer agreed and what they
-- were given: only ever added to (issue 27). The one change allowed is the retention's: the
-- personal data replaced by its hash once (`redacted_at` set), nothing else of the row changed.
ALTER TABLE trust_downloads ADD COLUMN redacted_at TEXT;
CREATE FUNCTION trust_acceptances_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
            AND NEW.id = OLD.id AND NEW.request_id = OLD.request_id
            AND NEW.accepted_at = OLD.accepted_at AND NEW.agreement_version = OLD.agreement_version
            AND NEW.agreement_sha256 = OLD.agreement_sha256 THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'trust_acceptances is append-only';
END;
$$;
CREATE TRIGGER trust_acceptances_no_update BEFORE UPDATE OR DELETE ON trust_acceptances
    FOR EACH ROW EXECUTE FUNCTION trust_acceptances_append_only();
CREATE TRIGGER trust_acceptances_no_truncate BEFORE TRUNCATE ON trust_acceptances
    FOR EACH STATEMENT EXECUTE FUNCTION trust_acceptances_append_only();
CREATE FUNCTION trust_downloads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
            AND NEW.id = OLD.id AND NEW.document_id = OLD.document_id
            AND NEW.version_id = OLD.version_id AND NEW.access_id IS NOT DISTINCT FROM OLD.access_id
            AND NEW.downloaded_at = OLD.downloaded_at AND NEW.served_sha256 = OLD.served_sha256 THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'trust_downloads is append-only';
END;
$$;
CREATE TRIGGER trust_downloads_no_update BEFORE UPDATE OR DELETE ON trust_downloads
    FOR EACH ROW EXECUTE FUNCTION trust_downloads_append_only();
CREATE TRIGGER trust_downloads_no_truncate BEFORE TRUNCATE ON trust_downloads
    FOR EACH STATEMENT EXECUTE FUNCTION trust_downloads_append_only();
