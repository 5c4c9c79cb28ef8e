#!/usr/bin/env bash
# nginx for the end-to-end test of gridloop behind a TLS proxy (tests/e2e/proxy.rs): Debian's
# package (nginx-light), the binary only. The test runs its own nginx per case, in the
# foreground as its child, on loopback ports it picks, with dist/nginx/gridloop.conf and a
# certificate it makes; so `start` only makes sure nginx is there, as chromium.sh does.
#
#   nginx.sh install   install nginx-light if /usr/sbin/nginx is missing, never starting
#                      Debian's own nginx service (it would take port 80 with its default site)
#   nginx.sh start     the same as install, and write the env file
#   nginx.sh stop      stop any nginx a test left behind (by the pid files under the state
#                      folder only) and remove the env file
#
# The env file (target/services/nginx.env) holds GRIDLOOP_TEST_NGINX (the binary) and
# GRIDLOOP_TEST_NGINX_STATE (where the tests keep each nginx's config, certificate and logs).
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVICES=${GRIDLOOP_SERVICES_DIR:-$PWD/target/services}
STATE=$SERVICES/nginx
ENV_FILE=$SERVICES/nginx.env
NGINX=/usr/sbin/nginx

log() { printf '[nginx] %s\n' "$*"; }

install() {
  if [ ! -x "$NGINX" ]; then
    log "installing nginx-light from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    # The package's scripts start its service unless policy-rc.d forbids it (containers often
    # have one that does); forbid it for this install only when there is none.
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 0755 "$policy"
      own_policy=1
    fi
    local rc=0
    if ! apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1; then
      log "apt-get update"
      apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx-light >/dev/null || rc=$?
    fi
    [ -n "$own_policy" ] && rm -f "$policy"
    [ "$rc" -eq 0 ] || return "$rc"
  fi
  if ! "$NGINX" -V 2>&1 | grep -q -- '--with-http_ssl_module'; then
    log "$NGINX has no TLS (http_ssl_module)" >&2
    return 1
  fi
}

start() {
  install
  mkdir -p "$STATE"
  cat >"$ENV_FILE" <<EOT
export GRIDLOOP_TEST_NGINX=$NGINX
export GRIDLOOP_TEST_NGINX_STATE=$STATE
EOT
  log "ready: $("$NGINX" -v 2>&1); env in $ENV_FILE"
}

stop() {
  local pidfile pid
  if [ -d "$STATE" ]; then
    for pidfile in "$STATE"/*/nginx.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      # Only an nginx, in case the pid was reused since.
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
        log "stopping a left-behind nginx ($pid)"
        kill "$pid" 2>/dev/null || true
      fi
    done
    rm -rf "$STATE"
  fi
  rm -f "$ENV_FILE"
  return 0
}

case ${1:-} in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
