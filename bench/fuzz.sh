#!/usr/bin/env bash
# HTTP fuzz at full size: 100,000 generated requests (FUZZ_REQUESTS) against the release
# server on a fresh demo database, by the fuzz test of the integration suite
# (server/tests/it/fuzz.rs) pointed at it. Passes with no 500, the server still answering and
# the stored data unchanged. scripts/test runs the same test with 4,000 requests in process.
# First the upload readers (app/src/files/tests.rs: random bytes, mutated CSV files, workbooks
# and sheet XML; no panic, nothing beyond the caps) with FILES_CASES cases per property;
# `cargo test` runs them with 256.
#   bench/fuzz.sh            Env: FUZZ_REQUESTS (100000), FUZZ_SEED, PORT (3993), FILES_CASES (20000)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER_BIN=${SERVER_BIN:-target/release/server}
PORT=${PORT:-3993}
die() { echo "fuzz: error: $*" >&2; exit 1; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
TMP=$(mktemp -d -t registry-fuzz.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; rm -rf "$TMP"; }
trap cleanup EXIT
echo "fuzz: upload readers, ${FILES_CASES:-20000} files per property" >&2
PROPTEST_CASES=${FILES_CASES:-20000} cargo test -q -p app -p server --lib -- files:: \
  >"$TMP/files.log" 2>&1 || { tail -40 "$TMP/files.log" >&2; die "the upload readers failed"; }
grep -E "test result" "$TMP/files.log" >&2
export LEPTOS_SITE_ROOT=${SITE_ROOT:-target/site} LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-error}
export RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true
DB="sqlite://$TMP/fuzz.db"
"$SERVER_BIN" --database-url "$DB" seed-demo >/dev/null || die "seeding failed"
"$SERVER_BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.2
done
FUZZ_BASE="http://127.0.0.1:$PORT" FUZZ_DATABASE_URL="$DB" FUZZ_REQUESTS=${FUZZ_REQUESTS:-100000} \
  cargo test -q -p server --test it fuzz -- --nocapture 2>&1 | grep -E "fuzz:|test result|panicked|assert" >&2
kill -0 "$PID" 2>/dev/null || die "the server died"
grep -ci "panicked" "$TMP/server.log" >/dev/null && die "the server log shows a panic"
echo "fuzz: passed" >&2
