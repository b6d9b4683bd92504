// Kernel symbols from /proc/kallsyms: parsed once, sorted, binary-searched.
// The text comes through a KallsymsSource so unit tests can feed synthetic
// files (module symbols included) without root.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pooltag::symbols {

class KallsymsSource {
 public:
  virtual ~KallsymsSource() = default;
  virtual Result<std::string> read() const = 0;
};

// Reads a file, /proc/kallsyms by default.
class FileKallsymsSource : public KallsymsSource {
 public:
  explicit FileKallsymsSource(std::string path = "/proc/kallsyms") : path_(std::move(path)) {}
  Result<std::string> read() const override;

 private:
  std::string path_;
};

struct KernelSymbol {
  uint64_t address = 0;
  uint64_t end = 0;  // start of the next text symbol: kallsyms has no sizes
  std::string name;
  std::string module;  // empty for vmlinux
};

struct ResolvedAddress {
  const KernelSymbol *symbol = nullptr;
  uint64_t offset = 0;
  std::string_view module_name() const;  // "vmlinux" or the module
};

class KernelSymbols {
 public:
  // Parses kallsyms text: keeps text symbols (t/T/w/W), drops the rest.
  static Result<KernelSymbols> parse(std::string_view text);
  static Result<KernelSymbols> load(const KallsymsSource &source);

  // The symbol that contains the address, if any.
  std::optional<ResolvedAddress> resolve(uint64_t address) const;

  // The function that made a call whose return address is given: resolves
  // address - 1, because a call that ends a function returns to the first
  // byte of the next one.
  std::optional<ResolvedAddress> resolve_caller(uint64_t return_address) const {
    return return_address == 0 ? std::nullopt : resolve(return_address - 1);
  }

  // "symbol+0x1a [module]" or a bare hex address.
  std::string describe(uint64_t address) const;

  const std::vector<KernelSymbol> &all() const { return symbols_; }
  size_t module_count() const;

 private:
  std::vector<KernelSymbol> symbols_;
};

}  // namespace pooltag::symbols
