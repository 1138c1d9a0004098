#!/usr/bin/env bash
# Load: wrk at saturation (2 threads, 32 connections) on `/`, `/subprocessors.csv` and
# `/api/v1/subprocessors` together, against the release server on the demo registry. Passes
# with 0 socket errors and 0 non-2xx answers (the rate limit is off for this address).
#   bench/load.sh [DURATION]     DURATION for wrk, default 60s (scripts/test runs 10s)
# Env: SERVER_BIN (target/release/server), SITE_ROOT (target/site), PORT (3992).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60s}
SERVER_BIN=${SERVER_BIN:-target/release/server}
SITE_ROOT=${SITE_ROOT:-target/site}
PORT=${PORT:-3992}
die() { echo "load: error: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is missing (scripts/setup.sh --test installs it)"
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is taken (set PORT)"
TMP=$(mktemp -d -t registry-load.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn}
export RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true
DB="sqlite://$TMP/load.db"
"$SERVER_BIN" --database-url "$DB" seed-demo >/dev/null || die "seeding failed"
"$SERVER_BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
out=$(wrk -t2 -c32 -d"$DURATION" --timeout 10s --latency -s bench/rotate.lua "http://127.0.0.1:$PORT") \
  || die "wrk failed"
echo "$out" >&2
requests=$(awk '/requests in/ { print $1 }' <<<"$out")
rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' <<<"$out")
p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
non2xx=$(awk -F: '/Non-2xx/ { gsub(/ /, "", $2); print $2 }' <<<"$out"); non2xx=${non2xx:-0}
socket=$(awk '/Socket errors/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n }' <<<"$out"); socket=${socket:-0}
kill -0 "$PID" 2>/dev/null || die "the server died under load"
echo "| load: \`/\`, CSV and JSON API in turn, wrk 32 connections $DURATION | $requests requests, $rps req/s, p99 $p99 | $non2xx non-2xx, $socket socket errors |"
[[ $non2xx == 0 && $socket == 0 ]] || die "$non2xx non-2xx answers, $socket socket errors"
