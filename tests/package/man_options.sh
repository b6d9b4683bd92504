#!/usr/bin/env bash
# Every command the binary lists has a man page, and every option and
# positional its --help lists appears in that page's source, so the pages
# cannot drift from the code as commands and options are added.
#   man_options.sh POOLTAG_BINARY MAN_SOURCE_DIR
source "$(dirname "$0")/lib.sh"
bin=$1 man_dir=$2

# Prints the names a CLI11 --help lists: options (both spellings of
# "-n,--top") and positionals, one a line; -h/--help is left out. With
# "subcommands", prints the subcommands instead.
help_items() {
  local what=$1 section="" line
  while IFS= read -r line; do
    if [[ $line =~ ^[^\ ].*:$ ]]; then section=${line%:}; continue; fi
    case $what/$section in
      subcommands/Subcommands)
        [[ $line =~ ^\ \ ([a-z][a-z0-9_-]*)(\ |$) ]] && echo "${BASH_REMATCH[1]}" ;;
      subcommands/*) ;;
      */Subcommands) ;;
      */Positionals)
        [[ $line =~ ^\ \ ([A-Za-z_]+)\  ]] && echo "${BASH_REMATCH[1]}" ;;
      *)
        if [[ $line =~ ^\ \ (-[^\ ]+) ]]; then
          tr ',' '\n' <<<"${BASH_REMATCH[1]}" | grep -vxE -- '-h|--help' || true
        fi ;;
    esac
  done
}

# Whether NAME appears in FILE as a whole word (--sort, not --sort-by).
mentions() {
  grep -qE -- "(^|[^[:alnum:]-])$(sed 's/[][\.*^$]/\\&/g' <<<"$1")([^[:alnum:]-]|$)" "$2"
}

problems=()
check_command() {  # page, command words...
  local page=$1 help item
  shift
  help=$("$bin" "$@" --help) || { problems+=("'pooltag $* --help' failed"); return; }
  while IFS= read -r item; do
    [ -n "$item" ] || continue
    mentions "$item" "$page" || problems+=("$(basename "$page"): 'pooltag $* $item' is not documented")
  done < <(help_items options <<<"$help")
  # A command with subcommands of its own documents them in the same page.
  local sub
  while IFS= read -r sub; do
    [ -n "$sub" ] || continue
    mentions "$sub" "$page" || problems+=("$(basename "$page"): subcommand 'pooltag $* $sub' is not documented")
    check_command "$page" "$@" "$sub"
  done < <(help_items subcommands <<<"$help")
}

top_help=$("$bin" --help) || fail "'$bin --help' failed"
mapfile -t commands < <(help_items subcommands <<<"$top_help")
[ ${#commands[@]} -gt 0 ] || fail "no subcommands found in '$bin --help'"

# The global options in pooltag(8), and every command listed there.
check_command_globals() {
  local page=$man_dir/pooltag.8.scd item
  [ -f "$page" ] || { problems+=("pooltag.8.scd is missing"); return; }
  while IFS= read -r item; do
    [ -n "$item" ] || continue
    mentions "$item" "$page" || problems+=("pooltag.8.scd: global option '$item' is not documented")
  done < <(help_items options <<<"$top_help")
}
check_command_globals
for c in "${commands[@]}"; do
  page=$man_dir/pooltag-$c.8.scd
  grep -qF -- "*$c*" "$man_dir/pooltag.8.scd" || problems+=("pooltag.8.scd: command '$c' is not listed")
  if [ ! -f "$page" ]; then
    problems+=("'pooltag $c' has no man page: write man/pooltag-$c.8.scd (docs/install.md, "Man pages")")
    continue
  fi
  check_command "$page" "$c"
done

echo "checked ${#commands[@]} commands: ${commands[*]}"
if [ ${#problems[@]} -gt 0 ]; then
  printf '  %s\n' "${problems[@]}" >&2
  fail "${#problems[@]} man page problem(s)"
fi
