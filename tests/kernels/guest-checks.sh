#!/usr/bin/env bash
# The checks of the kernel-matrix tier, run inside each kernel (by
# run-in-kernel.sh) and on the host's own kernel:
#
#   guest-checks.sh BUILD_DIR [GTEST_FILTER]
#
#   1. BUILD_DIR/pooltag check: pooltag's own verdict on this kernel, and
#      its JSON on one line behind "POOLTAG-CHECK-JSON " for the kernel
#      table (kernel-table.sh);
#   2. the runtime tests matching GTEST_FILTER (default $POOLTAG_KERNEL_TESTS):
#      BUILD_DIR/tests/pooltag_runtime_tests; the filter "none" runs none
#      (the host: its runtime tests are the runtime.* tier), and a filter
#      that matches no test fails.
#
# Exits non-zero when any step fails; a missing binary is a failure.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: guest-checks.sh BUILD_DIR [GTEST_FILTER]" >&2
  exit 2
fi
build=$1
filter=${2-${POOLTAG_KERNEL_TESTS:--MonScreen.*:EnabledTagging.KdCtrlC*:*Export*:*Promtool*:*Prometheus*:*LeaksWatch*:Faults.*:Environment.*}}
pooltag=$build/pooltag
runtime_tests=$build/tests/pooltag_runtime_tests
where="kernel $(uname -r)${POOLTAG_KERNEL_VM:+ (VM $POOLTAG_KERNEL_VM)}"

say() { echo "guest-checks: $*"; }
say "$where"

failed=()

# 1. pooltag check
if [ ! -x "$pooltag" ]; then
  say "FAIL: $pooltag not found (build the project first)"
  failed+=("pooltag binary")
else
  say "running: $pooltag check"
  "$pooltag" check
  rc=$?
  say "pooltag check exited $rc"
  [ "$rc" -eq 0 ] || failed+=("pooltag check (exit $rc)")
  echo "POOLTAG-CHECK-JSON $("$pooltag" check --json --pools all)"
fi

# 2. the runtime tests of this tier
if [ "$filter" = none ]; then
  say "no runtime tests here (the runtime.* tier runs them on this kernel)"
elif [ ! -x "$runtime_tests" ]; then
  say "FAIL: $runtime_tests not found (build the project first)"
  failed+=("runtime tests binary")
else
  say "running: $runtime_tests --gtest_filter=$filter"
  out=$(mktemp)
  "$runtime_tests" --gtest_filter="$filter" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  say "runtime tests exited $rc"
  [ "$rc" -eq 0 ] || failed+=("runtime tests (exit $rc)")
  # the line the kernel table shows: "[  PASSED  ] N tests."
  grep -q '^\[  PASSED  \] [1-9]' "$out" || failed+=("no runtime test passed (filter $filter)")
  rm -f "$out"
fi

if [ ${#failed[@]} -gt 0 ]; then
  list=$(printf '%s, ' "${failed[@]}")
  say "FAILED on $where: ${list%, }"
  exit 1
fi
say "passed on $where"
