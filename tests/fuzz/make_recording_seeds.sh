#!/usr/bin/env bash
# Writes the seeds of the recording fuzz target (recording_fuzz.cpp): small
# synthetic recordings, written by the real store (tests/record's
# pooltag_test_recording) and rewritten with 512-byte pages so that each is
# a few KiB, then hostile edits of them that SQLite still opens. Seeds
# named regression-* once crashed the reader: those written here, and the
# fuzzer's own finds kept beside them (not written by this script).
#   make_recording_seeds.sh POOLTAG_TEST_RECORDING OUT_DIR
set -euo pipefail
make_recording=$1 out=$2
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# small(FILE, DAYS, SESSIONS): a recording of 512-byte pages, no WAL
small() {
  "$make_recording" "$work/big.db" "$2" "$3"
  sqlite3 "$work/big.db" "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;" >/dev/null
  mv "$work/big.db" "$1"
}
# edit(NAME, SQL): a copy of base.db with SQL applied
edit() {
  cp "$work/base.db" "$out/$1"
  sqlite3 "$out/$1" "$2"
}

small "$work/base.db" 0.0015 1  # 13 intervals of 20 tags
sqlite3 "$work/base.db" "INSERT INTO stacks VALUES(1, 7, 'leaky_alloc', 'kmalloc_trace+0x1a
leaky_alloc+0x2 [leaky]
do_syscall_64+0x40', 40, 2, 9728)"
cp "$work/base.db" "$out/recording"
small "$out/two_sessions" 0.0015 2
small "$out/empty" 0 1
# hostile rows: pooltag's own layout, content no recorder writes
edit regression-dangling-session "UPDATE samples SET session = 99 WHERE id = 3"
edit dangling_series "UPDATE counts SET series = series + 9000 WHERE (sample + series) % 2 = 0; UPDATE stacks SET session = 42"
edit time_backwards "UPDATE samples SET time_ns = 1700000000000000000 - id * 7000000000"
edit time_extremes "UPDATE samples SET time_ns = CASE id % 3 WHEN 0 THEN -9223372036854775808 WHEN 1 THEN 9223372036854775807 ELSE 0 END"
edit regression-count-extremes "UPDATE counts SET allocs = 9223372036854775807, frees = -9223372036854775808, bytes = CASE sample % 2 WHEN 0 THEN 9223372036854775807 ELSE -9223372036854775808 END, implicit_frees = -1"
edit meminfo_extremes "UPDATE samples SET slab = -1, sunreclaim = 9223372036854775807, percpu = -9223372036854775808"
edit wrong_types "UPDATE counts SET allocs = 'many', bytes = x'00ff'; UPDATE samples SET time_ns = 1.5e300, session = 'one'"
edit pools "UPDATE series SET pool = CASE id % 4 WHEN 0 THEN -1 WHEN 1 THEN 99 WHEN 2 THEN 3 ELSE 2 END"
edit markup "UPDATE series SET tag = '</script><script>alert(' || id || ')</script>', owner = '<!--', description = '&amp;<b>\"' || char(10) || char(27) || '[31m'; UPDATE stacks SET tag = '</script><script>alert(1)</script>', frames = '<script>x</script>'; UPDATE sessions SET pin_dir = '<!--', grouping = '</script>'"
edit regression-no-stacks-table "DROP TABLE stacks"
edit regression-no-counts-table "DROP TABLE counts"
edit regression-renamed-column "ALTER TABLE samples RENAME COLUMN slab TO slab_bytes"
edit view_instead "DROP TABLE series; CREATE VIEW series AS SELECT 1 AS id, 'v' AS tag, 0 AS pool, '' AS owner, '' AS description"
edit newer_format "PRAGMA user_version = 2"
edit other_application "PRAGMA application_id = 1"
edit wal_mode "PRAGMA journal_mode = WAL" >/dev/null
printf 'SQLite format 3\0' >"$out/header_only"
: >"$out/zero_bytes"
echo "wrote $(ls "$out" | wc -l) seeds to $out"
