#!/usr/bin/env bash
# Runs the gateway load benchmarks against a fresh release gateway on 127.0.0.1 and prints the figures: fan-out
# (1 room, 1,000 subscribers) at 200 and 50 messages/s, 100 rooms of 10 members at 1 message/s each, the same rooms
# run on a --no-sync gateway (what fsync costs), the same rooms on a gateway with its default limits without and
# then with attackers (issue 10's hostile load), and 10,000 idle WebSockets (memory per connection).
# The generator shares the machine's cores with the gateway. Usage: Tools/bench-gateway.sh [RUNS] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
runs=${1:-1}
port=${2:-18100}
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-load >/dev/null
bin=.build/release
work=$(mktemp -d /tmp/roomlog-bench-gateway.XXXXXX)
server=""
stop() { [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=""; }
trap 'stop; rm -rf "$work"' EXIT
start() {  # a fresh gateway on its own directory; extra flags pass through
    # The load generator needs more than the default 20 messages/s per session, and many logins and registrations
    # from its one address; `start_defaults` keeps every default limit.
    start_defaults --sends-per-second 2000 --send-burst 2000 --login-attempts-per-minute 100000 --registrations-per-minute 100000 "$@"
}
start_defaults() {  # a fresh gateway with the default limits; extra flags pass through
    stop
    local data="$work/db$RANDOM"
    "$bin/roomlog" serve --data "$data" --port "$port" --bcrypt-cost 4 "$@" > "$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done  # listening
    echo "the gateway did not start:" >&2; cat "$work/serve.log" >&2; exit 1
}
load() {  # prints the command and its figures
    echo "\$ roomlog-load $*"
    "$bin/roomlog-load" "$@" --port "$port" --server-pid "$server" | grep -v "ready;"
    echo
}
start
for _ in $(seq "$runs"); do
    load fanout --subscribers 1000 --rate 200 --seconds 10
    load fanout --subscribers 1000 --rate 50 --seconds 10
    load rooms --rooms 100 --members 10 --rate 1 --seconds 10
done
echo "# the same rooms run without fsync (serve --no-sync)"
start --no-sync
load rooms --rooms 100 --members 10 --rate 1 --seconds 10
echo "# many rooms on a gateway with its default limits, each honest user from an address of its own (the gateway"
echo "# trusts this host as a proxy): alone, then while attackers run (issue 10)"
start_defaults --trusted-proxy 127.0.0.1
load hostile --rooms 100 --members 10 --rate 1 --seconds 10 --without-attackers
start_defaults --trusted-proxy 127.0.0.1
load hostile --rooms 100 --members 10 --rate 1 --seconds 10
echo "# a fresh gateway for the memory figure (the idle sockets are all of one session)"
start --sockets-per-session-max 100000
load idle --connections 10000
