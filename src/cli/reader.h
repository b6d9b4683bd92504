// What the reading subcommands (hit, find, pool, stacks) share: the opened
// pinned state, kernel symbols, and the tagger their --by / --tags options
// describe.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "kernel/pinned_state.h"
#include "kernel/selector.h"
#include "model/tagging.h"
#include "symbols/code_symbolizer.h"

namespace pooltag::cli {

struct TagArgs {
  std::string by = "caller";
  std::string tags_file;
};
void add_tag_options(CLI::App *cmd, TagArgs &args);

// A tag pattern as given on the command line: not empty, no control
// characters (usage errors).
Status check_tag_pattern(const std::string &pattern);

// "slab" -> Pool; empty -> none; anything else a usage error.
Result<std::optional<model::Pool>> parse_pool_option(const std::string &text);

// What --by and --tags describe, with the kernel symbols that name sites:
// everything a command needs to turn sites into tags.
class Tagging {
 public:
  static Result<std::unique_ptr<Tagging>> load(const TagArgs &args, const std::string &kallsyms_path);

  const symbols::KernelSymbols &symbols() const { return *symbols_; }
  const model::CodeSymbolizer &symbolizer() const { return *symbolizer_; }
  const model::SiteTagger &tagger() const { return *tagger_; }
  model::Grouping grouping() const { return grouping_; }
  const model::TagFile *tag_file() const { return tags_ ? &*tags_ : nullptr; }

 private:
  std::unique_ptr<symbols::KernelSymbols> symbols_;
  std::unique_ptr<symbols::KernelCodeSymbolizer> symbolizer_;
  std::optional<model::TagFile> tags_;
  std::unique_ptr<model::SiteTagger> tagger_;
  model::Grouping grouping_ = model::Grouping::Caller;
};

class Reader {
 public:
  static Result<std::unique_ptr<Reader>> open(Context &ctx, const TagArgs &args, std::string_view command);

  kernel::PinnedState &state() const { return *state_; }
  const symbols::KernelSymbols &symbols() const { return tagging_->symbols(); }
  const model::CodeSymbolizer &symbolizer() const { return tagging_->symbolizer(); }
  const model::SiteTagger &tagger() const { return tagging_->tagger(); }
  model::Grouping grouping() const { return tagging_->grouping(); }
  const model::TagFile *tag_file() const { return tagging_->tag_file(); }

  // Does the site's tag match the pattern (and the pool, when given)?
  bool matches(const model::SiteSample &site, const std::string &pattern, std::optional<model::Pool> pool) const;
  // The call-site code ranges the kernel side tests for a pattern.
  Result<kernel::TagSelection> selection(const std::vector<std::string> &patterns) const;

 private:
  std::unique_ptr<kernel::PinnedState> state_;
  std::unique_ptr<Tagging> tagging_;
};

}  // namespace pooltag::cli
