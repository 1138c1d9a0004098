#!/usr/bin/env bash
# The JSON API against its own OpenAPI document: schemathesis (PyPI) generates requests for
# every operation of /api/v1/openapi.json (examples, coverage, fuzzing; positive and negative)
# on a live release server with the demo registry and a signed log, and checks each answer is
# documented (status, content type, JSON schema) and never a 5xx (but a documented 503).
#   bench/schemathesis.sh [EXAMPLES]   most test cases per operation, default 100 (scripts/test
#                                      runs 15)
# Env: SERVER_BIN (target/release/server), SITE_ROOT (target/site), PORT (3993).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-100}
SERVER_BIN=${SERVER_BIN:-target/release/server}
SITE_ROOT=${SITE_ROOT:-target/site}
PORT=${PORT:-3993}
die() { echo "schemathesis: error: $*" >&2; exit 1; }
command -v schemathesis >/dev/null || die "schemathesis is missing (scripts/setup.sh --test installs it)"
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is taken (set PORT)"
TMP=$(mktemp -d -t registry-schemathesis.XXXXXX)
PID=
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; rm -rf "$TMP"; }
trap cleanup EXIT
export LEPTOS_SITE_ROOT=$SITE_ROOT LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=${RUST_LOG:-warn}
# the tool's requests are many and from one address: exempt from the rate limit
export RATE_LIMIT_EXEMPT=127.0.0.0/8 INSECURE_COOKIES=true
DB="sqlite://$TMP/api.db"
"$SERVER_BIN" --database-url "$DB" seed-demo >/dev/null || die "seeding failed"
LOG_SIGNING_KEY=$("$SERVER_BIN" log keygen --name "127.0.0.1/subprocessors" 2>/dev/null) \
  || die "no signing key"
export LOG_SIGNING_KEY
"$SERVER_BIN" --database-url "$DB" serve --addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/api/v1/log/checkpoint" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "server exited"; }
  sleep 0.2
done
started=$SECONDS
status=0
HYPOTHESIS_STORAGE_DIRECTORY="$TMP/hypothesis" schemathesis --config-file bench/schemathesis.toml \
  run "http://127.0.0.1:$PORT/api/v1/openapi.json" --url "http://127.0.0.1:$PORT" \
  --checks all --max-examples "$EXAMPLES" --workers 2 --generation-database none \
  --wait-for-schema 10 --request-timeout 20 --no-color >"$TMP/report.txt" 2>&1 || status=$?
kill -0 "$PID" 2>/dev/null || { cat "$TMP/report.txt" >&2; die "the server died under the tool"; }
tail -40 "$TMP/report.txt" >&2
echo "| schemathesis: every operation of /api/v1/openapi.json, at most $EXAMPLES cases each | $((SECONDS - started)) s | exit $status |"
[[ $status == 0 ]] || { cat "$TMP/report.txt" >&2; die "schemathesis found failures (exit $status)"; }
