#!/usr/bin/env bash
# Configures and builds one build folder: ci/build.sh [BUILD_DIR [extra cmake args...]]
# Default BUILD_DIR is build/ (Release). Uses ccache when present, two jobs (the machines have
# two cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build"}
shift || true
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" > "$dir.configure.log" 2>&1 || {
  cat "$dir.configure.log"
  exit 1
}
cmake --build "$dir" -j2
