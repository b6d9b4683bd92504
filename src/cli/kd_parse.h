// The command language of `pooltag kd`: the seed's debugger commands
// (.reload, !poolused, ed/db nt!poolhittag, g, kb, !poolfind, !pool) parsed
// into plain data. Standard library only, so the fuzzer (tests/fuzz) builds
// it alone. Parsing never throws: every bad input is an Error whose message
// is one printable line.
//
// Numbers follow WinDbg's default radix 16: "10" is sixteen, "0x10" too,
// "0n10" is ten. Command names are case-insensitive, as in WinDbg.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/text.h"

namespace pooltag::cli::kd {

// Bytes of the hit-tag variable `db` shows (pt_tag_selector.tag).
inline constexpr uint64_t kHitTagBytes = 64;
// Longest tag text the variable holds (NUL-terminated).
inline constexpr size_t kMaxTagText = kHitTagBytes - 1;

// !poolused flag bits (WinDbg's, mapped to Linux pools).
inline constexpr uint32_t kPoolUsedVerbose = 0x1;   // Allocs/Frees/Diff/Used and a row per site
inline constexpr uint32_t kPoolUsedSortSlab = 0x2;  // sort by slab bytes (Windows: nonpaged)
inline constexpr uint32_t kPoolUsedSortAll = 0x4;   // sort by bytes of all pools (Windows: paged)
inline constexpr uint32_t kPoolUsedSession = 0x8;   // session pool: none on Linux, refused

enum class Verb {
  Nothing,    // empty command
  Reload,     // .reload
  PoolUsed,   // !poolused [Flags [TagString]]
  EditHitTag, // ed nt!poolhittag VALUE
  Display,    // db / dd nt!poolhittag [L n]
  Go,         // g
  Backtrace,  // kb [n]
  PoolFind,   // !poolfind TagString [PoolType]
  Pool,       // !pool Address
  Leaks,      // !leaks [Duration]: pooltag's own, the ranking of pooltag leaks
  Help,       // ? / .help
  Quit,       // q / qq
};

struct Command {
  Verb verb = Verb::Nothing;
  std::string text;                // the command as typed, trimmed
  uint32_t flags = 0;              // PoolUsed
  std::string tag;                 // PoolUsed / PoolFind: the TagString (may be empty for PoolUsed);
                                   // EditHitTag: the tag to set, empty = clear
  int pool_type = -1;              // PoolFind: -1 = every pool, else model::Pool's value (0 slab ... 3 page)
  uint64_t address = 0;            // Pool
  unsigned unit = 1;               // Display: 1 (db) or 4 (dd)
  uint64_t count = 0;              // Display: units to show (L n); Backtrace: frames (0 = all)
  std::string duration;            // Leaks: how long to watch ("60s"), empty = read the recording
};

// Splits a line into commands at ';' and newlines outside quotes; trims
// them and drops empty ones. Never fails: an unterminated quote keeps the
// rest of the line in one command, which parse_command then refuses.
std::vector<std::string> split_commands(std::string_view line);

// Parses one command.
Result<Command> parse_command(std::string_view text);

// A number in WinDbg syntax: hex by default, 0x hex, 0n decimal, `
// separators (ffff8881`00001000). Errors on anything else or on overflow.
Result<uint64_t> parse_number(std::string_view text);

// The pool type of !poolfind: 0 slab, 1 percpu, 2 vmalloc, 3 page (the
// order of model::Pool), or the name.
Result<int> parse_pool_type(std::string_view text);

// The value of `ed nt!poolhittag VALUE`, as the tag it sets ("" = clear):
//   ' cbA'      a character literal, entered little-endian as WinDbg
//               stores a dword: the tag "Abc " (at most 4 characters)
//   "Abc "      a tag as written (double quotes keep spaces)
//   do_eventfd  a tag name or pattern (* ?)
//   0           clear; a non-zero number is a dword of 4 tag characters
//               (0x20636241 is "Abc "), as `ed` writes it
// `quoted` is the quote character the token had ('\'', '"' or 0).
Result<std::string> parse_hit_tag_value(std::string_view token, char quoted);

// Whether a symbol names the hit-tag variable: nt!poolhittag, poolhittag
// (any case).
bool is_hit_tag_symbol(std::string_view symbol);

using ::pooltag::printable;  // common/text.h

}  // namespace pooltag::cli::kd
