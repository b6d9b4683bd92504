#include "kernel/selector.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/wildcard.h"

namespace pooltag::kernel {

namespace {

bool any_match(const std::vector<std::string> &patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string &p) { return wildcard_match(p, name); });
}

std::string join(const std::vector<std::string> &patterns) {
  std::string out;
  for (const auto &p : patterns) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace

Result<TagSelection> select_call_sites(const symbols::KernelSymbols &symbols, const std::vector<std::string> &patterns,
                                       model::Grouping grouping, const model::TagFile *tags) {
  TagSelection sel;
  sel.text = join(patterns);
  if (patterns.empty()) return sel;
  if (std::find(patterns.begin(), patterns.end(), "*") != patterns.end()) {
    sel.all = true;
    return sel;
  }
  if (grouping == model::Grouping::Cache && tags == nullptr) return sel;

  // The tag of a function's call sites, as SiteTagger would name it.
  auto tag_of = [&](const symbols::KernelSymbol &s) -> std::string {
    std::string_view module = s.module.empty() ? std::string_view("vmlinux") : std::string_view(s.module);
    if (tags != nullptr)
      if (const auto *e = tags->match(s.name, module)) return e->tag;
    if (grouping == model::Grouping::Module) return "[" + std::string(module) + "]";
    if (grouping == model::Grouping::Cache) return "";
    return s.name;
  };
  // A call from the last byte of a function returns to its end: call sites
  // of [start, end) are (start, end].
  for (const auto &s : symbols.all()) {
    std::string tag = tag_of(s);
    if (tag.empty() || !any_match(patterns, tag)) continue;
    CodeRange r{s.address + 1, s.end + 1};
    if (!sel.ranges.empty() && sel.ranges.back().end >= r.start)
      sel.ranges.back().end = std::max(sel.ranges.back().end, r.end);
    else
      sel.ranges.push_back(r);
  }
  if (sel.ranges.empty())
    return Error{fmt::format("no kernel function has a tag matching '{}'", sel.text), kExitUsage};
  if (sel.ranges.size() > PT_MAX_TAG_RANGES)
    return Error{fmt::format("'{}' matches {} separate code ranges, more than the {} the kernel side can test; "
                             "narrow the pattern",
                             sel.text, sel.ranges.size(), PT_MAX_TAG_RANGES),
                 kExitUsage};
  return sel;
}

}  // namespace pooltag::kernel
