#!/usr/bin/env bash
# picket-inline-bench on the demo's traffic and, with ../shared, on the zeek captures under
# ET Open content-only rules: picketd's inline datapath on net_ring ports beside the engine
# alone, per worker (see tools/bench/inline_bench.cc).
#
#   tools/bench/inline_bench.sh [BUILD_DIR] [SECONDS] [WORKERS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
workers=${3:-1}
shared=$root/../shared
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/tools/picket-trafgen" "$root/policy/demo.scenario" -o "$work/demo.pcap" >/dev/null
# The demo's bindings with an end time would end at that wall time; live traffic keeps them.
grep -v until "$root/policy/demo.identities" >"$work/live.identities"

bench() {
  "$build/tools/picket-inline-bench" --seconds "$seconds" --workers "$workers" "$@" 2>&1 |
    grep -v -e '^TELEMETRY' -e '^  port'
}

echo "== demo traffic"
bench -r "$work/demo.pcap" -S "$root/policy/demo.rules" --policy "$root/policy/demo.policy" \
  --identities "$work/live.identities"
corpus=$shared/corpus
if [[ -f $corpus/rules/derived/et-open.content-only.rules ]]; then
  echo "== zeek captures, ET Open content-only"
  captures=()
  while read -r f; do captures+=(-r "$f"); done < <(find "$corpus/pcaps/zeek" -name '*.pcap' | sort)
  bench "${captures[@]}" -S "$corpus/rules/derived/et-open.content-only.rules" \
    --vars "$corpus/rules/derived/vars.suricata-default.txt"
else
  echo "(no corpus at $corpus: the zeek captures are skipped)"
fi
