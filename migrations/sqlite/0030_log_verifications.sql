-- Each check of the whole log (issue 28, `service::log::verify`): the instances' daily round
-- (one per day, `day` set: the first instance to claim the day runs it) and each
-- `server log verify` (`day` NULL). The newest finished check decides whether checkpoints
-- are signed: none is signed over a log that failed its last check.
CREATE TABLE log_verifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    day         TEXT UNIQUE,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    ok          INTEGER CHECK (ok IN (0, 1)),
    leaves      INTEGER,
    message     TEXT NOT NULL DEFAULT ''
);
