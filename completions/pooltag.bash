# bash completion for pooltag(8).
#
# Commands and options are read from `pooltag --help` and `pooltag COMMAND
# --help` when Tab is pressed (a few milliseconds), so they follow the
# binary and there is no second list to keep. Values that --help describes
# only in words (pool types, --by, --sort) are listed below, unless the help
# shows them itself (CLI11's IsMember prints "TEXT:{a,b,c}"). Tag names come
# from `pooltag used --json`, only when a TAG or PATTERN is being completed.

# Reads CLI11 help text on stdin. Sets _pooltag_subs (subcommands),
# _pooltag_opts (option names), _pooltag_types (option name -> value type,
# for options that take a value), _pooltag_long (option name -> its long
# spelling: -s -> --sort) and _pooltag_positionals.
_pooltag_parse_help() {
  _pooltag_subs=() _pooltag_opts=() _pooltag_positionals=()
  _pooltag_types=() _pooltag_long=()
  local line section="" type name
  local -a names
  local opt_re='^  (-[^ ]+)( ([^ ]+)( \.\.\.)?)?( {2,}|$)'
  while IFS= read -r line; do
    if [[ $line =~ ^[^\ ].*:$ ]]; then
      section=${line%:}
      continue
    fi
    case $section in
      Subcommands)
        [[ $line =~ ^\ \ ([a-z][a-z0-9_-]*)(\ |$) ]] && _pooltag_subs+=("${BASH_REMATCH[1]}")
        ;;
      Positionals)
        [[ $line =~ ^\ \ ([A-Za-z_]+)\  ]] && _pooltag_positionals+=("${BASH_REMATCH[1]}")
        ;;
      *)  # Options, or an option group of its own name
        [[ $line =~ $opt_re ]] || continue
        type=${BASH_REMATCH[3]}
        IFS=, read -ra names <<<"${BASH_REMATCH[1]}"
        for name in "${names[@]}"; do
          _pooltag_opts+=("$name")
          [[ -n $type ]] && _pooltag_types[$name]=$type
          _pooltag_long[$name]=${names[-1]}
        done
        ;;
    esac
  done
}

# Prints the tags of the current state, one a line: `pooltag used --json`
# with the global options and the --by, --tags and --replay of the line.
_pooltag_tags() {
  local bin=$1
  shift
  timeout 3 "$bin" "$@" --json 2>/dev/null |
    grep -o '"tag":"\([^"\\]\|\\.\)*"' | sed 's/^"tag":"//; s/"$//; s/\\"/"/g' | sort -u
}

_pooltag_values() {  # option, its type from --help, current word
  local opt=$1 type=$2 cur=$3 values=""
  if [[ $type =~ \{([^}]*)\} ]]; then
    values=${BASH_REMATCH[1]//,/ }
  else
    case $opt in
      --pools)
        local head="" last=$cur
        [[ $cur == *,* ]] && head=${cur%,*}, last=${cur##*,}
        local v
        COMPREPLY=()
        for v in slab percpu vmalloc page all; do
          [[ $v == "$last"* ]] && COMPREPLY+=("$head$v")
        done
        compopt -o nospace 2>/dev/null
        return
        ;;
      --pool)  # one pool type; `used --pool` takes no "all"
        values="slab percpu vmalloc page"
        [[ ${path[0]} != used ]] && values+=" all"
        ;;
      --by)  # export has no --by stack (a series per stack is unbounded)
        values="caller module cache"
        [[ ${path[0]} != export ]] && values+=" stack"
        ;;
      --sort)
        values="tag allocs frees diff bytes"
        [[ ${path[0]} == mon ]] && values+=" per-alloc"
        ;;
      --tags|--replay|--kallsyms|--*file|-o|--output|--db)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
      --pin-dir)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$values" -- "$cur"))
}

_pooltag() {
  local -a words=("${COMP_WORDS[@]}")
  local cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]} prev=""
  ((cword > 0)) && prev=${words[cword - 1]}
  COMPREPLY=()

  # --opt=value: readline splits it into "--opt" "=" "value".
  local value_of=""
  if [[ $cur == "=" ]]; then
    value_of=$prev cur=""
  elif [[ $prev == "=" ]] && ((cword >= 2)); then
    value_of=${words[cword - 2]}
  fi

  local bin=${words[0]}
  [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
  type -P -- "$bin" >/dev/null 2>&1 || [[ -x $bin ]] || return 0

  # Walk the line: global options, then (sub)commands, each level's options.
  local -a path=() global=() args=()
  local -A _pooltag_types _pooltag_long
  local -a _pooltag_subs _pooltag_opts _pooltag_positionals
  _pooltag_parse_help < <("$bin" --help 2>/dev/null)
  local i=1 w
  while ((i < cword)); do
    w=${words[i]}
    if [[ $w == -* ]]; then
      local takes=${_pooltag_types[$w]+yes} value=""
      if [[ -n $takes && ${words[i + 1]} == "=" ]]; then
        value=${words[i + 2]}; ((i += 2))
      elif [[ -n $takes ]]; then
        value=${words[i + 1]}; ((i += 1))
      fi
      if ((i < cword)); then
        if ((${#path[@]} == 0)); then
          global+=("$w") && [[ -n $takes ]] && global+=("$value")
        else
          args+=("$w") && [[ -n $takes ]] && args+=("$value")
        fi
      fi
    elif [[ " ${_pooltag_subs[*]} " == *" $w "* ]]; then
      path+=("$w")
      _pooltag_parse_help < <("$bin" "${path[@]}" --help 2>/dev/null)
    fi
    ((i++))
  done

  # The value of an option.
  [[ -z $value_of && -n $prev && -n ${_pooltag_types[$prev]+yes} ]] && value_of=$prev
  if [[ -n $value_of ]]; then
    local type=${_pooltag_types[$value_of]}
    value_of=${_pooltag_long[$value_of]:-$value_of}
    if [[ $value_of == --exclude || $value_of == --include || $type == TAG* || $type == PATTERN* ]]; then
      _pooltag_complete_tags
    else
      _pooltag_values "$value_of" "$type" "$cur"
    fi
    return 0
  fi

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${_pooltag_opts[*]}" -- "$cur"))
    return 0
  fi
  if ((${#_pooltag_subs[@]} > 0)); then
    COMPREPLY=($(compgen -W "${_pooltag_subs[*]}" -- "$cur"))
    return 0
  fi
  local p
  for p in "${_pooltag_positionals[@]}"; do
    if [[ $p == TAG* || $p == PATTERN* ]]; then
      _pooltag_complete_tags
      return 0
    fi
  done
  return 0
}

# Tags for a TAG or PATTERN argument (uses bin, global, args, cur of _pooltag;
# path[] is visible too, bash scoping being dynamic).
_pooltag_complete_tags() {
  local -a used=("${global[@]}" used)
  local n=${#args[@]} j
  for ((j = 0; j < n; j++)); do
    case ${args[j]} in
      --by|--tags|--replay) used+=("${args[j]}" "${args[j + 1]}") ;;
    esac
  done
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$(_pooltag_tags "$bin" "${used[@]}")" -- "$cur"))
}

complete -F _pooltag pooltag
