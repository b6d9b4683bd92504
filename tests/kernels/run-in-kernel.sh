#!/usr/bin/env bash
# shellcheck disable=SC2016  # apt formats and the guest /init are literal text
# Boots a real Debian kernel under qemu and runs one command inside it.
#
#   run-in-kernel.sh [--timeout SECONDS] KERNEL -- COMMAND [ARGS...]
#   run-in-kernel.sh --list
#
# KERNEL is 5.10 (Debian 11 bullseye), 6.1 (Debian 12 bookworm), 6.12
# (Debian 13 trixie, else bookworm-backports) or 6.18 (trixie-backports).
# The kernel package comes from the Debian archive this machine's apt is configured with (its URI is read
# from apt at run time), is unpacked with dpkg -x (never installed) and is
# cached, with the initramfs built for it, in $POOLTAG_KERNEL_CACHE
# (default /var/cache/pooltag/kernels): a cached kernel needs no apt at all.
#
# The guest's root is this machine's / over virtio-9p, read-only, with
# writable tmpfs on /tmp (over the host's /tmp, which stays visible), /run,
# /dev/shm; proc, sysfs, devtmpfs, bpffs, tracefs, debugfs and cgroup2 are
# mounted and /lib/modules/$(uname -r) holds the guest kernel's modules.
# COMMAND runs as root in the host's current directory, with a fixed PATH
# and CI, HOME, LANG, LC_ALL, TZ, POOLTAG_*, GTEST_* and the names listed in
# $POOLTAG_KERNEL_ENV passed through. Its stdout and stderr (merged) come
# out on stdout as it runs; the kernel's console goes to a log shown only
# when the VM fails.
#
# Exit status: the command's own, or
#   2    usage error
#   120  the kernel could not be fetched or prepared
#   121  the VM failed: qemu error, kernel panic, or the guest setup failed
#   122  the VM timed out ($POOLTAG_KERNEL_TIMEOUT or --timeout, default 900 s)
# with one line starting "run-in-kernel: ERROR" on stderr for 120-122.
#
# Environment: POOLTAG_KERNEL_CACHE, POOLTAG_KERNEL_TIMEOUT,
# POOLTAG_KERNEL_MEM (qemu -m, default 2G), POOLTAG_KERNEL_SMP (default 2),
# POOLTAG_KERNEL_TCG (single, the default: one host thread for all vCPUs;
# or multi: a thread per vCPU, about 1.3x faster, but its emulation of
# cross-modifying code races: a 6.12 guest has panicked in the middle of a
# just-patched tracepoint jump (kfree+0x34) in the matrix and in the middle
# of a NOP during the benchmark's attach/detach cycles, and 6.18 oopsed at
# boot on an int3 of text being patched; under single the 6.12 benchmark and
# runtime tier have run clean),
# POOLTAG_KERNEL_ENV (more variable names to pass in),
# POOLTAG_KERNEL_CONSOLE=1 (copy the kernel console to stderr afterwards).
set -euo pipefail

readonly EXIT_USAGE=2 EXIT_FETCH=120 EXIT_VM=121 EXIT_TIMEOUT=122
readonly KNOWN_KERNELS=(5.10 6.1 6.12 6.18)
readonly CACHE=${POOLTAG_KERNEL_CACHE:-/var/cache/pooltag/kernels}
# Bumped when the layout of a cached kernel changes: older entries refetch.
readonly CACHE_FORMAT=1
# Modules the guest needs before its root is mounted (with their
# dependencies); the optional ones are loaded when the kernel has them.
readonly BOOT_MODULES=(virtio_pci 9pnet_virtio 9p)
readonly OPTIONAL_MODULES=(virtio_rng overlay)
readonly GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

prog=run-in-kernel
note() { echo "$prog: $*" >&2; }
die() { local code=$1; shift; echo "$prog: ERROR: $*" >&2; exit "$code"; }
usage() {
  sed -n '/^# Boots/,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
  exit "$EXIT_USAGE"
}

# Debian suites to look in, best first, for each kernel.
suites_of() {
  case $1 in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo trixie bookworm-backports ;;
    6.18) echo trixie-backports ;;
    *) return 1 ;;
  esac
}

known() { local k; for k in "${KNOWN_KERNELS[@]}"; do [ "$k" = "$1" ] && return 0; done; return 1; }

tmp=
qemu_pid=
tail_pid=
cleanup() {
  if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; fi
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- fetching

# "main URI" and "security URI" of the machine's own Debian archive, from
# apt's parse of its sources (one-line or deb822, whatever it has).
debian_uris() {
  local targets main='' security='' type uri release label
  targets=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(LABEL)' \
              'Identifier: Packages' 2>/dev/null | sort -u) || true
  while read -r type uri release label; do
    [ "$type" = deb ] || continue
    case $label in '$(LABEL)') label='' ;; esac
    if [ "${release%-security}" != "$release" ] || [ "$label" = Debian-Security ]; then
      [ -n "$security" ] || security=$uri
    elif [ -z "$label" ] || [ "$label" = Debian ]; then
      case $release in *-*) [ -n "$main" ] || main=$uri ;; *) main=$uri ;; esac
    fi
  done <<<"$targets"
  [ -n "$main" ] || return 1
  echo "${main%/} ${security%/}"
}

# Runs apt with a private configuration in $tmp/apt: its own sources, lists
# and caches; the machine's apt.conf (proxies etc.) still applies.
apt_private() {
  local cmd=$1; shift
  local a=$tmp/apt
  "$cmd" -q \
    -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts="$a/empty" \
    -o Dir::Etc::preferences="$a/empty/none" -o Dir::Etc::preferencesparts="$a/empty" \
    -o Dir::State="$a/state" -o Dir::State::status="$a/state/status" \
    -o Dir::Cache="$a/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
    -o Acquire::Languages=none -o APT::Sandbox::User="$(id -un)" \
    "$@"
}

# The newest kernel image package for $1 in the configured suites:
# prints "NAME VERSION". Prefers the -unsigned flavour (same kernel).
pick_package() {
  local k=$1 dep cands
  dep=$(apt_private apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1) || true
  cands=$(apt_private apt-cache pkgnames linux-image- 2>/dev/null |
          grep -E "^linux-image-${k//./\\.}[.-][^ ]*-amd64(-unsigned)?$" |
          grep -vE -- '-(cloud|rt)-amd64' || true)
  # The metapackage's choice when it is this kernel; else the newest of
  # this version's images.
  if [ -n "$dep" ] && grep -qxF "$dep" <<<"$cands"; then cands=$(printf '%s\n%s-unsigned\n' "$dep" "$dep"); fi
  [ -n "$cands" ] || return 1
  # madison: "NAME | VERSION | SOURCE" for every version of every name.
  # shellcheck disable=SC2086
  apt_private apt-cache madison $cands 2>/dev/null | awk -F' *[|] *' '{ gsub(/ /, "", $1); print $1, $2 }' |
    {
      local name v best='' bestv=''
      while read -r name v; do
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv" ||
           { dpkg --compare-versions "$v" eq "$bestv" && [ "$name" = "$best-unsigned" ]; }; then
          best=$name bestv=$v
        fi
      done
      [ -n "$best" ] || exit 1
      echo "$best $bestv"
    }
}

# Downloads and unpacks kernel $1 into $2 (a new directory).
fetch_kernel() {
  local k=$1 dest=$2 uris main security suite pkg version keyring opt='' log
  command -v apt-get >/dev/null || die $EXIT_FETCH "$k: apt-get not found"
  uris=$(debian_uris) || die $EXIT_FETCH "$k: cannot fetch the kernel: no Debian archive in this machine's apt sources (apt-get indextargets)"
  read -r main security <<<"$uris"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] && opt="[signed-by=$keyring] "
  mkdir -p "$tmp/apt/empty" "$tmp/apt/state/lists/partial" "$tmp/apt/cache/archives/partial"
  : >"$tmp/apt/state/status"
  log=$tmp/apt/log
  for suite in $(suites_of "$k"); do
    {
      echo "deb ${opt}$main $suite main"
      case $suite in
        *-backports) ;;
        *) [ -z "$security" ] || echo "deb ${opt}$security $suite-security main" ;;
      esac
    } >"$tmp/apt/sources.list"
    rm -rf "$tmp/apt/state/lists"; mkdir -p "$tmp/apt/state/lists/partial"
    note "$k: looking for the kernel in Debian $suite"
    if ! apt_private apt-get update >"$log" 2>&1; then
      # A suite missing from the archive: try the next one; else report.
      grep -E '^(E|W):' "$log" | head -n 5 >&2 || true
      continue
    fi
    if read -r pkg version < <(pick_package "$k"); then break; fi
    pkg=
  done
  [ -n "${pkg:-}" ] || die $EXIT_FETCH "$k: cannot fetch the kernel: no linux-image-$k*-amd64 package in Debian $(suites_of "$k")"
  note "$k: downloading $pkg $version ($suite)"
  mkdir -p "$tmp/dl"
  if ! (cd "$tmp/dl" && apt_private apt-get download "$pkg=$version") >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    die $EXIT_FETCH "$k: apt-get download $pkg=$version failed"
  fi
  mkdir -p "$dest/root"
  dpkg -x "$tmp"/dl/*.deb "$dest/root" || die $EXIT_FETCH "$k: dpkg -x of $pkg failed"
  rm -rf "$tmp/dl"
  local vmlinuz config moddir release
  vmlinuz=$(first "$dest"/root/boot/vmlinuz-*)
  config=$(first "$dest"/root/boot/config-*)
  moddir=$(first "$dest"/root/lib/modules/*/ "$dest"/root/usr/lib/modules/*/)
  [ -n "$vmlinuz" ] && [ -n "$moddir" ] || die $EXIT_FETCH "$k: $pkg has no vmlinuz or modules"
  release=$(basename "$moddir")
  mv "$vmlinuz" "$dest/vmlinuz"
  [ -z "$config" ] || cp "$config" "$dest/config"
  rm -rf "$dest/modules"
  mv "${moddir%/}" "$dest/modules"
  rm -rf "$dest/root"
  # The package leaves modules.dep to depmod at install time.
  mkdir -p "$tmp/depmod/lib/modules"
  ln -s "$dest/modules" "$tmp/depmod/lib/modules/$release"
  depmod -b "$tmp/depmod" "$release" || die $EXIT_FETCH "$k: depmod failed"
  printf 'package=%s\nversion=%s\nsuite=%s\nrelease=%s\nformat=%s\n' \
    "$pkg" "$version" "$suite" "$release" "$CACHE_FORMAT" >"$dest/info"
}

# The first of its arguments that exists (globs that matched nothing don't).
first() { local f; for f in "$@"; do [ -e "$f" ] && { echo "$f"; break; }; done; return 0; }

# Reads key $2 of a cached kernel's info file $1.
info_of() { sed -n "s/^$2=//p" "$1/info" 2>/dev/null; }

cached() { [ -f "$1/info" ] && [ "$(info_of "$1" format)" = "$CACHE_FORMAT" ]; }

# Makes sure kernel $1 is in the cache, fetching it under a lock.
ensure_kernel() {
  local k=$1 dir=$CACHE/$1
  cached "$dir" && return 0
  mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] ||
    die $EXIT_FETCH "$k: cache $CACHE is not writable (set POOLTAG_KERNEL_CACHE)"
  exec 9>"$CACHE/.$k.lock"
  flock 9
  if ! cached "$dir"; then
    local new=$CACHE/.$k.new.$$
    rm -rf "$new"
    fetch_kernel "$k" "$new"
    rm -rf "$dir"
    mv "$new" "$dir"
  fi
  flock -u 9
  exec 9>&-
}

# ---------------------------------------------------------------- initramfs

# The guest's /init (busybox sh). Results go to the third serial port:
# "start UPTIME", then "rc=N UPTIME" or "setup-failed: WHAT".
guest_init() {
  cat <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /newroot /rw
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
status=/dev/ttyS2
fail() { echo "setup-failed: $*" >$status; echo "pooltag-kernel: setup failed: $*"; poweroff -f; sleep 5; exit 1; }
while read -r mod; do
  insmod "/modules/$mod" || fail "insmod $mod"
done </modules/order
while read -r mod; do
  insmod "/modules/$mod" 2>/dev/null || echo "pooltag-kernel: optional module $mod did not load"
done </modules/optional
. /run.conf
r=/newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot $r ||
  fail "mounting the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/tmp/upper /rw/tmp/work
chmod 1777 /rw/tmp/upper
# /tmp: writable over the host's (read-only) /tmp, or a bare tmpfs.
mount -t overlay overlay -o lowerdir=$r/tmp,upperdir=/rw/tmp/upper,workdir=/rw/tmp/work $r/tmp 2>/dev/null ||
  mount -t tmpfs -o mode=1777 tmpfs $r/tmp || fail "mounting /tmp"
mount -t proc proc $r/proc || fail "mounting /proc"
mount -t sysfs sysfs $r/sys || fail "mounting /sys"
mount -t devtmpfs devtmpfs $r/dev || fail "mounting /dev"
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $r/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $r/run || fail "mounting /run"
mount -t bpf bpf $r/sys/fs/bpf || fail "mounting bpffs"
mount -t tracefs tracefs $r/sys/kernel/tracing || fail "mounting tracefs"
mount -t debugfs debugfs $r/sys/kernel/debug || fail "mounting debugfs"
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup 2>/dev/null
# The guest kernel's modules, for modprobe, in place of the host's.
# Without a /lib/modules on the host, /lib gets a writable overlay for it.
release=$(uname -r)
if [ -d "$r$GUEST_MODULES" ]; then
  if [ ! -d $r/lib/modules ]; then
    mkdir -p /rw/lib/upper/modules /rw/lib/work
    mount -t overlay overlay -o lowerdir=$r/lib,upperdir=/rw/lib/upper,workdir=/rw/lib/work $r/lib 2>/dev/null
  fi
  if [ -d $r/lib/modules ] && mount -t tmpfs -o mode=0755 tmpfs $r/lib/modules; then
    mkdir -p $r/lib/modules/$release
    mount --bind "$r$GUEST_MODULES" $r/lib/modules/$release
  fi
fi
mkdir -p $r/run/pooltag-kernel
cp /cmd.sh $r/run/pooltag-kernel/cmd.sh
hostname pooltag-$KERNEL 2>/dev/null
# The command's output goes through a pipe (as under ctest, not a tty)
# to the second serial port, raw: no \r added.
out=/dev/ttyS1
exec 3>$out
stty -F $out raw -echo 2>/dev/null
read -r up _ </proc/uptime
echo "start $up" >$status
{ env -i chroot $r /bin/bash /run/pooltag-kernel/cmd.sh </dev/null 2>&1; echo $? >/rc; } | cat >&3
read -r up _ </proc/uptime
read -r rc </rc || rc=255
sync
echo "rc=$rc $up" >$status
poweroff -f
sleep 5
EOF
}

# Builds (once per kernel and init version) the cached initramfs of $1:
# busybox, /init and the boot modules, decompressed. Prints its path.
ensure_initramfs() {
  local k=$1 dir=$CACHE/$1 busybox key img release
  busybox=$(command -v busybox) || die $EXIT_FETCH "busybox not found (install busybox-static)"
  ! ldd "$busybox" >/dev/null 2>&1 ||
    die $EXIT_FETCH "$busybox is not statically linked (install busybox-static)"
  release=$(info_of "$dir" release)
  key=$( { guest_init; printf '%s\n' "${BOOT_MODULES[@]}" "${OPTIONAL_MODULES[@]}";
           sha256sum "$busybox"; } | sha256sum | cut -c1-16)
  img=$dir/initramfs-$key.cpio
  if [ ! -f "$img" ]; then
    local root=$tmp/initramfs m path
    rm -rf "$root"; mkdir -p "$root/bin" "$root/modules"
    cp "$busybox" "$root/bin/busybox"
    guest_init >"$root/init"; chmod 755 "$root/init"
    # Load order: each module after its dependencies (modules.dep).
    local -A seen=()
    local order=()
    dep_of() { sed -n "s|^\([^:]*/$1\.ko[^:]*\):\(.*\)|\1 \2|p" "$dir/modules/modules.dep" | head -n1; }
    add_module() {
      local name=${1//-/_} line file deps d
      [ -z "${seen[$name]:-}" ] || return 0
      seen[$name]=1
      line=$(dep_of "$name")
      if [ -z "$line" ]; then
        line=$(dep_of "${name//_/-}")
      fi
      if [ -z "$line" ]; then
        # Built in, or not there at all.
        grep -q "/${name}\.ko" "$dir/modules/modules.builtin" 2>/dev/null && return 0
        return 1
      fi
      read -r file deps <<<"$line"
      for d in $deps; do
        d=$(basename "$d"); d=${d%%.ko*}
        add_module "$d" || return 1
      done
      order+=("$file")
    }
    for m in "${BOOT_MODULES[@]}"; do
      add_module "$m" || die $EXIT_FETCH "$k: module $m is in neither modules.dep nor modules.builtin"
    done
    local nboot=${#order[@]}
    for m in "${OPTIONAL_MODULES[@]}"; do add_module "$m" || true; done
    : >"$root/modules/order"; : >"$root/modules/optional"
    local i=0 f base
    for f in "${order[@]}"; do
      base=$(basename "$f"); base=${base%%.ko*}.ko
      path=$dir/modules/$f
      case $f in
        *.ko.xz) xz -dc "$path" >"$root/modules/$base" ;;
        *.ko.zst) zstd -qdc "$path" >"$root/modules/$base" ;;
        *.ko.gz) gzip -dc "$path" >"$root/modules/$base" ;;
        *) cp "$path" "$root/modules/$base" ;;
      esac
      if [ $i -lt "$nboot" ]; then echo "$base" >>"$root/modules/order"; else echo "$base" >>"$root/modules/optional"; fi
      i=$((i + 1))
    done
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$img.$$" ||
      die $EXIT_FETCH "$k: building the initramfs failed"
    mv "$img.$$" "$img"
    # Initramfs of older init versions are of no more use.
    find "$dir" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "initramfs-$key.cpio" -delete
  fi
  echo "$img"
}

# ---------------------------------------------------------------- running

# The per-run part of the initramfs: /run.conf for /init and /cmd.sh, the
# bash script that runs the command in the guest's root.
run_archive() {
  local k=$1 out=$2; shift 2
  local root=$tmp/run name
  mkdir -p "$root"
  printf 'KERNEL=%q\nGUEST_MODULES=%q\n' "$k" "$CACHE/$k/modules" >"$root/run.conf"
  {
    echo '#!/bin/bash'
    printf 'export PATH=%q\n' "$GUEST_PATH"
    printf 'export POOLTAG_KERNEL_VM=%q\n' "$k"
    for name in CI HOME LANG LC_ALL TZ ${POOLTAG_KERNEL_ENV:-} \
                $(compgen -e | grep -E '^(POOLTAG|GTEST)_' || true); do
      [ -n "${!name+x}" ] || continue
      [ "$name" = POOLTAG_KERNEL_VM ] && continue
      printf 'export %s=%q\n' "$name" "${!name}"
    done
    printf 'cd %q || exit 126\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
  } >"$root/cmd.sh"
  (cd "$root" && printf '%s\n' . run.conf cmd.sh | cpio -o -H newc --quiet -R 0:0) >"$out"
}

run_vm() {
  local k=$1; shift
  local dir=$CACHE/$k img release t0 t1 qrc=0 status rc up_start up_end
  ensure_kernel "$k"
  img=$(ensure_initramfs "$k")
  release=$(info_of "$dir" release)
  command -v qemu-system-x86_64 >/dev/null || die $EXIT_VM "qemu-system-x86_64 not found (install qemu-system-x86)"
  run_archive "$k" "$tmp/run.cpio" "$@"
  cat "$img" "$tmp/run.cpio" >"$tmp/initrd"
  : >"$tmp/out"; : >"$tmp/console"; : >"$tmp/status"
  t0=$(date +%s.%N)
  timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
    -accel "tcg,thread=${POOLTAG_KERNEL_TCG:-single}" -cpu max -m "${POOLTAG_KERNEL_MEM:-2G}" -smp "${POOLTAG_KERNEL_SMP:-2}" \
    -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -kernel "$dir/vmlinuz" -initrd "$tmp/initrd" \
    -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" \
    -chardev file,id=console,path="$tmp/console",append=on -serial chardev:console \
    -chardev file,id=out,path="$tmp/out",append=on -serial chardev:out \
    -chardev file,id=status,path="$tmp/status",append=on -serial chardev:status \
    -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -device virtio-rng-pci \
    </dev/null >"$tmp/qemu.log" 2>&1 &
  qemu_pid=$!
  tail -n +1 -f --pid="$qemu_pid" "$tmp/out" &
  tail_pid=$!
  wait "$qemu_pid" || qrc=$?
  qemu_pid=
  wait "$tail_pid" || true
  tail_pid=
  t1=$(date +%s.%N)
  if [ "${POOLTAG_KERNEL_CONSOLE:-0}" = 1 ]; then
    sed 's/^/console: /' "$tmp/console" >&2
  fi
  up_start=$(sed -n 's/^start \([0-9.]*\).*/\1/p' "$tmp/status" | tail -n1)
  rc=$(sed -n 's/^rc=\([0-9]*\).*/\1/p' "$tmp/status" | tail -n1)
  up_end=$(sed -n 's/^rc=[0-9]* \([0-9.]*\).*/\1/p' "$tmp/status" | tail -n1)
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  if [ -n "$rc" ]; then
    note "$k ($release): booted in ${up_start}s, command exited $rc after $(awk -v a="$up_start" -v b="$up_end" 'BEGIN { printf "%.1f", b - a }')s; ${wall}s in all"
    return "$rc"
  fi
  # No result: say why, with the end of the console.
  local why
  if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    why="timed out after ${TIMEOUT}s"
  elif status=$(grep -m1 '^setup-failed:' "$tmp/status"); then
    why="guest ${status}"
  elif [ -n "$up_start" ]; then
    why="the VM stopped while the command ran (qemu exit $qrc)"
  else
    why="the VM did not boot (qemu exit $qrc)"
  fi
  if [ "${POOLTAG_KERNEL_CONSOLE:-0}" != 1 ]; then
    if [ -s "$tmp/console" ]; then
      { echo "--- last lines of the $k console:"; tail -n 30 "$tmp/console"; } | tr -d '\r' >&2
    else
      echo "--- the $k console printed nothing" >&2
    fi
  fi
  [ -s "$tmp/qemu.log" ] && { echo "--- qemu:"; tail -n 10 "$tmp/qemu.log"; } >&2
  if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    die $EXIT_TIMEOUT "$k ($release): $why"
  fi
  die $EXIT_VM "$k ($release): $why"
}

list() {
  local k dir
  printf '%-6s %-26s %-44s %s\n' KERNEL SUITES PACKAGE VERSION
  for k in "${KNOWN_KERNELS[@]}"; do
    dir=$CACHE/$k
    if cached "$dir"; then
      printf '%-6s %-26s %-44s %s\n' "$k" "$(suites_of "$k" | tr ' ' ,)" \
        "$(info_of "$dir" package)" "$(info_of "$dir" version) ($(info_of "$dir" suite), cached)"
    else
      printf '%-6s %-26s %-44s %s\n' "$k" "$(suites_of "$k" | tr ' ' ,)" - "(not cached)"
    fi
  done
  echo "cache: $CACHE"
}

# ---------------------------------------------------------------- main

TIMEOUT=${POOLTAG_KERNEL_TIMEOUT:-900}
while [ $# -gt 0 ]; do
  case $1 in
    --list) [ $# -eq 1 ] || usage; list; exit 0 ;;
    --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
    --timeout=*) TIMEOUT=${1#--timeout=}; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -ge 3 ] && [ "$2" = -- ] || usage
kernel=$1; shift 2
known "$kernel" || { note "unknown kernel '$kernel' (known: ${KNOWN_KERNELS[*]})"; exit "$EXIT_USAGE"; }
[[ $TIMEOUT =~ ^[0-9]+$ ]] || { note "--timeout wants seconds, not '$TIMEOUT'"; exit "$EXIT_USAGE"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-in-kernel.XXXXXX")
run_vm "$kernel" "$@"
