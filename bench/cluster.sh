#!/usr/bin/env bash
# What the balancer costs: wrk (2 threads, 32 connections) on `/` and on the JSON API, first
# against one instance alone (default settings: as many worker threads as cores), then through
# HAProxy (deploy/haproxy.cfg) in front of three instances, all on one PostgreSQL database with
# the demo registry. The three share this machine's cores, so each gets one worker thread
# (TOKIO_WORKER_THREADS=1: three instances, three threads, instead of six fighting over two
# cores); on machines of their own they keep the default. Requests carry what a browser sends
# (`Accept-Encoding: br, gzip`); `/` is also measured uncompressed (145 KB a request), for the
# record. On 2 cores three instances are not faster than one; the budget is >= 0.7x of one
# instance's requests/s.
# Usage: bench/cluster.sh [DURATION]   (default 10s)   Also: bench/run.sh --cluster.
# Env: SERVER_BIN (target/release/server), PGURL (postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
SERVER_BIN=$(realpath "${SERVER_BIN:-target/release/server}")
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
die() { echo "cluster: error: $*" >&2; exit 1; }
log() { echo "cluster: $*" >&2; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
command -v haproxy >/dev/null || die "HAProxy is missing: scripts/setup.sh --cluster installs it"
command -v wrk >/dev/null || die "wrk is missing: scripts/setup.sh --bench installs it"
TMP=$(mktemp -d -t registry-cluster.XXXXXX)
DBNAME="registry_cluster_bench_$$"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
psql -q "$PGURL/postgres" -c "CREATE DATABASE $DBNAME" >/dev/null
export DATABASE_URL="$PGURL/$DBNAME" RUST_LOG=${RUST_LOG:-warn}
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
export INSECURE_COOKIES=true RATE_LIMIT_PER_MINUTE=0 TRUSTED_PROXIES=127.0.0.1 OUTBOX_WORKER=false
"$SERVER_BIN" migrate >/dev/null
"$SERVER_BIN" seed-demo >/dev/null
PORTS=(3971 3972 3973); LB=3970; SOLO=3974
for i in 0 1 2; do
  TOKIO_WORKER_THREADS=1 INSTANCE_ID="bench-$((i + 1))" \
    "$SERVER_BIN" serve --addr "127.0.0.1:${PORTS[$i]}" >"$TMP/web$i.log" 2>&1 &
  PIDS+=($!)
done
INSTANCE_ID=bench-solo "$SERVER_BIN" serve --addr "127.0.0.1:$SOLO" >"$TMP/solo.log" 2>&1 &
PIDS+=($!)
for p in "${PORTS[@]}" "$SOLO"; do
  for _ in $(seq 150); do curl -fs -o /dev/null "http://127.0.0.1:$p/readyz" && break; sleep 0.2; done
  curl -fs -o /dev/null "http://127.0.0.1:$p/readyz" || die "instance on $p not ready"
done
REGISTRY_BIND="127.0.0.1:$LB" REGISTRY_WEB1="127.0.0.1:${PORTS[0]}" REGISTRY_WEB2="127.0.0.1:${PORTS[1]}" \
  REGISTRY_WEB3="127.0.0.1:${PORTS[2]}" haproxy -f deploy/haproxy.cfg -db >"$TMP/haproxy.log" 2>&1 &
PIDS+=($!)
sleep 2

BROWSER=(-H "Accept-Encoding: br, gzip")
wrk_run() { # url [wrk options] -> "req/s p99_ms"
  local out url=$1
  shift
  out=$(wrk -t2 -c32 -d"$DURATION" --timeout 5s --latency "$@" "$url") || die "wrk $url failed"
  grep -q 'Non-2xx' <<<"$out" && { echo "$out" >&2; die "non-2xx answers from $1"; }
  awk '$1 == "99%" { v = $2; if (v ~ /us$/) p = v / 1000; else if (v ~ /ms$/) p = v + 0;
                      else if (v ~ /s$/) p = v * 1000; else p = v + 0 }
       $1 == "Requests/sec:" { r = $2 }
       END { printf "%.0f %.2f\n", r, p }' <<<"$out"
}
echo "## Cluster bench — $(date -u '+%F %H:%M UTC'), $(nproc) cores, wrk 32 connections $DURATION"
echo
echo "| path | one instance | three behind HAProxy | ratio | budget |"
echo "|---|---|---|---|---|"
row() { # label path [wrk options]
  local label=$1 path=$2 one_rps one_p99 lb_rps lb_p99 ratio verdict
  shift 2
  # one instance alone (the cluster idle), then the three through the balancer
  read -r one_rps one_p99 < <(wrk_run "http://127.0.0.1:$SOLO$path" "$@")
  read -r lb_rps lb_p99 < <(wrk_run "http://127.0.0.1:$LB$path" "$@")
  ratio=$(awk "BEGIN { printf \"%.2f\", $lb_rps / $one_rps }")
  verdict=$(awk "BEGIN { print ($ratio >= 0.7) ? \"PASS\" : \"FAIL\" }")
  echo "| $label | $one_rps req/s, p99 $one_p99 ms | $lb_rps req/s, p99 $lb_p99 ms | ${ratio}x | >= 0.7x: $verdict |"
}
row '`/`' / "${BROWSER[@]}"
row '`/api/v1/subprocessors`' /api/v1/subprocessors "${BROWSER[@]}"
row '`/` uncompressed (not what browsers ask)' /
