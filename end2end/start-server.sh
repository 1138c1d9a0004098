#!/usr/bin/env bash
# Start the release server on a fresh SQLite database with the demo registry, for Playwright.
set -euo pipefail
cd "$(dirname "$0")/.."
port="$1"
bin="${SERVER_BIN:-target/release/server}"
[ -x "$bin" ] || { echo "no server binary at $bin: run cargo leptos build --release" >&2; exit 1; }
dir=$(mktemp -d)
sink=
trap '[ -n "$sink" ] && kill "$sink" 2>/dev/null; rm -rf "$dir"' EXIT
# mail goes through a real SMTP server (aiosmtpd, scripts/smtp-sink.py), which keeps each
# message as a .eml file in MAIL_DIR, where the tests read them
if [ -n "${MAIL_DIR:-}" ]; then
  mkdir -p "$MAIL_DIR"
  coproc SMTP_SINK { exec python3 scripts/smtp-sink.py "$MAIL_DIR" --port 0; }
  sink=$SMTP_SINK_PID
  read -r _ smtp_port <&"${SMTP_SINK[0]}"
  [ -n "$smtp_port" ] || { echo "the SMTP server did not start" >&2; exit 1; }
  export SMTP_URL="smtp://127.0.0.1:$smtp_port"
fi
export DATABASE_URL="sqlite://$dir/e2e.db"
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
# plain HTTP on loopback: cookies without Secure; the browser tests are not rate limited
export INSECURE_COOKIES=true RATE_LIMIT_EXEMPT=127.0.0.0/8
# the vendors' published lists the tests serve are on loopback
export WEBHOOK_ALLOW_PRIVATE=true
"$bin" seed-demo
# one more vendor, whose legal name has 120 characters: the registry table must still fit
"$bin" import end2end/fixtures/long-name.csv >/dev/null
# accounts for the vendor-manager tests (this database lives only as long as the test run)
for role in admin manager auditor; do
  printf '%s\n' "e2e $role passphrase long" | "$bin" user create --email "$role@example.test" --role "$role"
done
# the admin's first two-step set-up starts from a one-time link; the tests read it from here
link_dir="${MAIL_DIR:-$dir}"
mkdir -p "$link_dir"
"$bin" user set-up-link --email admin@example.test > "$link_dir/admin-set-up-link.txt"
"$bin" serve
