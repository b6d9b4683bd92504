// libFuzzer target for kallsyms text (/proc/kallsyms, --kallsyms): any text
// parses to symbols sorted by address, or to one error line; resolving and
// describing any address, the symbols' own among them, does not crash and
// finds a symbol that contains the address.
#include <cstdint>
#include <cstring>

#include "fuzz_check.h"
#include "symbols/kallsyms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  auto syms = symbols::KernelSymbols::parse(fuzz::as_text(data, size));
  if (!syms.ok()) {
    fuzz::check_one_line_error(syms.error());
    return 0;
  }
  const auto &all = syms->all();
  for (size_t i = 1; i < all.size(); ++i) fuzz::check(all[i - 1].address <= all[i].address, "symbols not sorted");
  for (const auto &s : all) {
    fuzz::check(!s.name.empty(), "symbol without a name");
    auto r = syms->resolve(s.address);
    if (r) {
      fuzz::check(r->symbol != nullptr, "resolved without a symbol");
      fuzz::check(r->symbol->address <= s.address, "resolved to a symbol after the address");
    }
    (void)syms->describe(s.address);
    (void)syms->resolve_caller(s.address + 1);
  }
  uint64_t probe = 0;
  std::memcpy(&probe, data, std::min(size, sizeof probe));
  (void)syms->describe(probe);
  (void)syms->module_count();
  return 0;
}
