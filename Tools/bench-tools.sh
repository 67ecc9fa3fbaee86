#!/usr/bin/env bash
# Measures the operator tools on a 1,000,000-message log in one room: replay and tail to /dev/null, export,
# import, rebuild. Prints events/s for each. Usage: Tools/bench-tools.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
events=${1:-1000000}
swift build -c release --product roomlog >/dev/null
swift build -c release --product roomlog-bench >/dev/null
work=$(mktemp -d /tmp/roomlog-bench-tools.XXXXXX)
trap 'rm -rf "$work"' EXIT
bin=.build/release
"$bin/roomlog-bench" log --events "$events" --rooms 1 --keep "$work/db" --pages 1 | head -1
head=$("$bin/roomlog" stats --data "$work/db" | awk '/^head:/ {print $2}')
measure() {  # label, events, command...
    local label=$1 count=$2; shift 2
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    awk -v l="$label" -v n="$count" -v s="$start" -v e="$end" 'BEGIN { printf "%-34s %9d events  %7.3f s  %9.0f events/s\n", l, n, e - s, n / (e - s) }'
}
room_events=$("$bin/roomlog" replay r0 --data "$work/db" --json | wc -l)
measure "replay r0 --json > /dev/null" "$room_events" sh -c "'$bin/roomlog' replay r0 --data '$work/db' --json > /dev/null"
measure "replay r0 (readable) > /dev/null" "$room_events" sh -c "'$bin/roomlog' replay r0 --data '$work/db' > /dev/null"
measure "tail --from 1 > /dev/null" "$head" sh -c "'$bin/roomlog' tail --from 1 --data '$work/db' > /dev/null"
measure "export" "$head" "$bin/roomlog" export --data "$work/db" "$work/export.jsonl.gz"
ls -l "$work/export.jsonl.gz" | awk '{ printf "export file: %d bytes\n", $5 }'
measure "import" "$head" "$bin/roomlog" import --data "$work/imported" "$work/export.jsonl.gz"
measure "rebuild" "$head" "$bin/roomlog" rebuild --data "$work/imported"
measure "verify" "$head" "$bin/roomlog" verify --data "$work/imported"
