#include "engine/tagging.h"

#include <fmt/format.h>

namespace pooltag::engine {

Result<model::Grouping> parse_grouping_option(const std::string &by) {
  auto grouping = model::parse_grouping(by);
  if (!grouping) return Error{fmt::format("unknown grouping '{}' (caller, module, cache, stack)", by), kExitUsage};
  return *grouping;
}

// The grouping and the tag file first, then the symbols: a wrong option
// or tag file is reported before kallsyms is read.
Result<std::unique_ptr<Tagging>> Tagging::load(const TaggingOptions &options, const std::string &kallsyms_path) {
  auto t = std::make_unique<Tagging>();
  if (auto st = t->read_options(options); !st) return st.error();
  symbols::FileKallsymsSource kallsyms(kallsyms_path);
  auto syms = symbols::KernelSymbols::load(kallsyms);
  if (!syms) return syms.error();
  t->use_symbols(std::move(*syms));
  return t;
}

Result<std::unique_ptr<Tagging>> Tagging::load(const TaggingOptions &options, symbols::KernelSymbols symbols) {
  auto t = std::make_unique<Tagging>();
  if (auto st = t->read_options(options); !st) return st.error();
  t->use_symbols(std::move(symbols));
  return t;
}

Status Tagging::read_options(const TaggingOptions &options) {
  auto grouping = parse_grouping_option(options.by);
  if (!grouping) return grouping.error();
  grouping_ = *grouping;
  if (!options.tags_file.empty()) {
    auto loaded = model::TagFile::load(options.tags_file);
    if (!loaded) return loaded.error();
    tags_ = std::move(*loaded);
  }
  return Ok{};
}

void Tagging::use_symbols(symbols::KernelSymbols symbols) {
  symbols_ = std::make_unique<symbols::KernelSymbols>(std::move(symbols));
  symbolizer_ = std::make_unique<symbols::KernelCodeSymbolizer>(*symbols_);
  tagger_ = std::make_unique<model::SiteTagger>(*symbolizer_, grouping_, tag_file());
}

}  // namespace pooltag::engine
