-- The verifiable log (issue 28, domain::tlog): every change event is a leaf of an append-only
-- Merkle tree (RFC 9162 hashing), appended in the transaction that records the event.
-- `log_head` is the tree's size, one row, updated by each append (on PostgreSQL its row lock
-- puts appends from several instances in one order). A leaf keeps its bytes (the event's
-- canonical JSON) and hash; `log_nodes` the hash of each complete subtree (key: index above
-- six bits of level, domain::tlog::Node::key); `log_checkpoints` the signed heads,
-- `log_keys` the public keys that signed them. Hashes
-- are lower-case hex. Nothing here is ever changed or deleted.
CREATE TABLE log_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    size INTEGER NOT NULL
);
INSERT INTO log_head (one, size) VALUES (1, 0);
-- the events a transaction recorded, appended to the log together just before it commits
-- (one append for an import of 10,000 rows, not 10,000); always empty between transactions
CREATE TABLE log_pending (
    change_event_id INTEGER PRIMARY KEY REFERENCES change_events (id)
);
CREATE TABLE log_leaves (
    idx             INTEGER PRIMARY KEY,
    change_event_id INTEGER NOT NULL UNIQUE REFERENCES change_events (id),
    leaf            TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE TABLE log_nodes (
    pos  INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
);
-- every key that signed a checkpoint, published at /.well-known/subprocessors-log-key
-- (after a rotation the old ones stay, so old checkpoints still verify)
CREATE TABLE log_keys (
    key_id          TEXT PRIMARY KEY,
    verifier        TEXT NOT NULL,
    first_signed_at TEXT NOT NULL
);
CREATE TABLE log_checkpoints (
    size      INTEGER PRIMARY KEY,
    root      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the log is append-only');
END;
