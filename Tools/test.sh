#!/usr/bin/env bash
# Installs what is missing, builds everything (the tests start the built executables), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
swift build --build-tests
# A throwaway PostgreSQL for the cluster tests (Tools/postgres.sh), stopped when this script ends.
source Tools/postgres.sh
postgres_start
trap postgres_stop EXIT
# The tests take seconds; a run that hangs (it happened once, see Tests/Support/Pause.swift) fails after 20 minutes
# instead of holding CI until its own limit.
timeout --kill-after=30s 20m swift test --skip-build --disable-xctest "$@"
# The web client in two headless Chromium browsers against the debug gateway; screenshots of every step stay in
# .run/webclient. Debian's python3 has the websockets module that setup installs.
/usr/bin/python3 Tools/webclient-check.py .build/debug/roomlog
# The fuzz targets' checks on every committed seed and regression input (a plain build replays files).
for target in event-codec request-json import-line message-assembler; do
    .build/debug/fuzz-$target Tools/Fuzz/Corpus/$target > /dev/null
done
