#!/usr/bin/env bash
# Roomlog against NATS (Debian's nats-server, core, WebSocket on loopback) in one run, each server pinned to core 0
# and the one load generator (roomlog-load, release) pinned to core 1, one after the other with the same loads:
# fan-out (1 room, 1,000 subscribers) at 200 and 50 messages/s, and 100 rooms of 10 members at 1 message/s each.
# Roomlog runs twice: with batched event frames (batch=1, what roomlog-load asks for) and with one frame per event
# (--no-batch, protocol 1.0), a fresh gateway per load, and after each load its time in each stage of the durable
# path (a histogram per stage, from /metrics). NATS keeps nothing; Roomlog acknowledges only what is on disk. One
# more row, many rooms on a gateway started with --no-sync (no flush, not durable), shows what of the tail is the disk,
# and two rows with no server at all (roomlog-bench disk) show the disk's own latency for a durable write.
# Prints the table at the end.
# Usage: Tools/bench-nats.sh [SECONDS [RUNS]]   (each load sends for SECONDS, default 10; the whole set RUNS times,
# default 1, every run's rows in the table, in run order within each load)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
runs=${2:-1}
source Tools/setup.sh
command -v nats-server >/dev/null || { echo "bench-nats: nats-server is not installed (apt-get install nats-server)" >&2; exit 1; }
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-load >/dev/null
swift build -c release --product roomlog-bench >/dev/null
bin=$PWD/.build/release
work=$(mktemp -d /tmp/roomlog-bench-nats.XXXXXX)
port=18300
many_rooms_load="100 rooms x 10, 1 msg/s each"  # the row name of the many-rooms load and of the disk's rows beside it
server=""
stop() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    server=""
}
trap 'stop; rm -rf "$work"' EXIT
listening() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
    echo "bench-nats: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
start_roomlog() {  # start_roomlog [SERVE FLAGS]
    stop
    taskset -c 0 "$bin/roomlog" serve --data "$work/db$RANDOM" --port "$port" --bcrypt-cost 4 --sends-per-second 2000 --send-burst 2000 \
        --login-attempts-per-minute 100000 --registrations-per-minute 100000 "$@" > "$work/server.log" 2>&1 &
    server=$!
    listening
}
start_nats() {
    stop
    printf 'listen: 127.0.0.1:%s\nwebsocket {\n  listen: "127.0.0.1:%s"\n  no_tls: true\n}\n' $((port + 1)) "$port" > "$work/nats.conf"
    taskset -c 0 nats-server -c "$work/nats.conf" > "$work/server.log" 2>&1 &
    server=$!
    listening
}
# load SERVER|LOAD ARGS...: runs roomlog-load on core 1 and keeps its figures as "LOAD<TAB>SERVER<TAB>deliveries/s<TAB>p50<TAB>p99<TAB>p99.9<TAB>loss"
load() {
    local name=$1; shift
    echo "\$ roomlog-load $* --port $port" >&2
    taskset -c 1 "$bin/roomlog-load" "$@" --port "$port" --seconds "$seconds" > "$work/out" 2>&1 || true
    grep -v "ready;" "$work/out" >&2
    awk -v name="$name" '
        /^deliveries:/ { for (i = 1; i <= NF; i++) if ($i ~ /\/s$/ && $(i-1) == "=") rate = $i; sub(/\/s$/, "", rate) }
        /^latency ms:/ { p50 = $4; p99 = $6; p999 = $8 }
        /^loss/ { loss = $3 + $9 }
        END { split(name, part, "|"); printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", part[2], part[1], rate, p50, p99, p999, loss }' "$work/out" >> "$work/figures"
}
# disk_alone: the disk's own latency for one durable 4 KiB write and for the shape of an LMDB commit, no server
# running, pinned as the servers are, about as often as the many-rooms load commits (1,000 members each sending once
# a second), for as long; rows beside that load's.
disk_alone() {
    echo "\$ roomlog-bench disk --rounds $((seconds * 1000)) --rate 1000 --directory $work" >&2
    taskset -c 0 "$bin/roomlog-bench" disk --rounds $((seconds * 1000)) --rate 1000 --directory "$work" > "$work/out"
    cat "$work/out" >&2
    awk -v load="$many_rooms_load" '
        function ms(key) { for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) return sprintf("%.2f", substr($i, length(key) + 2) / 1000) }
        /^one-write/ { name = "disk alone, no server: one 4 KiB write + fdatasync" }
        /^lmdb-commit/ { name = "disk alone, no server: an LMDB commit'"'"'s writes and two fdatasyncs" }
        /^(one-write|lmdb-commit)/ { printf "%s\t%s\t-\t%s\t%s\t%s\t-\n", load, name, ms("p50"), ms("p99"), ms("p99.9") }' "$work/out" >> "$work/figures"
}
# stages: the gateway's histogram of each stage of the durable path (roomlog_durable_path_stage_seconds), as
# the share of samples per bucket, with the bucket that holds the median and the 99th percentile.
stages() {
    curl -s "http://127.0.0.1:$port/metrics" | awk '
        /^roomlog_durable_path_stage_seconds_bucket/ {
            match($0, /stage="[a-z_]+"/); stage = substr($0, RSTART + 7, RLENGTH - 8)
            match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
            if (!(stage in seen)) { seen[stage] = 1; order[++n] = stage }
            buckets[stage] = buckets[stage] " " le; counts[stage, le] = $NF; total[stage] = $NF
        }
        function label(le) { return le == "+Inf" ? "more" : (le * 1e6 >= 1000 ? le * 1e3 " ms" : le * 1e6 " us") }
        END {
            split("frame_read writer_queue transaction data_flush completion follower_wakeup hub_delivery socket_flush", wanted, " ")
            for (w = 1; w <= 8; w++) {
                stage = wanted[w]; if (!(stage in seen)) continue
                k = split(substr(buckets[stage], 2), les, " "); previous = 0; line = ""; p50 = ""; p99 = ""
                for (i = 1; i <= k; i++) {
                    c = counts[stage, les[i]]
                    if (p50 == "" && c >= total[stage] * 0.5) p50 = label(les[i])
                    if (p99 == "" && c >= total[stage] * 0.99) p99 = label(les[i])
                    if (c > previous) line = line sprintf(" <=%s %.0f%%", label(les[i]), 100 * (c - previous) / total[stage])
                    previous = c
                }
                printf "  %-16s %8d samples, p50 <= %s, p99 <= %s:%s\n", stage, total[stage], p50, p99, line
            }
        }' >&2
}
many_rooms() {  # many_rooms SERVER [FLAGS]: the many-rooms load
    local server_name=$1; shift
    load "$server_name|$many_rooms_load" rooms --rooms 100 --members 10 --rate 1 "$@"
}
run_loads() {  # run_loads SERVER [FLAGS]: with Roomlog, a fresh gateway per load and its stage histograms after it
    local server_name=$1; shift
    local roomlog=no
    [[ $server_name == Roomlog* ]] && roomlog=yes
    [[ $roomlog == yes ]] && start_roomlog
    load "$server_name|fan-out 1 room x 1,000 subscribers, 200 msg/s" fanout --subscribers 1000 --rate 200 "$@"
    [[ $roomlog == yes ]] && { stages; start_roomlog; }
    load "$server_name|fan-out 1 room x 1,000 subscribers, 50 msg/s" fanout --subscribers 1000 --rate 50 "$@"
    [[ $roomlog == yes ]] && { stages; start_roomlog; }
    many_rooms "$server_name" "$@"
    [[ $roomlog == yes ]] && stages
    return 0
}
# A warm-up, not counted: the first load after a build ran slower whichever server it met.
start_roomlog
taskset -c 1 "$bin/roomlog-load" fanout --subscribers 1000 --rate 200 --seconds 3 --port "$port" > /dev/null 2>&1 || true
for run in $(seq "$runs"); do
    echo "== run $run of $runs" >&2
    run_loads "Roomlog (batch=1)"
    run_loads "Roomlog (one frame per event)" --no-batch
    # The disk's share of many rooms' tail: the same gateway without its flushes (not durable; never serve so).
    start_roomlog --no-sync
    many_rooms "Roomlog (batch=1), --no-sync: not durable"
    stages
    start_nats; run_loads "NATS $(nats-server --version | awk '{print $NF}')" --nats
    stop
    disk_alone
done
echo
echo "| load | server | deliveries/s | p50 ms | p99 ms | p99.9 ms | loss + repeats |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
sort -s -t $'\t' -k1,1 "$work/figures" | awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
