#!/usr/bin/env bash
# Installs what is missing, builds everything (the tests start the built executables), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
