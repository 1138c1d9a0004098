#!/usr/bin/env bash
# Import of N new vendors (default 10,000) from one CSV file, on the release build, through
# the page's upload (the same code path as `/manage/import` and `server import`):
#   - dry run: from the upload until its report is ready (budget: 5 s);
#   - apply: from the apply until every row is written (budget: 10 s);
#   - the server's memory growth during both (peak RSS minus RSS before; budget: < 100 MB);
#   - sign-in and subscribe sent back to back all through a second apply of N other vendors
#     (uploaded with apply=on): the slowest answer of each (budget: < 1 s; issue 24), none failed.
# Usage: bench/import.sh [N]    Env: DB=sqlite|postgres (default sqlite), SERVER_BIN, PORT.
# It builds nothing: run `cargo leptos build --release --split` first.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
DB=${DB:-sqlite}
SERVER_BIN=$(realpath "${SERVER_BIN:-target/release/server}")
PORT=${PORT:-3996}
PASSWORD='bench manager passphrase long'
die() { echo "import: error: $*" >&2; exit 1; }
log() { echo "import: $*" >&2; }
[[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN; run cargo leptos build --release --split"
now() { date +%s.%N; }

TMP=$(mktemp -d -t registry-import.XXXXXX)
PIDS=()
PGDB=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [[ -n $PGDB ]] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

case $DB in
  sqlite) URL="sqlite://$TMP/import.db" ;;
  postgres) PGDB="registry_import_$$"
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PGDB" >/dev/null
    URL="postgres://postgres@127.0.0.1:5432/$PGDB" ;;
  *) die "DB is sqlite or postgres" ;;
esac
export RUST_LOG=${RUST_LOG:-warn}
"$SERVER_BIN" --database-url "$URL" migrate >/dev/null
"$SERVER_BIN" --database-url "$URL" seed-demo >/dev/null
printf '%s\n' "$PASSWORD" | "$SERVER_BIN" --database-url "$URL" user create --email manager@bench.test --role manager >/dev/null
printf '%s\n' "$PASSWORD" | "$SERVER_BIN" --database-url "$URL" user create --email reader@bench.test --role auditor >/dev/null

# N new vendors, the columns of the registry's CSV that a privacy office's list has
EFFECTIVE=$(date -u -d '+200 days' +%F)
python3 - "$N" "$EFFECTIVE" >"$TMP/vendors.csv" <<'EOF'
import csv, sys
n, effective = int(sys.argv[1]), sys.argv[2]
countries = ["DE", "FR", "IE", "NL", "SE", "US", "GB", "ES"]
out = csv.writer(sys.stdout, lineterminator="\r\n")
out.writerow(["legal_name", "parent_company", "registration_country", "kind", "work_location",
              "purpose_category", "purpose", "services", "processing_countries", "data_categories",
              "transfer_mechanism", "effective_on", "website", "privacy_contact"])
for i in range(n):
    c = countries[i % len(countries)]
    out.writerow([f"Bench Import {i:05d} Ltd", "Bench Holdings plc", c, "Third party", "own_facilities",
                  "Infrastructure", f"Processes batch {i} of the bench import", "Backup",
                  f"{c}; {countries[(i + 1) % len(countries)]}", "Customer data", "SCCs", effective,
                  f"https://vendor{i}.example", f"privacy@vendor{i}.example"])
EOF
log "$N rows, $(($(wc -c <"$TMP/vendors.csv") / 1024)) KiB"

LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  INSECURE_COOKIES=true RATE_LIMIT_PER_MINUTE=0 SUBMIT_LIMIT_PER_MINUTE=0 OUTBOX_WORKER=false \
  "$SERVER_BIN" --database-url "$URL" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!; PIDS+=("$SERVER_PID")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || die "the server did not start: $(tail -5 "$TMP/server.log")"
curl -fs -c "$TMP/jar" -o /dev/null --data-urlencode email=manager@bench.test \
  --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/api/login" || die "sign-in failed"
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true # reset VmHWM: start-up peaks are not the import's
RSS_BEFORE=$(status_kb VmRSS)

wait_done() { # run id -> prints the run's JSON once it is over
  # one client on one kept-alive connection, every 50 ms: starting a curl per poll would take
  # a tenth of this machine's CPU from the server being measured
  local cookie
  cookie=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$TMP/jar")
  python3 - "$PORT" "$1" "$cookie" <<'PY' || die "reading run $1 failed"
import http.client, json, sys, time, urllib.parse
port, run, cookie = sys.argv[1], sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
body = urllib.parse.urlencode({"id": run})
headers = {"cookie": cookie, "accept": "application/json",
           "content-type": "application/x-www-form-urlencoded"}
for _ in range(3000):
    conn.request("POST", "/api/manage/import", body, headers)
    res = conn.getresponse()
    text = res.read().decode()
    if res.status != 200:
        sys.exit(f"HTTP {res.status}: {text[:200]}")
    if json.loads(text).get("state") in ("done", "failed"):
        print(text)
        sys.exit(0)
    time.sleep(0.05)
sys.exit("the run did not finish in 150 s")
PY
}
field() { python3 -c "import json,sys; r=json.load(sys.stdin); print(r$1)"; }

t0=$(now)
# the run's page is named in the Location header (a 302 for a browser's form post)
location() { awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$TMP/headers"; }
curl -fs -b "$TMP/jar" -D "$TMP/headers" -o "$TMP/upload.out" -F "file=@$TMP/vendors.csv;type=text/csv" \
  "http://127.0.0.1:$PORT/api/manage/import_upload" || die "the upload was refused"
LOCATION=$(location)
DRY_ID=${LOCATION##*/manage/import/}
[[ $DRY_ID =~ ^[0-9]+$ ]] || die "the upload answered $LOCATION: $(head -c 300 "$TMP/upload.out")"
DRY=$(wait_done "$DRY_ID")
t_dry=$(now)
[[ $(field "['report']['new']" <<<"$DRY") == "$N" ]] || die "the dry run does not find $N new vendors: $(field "['report']['summary']" <<<"$DRY")"

t1=$(now)
curl -fs -b "$TMP/jar" -D "$TMP/headers" -o /dev/null --data-urlencode "id=$DRY_ID" \
  "http://127.0.0.1:$PORT/api/manage/import_apply" || die "the apply was refused"
LOCATION=$(location)
RUN_ID=${LOCATION##*/manage/import/}
RUN=$(wait_done "$RUN_ID")
t_apply=$(now)
[[ $(field "['report']['applied']" <<<"$RUN") == True ]] || die "the apply did not write: $(field "['report']['summary']" <<<"$RUN")"
HWM_AFTER=$(status_kb VmHWM)

# A second file of N other vendors, uploaded and applied at once, with sign-in and subscribe
# sent all through it (after the memory reading: the probe's password hashes are not the
# import's memory)
sed 's/Bench Import /Bench Probe /; s/vendor\([0-9]*\)\.example/probe\1.example/g' "$TMP/vendors.csv" >"$TMP/second.csv"
# sign-in and subscribe, back to back on one connection each, until the apply is over
python3 - "$PORT" "$PASSWORD" "$TMP/probe.stop" >"$TMP/probe.out" <<'PY' &
import http.client, os, sys, time, urllib.parse
port, password, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
worst = {"sign-in": 0.0, "subscribe": 0.0}
failures, n = [], 0
conns = {k: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for k in worst}
form = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
while not os.path.exists(stop):
    for what, path, body in (
        ("sign-in", "/api/login", {"email": "reader@bench.test", "password": password}),
        ("subscribe", "/subscribe", {"email": f"probe{n}@customer{n}.example"}),
    ):
        t = time.monotonic()
        conns[what].request("POST", path, urllib.parse.urlencode(body), form)
        res = conns[what].getresponse()
        res.read()
        worst[what] = max(worst[what], time.monotonic() - t)
        if res.status >= 400:
            failures.append(f"{what} {res.status}")
    n += 1
print(f"{worst['sign-in']:.3f} {worst['subscribe']:.3f} {n} {len(failures)} {' '.join(failures[:5])}")
PY
PROBE_PID=$!; PIDS+=("$PROBE_PID")
curl -fs -b "$TMP/jar" -D "$TMP/headers" -o "$TMP/upload.out" -F "file=@$TMP/second.csv;type=text/csv" \
  -F apply=on "http://127.0.0.1:$PORT/api/manage/import_upload" || die "the second upload was refused"
LOCATION=$(location)
SECOND_ID=${LOCATION##*/manage/import/}
[[ $SECOND_ID =~ ^[0-9]+$ ]] || die "the second upload answered $LOCATION"
SECOND=$(wait_done "$SECOND_ID")
touch "$TMP/probe.stop"; wait "$PROBE_PID" || die "the sign-in probe failed"
read -r P_SIGN_IN P_SUBSCRIBE P_ROUNDS P_FAILED P_WHAT <"$TMP/probe.out" || die "no probe result"
[[ $(field "['report']['applied']" <<<"$SECOND") == True ]] || die "the second apply did not write: $(field "['report']['summary']" <<<"$SECOND")"

awk -v n="$N" -v db="$DB" -v t0="$t0" -v d="$t_dry" -v t1="$t1" -v a="$t_apply" \
    -v before="$RSS_BEFORE" -v peak="$HWM_AFTER" -v si="$P_SIGN_IN" -v su="$P_SUBSCRIBE" \
    -v rounds="$P_ROUNDS" -v failed="$P_FAILED" -v what="${P_WHAT:-}" 'BEGIN {
  dry = d - t0; apply = a - t1; grow = (peak - before) / 1024;
  printf "import (%s): %d new vendors from one CSV file\n", db, n;
  printf "  dry run in %.2f s (budget <= 5 s): %s\n", dry, dry <= 5 ? "PASS" : "FAIL";
  printf "  apply in %.2f s (budget <= 10 s): %s\n", apply, apply <= 10 ? "PASS" : "FAIL";
  printf "  server RSS growth %.1f MB, peak %.1f MB (budget < 100 MB): %s\n", grow, peak / 1024, grow < 100 ? "PASS" : "FAIL";
  printf "  during a second apply, %d sign-ins and subscriptions: slowest sign-in %.2f s, subscribe %.2f s, %d failed %s(budget < 1 s, none failed): %s\n", rounds, si, su, failed, what, (si < 1 && su < 1 && failed == 0) ? "PASS" : "FAIL";
}'
