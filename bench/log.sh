#!/usr/bin/env bash
# The verifiable log at 100,000 vendors and 1,000,000 change events (issue 28's budgets):
#   append  what appending one event to the log adds to a save (`server log bench-append`,
#           200 saves on the full log): p99 <= 5 ms
#   proof   GET /api/v1/log/events/{id}/proof for 200 random events, one at a time, each
#           uncached: p99 <= 10 ms
#   verify  `server log verify` of the whole log (every leaf, node and checkpoint): <= 60 s
# The history is seeded in bulk (`seed-synthetic`, then `seed-history`: past scope changes
# recorded as saves record them, 10,000 to a transaction). Builds nothing (release build first).
#   bench/log.sh [VENDORS] [EVENTS]   (default 100000 1000000)
# Env: SERVER_BIN (target/release/server), SITE_ROOT (target/site), PORT (3994),
#      KEEP_DB=path: seed into that SQLite file once and reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDORS=${1:-100000}
EVENTS=${2:-1000000}
SERVER_BIN=$(realpath "${SERVER_BIN:-target/release/server}")
SITE_ROOT=$(realpath "${SITE_ROOT:-target/site}")
PORT=${PORT:-3994}
die() { echo "bench/log: error: $*" >&2; exit 1; }
log() { echo "bench/log: $*" >&2; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN (cargo leptos build --release --split)"
command -v sqlite3 >/dev/null || die "sqlite3 missing (scripts/setup.sh --bench)"
TMP=$(mktemp -d -t registry-log.XXXXXX)
SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn}
unset DATABASE_URL
DB=${KEEP_DB:-$TMP/log.db}
URL="sqlite://$DB"
LOG_SIGNING_KEY=$("$SERVER_BIN" log keygen --name "127.0.0.1/subprocessors" 2>/dev/null) || die "no key"
export LOG_SIGNING_KEY
if [[ ! -s $DB ]]; then
  t0=$SECONDS
  "$SERVER_BIN" --database-url "$URL" migrate >/dev/null || die "migrate failed"
  "$SERVER_BIN" --database-url "$URL" seed-synthetic --count "$VENDORS" >/dev/null || die "seeding vendors failed"
  have=$(sqlite3 "$DB" "SELECT COUNT(*) FROM change_events")
  (( EVENTS > have )) && { "$SERVER_BIN" --database-url "$URL" seed-history --count $((EVENTS - have)) >/dev/null \
    || die "seeding the history failed"; }
  log "seeded $VENDORS vendors and $(sqlite3 "$DB" "SELECT size FROM log_head") leaves in $((SECONDS - t0)) s"
fi
"$SERVER_BIN" --database-url "$URL" log sign >/dev/null || die "signing failed"
leaves=$(sqlite3 "$DB" "SELECT size FROM log_head")
verdict() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }

# what the log adds to a save
append=$("$SERVER_BIN" --database-url "$URL" log bench-append --samples 200) || die "bench-append failed"
append_p99=$(sed -E 's/.*p99 ([0-9.]+) ms.*/\1/' <<<"$append")
"$SERVER_BIN" --database-url "$URL" log sign >/dev/null || die "signing failed"

# the whole check
t0=$(date +%s.%N)
out=$("$SERVER_BIN" --database-url "$URL" log verify | tail -n 1) || die "the log does not verify"
VERIFY=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")

# proofs over HTTP, each of another event (nothing is cached); every vendor's stored
# compliance first, as an instance computes it at its first start (bench/large.sh does the
# same). The instance's own daily check of the log runs beside the proofs, as it would.
"$SERVER_BIN" --database-url "$URL" recompute >/dev/null || die "recompute failed"
OUTBOX_WORKER=false RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true \
  "$SERVER_BIN" --database-url "$URL" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
sqlite3 "$DB" "SELECT change_event_id FROM log_leaves ORDER BY random() LIMIT 200" >"$TMP/ids"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v1/log/events/$(head -1 "$TMP/ids")/proof" || die "no proof"
while read -r id; do
  curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/api/v1/log/events/$id/proof" \
    || die "proof of $id failed"
done <"$TMP/ids" | awk '{ printf "%.2f\n", $1 * 1000 }' | sort -g >"$TMP/proof_ms"
proof_median=$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$TMP/proof_ms")
proof_p99=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print a[i] }' "$TMP/proof_ms")

echo "| log at $VENDORS vendors, $leaves leaves: append to a save ($append) | p99 $append_p99 ms (budget 5) | $(verdict "$append_p99 <= 5") |"
echo "| inclusion proof over HTTP, 200 random events | median $proof_median ms, p99 $proof_p99 ms (budget 10) | $(verdict "$proof_p99 <= 10") |"
echo "| \`server log verify\` of the whole log ($out) | $VERIFY s (budget 60) | $(verdict "$VERIFY <= 60") |"
