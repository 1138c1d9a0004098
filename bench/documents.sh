#!/usr/bin/env bash
# A 25 MB document upload (issue 26's budget): a contact submits an assessment with a PDF of
# just under 25 MiB to the release server (the local document store, beside its SQLite file);
# the server's memory may grow by less than 10 MB. Measured as the peak resident size during
# the upload (VmHWM) against the resident size before it (VmRSS, after one small upload has
# warmed the path up). The stored document's SHA-256 is checked against the file's.
#   bench/documents.sh [UPLOADS]   UPLOADS of 25 MiB, default 3 (each of other bytes)
# Env: SERVER_BIN (target/release/server), SITE_ROOT (target/site), PORT (3992).
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS=${1:-3}
SERVER_BIN=${SERVER_BIN:-target/release/server}
SITE_ROOT=${SITE_ROOT:-target/site}
PORT=${PORT:-3992}
die() { echo "documents: error: $*" >&2; exit 1; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is taken (set PORT)"
TMP=$(mktemp -d -t registry-documents.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn}
export RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true
DB_FILE="$TMP/documents.db"
DB="sqlite://$DB_FILE"
"$SERVER_BIN" --database-url "$DB" migrate >/dev/null || die "migrating failed"
"$SERVER_BIN" --database-url "$DB" seed-demo >/dev/null || die "seeding failed"
# one contact of one vendor with a live session (its token's SHA-256 stored, as the server does)
TOKEN=$(python3 - "$DB_FILE" <<'PY'
import hashlib, secrets, sqlite3, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
con = sqlite3.connect(sys.argv[1])
vendor_id = con.execute("SELECT id FROM vendors ORDER BY id LIMIT 1").fetchone()[0]
cur = con.execute(
    "INSERT INTO vendor_contacts (vendor_id, name, email, mailbox, answers_for, created_at, created_by) "
    "VALUES (?, 'Bench', 'bench@vendor.example', 'bench@vendor.example', 'privacy', ?, 'bench')",
    (vendor_id, now),
)
token = secrets.token_hex(32)
con.execute(
    "INSERT INTO vendor_sessions (token_hash, contact_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
    (hashlib.sha256(token.encode()).hexdigest(), cur.lastrowid, now, now),
)
con.commit()
print(token)
PY
)
"$SERVER_BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
upload() { # FILE: submit it, insist on the redirect back to the portal
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 120 \
    -H "Cookie: registry_vendor_session=$TOKEN" -H "Origin: http://127.0.0.1:$PORT" -H 'Accept: text/html' \
    -F kind=soc2_type2 -F 'assessor=Bench Audit LLP' -F period_start=2025-10-01 -F period_end=2026-09-30 \
    -F issued_on=2026-11-15 -F valid_until=2027-11-14 -F "file=@$1;type=application/pdf" \
    "http://127.0.0.1:$PORT/api/vendor/submit_assessment")
  [[ $code == 302 ]] || die "the upload of $(basename "$1") answered $code"
}
kib() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$PID/status"; }
{ printf '%%PDF-1.4\n'; head -c 4096 /dev/urandom; } >"$TMP/small.pdf"
upload "$TMP/small.pdf"
worst=0
for n in $(seq "$UPLOADS"); do
  { printf '%%PDF-1.4\n'; head -c $((25 * 1024 * 1024 - 64)) /dev/urandom; } >"$TMP/big.pdf"
  # the peak is counted from here (writing 5 to clear_refs resets VmHWM to the current size)
  echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || true
  before=$(kib VmRSS)
  upload "$TMP/big.pdf"
  peak=$(kib VmHWM)
  growth=$(( (peak - before) / 1024 ))
  (( growth > worst )) && worst=$growth
  want=$(sha256sum "$TMP/big.pdf" | cut -d' ' -f1)
  got=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT sha256 FROM documents ORDER BY id DESC LIMIT 1').fetchone()[0])" "$DB_FILE")
  [[ $got == "$want" ]] || die "upload $n stored $got, the file is $want"
  echo "upload $n: resident $((before / 1024)) MB before, peak $((peak / 1024)) MB" >&2
done
kill -0 "$PID" 2>/dev/null || die "the server died"
size=$(stat -c %s "$TMP/big.pdf")
verdict=$([[ $worst -lt 10 ]] && echo PASS || echo FAIL)
echo "| upload of a $((size / 1024 / 1024)) MiB PDF as a vendor contact, $UPLOADS times (local store) | peak memory growth $worst MB | < 10 MB | $verdict |"
[[ $verdict == PASS ]] || exit 1
