#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target of tests/fuzz (built with ASan and
# UBSan) for its share of FUZZ_TIME seconds (default 600 in total), one
# after another, on its seed corpus and the build tree's corpus, which
# keeps what each run found. Prints each target's executions, rate and
# coverage; exits non-zero on the first crash, whose input libFuzzer saves
# in BUILD/fuzz-artifacts/ (a regression case to add to the target's
# corpus under tests/fuzz, with the fix).
#   scripts/fuzz.sh BUILD_DIR [TOTAL_SECONDS]
set -euo pipefail
build=${1:?build directory}
total=${2:-600}
fuzz_dir=$build/tests/fuzz
src_dir=$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz
mapfile -t targets < <(grep -v '^$' "$fuzz_dir/targets.txt")
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in $fuzz_dir/targets.txt" >&2; exit 1; }
each=$(( total / ${#targets[@]} ))
[ "$each" -ge 1 ] || each=1
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
echo "fuzz: ${#targets[@]} targets, ${each} s each (${total} s in all)"
for entry in "${targets[@]}"; do
  name=${entry%%:*} max_len=${entry##*:}
  log=$artifacts/$name.log
  mkdir -p "$fuzz_dir/${name}_corpus"
  if ! "$fuzz_dir/${name}_fuzz" -max_total_time="$each" -timeout=10 -max_len="$max_len" -print_final_stats=1 \
        -artifact_prefix="$artifacts/${name}-" "$fuzz_dir/${name}_corpus" "$src_dir/${name}_corpus" >"$log" 2>&1; then
    echo "fuzz: $name FAILED; the input is in $artifacts/, the log in $log" >&2
    grep -m5 -E 'ERROR|fuzz check failed|SUMMARY' "$log" >&2 || true
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  printf 'fuzz: %-14s %10s execs %8s/s  %s, 0 crashes\n' "$name" "$execs" "$rate" "$cov"
done
