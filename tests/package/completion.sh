#!/usr/bin/env bash
# The bash completion loads in a non-interactive bash and completes
# commands, options, their values and tag names. Drives _pooltag directly,
# as readline would: COMP_WORDS, COMP_CWORD, then COMPREPLY.
#   completion.sh POOLTAG_BINARY COMPLETION_SCRIPT FIXTURES_DIR
source "$(dirname "$0")/lib.sh"
bin=$1 script=$2 fixtures=$3
set +u  # completion functions run in the user's shell, where nounset is off
PATH=$(dirname "$bin"):$PATH
# shellcheck source=/dev/null
source "$script"
[ "$(complete -p pooltag)" = "complete -F _pooltag pooltag" ] || fail "not registered: $(complete -p pooltag 2>&1)"

failures=0
# complete WORD... : what Tab offers for the last word (one a line).
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _pooltag
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect_exactly() {  # "expected words" WORD...
  local want got
  want=$(tr ' ' '\n' <<<"$1" | sort)
  shift
  got=$(complete_words "$@")
  if [ "$got" != "$want" ]; then
    echo "'$*<TAB>' offered [$(echo $got)], expected [$(echo $want)]" >&2
    failures=$((failures + 1))
  fi
}
expect_including() {  # "expected words" WORD...
  local want=$1 got w
  shift
  got=$(complete_words "$@")
  for w in $want; do
    if ! grep -qxF -- "$w" <<<"$got"; then
      echo "'$*<TAB>' offered [$(echo $got)], without '$w'" >&2
      failures=$((failures + 1))
    fi
  done
}

# The two the issue names.
expect_exactly "used" pooltag u
expect_exactly "--sort" pooltag used --so
# Also through a path to the binary.
expect_exactly "used" "$bin" u

# Commands and options as --help lists them, whatever they are now.
commands=$("$bin" --help | awk '/^Subcommands:/{s=1;next} /^[^ ]/{s=0} s && /^  [a-z]/{print $1}')
expect_exactly "$(echo $commands)" pooltag ""
for c in $commands; do
  opts=$("$bin" "$c" --help | grep -oE '^  -[^ ]+' | tr ',' '\n' | sed 's/^ *//')
  expect_including "$(echo $opts)" pooltag "$c" -
done
expect_including "--pin-dir --kallsyms --version" pooltag --
expect_exactly "used" pooltag --pin-dir /sys/fs/bpf/elsewhere us

# Values.
expect_exactly "tag allocs frees diff bytes" pooltag used --sort ""
expect_exactly "diff" pooltag used --sort = d
expect_exactly "caller module cache stack" pooltag used --by ""
expect_exactly "caller module cache" pooltag export --by ""
expect_exactly "slab percpu vmalloc page" pooltag used --pool ""
expect_exactly "slab,percpu slab,page" pooltag enable --pools slab,p
expect_including "$fixtures/events" pooltag used --replay "$fixtures/ev"
expect_including "$fixtures/events" pooltag leaks --db "$fixtures/ev"

# Tag names from `pooltag used --json`, with the line's --by/--tags/--replay.
ctx=(pooltag --kallsyms "$fixtures/kallsyms" used --replay "$fixtures/events")
expect_exactly "do_eventfd alloc_pipe_info mas_preallocate nf_conntrack_alloc ext4_alloc_inode" "${ctx[@]}" ""
expect_exactly "[vmlinux] [nf_conntrack] [ext4]" "${ctx[@]}" --by module ""
expect_exactly "NfCt" "${ctx[@]}" --tags "$(dirname "$0")/../../tags/pooltag.txt" --exclude N

[ "$failures" -eq 0 ] || fail "$failures completion(s) wrong"
echo "ok: completion of commands, options, values and tags"
