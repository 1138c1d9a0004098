-- Sign-in throttling that cannot be used to lock people out: failures are counted per
-- (e-mail, address) and per address, one counter row each, never per e-mail alone, so the
-- owner signing in from their own address is not held back by someone else's failures. A
-- counter row is read and written in one transaction (the count and the attempt are one
-- step), which a list of failure rows could not guarantee.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    key      TEXT PRIMARY KEY,
    failures BIGINT NOT NULL CHECK (failures >= 0),
    last_at  TEXT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
