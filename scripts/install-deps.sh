#!/usr/bin/env bash
# Installs the Debian packages pooltag needs to build, test and benchmark,
# only when one is missing (apt-get update runs only then too).
set -euo pipefail
packages=(cmake make g++ gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
          libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev googletest
          libedit-dev libncurses-dev tmux procps
          util-linux libcap2-bin  # setpriv and capsh: the fault tests drop capabilities
          libclang-rt-14-dev  # libFuzzer for tests/fuzz (clang -fsanitize=fuzzer)
          # packaging (docs/install.md): man pages, their render test, the
          # systemd unit check, the .deb's Depends
          scdoc groff-base man-db systemd dpkg-dev file
          # the kernel-matrix tier (tests/kernels): Debian kernels under qemu,
          # an initramfs of busybox and the kernel's own modules; the README's
          # kernel table made from what it saw (kernel_table.py)
          qemu-system-x86 busybox-static cpio xz-utils zstd kmod python3
          # pooltag export (docs/export.md): its HTTP server; Prometheus and
          # promtool for the rules' tests and the end-to-end scrape test
          libcpp-httplib-dev prometheus
          # pooltag record, leaks and report (docs/leaks.md): the recording's
          # SQLite; the sqlite3 shell for the tests that damage recordings;
          # Chromium, headless, for the report's browser test
          libsqlite3-dev sqlite3 chromium)
# The report's charting library (uPlot) comes from npm at build time. A
# Node.js that brings its own npm (as some Node.js packages do) is kept:
# Debian's npm would conflict with it.
command -v npm >/dev/null 2>&1 || packages+=(npm)
packages+=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "pooltag: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
