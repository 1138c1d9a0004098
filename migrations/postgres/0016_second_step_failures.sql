-- The second sign-in step, hardened (issue 24).
-- Wrong second-step codes are counted per account, in the database so that every instance
-- shares the count, and a correct password does not reset it: at most 10 in an hour, then the
-- second step is refused for a wait that doubles with each further lock (up to a day). TOTP
-- codes, recovery codes and the confirmation of a new authenticator count alike.
CREATE TABLE second_step_failures (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- wrong codes since window_start
    failures     BIGINT NOT NULL DEFAULT 0,
    window_start TEXT NOT NULL,
    -- locks in the current series (the wait doubles with each; a quiet day forgets them)
    locks        BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT
);

-- The first two-step set-up of a role that requires it starts from a one-time link an admin
-- (or the command line) issues, never from the first password alone. Only the SHA-256 of the
-- link's 256-bit token is kept; a link expires and is good once.
CREATE TABLE set_up_links (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX set_up_links_user ON set_up_links (user_id);
