#!/usr/bin/env bash
# Installs what Tachyon needs from Debian 12 packages (idempotent: apt runs only when something is
# missing) and configures + builds a build directory.
#   scripts/setup.sh [BUILD_DIR [meson options...]]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential g++ clang meson ninja-build pkg-config python3
  libgtest-dev libgmock-dev googletest libbenchmark-dev libcli11-dev
  libdpdk-dev libxdp-dev libbpf-dev libclang-rt-14-dev
  iproute2 iputils-ping tcpdump curl socat nftables python3-scapy python3-matplotlib hping3
  wrk apache2-utils sockperf ethtool
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $# -ge 1 ]; then
  build=$1; shift
  if [ -f "$build/build.ninja" ]; then
    meson configure "$build" "$@" >/dev/null
  else
    meson setup "$build" "$@" >/dev/null
  fi
  echo "== building $build"
  ninja -C "$build" -j"$(nproc)" >/dev/null
fi
