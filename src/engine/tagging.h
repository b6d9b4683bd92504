// What --by and --tags describe, with the kernel symbols that name sites:
// everything a front end needs to turn sites into tags. Loaded once per
// session; every reader (used, hit, find, kd, record, export) shares it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "model/tagging.h"
#include "symbols/code_symbolizer.h"
#include "symbols/kallsyms.h"

namespace pooltag::engine {

// How sites become tags: the grouping by name ("caller", "module", "cache",
// "stack") and an optional tag file (pooltag.txt format).
struct TaggingOptions {
  std::string by = "caller";
  std::string tags_file;
};

// The grouping `by` names; a usage error naming the choices otherwise.
Result<model::Grouping> parse_grouping_option(const std::string &by);

class Tagging {
 public:
  // Reads the tag file and the kernel symbols of `kallsyms_path`.
  static Result<std::unique_ptr<Tagging>> load(const TaggingOptions &options, const std::string &kallsyms_path);
  // Over symbols already read (unit tests give synthetic ones).
  static Result<std::unique_ptr<Tagging>> load(const TaggingOptions &options, symbols::KernelSymbols symbols);

  const symbols::KernelSymbols &symbols() const { return *symbols_; }
  const model::CodeSymbolizer &symbolizer() const { return *symbolizer_; }
  const model::SiteTagger &tagger() const { return *tagger_; }
  model::Grouping grouping() const { return grouping_; }
  const model::TagFile *tag_file() const { return tags_ ? &*tags_ : nullptr; }

 private:
  Status read_options(const TaggingOptions &options);
  void use_symbols(symbols::KernelSymbols symbols);

  std::unique_ptr<symbols::KernelSymbols> symbols_;
  std::unique_ptr<symbols::KernelCodeSymbolizer> symbolizer_;
  std::optional<model::TagFile> tags_;
  std::unique_ptr<model::SiteTagger> tagger_;
  model::Grouping grouping_ = model::Grouping::Caller;
};

}  // namespace pooltag::engine
