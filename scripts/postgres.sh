#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the test suite, on loopback only, and
# prints its connection string. Installs Debian's server package when it is
# missing. Usage: eval "$(scripts/postgres.sh start)"  /  scripts/postgres.sh stop
set -euo pipefail

PORT="${ZEROVAULT_PG_PORT:-54329}"
DIR="${ZEROVAULT_PG_DIR:-/tmp/zerovault-pg-${PORT}}"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "${dir}/initdb" ]]; then
      echo "${dir}"
      return 0
    fi
  done
  return 1
}

start() {
  local bin
  if ! bin="$(find_bin)"; then
    echo "installing postgresql from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
    bin="$(find_bin)"
  fi
  # initdb refuses to run as root; the packaged 'postgres' user owns the cluster.
  local run=()
  if [[ "$(id -u)" == "0" ]]; then run=(runuser -u postgres --); fi
  if [[ ! -f "${DIR}/PG_VERSION" ]]; then
    rm -rf "${DIR}"
    mkdir -p "${DIR}"
    if [[ "$(id -u)" == "0" ]]; then chown postgres "${DIR}"; fi
    "${run[@]}" "${bin}/initdb" -D "${DIR}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "${run[@]}" "${bin}/pg_ctl" -D "${DIR}" status >/dev/null 2>&1; then
    "${run[@]}" "${bin}/pg_ctl" -D "${DIR}" -l "${DIR}/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p ${PORT} -k ${DIR} -c fsync=off" start >/dev/null
  fi
  echo "export ZEROVAULT_PG_URL=postgres://postgres@127.0.0.1:${PORT}/postgres"
}

stop() {
  local bin
  bin="$(find_bin)" || return 0
  local run=()
  if [[ "$(id -u)" == "0" ]]; then run=(runuser -u postgres --); fi
  if [[ -f "${DIR}/PG_VERSION" ]]; then
    "${run[@]}" "${bin}/pg_ctl" -D "${DIR}" -m fast stop >/dev/null 2>&1 || true
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
