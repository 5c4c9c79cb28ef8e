#!/usr/bin/env bash
# A private MailDev (an SMTP server that keeps what it receives and shows it over HTTP) on
# loopback for the notifier's tests, on free ports, with its state under target/services/maildev/.
#
#   maildev.sh start     install MailDev 3 from npm if missing, start it, write the env file
#   maildev.sh stop      stop what `start` started (by recorded pid only)
#   maildev.sh restart   start it again on the same ports and mail folder (after `down`)
#   maildev.sh down      stop it but keep its ports and env file (tests of a refusing server)
#
# The env file (target/services/maildev.env) holds the GRIDLOOP_TEST_SMTP_* and
# GRIDLOOP_TEST_MAILDEV_* variables the tests read.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVICES=${GRIDLOOP_SERVICES_DIR:-$PWD/target/services}
STATE=$SERVICES/maildev
ENV_FILE=$SERVICES/maildev.env
BIN=$STATE/node_modules/.bin/maildev

log() { printf '[maildev] %s\n' "$*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

install() {
  if [ -x "$BIN" ]; then return; fi
  log "installing maildev@3 from npm"
  mkdir -p "$STATE"
  (cd "$STATE" && npm install --no-audit --no-fund --loglevel=error maildev@3 >/dev/null)
}

run() {
  # shellcheck disable=SC1091
  . "$STATE/ports"
  # Its own mail folder: the default is shared in /tmp, and if it vanishes every send fails.
  mkdir -p "$STATE/mail"
  "$BIN" --ip 127.0.0.1 --smtp "$SMTP_PORT" --web "$WEB_PORT" \
    --mail-directory "$STATE/mail" >>"$STATE/maildev.log" 2>&1 &
  echo $! >"$STATE/maildev.pid"
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/api/healthz" 2>/dev/null \
      && (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  log "MailDev did not come up; its log:" >&2
  tail -20 "$STATE/maildev.log" >&2
  return 1
}

down() {
  local pid
  [ -f "$STATE/maildev.pid" ] || return 0
  pid=$(cat "$STATE/maildev.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/maildev.pid"
}

start() {
  install
  if [ -f "$STATE/maildev.pid" ] && kill -0 "$(cat "$STATE/maildev.pid")" 2>/dev/null; then
    log "already running"
    return 0
  fi
  rm -rf "$STATE/mail" "$STATE/maildev.log"
  cat >"$STATE/ports" <<EOF
SMTP_PORT=$(free_port)
WEB_PORT=$(free_port)
EOF
  run
  # shellcheck disable=SC1091
  . "$STATE/ports"
  cat >"$ENV_FILE" <<EOF
export GRIDLOOP_TEST_SMTP_HOST=127.0.0.1
export GRIDLOOP_TEST_SMTP_PORT=$SMTP_PORT
export GRIDLOOP_TEST_MAILDEV_URL=http://127.0.0.1:$WEB_PORT
export GRIDLOOP_TEST_MAILDEV_CTL=$PWD/tests/services/maildev.sh
EOF
  log "ready (smtp $SMTP_PORT, web $WEB_PORT); env in $ENV_FILE"
}

stop() {
  down
  rm -f "$ENV_FILE"
  [ -d "$STATE" ] && log "stopped"
  return 0
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  down) down ;;
  restart) run ;;
  *) echo "usage: $0 start|stop|down|restart" >&2; exit 2 ;;
esac
