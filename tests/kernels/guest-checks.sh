#!/usr/bin/env bash
# The checks of the kernel-matrix tier, run inside each kernel (by
# run-in-kernel.sh) and on the host's own kernel:
#
#   guest-checks.sh BUILD_DIR [GTEST_FILTER]
#
#   1. BUILD_DIR/pooltag check: pooltag's own verdict on this kernel
#      (skipped, with a note, while the binary has no such subcommand);
#   2. the runtime tests matching GTEST_FILTER (default $POOLTAG_KERNEL_TESTS,
#      else 'Kernels*:*.Kernel*'): BUILD_DIR/tests/pooltag_runtime_tests.
#
# Exits non-zero when any step fails; a missing binary is a failure.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: guest-checks.sh BUILD_DIR [GTEST_FILTER]" >&2
  exit 2
fi
build=$1
filter=${2:-${POOLTAG_KERNEL_TESTS:-Kernels*:*.Kernel*}}
pooltag=$build/pooltag
runtime_tests=$build/tests/pooltag_runtime_tests
where="kernel $(uname -r)${POOLTAG_KERNEL_VM:+ (VM $POOLTAG_KERNEL_VM)}"

say() { echo "guest-checks: $*"; }
say "$where"

failed=()

# Whether `pooltag --help` lists SUBCOMMAND.
has_subcommand() {
  "$pooltag" --help 2>/dev/null |
    awk -v cmd="$1" '/^Subcommands:/ { in_list = 1; next } in_list && $1 == cmd { found = 1 } END { exit !found }'
}

# 1. pooltag check
if [ ! -x "$pooltag" ]; then
  say "FAIL: $pooltag not found (build the project first)"
  failed+=("pooltag binary")
elif ! has_subcommand check; then
  say "note: $pooltag has no 'check' subcommand yet; skipping it"
else
  say "running: $pooltag check"
  "$pooltag" check
  rc=$?
  say "pooltag check exited $rc"
  [ "$rc" -eq 0 ] || failed+=("pooltag check (exit $rc)")
fi

# 2. the runtime tests of this tier
if [ ! -x "$runtime_tests" ]; then
  say "FAIL: $runtime_tests not found (build the project first)"
  failed+=("runtime tests binary")
else
  say "running: $runtime_tests --gtest_filter=$filter"
  "$runtime_tests" --gtest_filter="$filter"
  rc=$?
  say "runtime tests exited $rc"
  [ "$rc" -eq 0 ] || failed+=("runtime tests (exit $rc)")
fi

if [ ${#failed[@]} -gt 0 ]; then
  list=$(printf '%s, ' "${failed[@]}")
  say "FAILED on $where: ${list%, }"
  exit 1
fi
say "passed on $where"
