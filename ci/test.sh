#!/usr/bin/env bash
# Quick start, second command: install what is missing, build, and run every test.
#
#   1. the Release build and the whole ctest suite (unit, cli, e2e, rtl, corpus, conformance;
#      tests that need ../shared skip cleanly when it is absent);
#   2. an AddressSanitizer + UBSan build (g++) running the unit tests (the RTL model is left
#      out: its tests run in the first build);
#   3. the libFuzzer targets (clang), each run briefly over its seed corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)
passed=0
failed=0
# Runs ctest in a build folder with the given arguments and adds its counts to the totals.
run_ctest() {
  local dir=$1
  shift
  local log
  log=$(mktemp)
  local status=0
  (cd "$dir" && ctest "$@") 2>&1 | tee "$log" || status=$?
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -n 1)
  rm -f "$log"
  if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
  return $status
}
"$root/ci/setup.sh" --fuzz

echo "== Release build and tests"
"$root/ci/build.sh" "$root/build"
run_ctest "$root/build" -j2 --output-on-failure

echo "== AddressSanitizer + UBSan build, unit tests"
"$root/ci/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPICKET_SANITIZE=ON -DPICKET_RTL=OFF
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
run_ctest "$root/build-asan" -j2 -L unit --output-on-failure

echo "== libFuzzer targets, ${PICKET_FUZZ_SECONDS:-30} s each"
"$root/ci/build.sh" "$root/build-fuzz" -DCMAKE_CXX_COMPILER=clang++ -DPICKET_FUZZ=ON
"$root/tests/fuzz/run.sh" "$root/build-fuzz" "${PICKET_FUZZ_SECONDS:-30}"

echo "== all tests passed in $(( $(date +%s) - started )) s"
echo "ci: $passed passed, $failed failed"
