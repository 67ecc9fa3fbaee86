#!/usr/bin/env bash
# Installs what is missing, builds, and runs `roomlog serve` on data/db. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/setup.sh
swift build --product roomlog
exec .build/debug/roomlog serve --data data/db "$@"
