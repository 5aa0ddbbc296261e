#!/usr/bin/env bash
# Development server on http://127.0.0.1:5000 and the task-queue worker (report jobs) beside it.
# Ctrl-C stops both; if either stops on its own, the other is stopped too. Extra arguments go to
# `flask run` (e.g. --port 5001).
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

"$PYTHON" -m flask --app app worker &
worker=$!
"$PYTHON" -m flask --app app run "$@" &
web=$!

stop() {
  trap - INT TERM EXIT
  # TERM, not INT: background jobs of a script ignore SIGINT
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT TERM
trap stop EXIT
wait -n "$web" "$worker"
