#!/usr/bin/env bash
# The package's control data: name, version, Depends naming the package of
# every library the binary links (from dpkg-shlibdeps), conffiles, and the
# files where they belong.
#   deb_info.sh DEB_DIR
source "$(dirname "$0")/lib.sh"
deb=$(ls "$1"/pooltag_*.deb)
info=$(dpkg-deb --info "$deb") || fail "dpkg-deb --info failed"
echo "$info"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = pooltag ] || fail "Package: $(field Package)"
[ -n "$(field Version)" ] || fail "no Version"
depends=$(field Depends)
[ -n "$depends" ] || fail "no Depends"
# The package names of Depends, one a line (alternatives too).
depends_names() { tr ',|' '\n\n' <<<"$depends" | awk 'NF {print $1}'; }
depends_names | grep -qx 'libbpf1' || fail "Depends lacks libbpf1: $depends"

make_temp_dir
dpkg-deb -x "$deb" "$TEMP_DIR/root"
binary=$TEMP_DIR/root/usr/sbin/pooltag
[ -x "$binary" ] || fail "no usr/sbin/pooltag in the package"
# Each library the binary needs comes from a package Depends names.
for soname in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$binary" | awk -v so="$soname" '$1 == so {print $3}')
  [ -n "$path" ] || fail "$soname does not resolve"
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) ||
    pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
  [ -n "$pkg" ] || fail "no package owns $path"
  depends_names | grep -qxF -- "$pkg" || fail "Depends lacks $pkg (for $soname): $depends"
done
# ncurses and libedit only when linked (they are not, today).
for lib in libncursesw6 libtinfo6 libedit2; do
  if depends_names | grep -qxF "$lib"; then
    readelf -d "$binary" | grep -q "NEEDED.*${lib%[0-9]}" || fail "Depends names $lib, which is not linked"
  fi
done

grep -qx '/etc/default/pooltag' < <(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles) ||
  fail "/etc/default/pooltag is not a conffile"
for f in usr/share/man/man8/pooltag.8.gz usr/share/man/man5/pooltag-tags.5.gz usr/lib/systemd/system/pooltag.service \
         usr/lib/systemd/system/pooltag-export.service usr/lib/systemd/system/pooltag-record.service \
         usr/share/pooltag/pooltag.rules.yml \
         usr/share/bash-completion/completions/pooltag usr/share/pooltag/pooltag.txt etc/default/pooltag; do
  [ -f "$TEMP_DIR/root/$f" ] || fail "the package lacks $f"
done
grep -qx 'ExecStart=/usr/sbin/pooltag enable $POOLTAG_OPTS' "$TEMP_DIR/root/usr/lib/systemd/system/pooltag.service" ||
  fail "the packaged unit does not run /usr/sbin/pooltag"
echo "ok: Depends: $depends"
