#!/usr/bin/env bash
# The registry at 100,000 vendors with their change history (issue 13's budgets): each page
# fetched uncached (a cookie skips the 2-second page cache), one request at a time.
#   /, /?q=, /?country=, /?compliance=not_compliant: median of 20, budget <= 50 ms each; the
#   registry's version is moved (sqlite3) before each, so every one loads its data afresh
#   rather than from the data the instance keeps for an unchanged registry.
#   /?as_of=<past day>, /changes: the first request, budget <= 2 s, then the median of 20,
#   budget <= 100 ms.
# Builds nothing (release build first). Usage: bench/large.sh [COUNT]   (default 100000)
# Env: SERVER_BIN (default target/release/server), SITE_ROOT (default target/site),
#      PORT (default 3992), KEEP_DB=path: seed into that SQLite file once and reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-100000}
SERVER_BIN=$(realpath "${SERVER_BIN:-target/release/server}")
SITE_ROOT=$(realpath "${SITE_ROOT:-target/site}")
PORT=${PORT:-3992}
die() { echo "bench/large: error: $*" >&2; exit 1; }
log() { echo "bench/large: $*" >&2; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN (cargo leptos build --release --split)"
command -v curl >/dev/null || die "curl missing"
command -v sqlite3 >/dev/null || die "sqlite3 missing"

TMP=$(mktemp -d -t registry-large.XXXXXX)
SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD LEPTOS_OUTPUT_NAME=registry
export RUST_LOG=${RUST_LOG:-warn}
unset DATABASE_URL

DB=${KEEP_DB:-$TMP/large.db}
if [[ ! -s $DB ]]; then
  t0=$SECONDS
  "$SERVER_BIN" --database-url "sqlite://$DB" migrate >/dev/null || die "migrate failed"
  timeout 3600 "$SERVER_BIN" --database-url "sqlite://$DB" seed-synthetic --count "$COUNT" >/dev/null \
    || die "seeding failed"
  log "seeded $COUNT vendors in $((SECONDS - t0)) s"
fi
# every vendor's stored compliance, as an instance computes it at its first start
t0=$(date +%s.%N)
"$SERVER_BIN" --database-url "sqlite://$DB" recompute >/dev/null || die "recompute failed"
RECOMPUTE=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
# no delivery worker: its daily digest reads every vendor (see bench/run.sh's start_server)
OUTBOX_WORKER=false RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true \
  "$SERVER_BIN" --database-url "sqlite://$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
BASE=http://127.0.0.1:$PORT

get_ms() { # path -> milliseconds of one uncached request (fails on non-200)
  curl -fsS -o /dev/null --max-time 120 -H 'Cookie: bench=1' -w '%{time_total}\n' "$BASE$1" \
    | awk '{ printf "%.1f\n", $1 * 1000 }' || die "GET $1 failed"
}
# the same after a change to the registry: its data is loaded again, not the kept copy
get_ms_fresh() { # path
  sqlite3 "$DB" "UPDATE registry_version SET n = n + 1" || die "cannot move the registry's version"
  get_ms "$1"
}
# median of 20, or of 3 when one request takes over a second (the figure says which)
median_of() { # path, first_ms [getter]
  local n=20; awk "BEGIN { exit !($2 > 1000) }" && n=3
  for _ in $(seq "$n"); do "${3:-get_ms}" "$1"; done | sort -g \
    | awk -v n="$n" '{ a[NR] = $1 } END { m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2; printf "%.1f ms (of %d)", m, n }'
}
verdict() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }
PAST=$(date -u -d '-180 days' +%F)
FROM=$(date -u -d '-300 days' +%F)
TO=$(date -u -d '-30 days' +%F)

echo "100,000-vendor pages ($COUNT vendors, SQLite, release build), $(date -u '+%F %H:%M UTC'):"
echo "stored compliance computed for every vendor (server recompute) in $RECOMPUTE s"
echo
echo "| request (uncached) | first | then, median | budget | verdict |"
echo "|---|---|---|---|---|"
for path in "/" "/?q=acme" "/?country=DE" "/?compliance=not_compliant"; do
  first=$(get_ms_fresh "$path"); m=$(median_of "$path" "$first" get_ms_fresh)
  echo "| \`$path\` | $first ms | $m, data loaded each time | <= 50 ms | $(verdict "${m%% *} <= 50") |"
done
for path in "/?as_of=$PAST" "/changes" "/changes?from=$FROM&to=$TO"; do
  first=$(get_ms "$path"); m=$(median_of "$path" "$first")
  echo "| \`$path\` | $first ms | $m | first <= 2 s, then <= 100 ms | $(verdict "$first <= 2000 && ${m%% *} <= 100") |"
done
