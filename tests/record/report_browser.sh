#!/usr/bin/env bash
# pooltag report's page in headless Chromium: it loads with no network
# request and no console message, every chart drew its series (the page
# says so in #report-status once uPlot drew), and a screenshot is taken
# (report.png in the test's working directory, for a person to look at).
#   report_browser.sh POOLTAG_BINARY POOLTAG_TEST_RECORDING
source "$(dirname "$0")/../package/lib.sh"
bin=$1 make_recording=$2
require_command chromium
shot_dir=$PWD
make_temp_dir
cd "$TEMP_DIR"

# Two days in two tagging sessions, thinned as a recorder thins.
"$make_recording" r.db 2 2
"$bin" report --db r.db -o report.html
[ -s report.html ] || fail "no report.html"
if grep -qE '(src|href)="(https?:)?//' report.html; then fail "report.html links outside itself"; fi

chromium_run() {  # name, chromium arguments...
  local name=$1
  shift
  rm -rf "profile-$name" && mkdir "profile-$name"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$TEMP_DIR/profile-$name" \
    --enable-logging=stderr --v=0 --log-net-log="$TEMP_DIR/net-$name.json" "$@" \
    "file://$TEMP_DIR/report.html" >"$name.out" 2>"$name.err" || fail "chromium ($name) failed: $(tail -5 "$name.err")"
  # the page's own requests have its (opaque, file://) origin as initiator;
  # the browser's background ones have none
  if grep -q '"initiator":"null"' "net-$name.json"; then
    fail "the page made network requests: $(grep -o '"url":"[^"]*"' "net-$name.json" | sort -u | head -5)"
  fi
  if grep -q ':CONSOLE' "$name.err"; then fail "console messages: $(grep ':CONSOLE' "$name.err" | head -5)"; fi
}

chromium_run dom --dump-dom
status=$(grep -o '<output id="report-status"[^>]*>' dom.out) || fail "no #report-status in the page: $(head -c 300 dom.out)"
echo "page status: $status"
grep -q 'data-charts="2"' <<<"$status" || fail "not both charts drew: $status"
grep -q 'chart-heap:4' <<<"$status" || fail "the meminfo chart did not draw its 4 series: $status"
grep -qE 'chart-tags:[1-8]( |")' <<<"$status" || fail "the tags chart drew no series: $status"
grep -q 'data-errors="0"' <<<"$status" || fail "errors on the page: $status"
grep -q 'data-resources="0"' <<<"$status" || fail "the page fetched resources: $status"
grep -q 'leaky_alloc' dom.out || fail "the top suspect is not in the page"

chromium_run shot --window-size=1280,2400 --screenshot="$shot_dir/report.png"
[ -s "$shot_dir/report.png" ] || fail "no screenshot"
echo "ok: report.html drew its charts offline with no error; screenshot $shot_dir/report.png"
