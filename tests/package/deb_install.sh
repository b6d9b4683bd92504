#!/usr/bin/env bash
# The package installs with apt-get on this machine, runs, and removes
# cleanly (then purges, leaving nothing). Root only; in CI it must run.
#   deb_install.sh DEB_DIR
source "$(dirname "$0")/lib.sh"
deb=$(readlink -f "$(ls "$1"/pooltag_*.deb)")
require_root "apt-get install of the package"
require_command apt-get
# Do not replace or remove a pooltag this machine has of its own, nor stop
# its tagging (the package's prerm disables tagging at the default pin dir).
if dpkg-query -W -f='${Status}' pooltag 2>/dev/null | grep -q installed; then
  skip "the pooltag package is already installed here"
fi
for f in /usr/sbin/pooltag /etc/default/pooltag /usr/lib/systemd/system/pooltag.service /sys/fs/bpf/pooltag; do
  [ ! -e "$f" ] || skip "$f exists: a pooltag is installed or enabled here"
done

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)
cleanup() { "${apt[@]}" purge pooltag >/dev/null 2>&1 || true; }
trap cleanup EXIT

"${apt[@]}" install "$deb" >"${TMPDIR:-/tmp}/pooltag-deb-install.log" 2>&1 ||
  fail "apt-get install failed: $(cat "${TMPDIR:-/tmp}/pooltag-deb-install.log")"
dpkg-query -W -f='${Status}\n' pooltag | grep -qx 'install ok installed' || fail "not installed"
version=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin pooltag --version) || fail "pooltag --version failed after install"
echo "$version"
grep -q "^pooltag $(dpkg-deb --field "$deb" Version)" <<<"$version" || fail "installed version: $version"
man -w pooltag 2>/dev/null | grep -q '^/usr/share/man/man8/pooltag.8.gz$' || fail "man pooltag is not found"
[ -f /usr/lib/systemd/system/pooltag.service ] || fail "no unit installed"

"${apt[@]}" remove pooltag >/dev/null 2>&1 || fail "apt-get remove failed"
for f in /usr/sbin/pooltag /usr/share/man/man8/pooltag.8.gz /usr/lib/systemd/system/pooltag.service \
         /usr/share/bash-completion/completions/pooltag /usr/share/pooltag; do
  [ ! -e "$f" ] || fail "$f is left after remove"
done
"${apt[@]}" purge pooltag >/dev/null 2>&1 || fail "apt-get purge failed"
[ ! -e /etc/default/pooltag ] || fail "/etc/default/pooltag is left after purge"
if dpkg-query -W -f='${Status}' pooltag 2>/dev/null | grep -q 'installed\|config-files'; then
  fail "dpkg still knows pooltag after purge"
fi
trap - EXIT
echo "ok: installed, ran, removed and purged $(basename "$deb")"
