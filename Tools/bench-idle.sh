#!/usr/bin/env bash
# Many idle WebSockets on this host: GATEWAYS release gateways on one log (each raises its open-file limit) and one
# generator that spreads the connections over them and over four loopback source addresses (one address pair runs
# out of ephemeral ports near 28,000). Prints the time to connect and greet them all and the gateways' RSS per
# connection; then, with them all still open, runs the fan-out load (1 room, 1,000 live subscribers spread over the
# gateways, 200 messages/s). Needs a hard open-file limit above CONNECTIONS (root raises it here).
# Usage: Tools/bench-idle.sh [CONNECTIONS] [GATEWAYS]   (defaults: 100000 and 4)
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-100000}
gateways=${2:-4}
source Tools/setup.sh
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-load >/dev/null
bin=$PWD/.build/release
ulimit -Hn $((connections + 20000)) 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/roomlog-bench-idle.XXXXXX)
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
ports=()
for index in $(seq "$gateways"); do
    port=$((18500 + index))
    "$bin/roomlog" serve --data "$work/db" --port "$port" --bcrypt-cost 4 --connections-max $((connections / gateways + 2000)) \
        --sockets-per-session-max $((connections + 2000)) --sends-per-second 2000 --send-burst 2000 \
        --login-attempts-per-minute 100000 --registrations-per-minute 100000 > "$work/g$index.log" 2>&1 &
    pids+=($!)
    ports+=("$port")
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done
list() { local IFS=,; echo "$*"; }
echo "\$ roomlog-load idle --connections $connections --source-addresses 4 over $gateways gateways"
"$bin/roomlog-load" idle --connections "$connections" --port "${ports[0]}" --subscriber-ports "$(list "${ports[@]}")" \
    --server-pids "$(list "${pids[@]}")" --source-addresses 4 --threads 2 --hold-seconds 60 > "$work/idle.out" 2>&1 &
idle=$!
for _ in $(seq 6000); do grep -q '^holding' "$work/idle.out" && break; kill -0 "$idle" 2>/dev/null || break; sleep 0.1; done
grep -v '^holding' "$work/idle.out"
grep -q '^holding' "$work/idle.out" || exit 1
echo "\$ roomlog-load fanout --subscribers 1000 --rate 200 --seconds 10 (spread over the gateways, beside the idle ones)"
"$bin/roomlog-load" fanout --subscribers 1000 --rate 200 --seconds 10 --port "${ports[0]}" --subscriber-ports "$(list "${ports[@]}")" | grep -v "ready;"
kill "$idle" 2>/dev/null || true
wait "$idle" 2>/dev/null || true
