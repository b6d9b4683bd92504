#!/usr/bin/env bash
# Builds the Debian package with CPack into OUT_DIR (the fixture the other
# package.deb_* tests read).
#   deb_build.sh BUILD_DIR OUT_DIR
source "$(dirname "$0")/lib.sh"
build=$1 out=$2
require_command dpkg-shlibdeps
rm -rf "$out"
mkdir -p "$out"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 ||
  fail "cpack failed: $(cat "$out/cpack.log")"
debs=("$out"/pooltag_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one pooltag_*.deb in $out: $(ls "$out")"
rm -rf "$out/_CPack_Packages"
echo "ok: $(basename "${debs[0]}")"
