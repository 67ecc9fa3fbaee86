#!/usr/bin/env bash
# Runs several Roomlog gateways on one log behind a real nginx, until Ctrl-C.
# Usage: Tools/cluster.sh [GATEWAYS] [PORT] [DATA]   (defaults: 2 gateways, nginx on 8080, data/db)
# Gateways listen on PORT+1 .. PORT+GATEWAYS; nginx's files go to .run/nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
gateways=${1:-2}
port=${2:-8080}
data=${3:-data/db}
source Tools/setup.sh
command -v nginx >/dev/null || { echo "cluster: nginx is not installed (apt-get install nginx)" >&2; exit 1; }
swift build --product roomlog
prefix="$PWD/.run/nginx"
mkdir -p "$prefix"
pids=()
cleanup() {
    [[ -f "$prefix/nginx.pid" ]] && kill "$(cat "$prefix/nginx.pid")" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
upstreams=""
for ((i = 1; i <= gateways; i++)); do
    .build/debug/roomlog serve --data "$data" --port $((port + i)) --trusted-proxy 127.0.0.1 &
    pids+=($!)
    upstreams+="server 127.0.0.1:$((port + i)) max_fails=0; "
done
sed -e "s|@PREFIX@|$prefix|g" -e "s|@LISTEN@|127.0.0.1:$port|g" -e "s|@UPSTREAMS@|$upstreams|g" \
    Tools/nginx/roomlog.conf.template > "$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;" &
pids+=($!)
echo "cluster: nginx on http://127.0.0.1:$port in front of $gateways gateways on $data (Ctrl-C stops all)"
wait
