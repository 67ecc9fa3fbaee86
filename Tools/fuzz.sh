#!/usr/bin/env bash
# Builds the libFuzzer targets (Tools/Fuzz) with the fuzzer and AddressSanitizer and runs each for SECONDS (default
# 30) on a copy of its committed seed corpus (Tools/Fuzz/Corpus). A crash stops the script with exit 1 and leaves
# its input in .run/fuzz/ARTIFACTS: reproduce it with a plain build, `.build/debug/fuzz-TARGET FILE`, and add it as a
# regression test. Usage: Tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
seconds="${1:-30}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(event-codec request-json import-line message-assembler)
flags=(--scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
mkdir -p .run/fuzz
for target in "${targets[@]}"; do
    swift build "${flags[@]}" --product "fuzz-$target" > .run/fuzz/build.log 2>&1 || { tail -30 .run/fuzz/build.log; exit 1; }
done
bin="$(swift build "${flags[@]}" --show-bin-path)"
for target in "${targets[@]}"; do
    work=".run/fuzz/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    echo "fuzz-$target: $seconds s"
    if ! "$bin/fuzz-$target" "$work/corpus" "Tools/Fuzz/Corpus/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 > "$work/log" 2>&1; then
        tail -40 "$work/log"
        echo "fuzz-$target found a crash: $(ls "$work/artifacts")" >&2
        exit 1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/log" | tr '\n' ' '
    echo "corpus $(ls "$work/corpus" | wc -l) new inputs"
done
