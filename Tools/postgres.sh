#!/usr/bin/env bash
# Sourced by Tools/test.sh: a throwaway PostgreSQL for the cluster tests, in a temporary directory, listening on
# 127.0.0.1 on a free port. Run as the `postgres` user when this runs as root (PostgreSQL refuses root); stopped by PID.
# Exports ROOMLOG_TEST_POSTGRES (postgres://postgres@127.0.0.1:PORT), ROOMLOG_TEST_POSTGRES_DATA and
# ROOMLOG_TEST_POSTGRES_BIN, so that tests can make databases and stop and start the server.

postgres_start() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x "$bin/initdb" ]] || { echo "postgres.sh: no PostgreSQL server (apt-get install postgresql)" >&2; return 1; }
    pg_dir=$(mktemp -d /tmp/roomlog-test-pg.XXXXXX)
    local as=()
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$pg_dir"
        as=(runuser -u postgres --)
    fi
    "${as[@]}" "$bin/initdb" -D "$pg_dir/data" -A trust -U postgres > "$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
    local port=$((20000 + RANDOM % 20000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    # In the configuration file, so that a test that stops the server can start it again as it was.
    printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nmax_connections = 200\n" "$port" "$pg_dir" \
        >> "$pg_dir/data/postgresql.conf"
    "${as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/server.log" start > /dev/null || { cat "$pg_dir/server.log" >&2; return 1; }
    pg_pid=$(head -1 "$pg_dir/data/postmaster.pid")
    export ROOMLOG_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
    export ROOMLOG_TEST_POSTGRES_DATA="$pg_dir/data"
    export ROOMLOG_TEST_POSTGRES_BIN="$bin"
}

postgres_stop() {
    [[ -n "${pg_pid:-}" ]] || return 0
    # The data directory's postmaster.pid names the server now running (a test may have restarted it).
    local pid
    pid=$(head -1 "$pg_dir/data/postmaster.pid" 2>/dev/null || echo "$pg_pid")
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -rf "$pg_dir"
    pg_pid=""
}
