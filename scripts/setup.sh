#!/usr/bin/env bash
# Install whatever this machine is missing to build (and, with --test, to test) the app.
# Every step checks first, so running it again costs seconds. Versions are pinned in
# ../shared/BUILD.md's recipe: the wasm-bindgen CLI must equal the crate in Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0; want_bench=0; want_cluster=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    --cluster) want_cluster=1 ;;
    *) echo "usage: scripts/setup.sh [--test] [--bench] [--cluster]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "Installing cargo-leptos 0.3.10 (about 17 minutes on 2 cores, once)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  say "Installing wasm-bindgen-cli $bindgen_version (matches Cargo.lock)"
  # not --locked: one of its locked dependencies is missing from the registry
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# cargo-leptos would download these from GitHub; it uses the ones on PATH instead.
# Debian's binaryen is too old (its wasm-opt breaks hydration), so both come from npm.
if ! sass --version 2>/dev/null | grep -q '^1\.108\.2' || ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  say "Installing sass and wasm-opt from npm"
  npm install --global --no-audit --no-fund sass@1.108.2 binaryen@132.0.0 >/dev/null
fi

if [ "$want_test" = 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
  if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "Installing Playwright (no browser download: tests use /usr/bin/chromium)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  # the SMTP server the notice tests mail to (a real one: aiosmtpd, from PyPI)
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    say "Installing aiosmtpd (the tests' SMTP server)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'aiosmtpd==1.4.6'
  fi
  # the S3-compatible server the document-store tests keep documents in (moto's, from PyPI)
  if ! python3 -c 'import moto.server, flask' 2>/dev/null; then
    say "Installing moto (the tests' S3-compatible server)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'moto[server]==5.2.6'
  fi
  # the independent log verifier (scripts/verify-log.py) checks signatures with `cryptography`
  if ! python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null; then
    say "Installing cryptography (the log verifier's Ed25519)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'cryptography==48.0.0'
  fi
  # the open list's test validates it against its JSON Schema (draft 2020-12) with jsonschema
  if ! python3 -c 'import jsonschema.validators; jsonschema.validators.Draft202012Validator' 2>/dev/null; then
    say "Installing jsonschema (the open list's schema check)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'jsonschema==4.26.0'
  fi
  # the JSON API against its OpenAPI document (bench/schemathesis.sh; a short form in scripts/test)
  if ! command -v schemathesis >/dev/null || ! schemathesis --version 2>/dev/null | grep -q ' 4\.32\.5$'; then
    say "Installing schemathesis (the OpenAPI document's test)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'schemathesis==4.32.5'
  fi
  # the trust documents' test reads each stamped page back as text (Debian's poppler-utils)
  command -v pdftotext >/dev/null || { say "Installing pdftotext"; apt_install poppler-utils; }
  # the short load run of scripts/test (bench/load.sh) drives the server with wrk
  for tool in wrk curl; do
    command -v "$tool" >/dev/null || { say "Installing $tool"; apt_install "$tool"; }
  done
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    say "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi

# the cluster (scripts/cluster, and the cluster test of scripts/test) runs Debian's HAProxy
if [ "$want_test" = 1 ] || [ "$want_cluster" = 1 ]; then
  command -v haproxy >/dev/null || { say "Installing HAProxy"; apt_install haproxy; }
  command -v psql >/dev/null || { say "Installing the PostgreSQL client"; apt_install postgresql-client; }
  # the instances share their documents in an S3-compatible bucket (moto's server)
  if ! python3 -c 'import moto.server, flask' 2>/dev/null; then
    say "Installing moto (an S3-compatible server)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore 'moto[server]==5.2.6'
  fi
fi

if [ "$want_bench" = 1 ]; then
  for tool in wrk brotli sqlite3; do
    command -v "$tool" >/dev/null || { say "Installing $tool"; apt_install "$tool"; }
  done
fi
