# Source this file: pg_temp_start starts a throwaway PostgreSQL cluster on 127.0.0.1 and sets
# PG_TEMP_URL; pg_temp_stop stops it and removes its files. Used by the tests and benchmarks.
PG_TEMP_PORT=${PG_TEMP_PORT:-54329}

pg_temp_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then echo "PostgreSQL is not installed (scripts/install.sh --test installs it)"; return 1; fi
  PG_TEMP_DIR=$(mktemp -d /tmp/pgtemp.XXXXXX)
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_TEMP_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_TEMP_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
  "${run[@]}" "$bin/pg_ctl" -D "$PG_TEMP_DIR/data" -l "$PG_TEMP_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_TEMP_PORT -k $PG_TEMP_DIR -c fsync=off -c max_connections=300" start >/dev/null || { cat "$PG_TEMP_DIR/log"; return 1; }
  PG_TEMP_BIN=$bin
  PG_TEMP_RUN=("${run[@]}")
  PG_TEMP_URL="postgresql://postgres@127.0.0.1:$PG_TEMP_PORT/postgres"
  export PG_TEMP_URL PG_TEMP_DIR PG_TEMP_BIN
}

pg_temp_stop() {
  [ -n "${PG_TEMP_DIR:-}" ] || return 0
  "${PG_TEMP_RUN[@]}" "$PG_TEMP_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$PG_TEMP_DIR"
  PG_TEMP_DIR=""
}
