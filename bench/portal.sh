#!/usr/bin/env bash
# The vendor portal under load (issue 26's budget): 100 connections open `/vendor` at once,
# each request signed in as a contact of another vendor (100 contacts of 100 vendors), on the
# release server with 1,000 synthetic vendors. Budget: p99 under 50 ms, no error. Each
# contact's page is checked first to show its own vendor and no other.
#   bench/portal.sh [DURATION]   DURATION for wrk, default 30s
# Env: SERVER_BIN (target/release/server), SITE_ROOT (target/site), PORT (3993).
# The contacts' sessions are written straight into the database with tokens made here (their
# SHA-256 stored, as the server stores them): the sign-in by mailed link is the integration
# and browser tests' subject, not this one's.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30s}
SERVER_BIN=${SERVER_BIN:-target/release/server}
SITE_ROOT=${SITE_ROOT:-target/site}
PORT=${PORT:-3993}
die() { echo "portal: error: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is missing (scripts/setup.sh --test installs it)"
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is taken (set PORT)"
TMP=$(mktemp -d -t registry-portal.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn}
export RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true
DB_FILE="$TMP/portal.db"
DB="sqlite://$DB_FILE"
"$SERVER_BIN" --database-url "$DB" migrate >/dev/null || die "migrating failed"
"$SERVER_BIN" --database-url "$DB" seed-synthetic --count 1000 >/dev/null || die "seeding failed"
# 100 contacts, each of another vendor (every tenth), each with a live session
python3 - "$DB_FILE" "$TMP/tokens" "$TMP/vendors" <<'PY'
import hashlib, secrets, sqlite3, sys, datetime
db, tokens_file, vendors_file = sys.argv[1:4]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
con = sqlite3.connect(db)
vendors = con.execute("SELECT id, legal_name FROM vendors ORDER BY id").fetchall()[::10][:100]
with open(tokens_file, "w") as tokens, open(vendors_file, "w") as names:
    for n, (vendor_id, legal_name) in enumerate(vendors):
        email = f"contact{n}@vendor{vendor_id}.example"
        cur = con.execute(
            "INSERT INTO vendor_contacts (vendor_id, name, email, mailbox, answers_for, created_at, created_by) "
            "VALUES (?, ?, ?, ?, 'privacy', ?, 'bench')",
            (vendor_id, f"Contact {n}", email, email, now),
        )
        token = secrets.token_hex(32)
        con.execute(
            "INSERT INTO vendor_sessions (token_hash, contact_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            (hashlib.sha256(token.encode()).hexdigest(), cur.lastrowid, now, now),
        )
        tokens.write(token + "\n")
        names.write(legal_name + "\n")
con.commit()
PY
"$SERVER_BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
# each contact sees its own vendor, and not the next contact's
mapfile -t TOKENS <"$TMP/tokens"; mapfile -t NAMES <"$TMP/vendors"
for i in 0 1 50 99; do
  page=$(curl -fsS --max-time 10 -H "Cookie: registry_vendor_session=${TOKENS[$i]}" "http://127.0.0.1:$PORT/vendor" \
    | python3 -c 'import html, sys; print(html.unescape(sys.stdin.read()))')
  grep -qF "${NAMES[$i]}" <<<"$page" || die "contact $i does not see its vendor ${NAMES[$i]}"
  next=$(( (i + 1) % ${#NAMES[@]} ))
  grep -qF "Vendor portal: ${NAMES[$next]}" <<<"$page" && die "contact $i sees vendor ${NAMES[$next]}"
done
out=$(PORTAL_TOKENS="$TMP/tokens" wrk -t2 -c100 -d"$DURATION" --timeout 10s --latency -s bench/portal.lua \
  "http://127.0.0.1:$PORT") || die "wrk failed"
echo "$out" >&2
requests=$(awk '/requests in/ { print $1 }' <<<"$out")
rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' <<<"$out")
p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
non2xx=$(awk -F: '/Non-2xx/ { gsub(/ /, "", $2); print $2 }' <<<"$out"); non2xx=${non2xx:-0}
socket=$(awk '/Socket errors/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n }' <<<"$out"); socket=${socket:-0}
kill -0 "$PID" 2>/dev/null || die "the server died under load"
# p99 in ms whatever unit wrk printed (us, ms, s)
p99_ms=$(awk -v v="$p99" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.1f", n }')
verdict=$(awk -v p="$p99_ms" -v e="$non2xx" -v s="$socket" 'BEGIN { print (p < 50 && e == 0 && s == 0) ? "PASS" : "FAIL" }')
echo "| \`/vendor\` signed in as 100 contacts of 100 vendors (1,000 vendors), wrk 100 connections $DURATION | $requests requests, $rps req/s, p99 $p99 | p99 < 50 ms, 0 errors ($non2xx non-2xx, $socket socket errors) | $verdict |"
[[ $verdict == PASS ]] || exit 1
