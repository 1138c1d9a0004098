-- The log's timestamps (issue 28): a C2SP `tlog-cosignature/v1` line by the log's own key,
-- made when a checkpoint is signed and again each day the log stays at that size, so the
-- newest checkpoint always says (signed) how recently the log stood there. One per
-- checkpoint size and UTC day: two instances stamping the same day keep one. Served after
-- the checkpoint's own signature (the newest line only). Appended to, never changed.
CREATE TABLE log_timestamps (
    size      BIGINT NOT NULL,
    day       TEXT NOT NULL,
    time      BIGINT NOT NULL,
    line      TEXT NOT NULL,
    PRIMARY KEY (size, day)
);
CREATE TRIGGER log_timestamps_append_only BEFORE UPDATE OR DELETE ON log_timestamps
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
