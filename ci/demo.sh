#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the demo: the traffic
# of policy/demo.scenario, judged offline by picketd with the demo's rules, policy and
# identities. Outputs go to build/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/ci/setup.sh"
"$root/ci/build.sh" "$root/build"
out="$root/build/demo"
mkdir -p "$out"
echo
echo "== picket-trafgen: the demo's traffic (policy/demo.scenario)"
"$root/build/tools/picket-trafgen" "$root/policy/demo.scenario" -o "$out/demo.pcap"
echo
echo "== picketd: judging it (policy/demo.rules, demo.policy, demo.identities)"
"$root/build/host/picketd" -r "$out/demo.pcap" -S "$root/policy/demo.rules" \
  --policy "$root/policy/demo.policy" --identities "$root/policy/demo.identities" \
  --classification "$root/policy/demo.classification" -l "$out"
echo
echo "== the blocked attacks, from the decision log ($out/eve.json)"
grep '"event_type":"alert"' "$out/eve.json" | grep -v '"flow_blocked"' | head -n 10 || true
