-- Sign-in sessions and login throttling. Both live in the database so that several app
-- instances behind a load balancer share them; nothing about a session is held in memory.

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of the database
-- cannot be replayed as a session.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, counted per e-mail and per address over a sliding window.
CREATE TABLE login_failures (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL,
    address      TEXT NOT NULL,
    attempted_at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, attempted_at);
CREATE INDEX login_failures_address ON login_failures (address, attempted_at);

-- The audit trail is read per record and by date.
CREATE INDEX audit_log_entity_id ON audit_log (entity_id, id);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_occurred ON audit_log (occurred_at);
