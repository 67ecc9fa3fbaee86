#!/usr/bin/env bash
# Installs what Roomlog needs on a fresh Debian 12 machine with the Swift toolchain (idempotent).
set -euo pipefail
# chromium, python3-websockets and the fonts: the web client's browser check (Tools/webclient-check.py), CJK and emoji.
packages=(liblmdb-dev zlib1g-dev pkg-config curl iproute2 chromium python3-websockets fonts-noto-cjk fonts-noto-color-emoji)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# nginx: the proxy of Tools/cluster.sh and of the tests that run gateways behind it.
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null || missing+=(nginx)
# PostgreSQL: the cluster mode's log (serve --cluster), and the server the cluster tests start.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# keepalived: the proxy pair of Tools/failover-drill.sh.
command -v keepalived >/dev/null || [[ -x /usr/sbin/keepalived ]] || missing+=(keepalived)
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "setup: no Swift toolchain on PATH or in /opt/swift" >&2; exit 1; }
