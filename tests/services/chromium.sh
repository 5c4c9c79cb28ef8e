#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser/): Debian's chromium package
# (/usr/bin/chromium) and the test project's node modules (playwright-core, pinned in
# tests/browser/package-lock.json). Playwright never downloads a browser of its own here.
#
#   chromium.sh install   install chromium (and a CJK font for the screenshots) if missing, and
#                         the node modules with `npm ci` if they are missing or stale
#   chromium.sh start     the same as install: the tests launch Chromium themselves, per file
#   chromium.sh stop      nothing to stop (each test file closes the browser it launched)
#
# The env file (target/services/chromium.env) holds CHROMIUM_PATH for the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVICES=${GRIDLOOP_SERVICES_DIR:-$PWD/target/services}
ENV_FILE=$SERVICES/chromium.env
CHROMIUM=/usr/bin/chromium
PROJECT=$PWD/tests/browser

log() { printf '[chromium] %s\n' "$*"; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # The package lists are refreshed only when the install cannot go ahead without it.
  if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

install_chromium() {
  local want=()
  [ -x "$CHROMIUM" ] || want+=(chromium)
  # Without a CJK font the demo park's Chinese names are boxes in the screenshots.
  [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || want+=(fonts-wqy-zenhei)
  if [ ${#want[@]} -gt 0 ]; then
    log "installing ${want[*]} from Debian's packages"
    apt_install "${want[@]}"
  fi
  "$CHROMIUM" --headless --no-sandbox --version >/dev/null 2>&1 || {
    log "$CHROMIUM does not run" >&2
    return 1
  }
}

install_modules() {
  local stamp=$PROJECT/node_modules/.package-lock.json
  # npm writes node_modules/.package-lock.json; when it is newer than the lock, nothing changed.
  if [ -f "$stamp" ] && [ "$stamp" -nt "$PROJECT/package-lock.json" ] \
    && [ -f "$PROJECT/node_modules/playwright-core/package.json" ]; then
    return
  fi
  log "npm ci in tests/browser"
  (cd "$PROJECT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

install() {
  install_chromium
  install_modules
  mkdir -p "$SERVICES"
  cat >"$ENV_FILE" <<EOT
export CHROMIUM_PATH=$CHROMIUM
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
EOT
  log "ready: $("$CHROMIUM" --version 2>/dev/null | head -1), playwright-core $(node -p "require('$PROJECT/node_modules/playwright-core/package.json').version")"
}

stop() {
  rm -f "$ENV_FILE"
  return 0
}

case ${1:-} in
  install | start) install ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
