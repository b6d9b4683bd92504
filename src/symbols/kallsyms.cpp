#include "symbols/kallsyms.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/text.h"

namespace pooltag::symbols {

Result<std::string> FileKallsymsSource::read() const { return read_text_file(path_); }

std::string_view ResolvedAddress::module_name() const {
  return symbol == nullptr || symbol->module.empty() ? std::string_view("vmlinux")
                                                     : std::string_view(symbol->module);
}

Result<KernelSymbols> KernelSymbols::parse(std::string_view text) {
  KernelSymbols out;
  bool any_nonzero = false;
  for (std::string_view line : Lines(text)) {
    // "ffffffff81000000 T _text" or "ffffffffc0002000 t foo\t[mod]"
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 3 > line.size()) continue;
    char type = line[sp1 + 1];
    if (line[sp1 + 2] != ' ') continue;
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue;
    uint64_t addr = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + sp1, addr, 16);
    if (ec != std::errc() || p != line.data() + sp1) continue;
    std::string_view rest = line.substr(sp1 + 3);
    std::string_view module;
    if (size_t tab = rest.find_first_of("\t "); tab != std::string_view::npos) {
      module = rest.substr(tab + 1);
      rest = rest.substr(0, tab);
      while (!module.empty() && (module.front() == ' ' || module.front() == '\t')) module.remove_prefix(1);
      if (module.size() >= 2 && module.front() == '[' && module.back() == ']')
        module = module.substr(1, module.size() - 2);
      else
        module = {};
    }
    if (rest.empty()) continue;
    any_nonzero |= addr != 0;
    out.symbols_.push_back(KernelSymbol{addr, 0, std::string(rest), std::string(module)});
  }
  if (out.symbols_.empty()) return Error{"no text symbols in kallsyms"};
  if (!any_nonzero)
    return Error{"kallsyms shows only zero addresses: run as root, or lower kernel.kptr_restrict"};

  std::stable_sort(out.symbols_.begin(), out.symbols_.end(),
                   [](const KernelSymbol &a, const KernelSymbol &b) { return a.address < b.address; });
  // Aliases share an address: keep the first name (kallsyms lists the
  // canonical one first), so a lookup answers one stable name.
  out.symbols_.erase(std::unique(out.symbols_.begin(), out.symbols_.end(),
                                 [](const KernelSymbol &a, const KernelSymbol &b) { return a.address == b.address; }),
                     out.symbols_.end());
  for (size_t i = 0; i < out.symbols_.size(); ++i) {
    auto &s = out.symbols_[i];
    if (i + 1 < out.symbols_.size() && out.symbols_[i + 1].module == s.module) {
      s.end = out.symbols_[i + 1].address;
    } else {
      // Last symbol of vmlinux or of a module: no known end. A page is a
      // generous bound that still keeps stray addresses from matching.
      s.end = s.address + 4096;
      if (i + 1 < out.symbols_.size()) s.end = std::min(s.end, out.symbols_[i + 1].address);
    }
  }
  return out;
}

Result<KernelSymbols> KernelSymbols::load(const KallsymsSource &source) {
  auto text = source.read();
  if (!text) return text.error();
  return parse(*text);
}

std::optional<ResolvedAddress> KernelSymbols::resolve(uint64_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const KernelSymbol &s) { return a < s.address; });
  if (it == symbols_.begin()) return std::nullopt;
  --it;
  if (address >= it->end) return std::nullopt;
  return ResolvedAddress{&*it, address - it->address};
}

std::string KernelSymbols::describe(uint64_t address) const {
  auto r = resolve(address);
  if (!r) return fmt::format("0x{:x}", address);
  if (r->symbol->module.empty()) return fmt::format("{}+0x{:x}", r->symbol->name, r->offset);
  return fmt::format("{}+0x{:x} [{}]", r->symbol->name, r->offset, r->symbol->module);
}

size_t KernelSymbols::module_count() const {
  std::set<std::string_view> mods;
  for (const auto &s : symbols_)
    if (!s.module.empty()) mods.insert(s.module);
  return mods.size();
}

}  // namespace pooltag::symbols
