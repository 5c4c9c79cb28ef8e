#!/usr/bin/env bash
# Runs schemathesis against the OpenAPI document of a running `gridloop serve`: every operation,
# as several roles, checking for server errors and for answers the document does not describe.
#
# Usage: tests/schemathesis.sh [path/to/gridloop]
#   (default: $CARGO_TARGET_DIR/debug/gridloop, or target/debug/gridloop without it)
# It starts the server on a free loopback port with a fresh SQLite file, and stops it after.
#
# The document declares what the handlers check on each value alone (patterns, lengths, ranges,
# the names a parser takes). What refuses the rest is not the shape of a value but the park's
# data or a rule across fields, which a schema cannot say: a commissioner, category, unit or
# enterprise that must exist, a response time not above the resolution time, a notification
# that must be failed or dead, a visit whose check-in is open, a category by code or by id but
# not both, the fields each issue action takes, the check character of a credit code, and
# integers written as 3.0 (JSON Schema counts them as integers, serde does not).
# tests/schemathesis/hooks.py bends the positive cases toward
# those, reading the park through the API, so that the run ends without "mostly rejected
# generated data"; negative cases stay as generated. Set GRIDLOOP_ST_DEBUG=FILE to have each
# refused positive case written to FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
gl=${1:-${CARGO_TARGET_DIR:-target}/debug/gridloop}

# Installed for the python3 on PATH, and called by its real path: under pyenv a freshly
# pip-installed command has no shim until a rehash.
if ! python3 -c 'import schemathesis' > /dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
st="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis"

dir=$(mktemp -d)
db="sqlite://$dir/schemathesis.db"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export RUST_LOG=error
$gl --database-url "$db" demo --seed-only --no-history > /dev/null
# Visits comm01 may check in on and log during the run (check-in opens an hour before a visit
# and lasts until its window ends): plans for a few enterprises with a visit every five minutes
# of this hour and the next, so a dozen or more of each plan's visits are open throughout.
hours="$(date -u '+%-H'),$(date -u -d '+1 hour' '+%-H')"
for enterprise in $($gl --database-url "$db" --json enterprise list | python3 -c 'import json, sys; print(*[e["id"] for e in json.load(sys.stdin)][:10])'); do
  $gl --database-url "$db" visit plan add --enterprise "$enterprise" --commissioner comm01 \
    --cron "*/5 $hours * * *" --tz UTC > /dev/null
done
# Failed and dead notifications for POST /notifications/{id}/retry: plan the demo's visits (their
# reminders go to the outbox), then deliver them once through a file channel that cannot write.
printf '[notify]\nmax_attempts = 1\n[notify.file]\ndir = "/dev/null/outbox"\n' > "$dir/undeliverable.toml"
$gl --database-url "$db" jobs work > /dev/null
$gl --database-url "$db" --config "$dir/undeliverable.toml" notify work > /dev/null 2>&1
# The server's notifications go to the run's own folder, not to data/outbox in the checkout.
printf '[notify.file]\ndir = "%s/outbox"\n' "$dir" > "$dir/serve.toml"
$gl --database-url "$db" --config "$dir/serve.toml" serve --listen "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  sleep 0.1
done

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance

# Each role runs the operations it may use: an admin cannot report or act on issues (403 by
# design) nor log visits (only the visit's commissioner: 404 to anyone else), lifecycle roles
# cannot write reference data.
# Hooks bend the positive cases toward the park's own ids and codes and the rules across fields
# (see tests/schemathesis/hooks.py); they read the park through the API, as the admin.
export SCHEMATHESIS_HOOKS=tests/schemathesis/hooks.py
export GRIDLOOP_ST_API="http://127.0.0.1:$port/api/v1"
GRIDLOOP_ST_ADMIN_TOKEN=$($gl --database-url "$db" token create --user admin --name schemathesis-hooks 2> /dev/null)
export GRIDLOOP_ST_ADMIN_TOKEN

run_as() {
  local login=$1; shift
  local token
  token=$($gl --database-url "$db" token create --user "$login" --name schemathesis 2> /dev/null)
  export GRIDLOOP_ST_LOGIN=$login GRIDLOOP_ST_TOKEN=$token
  echo "-- as $login"
  "$st" --no-color run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --url "http://127.0.0.1:$port/api/v1" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" \
    --max-examples 25 --request-timeout 10 --suppress-health-check all \
    "$@"
}

# The admin's run goes last: it edits users (roles, activity) that the other runs sign in as.
run_as post01 --include-path-regex '^/issues'
run_as dispatch --include-path-regex '^/issues'
run_as comm01 --include-path-regex '^/visits/'
run_as admin --exclude-path-regex '^/(issues|visits/)'
