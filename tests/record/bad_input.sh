#!/usr/bin/env bash
# pooltag leaks and report given a recording they cannot read: a missing
# file, one that is not a database, a truncated one, one of a newer format,
# an empty recording. Each: one line on stderr, nothing on stdout, exit 1,
# and the file as it was (not created, not changed).
#   bad_input.sh POOLTAG_BINARY POOLTAG_TEST_RECORDING
source "$(dirname "$0")/../package/lib.sh"
bin=$1 make_recording=$2
require_command sqlite3
make_temp_dir
cd "$TEMP_DIR"

head -c 16384 /dev/urandom >garbage.db
"$make_recording" whole.db 1
head -c 65536 whole.db >truncated.db
"$make_recording" newer.db 0.1
sqlite3 newer.db "PRAGMA user_version=2"
"$make_recording" empty.db 0

expect_refused() {  # file, what the message says
  local file=$1 says=$2 before after
  before=$(sha256sum "$file" 2>/dev/null || echo absent)
  for cmd in "leaks --db $file" "leaks --db $file --json" "report --db $file -o out.html"; do
    set +e
    # shellcheck disable=SC2086
    "$bin" $cmd >out.txt 2>err.txt
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || fail "pooltag $cmd: exit $rc, expected 1 ($(cat err.txt))"
    case $cmd in
      *--json*)  # the error as JSON on stdout, nothing on stderr (docs/reliability.md)
        [ ! -s err.txt ] || fail "pooltag $cmd printed on stderr: $(cat err.txt)"
        python3 -c 'import json,sys; e=json.load(open("out.txt"))["error"]; sys.exit(0 if e["code"] == 1 and sys.argv[1] in e["message"] else 1)' "$says" ||
          fail "pooltag $cmd printed '$(cat out.txt)', expected an error object saying '$says'"
        cp out.txt err.txt ;;
      *)
        [ ! -s out.txt ] || fail "pooltag $cmd printed on stdout: $(cat out.txt)"
        [ "$(wc -l <err.txt)" -eq 1 ] || fail "pooltag $cmd: not one line on stderr: $(cat err.txt)"
        grep -q "^pooltag: .*$says" err.txt || fail "pooltag $cmd said '$(cat err.txt)', expected '$says'" ;;
    esac
    [ ! -e out.html ] || fail "pooltag $cmd wrote out.html"
    after=$(sha256sum "$file" 2>/dev/null || echo absent)
    [ "$before" = "$after" ] || fail "pooltag $cmd changed $file"
    echo "ok: pooltag $cmd: $(cat err.txt)"
  done
}

expect_refused missing.db "No such file or directory"
expect_refused garbage.db "not a pooltag recording"
expect_refused truncated.db "damaged"
expect_refused newer.db "format 2 is newer"
expect_refused empty.db "the recording is empty"
[ ! -e missing.db ] || fail "missing.db was created"
