#!/usr/bin/env bash
# Fan-out of one change to N confirmed subscribers (default 10,000), on the release build:
#   - rows: time from the manager's save until every notice delivery row is written
#     (budget: under 2 s);
#   - mails: time until every notice reached a local SMTP server (aiosmtpd, through
#     scripts/smtp-sink.py) over the worker's one SMTP connection pool (budget: 200 mails/s
#     or more).
# Usage: bench/fanout.sh [N]    Env: DB=sqlite|postgres (default sqlite), SERVER_BIN, PORT.
# It builds nothing: run `cargo leptos build --release --split` first.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
DB=${DB:-sqlite}
SERVER_BIN=$(realpath "${SERVER_BIN:-target/release/server}")
PORT=${PORT:-3995}
PASSWORD='bench manager passphrase long'
die() { echo "fanout: error: $*" >&2; exit 1; }
log() { echo "fanout: $*" >&2; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
python3 -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd missing: scripts/setup.sh --test installs it"
now() { date +%s.%N; }

TMP=$(mktemp -d -t registry-fanout.XXXXXX)
PIDS=()
PGDB=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [[ -n $PGDB ]] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

# the SMTP server
python3 scripts/smtp-sink.py "$TMP/mail" > "$TMP/sink.out" &
PIDS+=($!)
for _ in $(seq 50); do grep -q '^PORT ' "$TMP/sink.out" 2>/dev/null && break; sleep 0.1; done
SMTP_PORT=$(awk '/^PORT /{print $2}' "$TMP/sink.out")
[[ -n $SMTP_PORT ]] || die "the SMTP sink did not start"

# the database: the demo registry, a manager, N confirmed subscribers
case $DB in
  sqlite) URL="sqlite://$TMP/fanout.db"
    count() { sqlite3 "$TMP/fanout.db" "$1"; } ;;
  postgres) PGDB="registry_fanout_$$"
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PGDB" >/dev/null
    URL="postgres://postgres@127.0.0.1:5432/$PGDB"
    count() { psql -qtA -h 127.0.0.1 -U postgres -d "$PGDB" -c "$1"; } ;;
  *) die "DB is sqlite or postgres" ;;
esac
export RUST_LOG=${RUST_LOG:-warn}
"$SERVER_BIN" --database-url "$URL" migrate >/dev/null
"$SERVER_BIN" --database-url "$URL" seed-demo >/dev/null
printf '%s\n' "$PASSWORD" | "$SERVER_BIN" --database-url "$URL" user create --email manager@bench.test --role manager >/dev/null
STAMP=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
case $DB in
  sqlite) count "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
    INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at)
    SELECT printf('s%06d@bench.example', i), '', '', 'confirmed', '$STAMP', '$STAMP' FROM n;" ;;
  postgres) count "INSERT INTO subscriptions (email, services, categories, status, created_at, confirmed_at)
    SELECT 's' || lpad(i::text, 6, '0') || '@bench.example', '', '', 'confirmed', '$STAMP', '$STAMP'
    FROM generate_series(1, $N) i;" >/dev/null ;;
esac
log "$N confirmed subscribers on $DB"

# the server, mailing to the sink
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  INSECURE_COOKIES=true RATE_LIMIT_PER_MINUTE=0 SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" \
  "$SERVER_BIN" --database-url "$URL" serve >"$TMP/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || die "the server did not start: $(tail -5 "$TMP/server.log")"
curl -fs -c "$TMP/jar" -o /dev/null --data-urlencode email=manager@bench.test \
  --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/api/login" || die "sign-in failed"
TODAY=$(date -u +%F)
EFFECTIVE=$(date -u -d '+190 days' +%F)
sleep 2 # the worker's first round (the day's digest) is done
mails_before=$(ls "$TMP/mail" | grep -c '\.eml$' || true)

t0=$(now)
curl -fs -b "$TMP/jar" -o /dev/null \
  --data-urlencode 'vendor[slug]=' --data-urlencode 'vendor[version]=0' \
  --data-urlencode 'vendor[legal_name]=Fanout Relay GmbH' --data-urlencode 'vendor[registration_country]=DE' \
  --data-urlencode 'vendor[kind]=third_party' --data-urlencode 'vendor[work_location]=own_facilities' \
  --data-urlencode 'vendor[purpose_category]=infrastructure' --data-urlencode 'vendor[purpose]=Relays mail.' \
  --data-urlencode 'vendor[transfer_mechanism]=sccs' --data-urlencode 'vendor[countries]=DE FR' \
  --data-urlencode 'vendor[services][backup]=on' --data-urlencode 'vendor[categories][customer]=on' \
  --data-urlencode "vendor[announced_on]=$TODAY" --data-urlencode "vendor[effective_on]=$EFFECTIVE" \
  "http://127.0.0.1:$PORT/api/manage/save_vendor" || die "the announcement was refused"
t_saved=$(now)

rows=0
while (( rows < N )); do
  rows=$(count "SELECT COUNT(*) FROM deliveries WHERE purpose = 'notice'")
  (( rows < N )) && sleep 0.02
  awk -v a="$(now)" -v b="$t0" 'BEGIN { exit !(a - b > 120) }' && die "rows not written in 120 s ($rows of $N)"
done
t_rows=$(now)
mails=0
while (( mails < N )); do
  mails=$(( $(ls "$TMP/mail" | grep -c '\.eml$' || true) - mails_before ))
  (( mails < N )) && sleep 0.05
  awk -v a="$(now)" -v b="$t0" 'BEGIN { exit !(a - b > 600) }' && die "mails not sent in 600 s ($mails of $N)"
done
t_mails=$(now)
twice=$(count "SELECT COUNT(*) FROM deliveries WHERE purpose = 'notice' AND status <> 'sent'")

awk -v n="$N" -v db="$DB" -v t0="$t0" -v s="$t_saved" -v r="$t_rows" -v m="$t_mails" -v left="$twice" 'BEGIN {
  rows = r - t0; all = m - t0; rate = n / all;
  printf "fan-out (%s): %d subscribers\n", db, n;
  printf "  save answered in %.3f s\n", s - t0;
  printf "  delivery rows written in %.2f s (budget < 2 s): %s\n", rows, rows < 2 ? "PASS" : "FAIL";
  printf "  every mail at the SMTP server in %.1f s = %.0f mails/s (budget >= 200): %s\n", all, rate, rate >= 200 ? "PASS" : "FAIL";
  printf "  not marked sent afterwards: %d\n", left;
}'
