#!/bin/sh
# Resource estimate of the data plane: Yosys synthesis for UltraScale+ (an Alveo U250's
# family) of picket_kernel with its default parameters; prints LUTs, flip-flops, BRAM, URAM.
#
#   hw/synth_estimate.sh [TOP]      (default TOP: picket_kernel; takes tens of minutes)
#
# SYNTH_KEEP=DIR keeps the generated package and Yosys's log (synth.log) in DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${1:-picket_kernel}
if [ -n "${SYNTH_KEEP:-}" ]; then
  work=$SYNTH_KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
python3 "$here/gen_register_map.py" "$here/register_map.json" "$work"
sources="$work/picket_regs_pkg.sv"
for f in picket_pkg stream_fifo table_ram axil_control packet_parser identity_lookup policy_lookup literal_prefilter \
         rule_check anchored_match short_match checksum_check flow_table picket_kernel; do
  sources="$sources $here/$f.sv"
done
# -uram: the large tables (the literal tables' copies) go to UltraRAM, as on the card. The
# hierarchy is kept, so a table's copies are one module synthesized once; stat's "design
# hierarchy" section counts every instance.
yosys -q -l "$work/synth.log" -p "read_verilog -sv $sources; synth_xilinx -family xcup -uram -noiopad -top $top; stat" \
  >/dev/null
# U250 (xcu250): 1,728,000 LUTs, 3,456,000 flip-flops, 2,688 RAMB36, 1,280 URAM288.
awk '
  /=== design hierarchy ===/ { delete n }  # what follows counts every instance: start over
  $1 ~ /^LUT[1-6]$/ { n["lut"] += $2 }
  $1 ~ /^(FDRE|FDSE|FDCE|FDPE)$/ { n["ff"] += $2 }
  $1 ~ /^RAMB36E2$/ { n["b36"] += $2 }
  $1 ~ /^RAMB18E2$/ { n["b18"] += $2 }
  $1 ~ /^URAM288$/ { n["uram"] += $2 }
  $1 ~ /^RAM(32|64|128|256)[XM]/ { n["lutram"] += $2 }
  END {
    printf "LUTs %d (%.1f %% of a U250), LUTRAM cells %d, flip-flops %d (%.1f %%), RAMB36 %d + RAMB18 %d (%.1f %% as RAMB36), URAM %d (%.1f %%)\n",
      n["lut"], 100 * n["lut"] / 1728000, n["lutram"], n["ff"], 100 * n["ff"] / 3456000, n["b36"], n["b18"],
      100 * (n["b36"] + n["b18"] / 2) / 2688, n["uram"], 100 * n["uram"] / 1280
  }' "$work/synth.log"
