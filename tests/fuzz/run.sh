#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS over its seeds (tests/fuzz/seeds/<target>) and any
# corpus it grew before (BUILD_DIR/fuzz-corpus/<target>). A crash fails the run and leaves
# its input in BUILD_DIR/fuzz-artifacts/. load_rules takes rule text, as rule_parser does, and
# starts from its seeds and dictionary.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-30}
mkdir -p "$build/fuzz-artifacts"
for target in decoder rule_parser identity_policy control_handler load_rules stream defrag store_state; do
  corpus="$build/fuzz-corpus/$target"
  mkdir -p "$corpus"
  inputs=$target
  [[ $target == load_rules ]] && inputs=rule_parser
  dict=()
  [[ -f "$here/$inputs.dict" ]] && dict=(-dict="$here/$inputs.dict")
  # Text parsers take inputs long enough to reach deep nesting (50,000 '[' once crashed one).
  max_len=4096
  [[ $target == rule_parser || $target == identity_policy || $target == control_handler || $target == load_rules ||
     $target == store_state ]] &&
    max_len=65536
  echo "fuzz: $target for ${seconds}s"
  "$build/tests/fuzz/${target}_fuzz" "$corpus" "$here/seeds/$inputs" "${dict[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 2> "$build/fuzz-$target.log" || {
    tail -n 40 "$build/fuzz-$target.log"
    echo "fuzz: $target FAILED (input kept in $build/fuzz-artifacts/)"
    exit 1
  }
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/fuzz-$target.log" | tail -n 2 || true
done
echo "fuzz: no crash"
