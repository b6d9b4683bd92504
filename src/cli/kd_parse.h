// The command language of `pooltag kd`: the seed's debugger commands
// (.reload, !poolused, ed/db nt!poolhittag, g, kb, !poolfind, !pool) parsed
// into plain data, one type per verb. The verb table (kd_parse.cpp) names
// each verb, parses its arguments and writes its line of `?`, so a command
// is defined once. Standard library and the model's pool names only, so
// the fuzzer (tests/fuzz) builds it alone. Parsing never throws: every bad
// input is an Error whose message is one printable line.
//
// Numbers follow WinDbg's default radix 16: "10" is sixteen, "0x10" too,
// "0n10" is ten (common/units.h's parse_number). Command names are
// case-insensitive, as in WinDbg.
//
//   auto c = kd::parse_command("!poolfind do_eventfd 0");
//   if (auto *find = std::get_if<kd::PoolFind>(&*c)) ... find->tag, find->pool
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/text.h"
#include "common/units.h"
#include "model/snapshot.h"

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

struct Nothing {};  // an empty command
struct Reload {};   // .reload [/f]
struct PoolUsed {   // !poolused [Flags [TagString]]
  uint32_t flags = 0;
  std::string tag;  // "" = every tag
};
struct EditHitTag {  // ed nt!poolhittag VALUE
  std::string tag;   // the tag to set, "" = clear
};
struct Display {      // db / dd nt!poolhittag [L n]
  unsigned unit = 1;  // 1 (db) or 4 (dd)
  uint64_t count = 0; // units to show
};
struct Go {};         // g
struct Backtrace {    // kb [n]
  uint64_t frames = 0;  // 0 = all
};
struct PoolFind {  // !poolfind TagString [PoolType]
  std::string tag;
  std::optional<model::Pool> pool;  // nullopt = every pool
};
struct PoolAt {  // !pool Address
  uint64_t address = 0;
};
struct Leaks {            // !leaks [Duration]: pooltag's own, the ranking of pooltag leaks
  std::string duration;   // how long to watch ("60s"), "" = read the recording
};
struct Help {};  // ? / .help
struct Quit {};  // q / qq / .quit

using Command =
    std::variant<Nothing, Reload, PoolUsed, EditHitTag, Display, Go, Backtrace, PoolFind, PoolAt, Leaks, Help, Quit>;

// Splits a line into commands at ';' and newlines outside quotes; trims
// them and drops empty ones. Never fails: an unterminated quote keeps the
// rest of the line in one command, which parse_command then refuses.
std::vector<std::string> split_commands(std::string_view line);

// Parses one command.
Result<Command> parse_command(std::string_view text);

// What `?` prints: a line or two per verb of the verb table.
std::string help_text();

// The pool type of !poolfind: 0 slab, 1 percpu, 2 vmalloc, 3 page (the
// values of model::Pool), or its name in any case.
Result<model::Pool> parse_pool_type(std::string_view text);

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

using ::pooltag::parse_number;  // common/units.h
using ::pooltag::printable;     // common/text.h

}  // namespace pooltag::cli::kd
