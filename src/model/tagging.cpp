#include "model/tagging.h"

#include <fmt/format.h>


#include "common/text.h"
#include "common/wildcard.h"

namespace pooltag::model {

std::optional<Grouping> parse_grouping(std::string_view text) {
  if (text == "caller") return Grouping::Caller;
  if (text == "module") return Grouping::Module;
  if (text == "cache") return Grouping::Cache;
  if (text == "stack") return Grouping::Stack;
  return std::nullopt;
}

std::string_view grouping_name(Grouping g) {
  switch (g) {
    case Grouping::Caller: return "caller";
    case Grouping::Module: return "module";
    case Grouping::Cache: return "cache";
    case Grouping::Stack: return "stack";
  }
  return "?";
}

std::string CodeSymbolizer::describe(uint64_t return_address) const {
  auto loc = caller(return_address);
  if (!loc) return fmt::format("0x{:x}", return_address);
  return fmt::format("{} [{}]", loc->function, loc->module);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<TagFile> TagFile::parse(std::string_view text, std::string_view source) {
  TagFile out;
  int line_no = 0;
  for (std::string_view line : Lines(text)) {
    ++line_no;
    std::string_view body = trim(line);
    if (body.empty() || body.front() == '#' || body.substr(0, 2) == "//" || body.front() == ';') continue;

    // Tags and descriptions reach terminals, HTML and metrics: no control
    // characters (a tab separates like a space)
    for (char c : body)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
        return Error{fmt::format("{}:{}: control character 0x{:02x} in the line", source, line_no,
                                 static_cast<unsigned char>(c)),
                     kExitUsage};
    // The tag itself may contain spaces (Windows tags are 4 characters,
    // padded: "Abc "), so split on " - " separators, not on whitespace.
    size_t sep1 = line.find(" - ");
    size_t sep2 = sep1 == std::string_view::npos ? sep1 : line.find(" - ", sep1 + 3);
    if (sep1 == std::string_view::npos || sep2 == std::string_view::npos)
      return Error{fmt::format("{}:{}: expected 'TAG - OWNER - Description'", source, line_no), kExitUsage};
    std::string_view tag = line.substr(0, sep1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    // Trailing spaces of a tag are significant only when the tag is quoted.
    if (tag.size() >= 2 && tag.front() == '\'' && tag.back() == '\'')
      tag = tag.substr(1, tag.size() - 2);
    else
      tag = trim(tag);
    std::string_view owner = trim(line.substr(sep1 + 3, sep2 - sep1 - 3));
    std::string_view desc = trim(line.substr(sep2 + 3));
    if (tag.empty()) return Error{fmt::format("{}:{}: empty tag", source, line_no), kExitUsage};
    if (owner.empty()) return Error{fmt::format("{}:{}: empty owner", source, line_no), kExitUsage};
    if (owner.find_first_of(" \t") != std::string_view::npos)
      return Error{fmt::format("{}:{}: owner '{}' contains spaces", source, line_no, printable(owner)), kExitUsage};
    out.entries_.push_back(TagFileEntry{std::string(tag), std::string(owner), std::string(desc), line_no});
  }
  return out;
}

Result<TagFile> TagFile::load(const std::string &path) {
  auto text = read_text_file(path, "tag file");
  if (!text) return text.error();
  return parse(*text, path);
}

const TagFileEntry *TagFile::match(std::string_view function, std::string_view module) const {
  for (const auto &e : entries_)
    if (!function.empty() && wildcard_match(e.owner, function)) return &e;
  for (const auto &e : entries_)
    if (!module.empty() && wildcard_match(e.owner, module)) return &e;
  return nullptr;
}

const SiteTagger::Resolved &SiteTagger::resolve(uint64_t address) const {
  auto it = cache_.find(address);
  if (it != cache_.end()) return it->second;
  Resolved r;
  if (auto loc = symbols_.caller(address)) {
    r.function = loc->function;
    r.module = loc->module;
  }
  if (tags_ != nullptr) r.entry = tags_->match(r.function, r.module);
  return cache_.emplace(address, std::move(r)).first->second;
}

TagInfo SiteTagger::tag_of(const Site &site) const {
  if (site.code_address == 0) {
    // No code address: the source could not attribute it (site table full,
    // or a stack with no caller outside the allocator).
    return TagInfo{"<unknown>", "", "allocations the source could not attribute"};
  }
  const Resolved &r = resolve(site.code_address);
  if (r.entry != nullptr) return TagInfo{r.entry->tag, r.entry->owner, r.entry->description};
  switch (grouping_) {
    case Grouping::Stack:
      if (site.stack_id >= 0)
        return TagInfo{fmt::format("{}#{}", r.function.empty() ? fmt::format("0x{:x}", site.code_address) : r.function,
                                   site.stack_id),
                       r.module, ""};
      [[fallthrough]];
    case Grouping::Caller:
      return TagInfo{r.function.empty() ? fmt::format("0x{:x}", site.code_address) : r.function,
                     r.module, ""};
    case Grouping::Module:
      return TagInfo{r.module.empty() ? "<unknown>" : "[" + r.module + "]", r.module, ""};
    case Grouping::Cache:
      return TagInfo{site.cache.empty() ? std::string(pool_name(site.pool)) : site.cache, r.module, ""};
  }
  return TagInfo{"?", "", ""};
}

}  // namespace pooltag::model
