#!/usr/bin/env bash
# Many idle WebSockets on this host. A process here may hold at most the hard open-file limit (20,000 on this
# machine, and root cannot raise it), so the connections are spread over GATEWAYS release gateways on one log (each
# raises its soft limit to the hard one) and as many generator processes, each connecting to every gateway from four
# loopback source addresses (one address pair runs out of ephemeral ports near 28,000). Prints the time until every
# connection was open and greeted, and the gateways' RSS per connection; then, with them all still open, runs the
# fan-out load (1 room, 1,000 live subscribers spread over the gateways, 200 messages/s) beside them.
# Usage: Tools/bench-idle.sh [CONNECTIONS] [GATEWAYS]   (defaults: 100000 and 6)
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-100000}
gateways=${2:-6}
source Tools/setup.sh
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-load >/dev/null
bin=$PWD/.build/release
per=$(((connections + gateways - 1) / gateways))
hard=$(ulimit -Hn)
((per + 1000 < hard)) || { echo "bench-idle: $per connections per process do not fit the open-file limit $hard: use more gateways" >&2; exit 1; }
work=$(mktemp -d /tmp/roomlog-bench-idle.XXXXXX)
pids=() loaders=()
trap 'for pid in "${loaders[@]}" "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
ports=()
for index in $(seq "$gateways"); do
    port=$((18500 + index))
    "$bin/roomlog" serve --data "$work/db" --port "$port" --bcrypt-cost 4 --connections-max $((per + 500)) \
        --sockets-per-session-max $((connections + 2000)) --sends-per-second 2000 --send-burst 2000 \
        --login-attempts-per-minute 100000 --registrations-per-minute 100000 > "$work/g$index.log" 2>&1 &
    pids+=($!)
    ports+=("$port")
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
list() { local IFS=,; echo "$*"; }
rss() { local total=0; for pid in "${pids[@]}"; do total=$((total + $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"))); done; echo "$total"; }
before=$(rss)
echo "\$ $gateways x roomlog-load idle --connections $per --source-addresses 4 (each over all $gateways gateways)"
started=$(date +%s%N)
for index in $(seq "$gateways"); do
    "$bin/roomlog-load" idle --connections "$per" --port "${ports[0]}" --subscriber-ports "$(list "${ports[@]}")" \
        --server-pids "$(list "${pids[@]}")" --source-addresses 4 --hold-seconds 90 --prefix "idle$index" > "$work/idle$index.out" 2>&1 &
    loaders+=($!)
done
for index in $(seq "$gateways"); do
    for _ in $(seq 3000); do grep -q '^holding' "$work/idle$index.out" && break; kill -0 "${loaders[index - 1]}" 2>/dev/null || break; sleep 0.1; done
    grep -q '^holding' "$work/idle$index.out" || { echo "bench-idle: generator $index failed:" >&2; cat "$work/idle$index.out" >&2; exit 1; }
done
# Each generator waits 2 s after its last greeting before it says it holds.
elapsed=$(( ($(date +%s%N) - started) / 1000000 - 2000 ))
after=$(rss)
greeted=$(cat "$work"/idle*.out | awk '/idle authenticated WebSockets greeted/ { sum += $1 } END { print sum }')
closed=$(cat "$work"/idle*.out | awk -F'closed by the servers: ' '/greeted/ { sum += $2 } END { print sum }')
echo "$greeted of $((per * gateways)) idle authenticated WebSockets open and greeted in about $((elapsed / 1000)).$(( (elapsed % 1000) / 100 )) s; closed by the servers: $closed"
echo "gateways' RSS: $before kB before, $after kB with them open = $(awk -v a="$after" -v b="$before" -v n="$greeted" 'BEGIN { printf "%.2f", (a - b) / n }') kB per connection"
echo "\$ roomlog-load fanout --subscribers 1000 --rate 200 --seconds 10 (spread over the gateways, beside the idle ones)"
"$bin/roomlog-load" fanout --subscribers 1000 --rate 200 --seconds 10 --port "${ports[0]}" --subscriber-ports "$(list "${ports[@]}")" | grep -v "ready;"
for index in $(seq "$gateways"); do kill "${loaders[index - 1]}" 2>/dev/null || true; done
