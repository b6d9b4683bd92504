#!/usr/bin/env bash
# systemd-analyze verify accepts pooltag.service, pooltag-export.service and
# pooltag-record.service
# as installed, without a single warning, and the units do what the man
# pages say.
#   systemd_verify.sh BUILD_DIR
# systemd need not be running: verify works offline. It insists that
# ExecStart's binary exists and that Documentation= pages open, so the unit
# of a DESTDIR install is checked with its paths pointed into DESTDIR and
# MANPATH at the installed pages.
source "$(dirname "$0")/lib.sh"
build=$1
require_command systemd-analyze
make_temp_dir
root=$TEMP_DIR/root
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
unit=$root/usr/lib/systemd/system/pooltag.service
[ -f "$unit" ] || fail "pooltag.service was not installed"

expect() { grep -qxF -- "$1" "$unit" || fail "pooltag.service lacks the line '$1'"; }
expect "Type=oneshot"
expect "RemainAfterExit=yes"
expect "EnvironmentFile=-/etc/default/pooltag"
expect 'ExecStart=/usr/sbin/pooltag enable $POOLTAG_OPTS'
expect "ExecStop=-/usr/sbin/pooltag disable"
expect "WantedBy=multi-user.target"
grep -q '^POOLTAG_OPTS=' "$root/etc/default/pooltag" || fail "/etc/default/pooltag does not set POOLTAG_OPTS"

grep -q '^POOLTAG_EXPORT_OPTS=' "$root/etc/default/pooltag" || fail "/etc/default/pooltag does not set POOLTAG_EXPORT_OPTS"

# The exporter's unit: after tagging, with the same options file.
export_unit=$root/usr/lib/systemd/system/pooltag-export.service
[ -f "$export_unit" ] || fail "pooltag-export.service was not installed"
expect_export() { grep -qxF -- "$1" "$export_unit" || fail "pooltag-export.service lacks the line '$1'"; }
expect_export "Type=simple"
expect_export "After=pooltag.service network.target"
expect_export "EnvironmentFile=-/etc/default/pooltag"
expect_export 'ExecStart=/usr/sbin/pooltag export $POOLTAG_EXPORT_OPTS'
expect_export "WantedBy=multi-user.target"

grep -q '^POOLTAG_RECORD_OPTS=' "$root/etc/default/pooltag" || fail "/etc/default/pooltag does not set POOLTAG_RECORD_OPTS"

# The recorder's unit: from boot, into the state directory systemd makes.
record_unit=$root/usr/lib/systemd/system/pooltag-record.service
[ -f "$record_unit" ] || fail "pooltag-record.service was not installed"
expect_record() { grep -qxF -- "$1" "$record_unit" || fail "pooltag-record.service lacks the line '$1'"; }
expect_record "Type=simple"
expect_record "After=pooltag.service"
expect_record "EnvironmentFile=-/etc/default/pooltag"
expect_record 'ExecStart=/usr/sbin/pooltag record -o /var/lib/pooltag/pooltag.db $POOLTAG_RECORD_OPTS'
expect_record "StateDirectory=pooltag"
expect_record "WantedBy=multi-user.target"

mkdir -p "$TEMP_DIR/units"
for name in pooltag pooltag-export pooltag-record; do
  sed "s|/usr/sbin/pooltag|$root/usr/sbin/pooltag|; s|-/etc/default/pooltag|-$root/etc/default/pooltag|" \
    "$root/usr/lib/systemd/system/$name.service" >"$TEMP_DIR/units/$name.service"
done
out=$(cd "$TEMP_DIR" && MANPATH=$root/usr/share/man systemd-analyze verify "$TEMP_DIR/units/pooltag.service" \
  "$TEMP_DIR/units/pooltag-export.service" "$TEMP_DIR/units/pooltag-record.service" 2>&1) ||
  fail "systemd-analyze verify failed:
$out"
[ -z "$out" ] || fail "systemd-analyze verify warned:
$out"
echo "ok: systemd-analyze verify accepts pooltag.service, pooltag-export.service and pooltag-record.service"
