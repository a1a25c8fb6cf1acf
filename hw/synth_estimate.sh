#!/bin/sh
# Resource estimate of the data plane: Yosys synthesis for UltraScale+ (an Alveo U250's
# family) of picket_kernel with its default parameters; prints LUTs, flip-flops, BRAM, URAM.
#
#   hw/synth_estimate.sh [TOP]      (default TOP: picket_kernel; takes tens of minutes)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${1:-picket_kernel}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_register_map.py" "$here/register_map.json" "$work"
sources="$work/picket_regs_pkg.sv"
for f in picket_pkg stream_fifo axil_control packet_parser identity_lookup policy_lookup literal_prefilter \
         rule_check picket_kernel; do
  sources="$sources $here/$f.sv"
done
yosys -q -l "$work/synth.log" -p "read_verilog -sv $sources; synth_xilinx -family xcup -noiopad -top $top; stat" >/dev/null
# U250 (xcu250): 1,728,000 LUTs, 3,456,000 flip-flops, 2,688 RAMB36, 1,280 URAM288.
awk '
  $1 ~ /^LUT[1-6]$/ { luts += $2 }
  $1 ~ /^(FDRE|FDSE|FDCE|FDPE)$/ { ffs += $2 }
  $1 ~ /^RAMB36E2$/ { b36 += $2 }
  $1 ~ /^RAMB18E2$/ { b18 += $2 }
  $1 ~ /^URAM288$/ { uram += $2 }
  $1 ~ /^RAM(32|64|128|256)[XM]/ { lutram += $2 }
  END {
    printf "LUTs %d (%.1f %% of a U250), LUTRAM cells %d, flip-flops %d (%.1f %%), RAMB36 %d + RAMB18 %d (%.1f %% as RAMB36), URAM %d\n",
      luts, 100 * luts / 1728000, lutram, ffs, 100 * ffs / 3456000, b36, b18, 100 * (b36 + b18 / 2) / 2688, uram
  }' "$work/synth.log"
