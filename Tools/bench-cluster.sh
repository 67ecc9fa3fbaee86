#!/usr/bin/env bash
# The cluster mode's figures (issue 12), each beside the embedded (LMDB-only) figure of the same run, on a throwaway
# PostgreSQL (Tools/postgres.sh): durable appends through PostgreSQL with 1, 16 and 256 callers on one host and on
# three hosts contending (events/s, events per PostgreSQL commit, PostgreSQL's WAL flushes and their mean time);
# cross-host delivery under the many-rooms load (senders on host A, subscribers on host C); the fan-out load with its
# 1,000 subscribers spread over three hosts. Usage: Tools/bench-cluster.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
seconds=${1:-5}
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-load >/dev/null
swift build -c release --product roomlog-bench >/dev/null
bin=.build/release
source Tools/postgres.sh
postgres_start
work=$(mktemp -d /tmp/roomlog-bench-cluster.XXXXXX)
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done; pids=(); }
trap 'stop_all; postgres_stop; rm -rf "$work"' EXIT
limits=(--bcrypt-cost 4 --sends-per-second 2000 --send-burst 2000 --login-attempts-per-minute 100000 --registrations-per-minute 100000)
gateway() {  # gateway PORT [ARGS...]: a release gateway on its own directory
    local port=$1; shift
    "$bin/roomlog" serve --data "$work/db-$port" --port "$port" "${limits[@]}" "$@" > "$work/serve-$port.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
    echo "the gateway on $port did not start:" >&2; cat "$work/serve-$port.log" >&2; exit 1
}
database() {  # a new database; prints its address
    local name="roomlog_bench_$RANDOM$RANDOM"
    psql -X -q -d "$ROOMLOG_TEST_POSTGRES/postgres" -c "CREATE DATABASE $name"
    echo "$ROOMLOG_TEST_POSTGRES/$name"
}
echo "# durable appends: through PostgreSQL on one host, on three hosts contending, and embedded (LMDB only)"
"$bin/roomlog-bench" appends --callers 1,16,256 --seconds "$seconds" --cluster "$ROOMLOG_TEST_POSTGRES/postgres"
"$bin/roomlog-bench" appends --callers 1,16,256 --seconds "$seconds" --cluster "$ROOMLOG_TEST_POSTGRES/postgres" --hosts 3
"$bin/roomlog-bench" appends --callers 1,16,256 --seconds "$seconds"
echo
echo "# many rooms (100 x 10, 1 msg/s each): senders on host A, subscribers on host C; then one embedded gateway"
cluster=$(database)
gateway 18501 --cluster "$cluster"; gateway 18502 --cluster "$cluster"; gateway 18503 --cluster "$cluster"
"$bin/roomlog-load" rooms --rooms 100 --members 10 --rate 1 --seconds 10 --port 18501 --subscriber-ports 18503 | grep -v "ready;"
echo
echo "# fan-out (1 room, 1,000 subscribers spread over hosts A, B and C, 200 msg/s from A)"
"$bin/roomlog-load" fanout --subscribers 1000 --rate 200 --seconds 10 --port 18501 --subscriber-ports 18501,18502,18503 | grep -v "ready;"
stop_all
echo
echo "# the same two loads on one embedded gateway"
gateway 18504
"$bin/roomlog-load" rooms --rooms 100 --members 10 --rate 1 --seconds 10 --port 18504 | grep -v "ready;"
"$bin/roomlog-load" fanout --subscribers 1000 --rate 200 --seconds 10 --port 18504 | grep -v "ready;"
