// Kernel symbols as the model's CodeSymbolizer.
#pragma once

#include "model/tagging.h"
#include "symbols/kallsyms.h"

namespace pooltag::symbols {

class KernelCodeSymbolizer : public model::CodeSymbolizer {
 public:
  explicit KernelCodeSymbolizer(const KernelSymbols &symbols) : symbols_(symbols) {}
  std::optional<model::CodeLocation> caller(uint64_t return_address) const override {
    auto r = symbols_.resolve_caller(return_address);
    if (!r) return std::nullopt;
    return model::CodeLocation{r->symbol->name, std::string(r->module_name())};
  }
  std::string describe(uint64_t address) const override { return symbols_.describe(address); }

 private:
  const KernelSymbols &symbols_;
};

}  // namespace pooltag::symbols
