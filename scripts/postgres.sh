#!/usr/bin/env bash
# A throw-away PostgreSQL on loopback, for tests.
#   scripts/postgres.sh start DIR   initdb in DIR/data (owned by postgres; initdb refuses root), socket in
#                                   DIR/sock, a free port on 127.0.0.1, trust auth on loopback; creates the
#                                   database `mlp` and prints postgres://postgres@127.0.0.1:PORT/mlp on stdout.
#   scripts/postgres.sh stop DIR    pg_ctl stop -m fast.
#   scripts/postgres.sh ctl DIR     the pg_ctl command line for DIR (what MLP_TEST_POSTGRES_CTL holds).
# DIR must be traversable by the postgres user (mktemp -d makes it 0700: this script chmods it).
set -euo pipefail

usage() { echo "usage: $0 start|stop|ctl DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1
dir=$(cd "$2" && pwd)

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
    [[ -x $candidate/pg_ctl && -x $candidate/initdb ]] && bin=$candidate
done
if [[ -z $bin ]]; then
    echo "postgres.sh: no PostgreSQL server under /usr/lib/postgresql/*/bin; install it with 'apt-get install -y postgresql'" >&2
    exit 1
fi

# As root, run the server's tools as the postgres user; otherwise as ourselves.
as_pg=()
owner=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: no 'postgres' user (the postgresql package creates it)" >&2; exit 1; }
    as_pg=(runuser -u postgres --)
    owner=postgres
fi

case $action in
start)
    chmod 755 "$dir"
    mkdir -p "$dir/data" "$dir/sock"
    chown "$owner" "$dir/data" "$dir/sock"
    chmod 700 "$dir/data"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        echo "postgres.sh: initdb failed; see $dir/initdb.log:" >&2; tail -5 "$dir/initdb.log" >&2; exit 1; }
    # In the configuration file, so that a plain `pg_ctl start` (the restart test) comes back the same.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    touch "$dir/server.log" && chown "$owner" "$dir/server.log"
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || { echo "postgres.sh: the server did not start; see $dir/server.log:" >&2; tail -5 "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    "${as_pg[@]}" "$bin/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -q -c 'CREATE DATABASE mlp' >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/mlp"
    ;;
stop)
    if [[ -f $dir/data/postmaster.pid ]]; then
        "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
ctl)
    printf '%s\n' "${as_pg[*]} $bin/pg_ctl -D $dir/data -l $dir/server.log -w -t 60"
    ;;
*) usage ;;
esac
