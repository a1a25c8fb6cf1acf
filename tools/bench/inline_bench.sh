#!/usr/bin/env bash
# The inline path's speed beside the engine's own, on one worker, in one run:
#   engine   picket-bench: the software engine over the capture held in memory (best of 3)
#   inline   picketd inline, the capture replayed endlessly by the net_pcap vdev
#            (infinite_rx: frames come from memory, forwarded ones are freed on TX), for
#            SECONDS, counting what the worker received
# and the share of the per-packet cost the DPDK path adds. The replay repeats the capture's
# flows, so flows an earlier pass blocked stay blocked: the inline figure judges a little
# less work per packet than the engine's single pass.
#
#   tools/bench/inline_bench.sh [BUILD_DIR] [SECONDS]
#
# Captures: the demo's (generated) and, with ../shared, the zeek captures merged into one
# (Ethernet ones) under ET Open content-only rules.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-10}
shared=$root/../shared
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/tools/picket-trafgen" "$root/policy/demo.scenario" -o "$work/demo.pcap" >/dev/null
grep -v until "$root/policy/demo.identities" >"$work/live.identities"

# One pcap from many (those with Ethernet framing), for one vdev queue; frames over 2,048
# bytes are left out (the replay takes single-buffer frames only).
merge() {
  python3 - "$@" <<'EOF'
import struct, sys
out, paths = sys.argv[1], sys.argv[2:]
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for p in paths:
        d = open(p, "rb").read()
        if len(d) < 24:
            continue
        magic, = struct.unpack("<I", d[:4])
        if magic not in (0xA1B2C3D4, 0xA1B23C4D) or struct.unpack("<I", d[20:24])[0] != 1:
            continue
        at = 24
        while at + 16 <= len(d):
            cap = struct.unpack("<I", d[at + 8:at + 12])[0]
            if cap <= 2048 and at + 16 + cap <= len(d):
                f.write(d[at:at + 16] + d[at + 16:at + 16 + cap])
            at += 16 + cap
EOF
}

# name capture rule-args...
bench() {
  local name=$1 capture=$2
  shift 2
  local frames bytes
  read -r frames bytes < <(python3 - "$capture" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read(); at = 24; n = b = 0
while at + 16 <= len(d):
    cap = struct.unpack("<I", d[at + 8:at + 12])[0]; n += 1; b += cap; at += 16 + cap
print(n, b)
EOF
)
  local engine
  engine=$("$build/tools/picket-bench" -r "$capture" "$@" --rounds 3 | awk '$1 == "engine" && $2 ~ /^[0-9]/ {print $3}')
  local out
  out=$(timeout -s TERM "$seconds" "$build/host/picketd" -q --engine sw "$@" --ports 0 --eve - \
          --mbufs $((frames + 8192)) -- \
          -l 0-1 --no-huge --no-pci --no-shconf -m 2048 --log-level lib.eal:error \
          --vdev "net_pcap0,rx_pcap=$capture,infinite_rx=1" 2>/dev/null || true)
  local received run_seconds
  received=$(sed -n 's/.*worker 0 ([^)]*): \([0-9]*\) received.*/\1/p' <<<"$out")
  run_seconds=$(sed -n 's/.*stopped ([A-Z]*) after \([0-9.]*\) s.*/\1/p' <<<"$out")
  python3 - "$name" "$frames" "$bytes" "$engine" "$received" "$run_seconds" <<'EOF'
import sys
name, frames, size, engine_mpps, received, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
avg = size / frames
inline_mpps = received / secs / 1e6
gbps = lambda mpps: mpps * 1e6 * avg * 8 / 1e9
added = (1 / inline_mpps - 1 / engine_mpps) / (1 / engine_mpps) * 100
print(f"{name:<12} {frames:>9} frames, {avg:6.0f} B avg | engine {engine_mpps:6.3f} Mpps {gbps(engine_mpps):6.2f} Gbit/s"
      f" | inline, 1 worker {inline_mpps:6.3f} Mpps {gbps(inline_mpps):6.2f} Gbit/s | DPDK path adds {added:+.0f} %")
EOF
}

echo "inline vs engine, one core each, $seconds s inline runs"
bench demo "$work/demo.pcap" -S "$root/policy/demo.rules" --policy "$root/policy/demo.policy" \
  --identities "$work/live.identities"
corpus=$shared/corpus
if [[ -f $corpus/rules/derived/et-open.content-only.rules ]]; then
  mapfile -t zeek < <(find "$corpus/pcaps/zeek" -type f | sort)
  merge "$work/zeek.pcap" "${zeek[@]}"
  bench "zeek + ET" "$work/zeek.pcap" -S "$corpus/rules/derived/et-open.content-only.rules" \
    --vars "$corpus/rules/derived/vars.suricata-default.txt"
else
  echo "(no corpus at $corpus: the zeek captures are skipped)"
fi
