# Shared by the package.* tests (sourced). Exit codes: 0 pass, 1 fail,
# 77 skip (ctest SKIP_RETURN_CODE).
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Skips, except in CI, where every test must run: as in the runtime tests'
# RootOnly::SetUp, a skip there is a failure.
skip() {
  if [ -n "${CI+x}" ]; then fail "would skip in CI: $*"; fi
  echo "SKIP: $*"
  exit 77
}

require_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root: $*"
}

require_command() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 not found (scripts/install-deps.sh installs it)"
}

# A temporary directory removed on exit.
make_temp_dir() {
  TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pooltag-package.XXXXXX")
  trap 'rm -rf "$TEMP_DIR"' EXIT
}
