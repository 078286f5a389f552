#!/usr/bin/env bash
# Print a PostgreSQL URL for the tests, starting (and if need be installing, from Debian's
# packages) a local server when none is configured. Prints nothing if that cannot be done;
# the PostgreSQL tests then skip on a developer's machine and fail in CI.
set -uo pipefail
if [ -n "${LEAD_ROUTER_TEST_POSTGRES_URL:-}" ]; then echo "$LEAD_ROUTER_TEST_POSTGRES_URL"; exit 0; fi
URL="postgresql+asyncpg://lead:lead@127.0.0.1:5432/lead_router_test"
log() { echo "ensure-postgres: $*" >&2; }
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing postgresql from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || { log "install failed"; exit 0; }
  else
    log "no PostgreSQL and no way to install it"; exit 0
  fi
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q online; then
  pg_lsclusters -h 2>/dev/null | grep -q . || pg_createcluster "$version" main >&2
  pg_ctlcluster "$version" main start >&2 || { log "could not start the cluster"; exit 0; }
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }
as_pg "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='lead'\"" | grep -q 1 \
  || as_pg "psql -qc \"CREATE ROLE lead LOGIN PASSWORD 'lead' SUPERUSER\"" >&2
as_pg "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='lead_router_test'\"" | grep -q 1 \
  || as_pg "createdb -O lead lead_router_test" >&2
echo "$URL"
