#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/setup.sh"
"$root/ci/build.sh" "$root/build"
echo
echo "== picketc on the demo rule set (policy/demo.rules)"
"$root/build/tools/picketc" --fast-patterns "$root/policy/demo.rules"
