#!/usr/bin/env bash
# `DESTDIR=... cmake --install` lays out the expected files, and the
# installed binary runs --version and --help.
#   install_layout.sh BUILD_DIR
source "$(dirname "$0")/lib.sh"
build=$1
make_temp_dir
root=$TEMP_DIR/root
DESTDIR=$root cmake --install "$build" --prefix /usr >"$TEMP_DIR/log" || fail "install failed: $(cat "$TEMP_DIR/log")"

expected=(
  usr/sbin/pooltag
  usr/share/pooltag/pooltag.txt
  usr/share/man/man8/pooltag.8.gz
  usr/share/man/man8/pooltag-enable.8.gz
  usr/share/man/man8/pooltag-disable.8.gz
  usr/share/man/man8/pooltag-status.8.gz
  usr/share/man/man8/pooltag-used.8.gz
  usr/share/man/man5/pooltag-tags.5.gz
  usr/share/bash-completion/completions/pooltag
  usr/lib/systemd/system/pooltag.service
  usr/lib/systemd/system/pooltag-export.service
  usr/lib/systemd/system/pooltag-record.service
  usr/share/pooltag/pooltag.rules.yml
  usr/share/man/man8/pooltag-export.8.gz
  etc/default/pooltag
)
for f in "${expected[@]}"; do
  [ -f "$root/$f" ] || fail "missing $f; installed: $(cd "$root" && find . -type f | sort)"
done
[ -x "$root/usr/sbin/pooltag" ] || fail "usr/sbin/pooltag is not executable"
# Every command has its page installed (the pages are globbed from man/).
for page in "$build"/man/*.[1-9]; do
  name=$(basename "$page")
  [ -f "$root/usr/share/man/man${name##*.}/$name.gz" ] || fail "man page $name was built but not installed"
done
# Nothing outside the expected directories (no headers, no test binaries).
unexpected=$(cd "$root" && find . -type f | sed 's|^\./||' |
  grep -vE '^(usr/sbin/pooltag|usr/share/pooltag/|usr/share/man/man[1-9]/pooltag|usr/share/bash-completion/completions/pooltag$|usr/lib/systemd/system/pooltag(-export|-record)?\.service$|etc/default/pooltag$)' || true)
[ -z "$unexpected" ] || fail "unexpected files installed: $unexpected"

version=$("$root/usr/sbin/pooltag" --version) || fail "installed pooltag --version failed"
grep -qE '^pooltag [0-9]+\.[0-9]+\.[0-9]+' <<<"$version" || fail "--version printed: $version"
grep -qE '^libbpf [0-9]+\.[0-9]+ \(built with [0-9]+\.[0-9]+\)' <<<"$version" || fail "--version names no libbpf: $version"
"$root/usr/sbin/pooltag" --help | grep -q '^Subcommands:' || fail "installed pooltag --help lists no subcommands"
# The installed page opens with man.
MANPATH=$root/usr/share/man man -P cat pooltag 2>/dev/null | grep -q '^EXIT STATUS' || fail "man pooltag does not open from the install"
echo "ok: ${#expected[@]} files in place; $(head -1 <<<"$version")"
