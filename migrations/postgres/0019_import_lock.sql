-- At most one import runs at a time per database, whichever instance (or `server import`)
-- starts it: the run holds this one row. It is taken by one statement (an insert that
-- replaces only an expired row), renewed while the run goes on and deleted at its end; a
-- holder that died stops renewing, so its row expires and the next import takes it over.
-- Timestamps are RFC 3339 UTC text, compared as text.
CREATE TABLE import_lock (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    -- a token of the run holding it: only the holder renews or releases the row
    holder     TEXT NOT NULL,
    -- who started the run and on what file, for the refusal of a second import
    actor      TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    taken_at   TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
