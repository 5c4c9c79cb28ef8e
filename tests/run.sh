#!/usr/bin/env bash
# Runs gridloop's whole test suite on a machine of the project's kind, from a clean clone.
#
# It starts whatever real services the tests need on loopback, runs them, and stops what it
# started. Today that is PostgreSQL (usually already running here; started if not). Later
# suites add an SMTP sink and a Kannel gateway here.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

PG_URL=${GRIDLOOP_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export GRIDLOOP_TEST_PG_URL=$PG_URL

started_pg=""
cleanup() {
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

log "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

log "tests (unit, conformance on SQLite and PostgreSQL, end-to-end CLI)"
cargo test --workspace --locked

log "schemathesis against /api/v1/openapi.json of a running server"
tests/schemathesis.sh target/debug/gridloop
