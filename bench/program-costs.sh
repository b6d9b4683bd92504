#!/usr/bin/env bash
# Per-program cost of pooltag's programs on this kernel, from the kernel's
# BPF run-time statistics, against the empty-program floor in the same run:
#
#   bench/program-costs.sh BUILD_DIR [OPS] [eventfd|maple]
#
# For each configuration (--null: the floor, programs that return at once;
# the default: full tracking) it enables tagging in a private pin
# directory, runs a churn of OPS operations: eventfd open/close (a C loop
# compiled here: the guests have no bench build), or, with `maple`, OPS
# rounds of the map/unmap churn of the bulk-free test
# (BUILD_DIR/tests/churn_maple: mmap, mprotect, fork, munmap), whose maple
# tree frees go through kmem_cache_free_bulk (the bulk programs, where the
# kernel allows fentry), and
# prints per tracepoint ns per program run and runs per operation, then each
# tracepoint's ratio to the floor. Inside a qemu guest (TCG) only the ratios
# mean anything: run it there with tests/kernels/run-in-kernel.sh K -- ...
# (docs/performance.md, "Other kernels").
set -euo pipefail
build=${1:?usage: program-costs.sh BUILD_DIR [OPS]}
ops=${2:-200000}
workload=${3:-eventfd}
case $workload in
  eventfd | maple) ;;
  *) echo "program-costs.sh: unknown workload '$workload' (eventfd or maple)" >&2; exit 2 ;;
esac
pooltag=$build/pooltag
pin=/sys/fs/bpf/pooltag-costs-$$
work=$(mktemp -d)
trap 'rm -rf "$work"; "$pooltag" --pin-dir "$pin" disable >/dev/null 2>&1 || true' EXIT

cat >"$work/churn.c" <<'C'
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	for (long i = 0; i < n; i++)
		close(eventfd(0, 0));
	return 0;
}
C
cc -O2 -o "$work/churn" "$work/churn.c"

stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
restore() { echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled; }
trap 'restore; rm -rf "$work"; "$pooltag" --pin-dir "$pin" disable >/dev/null 2>&1 || true' EXIT

# tracepoint program id -> "run_time_ns run_cnt", from bpftool
program_stats() {
  "$pooltag" --pin-dir "$pin" status --json |
    python3 -c 'import json,sys; [print(p["name"], p["program"], p["id"]) for p in json.load(sys.stdin)["programs"]]' |
    while read -r tp prog id; do
      # no process substitution: the kernel matrix's guests have no /dev/fd
      read -r ns cnt <<<"$(bpftool prog show id "$id" --json |
                           python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_time_ns",0), p.get("run_cnt",0))')"
      echo "$tp $prog $ns $cnt"
    done
}

measure() {  # label, enable options...
  local label=$1
  shift
  "$pooltag" --pin-dir "$pin" enable "$@" >/dev/null
  program_stats | sort >"$work/before"
  if [ "$workload" = maple ]; then
    printf '\n\n\n' | "$build/tests/churn_maple" "$ops" >/dev/null
  else
    "$work/churn" "$ops"
  fi
  program_stats | sort >"$work/after"
  "$pooltag" --pin-dir "$pin" disable >/dev/null
  # a program serving two tracepoints is counted once per line: the same
  # id, the same totals
  # joined: tracepoint, program, ns, runs before, program, ns, runs after
  join "$work/before" "$work/after" | awk -v label="$label" -v ops="$ops" '{
    runs = $7 - $4; ns = $6 - $3
    if (runs > 0) printf "%s %s %s %.1f %.2f\n", label, $1, $2, ns / runs, runs / ops
  }'
}

if [ "$workload" = maple ]; then
  echo "kernel $(uname -r), $ops map/unmap rounds (churn_maple) per configuration"
else
  echo "kernel $(uname -r), $ops eventfd open/close operations per configuration"
fi
{
  measure floor --null
  measure tracking
} >"$work/results"
printf '%-10s %-24s %-28s %10s %10s\n' config tracepoint program ns/run runs/op
sort -k2,2 -k1,1 "$work/results" | awk '{ printf "%-10s %-24s %-28s %10s %10s\n", $1, $2, $3, $4, $5 }'
echo
echo "ratio to the floor (ns per run of full tracking / ns per run of the empty program):"
awk '$1 == "floor" { floor[$2] = $4 } $1 == "tracking" { t[$2] = $4; p[$2] = $3 }
     END { for (k in t) if (floor[k] > 0) printf "  %-24s %-28s %5.2fx\n", k, p[k], t[k] / floor[k] }' \
  "$work/results" | sort
echo
echo "added ns per operation (all programs: full tracking minus the floor):"
awk -v ops="$ops" '{ key = $1 " " $2; if (seen[key]++) next }
     { total[$1] += $4 * $5 }
     END { printf "  %.0f ns (floor %.0f, tracking %.0f)\n", total["tracking"] - total["floor"], total["floor"], total["tracking"] }' \
  "$work/results"
