#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every test on SQLite (browser tests
# included) and again on a throwaway PostgreSQL cluster on loopback. Exits non-zero if any fails.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test || exit 1
PYTHON="${VENV:-.venv}/bin/python"  # the project environment install.sh made

# pytest-xdist: the tests that need no browser and start no servers run on both cores (-n 2);
# the browser and multi-server tests start their own servers and Chromium and run one at a time.
PARALLEL=(-n "${TEST_WORKERS:-2}" --dist worksteal)

echo "== Test suite on SQLite =="
"$PYTHON" -m pytest "${PARALLEL[@]}" -m "not browser and not multiserver" "$@"
fast_status=$?
"$PYTHON" -m pytest -m "browser or multiserver" "$@"
servers_status=$?
# (exit 5: no test selected, e.g. when "$@" names one file)
sqlite_status=0
for status in $fast_status $servers_status; do
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then sqlite_status=$status; fi
done

echo "== Test suite on PostgreSQL =="
source scripts/pg-temp.sh
pg_temp_start || exit 1
trap pg_temp_stop EXIT
# (the multiserver tests start their own PostgreSQL: they ran in the SQLite pass)
TEST_DATABASE_URL="$PG_TEMP_URL" "$PYTHON" -m pytest "${PARALLEL[@]}" -m "not browser and not multiserver" "$@"
pg_status=$?
if [ $pg_status -eq 5 ]; then pg_status=0; fi

if [ $sqlite_status -ne 0 ] || [ $pg_status -ne 0 ]; then
  echo "Tests failed (SQLite: exit $sqlite_status, PostgreSQL: exit $pg_status)"
  exit 1
fi
