#include "cli/reader.h"

#include <fmt/format.h>

#include "common/wildcard.h"
#include "kernel/control.h"

namespace pooltag::cli {

void add_tag_options(CLI::App *cmd, TagArgs &args) {
  cmd->add_option("--by", args.by, "Tags by caller (function), module, or cache (slab cache name)")
      ->capture_default_str();
  cmd->add_option("--tags", args.tags_file, "Tag file (pooltag.txt format: TAG - OWNER - Description)");
}

Status check_tag_pattern(const std::string &p) {
  if (p.empty()) return Error{"empty tag pattern", kExitUsage};
  for (char c : p)
    if (static_cast<unsigned char>(c) < 0x20) return Error{fmt::format("bad tag pattern '{}'", p), kExitUsage};
  return Ok{};
}

Result<std::optional<model::Pool>> parse_pool_option(const std::string &text) {
  if (text.empty()) return std::optional<model::Pool>{};
  auto pool = model::parse_pool(text);
  if (!pool) return Error{fmt::format("unknown pool type '{}' (slab, percpu, vmalloc, page)", text), kExitUsage};
  return std::optional<model::Pool>{*pool};
}

Result<std::unique_ptr<Tagging>> Tagging::load(const TagArgs &args, const std::string &kallsyms_path) {
  auto t = std::make_unique<Tagging>();
  auto grouping = model::parse_grouping(args.by);
  if (!grouping)
    return Error{fmt::format("unknown grouping '{}' (caller, module, cache, stack)", args.by), kExitUsage};
  t->grouping_ = *grouping;
  if (!args.tags_file.empty()) {
    auto loaded = model::TagFile::load(args.tags_file);
    if (!loaded) return loaded.error();
    t->tags_ = std::move(*loaded);
  }
  symbols::FileKallsymsSource kallsyms(kallsyms_path);
  auto syms = symbols::KernelSymbols::load(kallsyms);
  if (!syms) return syms.error();
  t->symbols_ = std::make_unique<symbols::KernelSymbols>(std::move(*syms));
  t->symbolizer_ = std::make_unique<symbols::KernelCodeSymbolizer>(*t->symbols_);
  t->tagger_ = std::make_unique<model::SiteTagger>(*t->symbolizer_, t->grouping_, t->tag_file());
  return t;
}

Result<std::unique_ptr<Reader>> Reader::open(Context &ctx, const TagArgs &args, std::string_view command) {
  auto r = std::make_unique<Reader>();
  // usage errors (--by, --tags) before privilege and state
  if (!model::parse_grouping(args.by))
    return Error{fmt::format("unknown grouping '{}' (caller, module, cache, stack)", args.by), kExitUsage};
  if (auto st = kernel::require_root(*ctx.system, command); !st) return st.error();
  auto state = kernel::PinnedState::open(ctx.pin_dir);
  if (!state) return state.error();
  r->state_ = std::move(*state);
  auto tagging = Tagging::load(args, ctx.kallsyms_path);
  if (!tagging) return tagging.error();
  r->tagging_ = std::move(*tagging);
  return r;
}

bool Reader::matches(const model::SiteSample &site, const std::string &pattern, std::optional<model::Pool> pool) const {
  if (pool && site.site.pool != *pool) return false;
  return wildcard_match(pattern, tagger().tag_of(site.site).tag);
}

Result<kernel::TagSelection> Reader::selection(const std::vector<std::string> &patterns) const {
  return kernel::select_call_sites(symbols(), patterns, grouping(), tag_file());
}

}  // namespace pooltag::cli
