#!/usr/bin/env bash
# A private Kannel SMS gateway on loopback for the notifier's tests: bearerbox, a fake SMS centre
# (fakesmsc, which prints every message it receives) and smsbox, on free ports, with their state
# under target/services/kannel/.
#
#   kannel.sh start       install Kannel if missing, start the three boxes, write the env file
#   kannel.sh stop        stop what `start` started (by recorded pid only)
#   kannel.sh smsc-stop   disconnect the fake SMS centre (tests of queued delivery)
#   kannel.sh smsc-start  reconnect it; its output is appended to the same log
#
# The env file (target/services/kannel.env) holds the GRIDLOOP_TEST_KANNEL_* variables the tests
# read. The Debian package's own boot service, if any, is never used: these boxes have their own
# ports and config.
set -euo pipefail
cd "$(dirname "$0")/../.."

STATE=${GRIDLOOP_SERVICES_DIR:-$PWD/target/services}/kannel
ENV_FILE=${GRIDLOOP_SERVICES_DIR:-$PWD/target/services}/kannel.env
FAKESMSC=/usr/lib/kannel/test/fakesmsc
USER_NAME=gridloop
PASSWORD=test-sendsms-secret
ADMIN_PASSWORD=test-admin-secret

log() { printf '[kannel] %s\n' "$*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

install() {
  if [ -x /usr/sbin/bearerbox ] && [ -x "$FAKESMSC" ]; then return; fi
  log "installing kannel and kannel-extras"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kannel kannel-extras >/dev/null
}

# Starts a process in the background, records its pid, and sends its output to a log.
spawn() {
  local name=$1; shift
  "$@" >>"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

stop_pid() {
  local name=$1 pid
  [ -f "$STATE/$name.pid" ] || return 0
  pid=$(cat "$STATE/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/$name.pid"
}

admin_status() {
  # shellcheck disable=SC1091
  . "$STATE/ports"
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/status.txt?password=$ADMIN_PASSWORD" 2>/dev/null || true
}

wait_smsc() {
  local want=$1
  for _ in $(seq 1 100); do
    if admin_status | grep -q "fake.*$want"; then return 0; fi
    sleep 0.2
  done
  log "the fake SMS centre did not become '$want'; bearerbox status:" >&2
  admin_status >&2
  return 1
}

start_smsc() {
  # shellcheck disable=SC1091
  . "$STATE/ports"
  # -m 0 with a dummy message: it sends nothing and only prints what it receives.
  spawn fakesmsc "$FAKESMSC" -H 127.0.0.1 -r "$SMSC_PORT" -m 0 '100 200 text unused'
  wait_smsc online
}

start() {
  install
  if [ -f "$STATE/bearerbox.pid" ] && kill -0 "$(cat "$STATE/bearerbox.pid")" 2>/dev/null; then
    log "already running"
    return 0
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE"
  cat >"$STATE/ports" <<EOF
ADMIN_PORT=$(free_port)
SMSBOX_PORT=$(free_port)
SMSC_PORT=$(free_port)
SENDSMS_PORT=$(free_port)
EOF
  # shellcheck disable=SC1091
  . "$STATE/ports"
  # A config group must not contain blank lines; groups are separated by one.
  cat >"$STATE/kannel.conf" <<EOF
group = core
admin-port = $ADMIN_PORT
admin-password = $ADMIN_PASSWORD
status-password = $ADMIN_PASSWORD
admin-allow-ip = 127.0.0.1
smsbox-port = $SMSBOX_PORT
box-allow-ip = 127.0.0.1
log-file = "$STATE/bearerbox-core.log"
log-level = 1
access-log = "$STATE/access.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $SMSC_PORT
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $SMSBOX_PORT
sendsms-port = $SENDSMS_PORT
sendsms-interface = 127.0.0.1
global-sender = 10690000
log-file = "$STATE/smsbox-core.log"
log-level = 1

group = sendsms-user
username = $USER_NAME
password = $PASSWORD
concatenation = true
max-messages = 10
EOF
  log "bearerbox (admin $ADMIN_PORT, smsc $SMSC_PORT)"
  spawn bearerbox /usr/sbin/bearerbox "$STATE/kannel.conf"
  for _ in $(seq 1 100); do
    admin_status | grep -q . && break
    sleep 0.1
  done
  log "fakesmsc"
  start_smsc
  log "smsbox (sendsms $SENDSMS_PORT)"
  spawn smsbox /usr/sbin/smsbox "$STATE/kannel.conf"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$SENDSMS_PORT/" && break
    sleep 0.1
  done
  if ! curl -s -o /dev/null "http://127.0.0.1:$SENDSMS_PORT/"; then
    log "smsbox does not answer on $SENDSMS_PORT" >&2
    return 1
  fi
  cat >"$ENV_FILE" <<EOF
export GRIDLOOP_TEST_KANNEL_URL=http://127.0.0.1:$SENDSMS_PORT
export GRIDLOOP_TEST_KANNEL_USER=$USER_NAME
export GRIDLOOP_TEST_KANNEL_PASSWORD=$PASSWORD
export GRIDLOOP_TEST_FAKESMSC_LOG=$STATE/fakesmsc.log
export GRIDLOOP_TEST_KANNEL_CTL=$PWD/tests/services/kannel.sh
EOF
  log "ready; env in $ENV_FILE"
}

stop() {
  [ -d "$STATE" ] || return 0
  stop_pid smsbox
  stop_pid fakesmsc
  stop_pid bearerbox
  rm -f "$ENV_FILE"
  log "stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  smsc-stop) stop_pid fakesmsc; wait_smsc 'dead\|re-connecting\|connecting' || true ;;
  smsc-start) start_smsc ;;
  *) echo "usage: $0 start|stop|smsc-stop|smsc-start" >&2; exit 2 ;;
esac
