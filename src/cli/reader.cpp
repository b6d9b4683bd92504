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

Result<std::unique_ptr<Reader>> Reader::open(Context &ctx, const TagArgs &args, std::string_view command) {
  auto r = std::make_unique<Reader>();
  auto grouping = model::parse_grouping(args.by);
  if (!grouping) return Error{fmt::format("unknown grouping '{}' (caller, module, cache)", args.by), kExitUsage};
  r->grouping_ = *grouping;
  if (!args.tags_file.empty()) {
    auto loaded = model::TagFile::load(args.tags_file);
    if (!loaded) return loaded.error();
    r->tags_ = std::move(*loaded);
  }
  if (auto st = kernel::require_root(*ctx.system, command); !st) return st.error();
  auto state = kernel::PinnedState::open(ctx.pin_dir);
  if (!state) return state.error();
  r->state_ = std::move(*state);
  symbols::FileKallsymsSource kallsyms(ctx.kallsyms_path);
  auto syms = symbols::KernelSymbols::load(kallsyms);
  if (!syms) return syms.error();
  r->symbols_ = std::make_unique<symbols::KernelSymbols>(std::move(*syms));
  r->symbolizer_ = std::make_unique<symbols::KernelCodeSymbolizer>(*r->symbols_);
  r->tagger_ = std::make_unique<model::SiteTagger>(*r->symbolizer_, r->grouping_, r->tag_file());
  return r;
}

bool Reader::matches(const model::SiteSample &site, const std::string &pattern, std::optional<model::Pool> pool) const {
  if (pool && site.site.pool != *pool) return false;
  return wildcard_match(pattern, tagger_->tag_of(site.site).tag);
}

Result<kernel::TagSelection> Reader::selection(const std::vector<std::string> &patterns) const {
  return kernel::select_call_sites(*symbols_, patterns, grouping_, tag_file());
}

}  // namespace pooltag::cli
