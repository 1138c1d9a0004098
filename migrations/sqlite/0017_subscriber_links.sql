-- Mail abuse and subscriber links (issue 24): one subscription per mailbox, tokens that each
-- do one thing and end, and the counts behind the caps on mails sent on request.

-- The mailbox an address reaches (`Email::mailbox` in app/src/domain/account.rs: lower case,
-- the address inside angle brackets, a `+tag` dropped, Gmail's dots dropped): one live
-- subscription per mailbox. A row merged into another by this migration keeps its id
-- (objections point at it and are append-only) and names the row it went into.
ALTER TABLE subscriptions ADD COLUMN mailbox TEXT;
ALTER TABLE subscriptions ADD COLUMN merged_into INTEGER REFERENCES subscriptions (id);

CREATE TEMP TABLE m_addr AS
SELECT id, status,
       lower(trim(CASE WHEN instr(email, '<') > 0 AND instr(email, '>') > instr(email, '<')
                       THEN substr(email, instr(email, '<') + 1, instr(email, '>') - instr(email, '<') - 1)
                       ELSE email END)) AS addr
FROM subscriptions;
CREATE TEMP TABLE m_parts AS
SELECT id, status, addr,
       CASE WHEN instr(addr, '@') > 0 THEN substr(addr, 1, instr(addr, '@') - 1) ELSE addr END AS local,
       CASE WHEN instr(addr, '@') > 0 THEN substr(addr, instr(addr, '@') + 1) ELSE '' END AS domain
FROM m_addr;
CREATE TEMP TABLE m_key AS
SELECT id, status, addr,
       (CASE WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(base, '.', '') ELSE base END)
       || '@' || (CASE WHEN domain = 'googlemail.com' THEN 'gmail.com' ELSE domain END) AS mailbox
FROM (SELECT id, status, addr, domain,
             CASE WHEN instr(local, '+') > 1 THEN substr(local, 1, instr(local, '+') - 1) ELSE local END AS base
      FROM m_parts);
-- The row kept for a mailbox: the oldest confirmed one, else the oldest pending, else the
-- oldest unsubscribed ("oldest": the first created, lowest id).
CREATE TEMP TABLE m_keep AS
SELECT id, addr, mailbox,
       FIRST_VALUE(id) OVER (
           PARTITION BY mailbox
           ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, id
       ) AS keeper
FROM m_key;

-- The others end (nothing is sent to them again); their address stays readable in the row,
-- marked, so that the keeper can take the plain address. Their deliveries stay attached to
-- them (the record of what was sent to whom); their links and webhook endpoints move to the
-- keeper, so a link in a mail already sent still works.
UPDATE subscriptions SET
    merged_into = (SELECT keeper FROM m_keep WHERE m_keep.id = subscriptions.id),
    status = 'unsubscribed',
    unsubscribed_at = COALESCE(unsubscribed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    email = email || ' #merged into ' || (SELECT keeper FROM m_keep WHERE m_keep.id = subscriptions.id),
    version = version + 1
WHERE id IN (SELECT id FROM m_keep WHERE keeper <> id);
UPDATE subscription_tokens SET
    subscription_id = (SELECT merged_into FROM subscriptions s WHERE s.id = subscription_tokens.subscription_id)
WHERE subscription_id IN (SELECT id FROM subscriptions WHERE merged_into IS NOT NULL);
UPDATE webhook_endpoints SET
    subscription_id = (SELECT merged_into FROM subscriptions s WHERE s.id = webhook_endpoints.subscription_id)
WHERE subscription_id IN (SELECT id FROM subscriptions WHERE merged_into IS NOT NULL);
UPDATE subscriptions SET email = (SELECT addr FROM m_keep WHERE m_keep.id = subscriptions.id)
WHERE merged_into IS NULL AND email <> (SELECT addr FROM m_keep WHERE m_keep.id = subscriptions.id);
UPDATE subscriptions SET mailbox = (SELECT mailbox FROM m_keep WHERE m_keep.id = subscriptions.id);
DROP TABLE m_keep;
DROP TABLE m_key;
DROP TABLE m_parts;
DROP TABLE m_addr;
CREATE UNIQUE INDEX subscriptions_mailbox ON subscriptions (mailbox) WHERE merged_into IS NULL;

-- Tokens get kinds of their own: 'unsubscribe' (does nothing else) and 'objection' (one
-- change, until it takes effect, `change_event_id`). `expires_at` ends the token's own power;
-- `unsubscribe_until` ends an access token's power to unsubscribe (longer). Tokens issued
-- before this migration had no end: they get the new lifetimes from now (manage 30 days,
-- unsubscribe 365 days), so links in mails already sent keep working until then.
CREATE TABLE subscription_tokens_new (
    token_hash        TEXT PRIMARY KEY,
    subscription_id   INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('access', 'confirm', 'unsubscribe', 'objection')),
    created_at        TEXT NOT NULL,
    expires_at        TEXT,
    change_event_id   INTEGER REFERENCES change_events (id),
    unsubscribe_until TEXT
);
INSERT INTO subscription_tokens_new (token_hash, subscription_id, kind, created_at, expires_at, unsubscribe_until)
SELECT token_hash, subscription_id, kind, created_at,
       CASE WHEN kind = 'access' AND expires_at IS NULL
            THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+30 days') ELSE expires_at END,
       CASE WHEN kind = 'access' THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+365 days') END
FROM subscription_tokens;
DROP TABLE subscription_tokens;
ALTER TABLE subscription_tokens_new RENAME TO subscription_tokens;
CREATE INDEX subscription_tokens_subscription ON subscription_tokens (subscription_id, kind);

-- Mails sent on request, counted per key ('mailbox:…' a day, 'domain:…' and 'global' an
-- hour) and window (`YYYY-MM-DD` or `YYYY-MM-DDTHH`), shared by every instance. Windows
-- older than two days are pruned by the delivery worker.
CREATE TABLE mail_counts (
    scope        TEXT NOT NULL,
    window_start TEXT NOT NULL,
    sent         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, window_start)
);
