#!/usr/bin/env bash
# Print the path of Debian's Chromium for the console's browser tests, installing the
# `chromium` package when it is missing and we can (root with apt-get), as
# ensure-postgres.sh does for PostgreSQL. Playwright's own browser download needs the
# internet: the tests drive this executable instead. Prints nothing if it cannot be done;
# the browser tests then skip on a developer's machine and fail in CI.
set -uo pipefail
log() { echo "ensure-chromium: $*" >&2; }
for candidate in "${LEAD_ROUTER_TEST_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing chromium from Debian's packages"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
    || { log "install failed"; exit 0; }
  [ -x /usr/bin/chromium ] && echo /usr/bin/chromium
else
  log "no chromium and no way to install it (run: sudo apt-get install chromium)"
fi
