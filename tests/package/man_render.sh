#!/usr/bin/env bash
# A rendered man page formats without a single warning, by groff and by man.
#   man_render.sh PAGE
source "$(dirname "$0")/lib.sh"
page=$1
[ -f "$page" ] || fail "$page was not built"
require_command groff
require_command man
out=$(groff -ww -man -z -K utf8 "$page" 2>&1) || fail "groff failed on $page: $out"
[ -z "$out" ] || fail "groff warnings on $page:
$out"
out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null) || fail "man failed on $page: $out"
[ -z "$out" ] || fail "man warnings on $page:
$out"
# The NAME section exists and the page has real content.
MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null | grep -q '^NAME' || fail "$page has no NAME section"
echo "ok: $(basename "$page")"
