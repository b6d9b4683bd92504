// Tags: the owner an allocation is charged to. A site becomes a tag by a
// grouping (caller function, module, cache) and optionally a pooltag.txt-style
// tag file that renames matching owners.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "model/snapshot.h"

namespace pooltag::model {

// Code address -> function and module. Kernel symbols implement it; a
// user-mode source would implement it with its own symbolizer.
struct CodeLocation {
  std::string function;
  std::string module;  // "vmlinux" for the kernel image
};

class CodeSymbolizer {
 public:
  virtual ~CodeSymbolizer() = default;
  // The function that made the call returning to return_address.
  virtual std::optional<CodeLocation> caller(uint64_t return_address) const = 0;
  // How a list of sites names the code at a return address:
  // "function+0xoff [module]". This default knows no offset and says
  // "function [module]" (or the bare address); symbolizers that know the
  // offset override it.
  virtual std::string describe(uint64_t return_address) const;
};

// Stack: the caller, split by allocation stack ("do_eventfd#17"), for the
// sites whose stacks are recorded: the seed's "a tag per allocation site"
// step without changing code.
enum class Grouping { Caller, Module, Cache, Stack };
std::optional<Grouping> parse_grouping(std::string_view text);
std::string_view grouping_name(Grouping g);

// One line of a tag file: `TAG - OWNER - Description`.
struct TagFileEntry {
  std::string tag;
  std::string owner;  // function or module name, `*` and `?` allowed
  std::string description;
  int line = 0;
};

class TagFile {
 public:
  // Parses the text; `source` names it in error messages ("file:line: ...").
  static Result<TagFile> parse(std::string_view text, std::string_view source);
  static Result<TagFile> load(const std::string &path);

  // The first entry whose OWNER matches the function, else the module.
  const TagFileEntry *match(std::string_view function, std::string_view module) const;
  const std::vector<TagFileEntry> &entries() const { return entries_; }

 private:
  std::vector<TagFileEntry> entries_;
};

struct TagInfo {
  std::string tag;
  std::string owner;        // module of the code, or the tag file's owner
  std::string description;  // from the tag file
};

// Site -> tag, memoized per code address: symbol lookups and tag-file scans
// run once per site, not once per refresh.
class SiteTagger {
 public:
  SiteTagger(const CodeSymbolizer &symbols, Grouping grouping, const TagFile *tags = nullptr)
      : symbols_(symbols), grouping_(grouping), tags_(tags) {}

  TagInfo tag_of(const Site &site) const;
  Grouping grouping() const { return grouping_; }

 private:
  struct Resolved {
    std::string function;
    std::string module;
    const TagFileEntry *entry = nullptr;
  };
  const Resolved &resolve(uint64_t address) const;

  const CodeSymbolizer &symbols_;
  Grouping grouping_;
  const TagFile *tags_;
  mutable std::unordered_map<uint64_t, Resolved> cache_;
};

}  // namespace pooltag::model
