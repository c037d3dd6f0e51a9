#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on a loopback port and print its URL.
# Installs Debian's server package when no server binaries are present.
# usage: eval "$(bash .ci/postgres.sh start DIR)"; ...; bash .ci/postgres.sh stop DIR
set -euo pipefail
action=${1:?start|stop}
dir=${2:?data directory}
port=${PGPORT_TEST:-54329}

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and I am not root" >&2; exit 1; fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
    bin=$(find_bin)
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  as_pg "$bin/initdb" -D "$dir/data" -U taawun -A trust --encoding=UTF8 --locale=C.UTF-8 >&2
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >&2
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U taawun taawun_test >&2
  echo "export TAAWUN_TEST_DATABASE_URL=postgresql+psycopg://taawun@127.0.0.1:$port/taawun_test"
  ;;
stop)
  bin=$(find_bin)
  [ -n "$bin" ] && [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  ;;
esac
