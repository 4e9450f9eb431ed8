#!/usr/bin/env bash
# A Citus cluster (coordinator + 2 workers, and a spare node for rebalance tests) on this machine,
# for tests of crmkit distributed by workspace. Citus 12.1 (AGPL-3.0, unmodified source beside this script) is built
# against the machine's PostgreSQL 15 on first use.
#
#   citus-cluster.sh start [DIR]   build/install Citus if needed, start nodes on 127.0.0.1:5441-5444,
#                                  print the coordinator DSN on the last line
#   citus-cluster.sh createdb NAME [DIR]
#                                  a database NAME on every node with Citus and the workers
#                                  registered (Citus keeps its node list per database); prints its DSN
#   citus-cluster.sh dropdb NAME [DIR]
#                                  drop the database NAME on every node
#   citus-cluster.sh stop [DIR]    stop the four nodes
#
# DIR holds the node data (default: $TMPDIR/crmkit-citus). Needs root for the build (apt, make
# install); the nodes run as the postgres user. Ports: CITUS_PORT (coordinator, default 5441),
# then the next two for the workers, then the spare: a running server with Citus that no
# database registers, so a test can add it as a worker and rebalance onto it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-start}
if [ "$cmd" = createdb ] || [ "$cmd" = dropdb ]; then db=${2:?usage: $0 $cmd NAME [DIR]}; shift; fi
dir=${2:-${TMPDIR:-/tmp}/crmkit-citus}
port=${CITUS_PORT:-5441}
pgbin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[ -x "$pgbin/initdb" ] || pgbin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

build() {
  local libdir
  libdir=$(pg_config --pkglibdir 2>/dev/null || true)
  if [ -n "$libdir" ] && [ -f "$libdir/citus.so" ]; then return 0; fi
  echo "building Citus 12.1 for PostgreSQL $(pg_config --version 2>/dev/null || echo '(dev headers missing)')" >&2
  if ! command -v pg_config >/dev/null || [ ! -d "$(pg_config --includedir-server 2>/dev/null)" ]; then
    (apt-get update -qq && apt-get install -y -qq postgresql-server-dev-15 liblz4-dev libzstd-dev \
      libkrb5-dev libssl-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev) >/dev/null
  fi
  local src
  src=$(mktemp -d)
  tar xzf "$here/vendor/citus-12.1.10.tar.gz" -C "$src"
  (cd "$src" && ./configure --without-libcurl >/dev/null && make -s -j"$(nproc)" >/dev/null \
     && make -s install >/dev/null)
  rm -rf "$src"
}

start() {
  build
  mkdir -p "$dir" && chown postgres "$dir"
  local n p
  for n in 0 1 2 3; do
    p=$((port + n))
    if [ ! -f "$dir/node$n/PG_VERSION" ]; then
      as_pg "$pgbin/initdb" -D "$dir/node$n" -U postgres --auth=trust -E UTF8 >/dev/null
      {
        echo "shared_preload_libraries = 'citus'"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $p"
        echo "unix_socket_directories = '$dir'"
        echo "max_connections = 200"
        echo "fsync = off"
      } >> "$dir/node$n/postgresql.conf"
    fi
    as_pg "$pgbin/pg_ctl" -D "$dir/node$n" -l "$dir/node$n.log" -w start >/dev/null 2>&1 || true
    as_pg "$pgbin/pg_ctl" -D "$dir/node$n" status >/dev/null 2>&1 || {
      echo "node $n did not start (port $p taken by another server?); see $dir/node$n.log" >&2; exit 1; }
    as_pg "$pgbin/pg_isready" -h 127.0.0.1 -p "$p" -t 30 >/dev/null
    psql -h 127.0.0.1 -p "$p" -U postgres -qAtc "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
  done
  psql -h 127.0.0.1 -p "$port" -U postgres -qAt >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $port);
SELECT citus_add_node('127.0.0.1', $((port + 1))) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $((port + 1)));
SELECT citus_add_node('127.0.0.1', $((port + 2))) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $((port + 2)));
SQL
  echo "workers: $(psql -h 127.0.0.1 -p "$port" -U postgres -qAtc "SELECT count(*) FROM citus_get_active_worker_nodes()")" >&2
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

createdb() {
  local n p
  for n in 0 1 2 3; do
    p=$((port + n))
    psql -h 127.0.0.1 -p "$p" -U postgres -qAtc "CREATE DATABASE \"$db\"" >/dev/null 2>&1 || true
    psql -h 127.0.0.1 -p "$p" -U postgres -d "$db" -qAtc "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
  done
  psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -qAt >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $port);
SELECT citus_add_node('127.0.0.1', $((port + 1))) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $((port + 1)));
SELECT citus_add_node('127.0.0.1', $((port + 2))) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $((port + 2)));
SQL
  echo "postgresql://postgres@127.0.0.1:$port/$db"
}

dropdb() {
  local n
  for n in 0 1 2 3; do
    psql -h 127.0.0.1 -p $((port + n)) -U postgres -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
}

stop() {
  local n
  for n in 0 1 2 3; do
    [ -d "$dir/node$n" ] && as_pg "$pgbin/pg_ctl" -D "$dir/node$n" -m fast -w stop >/dev/null 2>&1 || true
  done
}

case "$cmd" in
  start) start ;;
  createdb) createdb ;;
  dropdb) dropdb ;;
  stop) stop ;;
  *) echo "usage: $0 start|createdb NAME|dropdb NAME|stop [DIR]" >&2; exit 2 ;;
esac
