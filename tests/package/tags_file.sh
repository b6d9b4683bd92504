#!/usr/bin/env bash
# The example tag file parses, names the sites of a recorded stream, and
# every OWNER in it matches a function or module of the running kernel
# (/proc/kallsyms, and /sys/module for modules built in).
#   tags_file.sh POOLTAG_BINARY TAG_FILE FIXTURES_DIR
source "$(dirname "$0")/lib.sh"
bin=$1 tags=$2 fixtures=$3

json=$("$bin" --kallsyms "$fixtures/kallsyms" used --tags "$tags" --replay "$fixtures/events" --json) ||
  fail "pooltag used --tags $tags failed"
got=$(grep -o '"tag":"[^"]*"' <<<"$json" | sort | tr '\n' ' ')
[ "$got" = '"tag":"Evfd" "tag":"Ext4" "tag":"Mapl" "tag":"NfCt" "tag":"Pipe" ' ] ||
  fail "tags of the fixture stream: $got"

[ -r /proc/kallsyms ] || skip "/proc/kallsyms is not readable"
make_temp_dir
awk '{print $3}' /proc/kallsyms | sort -u >"$TEMP_DIR/functions"
{ awk -F'\t' 'NF > 1 {gsub(/[][]/, "", $2); print $2}' /proc/kallsyms; ls /sys/module 2>/dev/null; } |
  sort -u >"$TEMP_DIR/modules"
[ -s "$TEMP_DIR/functions" ] || skip "/proc/kallsyms is empty"

missing=()
entries=0
while IFS= read -r line; do
  case $line in ''|'#'*|'//'*|';'*) continue ;; esac
  owner=$(awk -F' - ' '{gsub(/^ +| +$/, "", $2); print $2}' <<<"$line")
  [ -n "$owner" ] || fail "no owner in: $line"
  entries=$((entries + 1))
  # glob to an anchored extended regex: * any, ? one, the rest literal
  regex=$(sed 's/[].[^$+(){}|\\]/\\&/g; s/\*/.*/g; s/?/./g' <<<"$owner")
  grep -qxE -- "$regex" "$TEMP_DIR/functions" "$TEMP_DIR/modules" || missing+=("$owner")
done <"$tags"
[ "$entries" -ge 12 ] || fail "only $entries entries in $tags"
[ ${#missing[@]} -eq 0 ] || fail "owners matching no function or module of $(uname -r): ${missing[*]}"
echo "ok: $entries entries, every owner found in $(uname -r)"
