#!/usr/bin/env bash
# Runs gridloop's whole test suite on a machine of the project's kind, from a clean clone.
#
# It starts whatever real services the tests need on loopback, runs them, and stops what it
# started: PostgreSQL (usually already running here; started if not), and for the notifier's
# channel tests MailDev (an SMTP sink) and a Kannel SMS gateway with a fake SMS centre
# (tests/services/*.sh, on free loopback ports, state under target/services/, or under
# $CARGO_TARGET_DIR/services when that is set), and nginx (Debian's package) for the test of
# gridloop behind a TLS proxy, whose nginx the test itself runs. Last, the web
# pages in headless Chromium (Debian's package, driven by playwright-core; tests/browser/).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# Where cargo builds (CARGO_TARGET_DIR when set, as cargo itself reads it) and where the
# services keep their state (under it, unless GRIDLOOP_SERVICES_DIR says otherwise).
target_dir=${CARGO_TARGET_DIR:-target}
export GRIDLOOP_SERVICES_DIR=${GRIDLOOP_SERVICES_DIR:-$(realpath -m "$target_dir")/services}
gridloop_bin="$(realpath -m "$target_dir")/debug/gridloop"

PG_URL=${GRIDLOOP_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export GRIDLOOP_TEST_PG_URL=$PG_URL

started_pg=""
started_services=()
cleanup() {
  for service in "${started_services[@]}"; do
    log "stopping $service"
    tests/services/$service.sh stop || true
  done
  if [ -n "$started_pg" ]; then
    log "stopping the PostgreSQL cluster this script started"
    pg_ctlcluster --skip-systemctl-redirect "$started_pg" main stop || true
  fi
}
trap cleanup EXIT

log "PostgreSQL on 127.0.0.1:5432"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  echo "not running; starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  started_pg=$version
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

log "the core crate stays pure (no I/O crates in its dependency tree)"
if cargo tree -p gridloop-core -e normal --prefix none --format '{p}' \
    | grep -E '^(tokio|sqlx|sqlx-[a-z-]+|axum|hyper|lettre|reqwest|mio) ' ; then
  echo "crates/core depends on an I/O crate (listed above)" >&2
  exit 1
fi
echo "ok"

log "every crate root's Layout section names its modules, and only those (tests/layout.py)"
python3 tests/layout.py

log "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

log "MailDev and Kannel on loopback for the notifier's channel tests; nginx for the proxy test"
for service in maildev kannel nginx; do
  started_services+=("$service")
  if ! tests/services/$service.sh start; then
    echo "$service did not start (its log is under target/services/$service/)" >&2
    exit 1
  fi
  # shellcheck disable=SC1090
  . "$GRIDLOOP_SERVICES_DIR/$service.env"
done

log "tests (unit, conformance on SQLite and PostgreSQL, end-to-end CLI, channels on real servers)"
cargo test --workspace --locked

log "schemathesis against /api/v1/openapi.json of a running server"
tests/schemathesis.sh "$gridloop_bin"

log "browser tests in headless Chromium (tests/browser/: the web pages driven by playwright-core)"
started_services+=(chromium)
tests/services/chromium.sh install
# `cargo test` has built the binary already; this only makes sure of it.
cargo build -p gridloop --bin gridloop --locked
(cd tests/browser && GRIDLOOP_BIN="$gridloop_bin" timeout 280 npm test --silent)
