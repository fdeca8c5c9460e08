#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL database: start the machine's cluster if it is down,
# create a fresh database, export DATABASE_URL, run, and drop the database afterwards.
set -euo pipefail
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "PostgreSQL is down: starting it"
  for v in /etc/postgresql/*; do
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true
  done
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  pg_isready -h "$PGHOST" -p "$PGPORT" || { echo "error: PostgreSQL at $PGHOST:$PGPORT does not answer"; exit 1; }
fi

db="learncity_ci_$(date +%s)_$$"
cleanup() {
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  # the test databases pytest-django made: test_<db>, and test_<db>_gw0, _gw1, … with pytest-xdist's workers
  for name in $(psql -qAt -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_${db}%'"); do
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
psql -q -d postgres -c "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db"
echo "PostgreSQL: using throwaway database $db"
"$@"
