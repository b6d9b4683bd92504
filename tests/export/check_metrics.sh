#!/usr/bin/env bash
# The exposition that `pooltag export` renders passes `promtool check
# metrics` (Prometheus' own parser and linter) without a single complaint.
#   check_metrics.sh SAMPLE_METRICS_BINARY
# The runtime test ExportTest.PromtoolAcceptsRealScrapes does the same on a
# real scrape of the kernel's counts.
set -euo pipefail
bin=$1
command -v promtool >/dev/null || { echo "promtool not installed (scripts/install-deps.sh installs prometheus)" >&2; exit 77; }
metrics=$("$bin" text)
out=$(promtool check metrics <<<"$metrics" 2>&1) || { echo "promtool check metrics failed:" >&2; echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "promtool check metrics complained:" >&2; echo "$out" >&2; exit 1; }
grep -qF 'tag="say \"hi\""' <<<"$metrics" || { echo "a quoted tag is not escaped as expected" >&2; exit 1; }
grep -qF 'tag="two\nlines"' <<<"$metrics" || { echo "a newline in a tag is not escaped as expected" >&2; exit 1; }
echo "ok: promtool check metrics accepts $(grep -vc '^#' <<<"$metrics") samples"
