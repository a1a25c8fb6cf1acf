#!/usr/bin/env bash
# Installs every Debian 12 package Picket builds, tests or runs with. Idempotent: packages
# already installed are skipped, and nothing is done when all are present.
#
#   ci/setup.sh           the build and test dependencies
#   ci/setup.sh --fuzz    also clang and its runtime, for the libFuzzer build (PICKET_FUZZ=ON)
set -euo pipefail

packages=(
  cmake g++ make pkg-config ccache python3
  libpcap-dev zlib1g-dev
  libhyperscan-dev libpcre2-dev
  libdpdk-dev dpdk
  verilator yosys
  libxrt-dev
  libzmq3-dev cppzmq-dev
  protobuf-compiler libprotobuf-dev
  libhiredis-dev redis-server
  etcd-server etcd-client libcurl4-openssl-dev libjsoncpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
