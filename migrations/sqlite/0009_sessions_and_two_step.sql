-- "Your sessions" and two-step sign-in (time-based one-time passwords, RFC 6238).
-- A session gets a public id (shown and used to end it, never the token), and where it came
-- from. An account may carry a TOTP secret; it counts once confirmed with a first code.
-- Recovery codes are stored hashed and used once. A sign-in that passed the password but still
-- owes its second step is a challenge of its own, short-lived, never a session.
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
UPDATE sessions SET public_id = substr(token_hash, 1, 16) WHERE public_id = '';
CREATE INDEX sessions_public_id ON sessions (public_id);

ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_confirmed_at TEXT;
-- the time step of the last code accepted: a code is good once (RFC 6238, section 5.2)
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    -- 0 while shown at setup and not yet confirmed with a code
    active    INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    used_at   TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_path  TEXT NOT NULL DEFAULT '/manage'
);
