#!/usr/bin/env bash
# Three cluster hosts and their PostgreSQL, each in a network namespace of its own on veth pairs to one bridge
# (10.77.0.0/24: PostgreSQL on .1, hosts on .11-.13, this namespace on .254), on one machine; needs root. It registers
# and logs in on host 1, uses the token on host 2, creates a room on host 3, posts on host 1, reads the message's
# history on hosts 2 and 3; then it freezes host 1 (SIGSTOP) at a moment PostgreSQL shows its writer holding the
# append lock under load, cuts host 1's link, and checks that host 2 appends once PostgreSQL has dropped the silent
# connection (TCP keepalives) and that host 1 appends again once its link is back; it checks every mirror with
# `roomlog verify --cluster`, and removes every namespace, link, process and file it made, also when interrupted.
# Exit 0 when every check passed. Usage: Tools/cluster-netns.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
[[ $(id -u) -eq 0 ]] || { echo "cluster-netns.sh: run as root (ip netns)" >&2; exit 1; }
swift build --product roomlog >/dev/null
roomlog=$PWD/.build/debug/roomlog
prefix=rl$$
work=$(mktemp -d /tmp/roomlog-netns.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    [[ -f "$work/pg/data/postmaster.pid" ]] && kill -INT "$(head -1 "$work/pg/data/postmaster.pid")" 2>/dev/null || true
    sleep 1
    for name in pg h1 h2 h3; do ip netns del "$prefix-$name" 2>/dev/null || true; done
    ip link del "$prefix-br" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
ip link add "$prefix-br" type bridge
ip addr add 10.77.0.254/24 dev "$prefix-br"
ip link set "$prefix-br" up
node() {  # node NAME ADDRESS: a namespace with a veth pair to the bridge
    local name=$1 address=$2
    ip netns add "$prefix-$name"
    ip link add "$prefix-$name-a" type veth peer name "$prefix-$name-b"
    ip link set "$prefix-$name-a" master "$prefix-br" up
    ip link set "$prefix-$name-b" netns "$prefix-$name"
    ip -n "$prefix-$name" addr add "$address/24" dev "$prefix-$name-b"
    ip -n "$prefix-$name" link set "$prefix-$name-b" up
    ip -n "$prefix-$name" link set lo up
}
node pg 10.77.0.1; node h1 10.77.0.11; node h2 10.77.0.12; node h3 10.77.0.13
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$bin/initdb" -D "$work/pg/data" -A trust -U postgres > "$work/initdb.log"
printf "listen_addresses = '10.77.0.1'\nunix_socket_directories = '%s'\n" "$work/pg" >> "$work/pg/data/postgresql.conf"
echo "host all all 10.77.0.0/24 trust" >> "$work/pg/data/pg_hba.conf"
ip netns exec "$prefix-pg" runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg/data" -w -l "$work/pg/server.log" start > /dev/null
ip netns exec "$prefix-pg" psql -X -q -h 10.77.0.1 -U postgres -c "CREATE DATABASE roomlog"
cluster=postgres://postgres@10.77.0.1/roomlog
for index in 1 2 3; do
    ip netns exec "$prefix-h$index" "$roomlog" serve --data "$work/h$index" --host "10.77.0.1$index" --port 8080 --bcrypt-cost 4 \
        --cluster "$cluster" > "$work/h$index.log" 2>&1 &
    pids+=($!)
done
for index in 1 2 3; do
    for _ in $(seq 100); do curl -s -o /dev/null "http://10.77.0.1$index:8080/healthz" && break; sleep 0.1; done
done
json='Content-Type: application/json'
check() { if [[ "$2" == *"$3"* ]]; then echo "ok: $1"; else echo "FAILED: $1: $2" >&2; exit 1; fi; }
check "register on host 1" "$(curl -s -X POST http://10.77.0.11:8080/api/v1/register -H "$json" -d '{"name":"alice","password":"password1"}')" '"alice"'
token=$(curl -s -X POST http://10.77.0.11:8080/api/v1/login -H "$json" -d '{"name":"alice","password":"password1"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
auth="Authorization: Bearer $token"
check "the token of host 1 on host 2" "$(curl -s http://10.77.0.12:8080/api/v1/me -H "$auth")" '"rooms":[]'
check "a room created on host 3" "$(curl -s -X POST http://10.77.0.13:8080/api/v1/rooms -H "$json" -H "$auth" -d '{"name":"kkbox"}')" '"members":1'
check "a message posted on host 1" "$(curl -s -X POST http://10.77.0.11:8080/api/v1/rooms/kkbox/messages -H "$json" -H "$auth" -d '{"body":"across namespaces","id":"n1"}')" '"roomSeq":2'
sleep 0.3
for index in 2 3; do
    check "the message in host $index's history" "$(curl -s "http://10.77.0.1$index:8080/api/v1/rooms/kkbox/events" -H "$auth")" 'across namespaces'
done

# Host 1 frozen while its writer holds the append lock, then cut off.
holder="SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'
        AND l.granted AND (l.classid::bigint << 32 | l.objid::bigint) = 5940088949286332161"
lock_holder() { ip netns exec "$prefix-pg" psql -X -q -A -t -h 10.77.0.1 -U postgres -d roomlog -c "$holder"; }
h1=${pids[0]}
loaders=()
for lane in 1 2 3 4 5 6 7 8; do
    (for index in $(seq 2000); do
        curl -s -o /dev/null -m 2 -X POST http://10.77.0.11:8080/api/v1/rooms/kkbox/messages -H "$json" -H "$auth" \
            -d "{\"body\":\"load $lane $index\",\"id\":\"l$lane-$index\"}" || true
    done) &
    loaders+=($!)
done
frozen=no
for _ in $(seq 500); do
    if [[ $(lock_holder) == "roomlog writer pid $h1 "* ]]; then
        kill -STOP "$h1"
        if [[ $(lock_holder) == "roomlog writer pid $h1 "* ]]; then frozen=yes; break; fi
        kill -CONT "$h1"
    fi
done
for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
check "host 1 frozen while its writer holds the append lock" "$frozen" yes
ip link set "$prefix-h1-a" down
started=$(date +%s%N)
answer=$(curl -s -m 40 -X POST http://10.77.0.12:8080/api/v1/rooms/kkbox/messages -H "$json" -H "$auth" -d '{"body":"while host 1 is cut off","id":"n2"}')
check "host 2 appends while host 1 is cut off holding the lock ($(( ($(date +%s%N) - started) / 1000000 )) ms)" "$answer" '"roomSeq"'
ip link set "$prefix-h1-a" up
kill -CONT "$h1"
started=$(date +%s%N)
for _ in $(seq 60); do
    answer=$(curl -s -m 20 -X POST http://10.77.0.11:8080/api/v1/rooms/kkbox/messages -H "$json" -H "$auth" -d '{"body":"host 1 is back","id":"n3"}')
    [[ "$answer" == *'"roomSeq"'* ]] && break
    sleep 0.5
done
check "host 1 appends again once its link is back ($(( ($(date +%s%N) - started) / 1000000 )) ms)" "$answer" '"roomSeq"'
sleep 0.5
for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
pids=()
for index in 1 2 3; do
    check "host $index's mirror equals the cluster" "$(ip netns exec "$prefix-h$index" "$roomlog" verify --data "$work/h$index" --cluster "$cluster" 2>&1)" 'the mirror equals'
done
