#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server on loopback, exporting
# ERPGATE_TEST_DATABASE_URL for it. Needs Debian's postgresql and root (initdb runs as postgres).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
# A free port unless one is given, so two runs on one machine never meet.
PGPORT=${PGPORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export PGPORT
PGDATA=$(mktemp -d /tmp/erpgate-pg.XXXXXX)
chown postgres:postgres "$PGDATA"
pg() { (cd /tmp && runuser -u postgres -- "$@"); }
pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >/dev/null
pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
cleanup() { pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true; rm -rf "$PGDATA"; }
trap cleanup EXIT
pg "$PGBIN/psql" -h /tmp -U postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE erpgate LOGIN CREATEDB PASSWORD 'erpgate'" -c "CREATE DATABASE erpgate_test OWNER erpgate"
# CREATEDB: the installed-wheel test migrates a database of its own.
export ERPGATE_TEST_DATABASE_URL="postgresql+asyncpg://erpgate:erpgate@127.0.0.1:$PGPORT/erpgate_test"
"$@"
