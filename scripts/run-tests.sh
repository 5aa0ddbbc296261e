#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every test on SQLite (browser tests
# included) and again on a throwaway PostgreSQL cluster on loopback. Exits non-zero if any fails.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test || exit 1
PYTHON="${VENV:-.venv}/bin/python"  # the project environment install.sh made

echo "== Test suite on SQLite =="
"$PYTHON" -m pytest "$@"
sqlite_status=$?

echo "== Test suite on PostgreSQL =="
source scripts/pg-temp.sh
pg_temp_start || exit 1
trap pg_temp_stop EXIT
# (the multiserver tests start their own PostgreSQL: they ran in the SQLite pass)
TEST_DATABASE_URL="$PG_TEMP_URL" "$PYTHON" -m pytest -m "not browser and not multiserver" "$@"
pg_status=$?

if [ $sqlite_status -ne 0 ] || [ $pg_status -ne 0 ]; then
  echo "Tests failed (SQLite: exit $sqlite_status, PostgreSQL: exit $pg_status)"
  exit 1
fi
