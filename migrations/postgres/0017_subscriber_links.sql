-- Mail abuse and subscriber links (issue 24): one subscription per mailbox, tokens that each
-- do one thing and end, and the counts behind the caps on mails sent on request.

-- The mailbox an address reaches (`Email::mailbox` in app/src/domain/account.rs: lower case,
-- the address inside angle brackets, a `+tag` dropped, Gmail's dots dropped): one live
-- subscription per mailbox. A row merged into another by this migration keeps its id
-- (objections point at it and are append-only) and names the row it went into.
ALTER TABLE subscriptions ADD COLUMN mailbox TEXT;
ALTER TABLE subscriptions ADD COLUMN merged_into BIGINT REFERENCES subscriptions (id);

CREATE TEMP TABLE m_addr ON COMMIT DROP AS
SELECT id, status,
       lower(btrim(CASE WHEN strpos(email, '<') > 0 AND strpos(email, '>') > strpos(email, '<')
                        THEN substr(email, strpos(email, '<') + 1, strpos(email, '>') - strpos(email, '<') - 1)
                        ELSE email END)) AS addr
FROM subscriptions;
CREATE TEMP TABLE m_parts ON COMMIT DROP AS
SELECT id, status, addr,
       CASE WHEN strpos(addr, '@') > 0 THEN substr(addr, 1, strpos(addr, '@') - 1) ELSE addr END AS local,
       CASE WHEN strpos(addr, '@') > 0 THEN substr(addr, strpos(addr, '@') + 1) ELSE '' END AS domain
FROM m_addr;
CREATE TEMP TABLE m_key ON COMMIT DROP AS
SELECT id, status, addr,
       (CASE WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(base, '.', '') ELSE base END)
       || '@' || (CASE WHEN domain = 'googlemail.com' THEN 'gmail.com' ELSE domain END) AS mailbox
FROM (SELECT id, status, addr, domain,
             CASE WHEN strpos(local, '+') > 1 THEN substr(local, 1, strpos(local, '+') - 1) ELSE local END AS base
      FROM m_parts) p;
-- The row kept for a mailbox: the oldest confirmed one, else the oldest pending, else the
-- oldest unsubscribed ("oldest": the first created, lowest id).
CREATE TEMP TABLE m_keep ON COMMIT DROP AS
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
UPDATE subscriptions s SET
    merged_into = k.keeper,
    status = 'unsubscribed',
    unsubscribed_at = COALESCE(s.unsubscribed_at, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    email = s.email || ' #merged into ' || k.keeper,
    version = s.version + 1
FROM m_keep k
WHERE k.id = s.id AND k.keeper <> k.id;
UPDATE subscription_tokens t SET subscription_id = s.merged_into
FROM subscriptions s
WHERE s.id = t.subscription_id AND s.merged_into IS NOT NULL;
UPDATE webhook_endpoints w SET subscription_id = s.merged_into
FROM subscriptions s
WHERE s.id = w.subscription_id AND s.merged_into IS NOT NULL;
UPDATE subscriptions s SET email = k.addr
FROM m_keep k
WHERE k.id = s.id AND s.merged_into IS NULL AND s.email <> k.addr;
UPDATE subscriptions s SET mailbox = k.mailbox FROM m_keep k WHERE k.id = s.id;
CREATE UNIQUE INDEX subscriptions_mailbox ON subscriptions (mailbox) WHERE merged_into IS NULL;

-- Tokens get kinds of their own: 'unsubscribe' (does nothing else) and 'objection' (one
-- change, until it takes effect, `change_event_id`). `expires_at` ends the token's own power;
-- `unsubscribe_until` ends an access token's power to unsubscribe (longer). Tokens issued
-- before this migration had no end: they get the new lifetimes from now (manage 30 days,
-- unsubscribe 365 days), so links in mails already sent keep working until then.
ALTER TABLE subscription_tokens DROP CONSTRAINT subscription_tokens_kind_check;
ALTER TABLE subscription_tokens ADD CONSTRAINT subscription_tokens_kind_check
    CHECK (kind IN ('access', 'confirm', 'unsubscribe', 'objection'));
ALTER TABLE subscription_tokens ADD COLUMN change_event_id BIGINT REFERENCES change_events (id);
ALTER TABLE subscription_tokens ADD COLUMN unsubscribe_until TEXT;
UPDATE subscription_tokens SET
    expires_at = COALESCE(expires_at, to_char((now() AT TIME ZONE 'UTC') + interval '30 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    unsubscribe_until = to_char((now() AT TIME ZONE 'UTC') + interval '365 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
WHERE kind = 'access';

-- Mails sent on request, counted per key ('mailbox:…' a day, 'domain:…' and 'global' an
-- hour) and window (`YYYY-MM-DD` or `YYYY-MM-DDTHH`), shared by every instance. Windows
-- older than two days are pruned by the delivery worker.
CREATE TABLE mail_counts (
    scope        TEXT NOT NULL,
    window_start TEXT NOT NULL,
    sent         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, window_start)
);
