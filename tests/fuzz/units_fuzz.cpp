// libFuzzer target for what users type as quantities: durations (--duration,
// --older-than, mon -d), sizes (--max-live, --hit-buffer, ...) and kernel
// addresses (pool ADDRESS, find). Each parses to a value or to one usage
// error line; a value formats back without a crash, and an address printed
// in hex parses back to itself.
#include <fmt/format.h>

#include <cstdint>

#include "common/units.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  auto text = fuzz::as_text(data, size);
  if (auto d = parse_duration_ns(text)) {
    (void)format_duration_ns(*d);
  } else {
    fuzz::check_one_line_error(d.error());
    fuzz::check(d.error().exit_code == kExitUsage, "a bad duration is a usage error");
  }
  if (auto s = parse_size(text)) {
    (void)format_bytes_short(*s);
    (void)format_count(*s);
  } else {
    fuzz::check_one_line_error(s.error());
    fuzz::check(s.error().exit_code == kExitUsage, "a bad size is a usage error");
  }
  if (auto a = parse_address(text)) {
    auto back = parse_address(fmt::format("{:x}", *a));
    fuzz::check(back.ok() && *back == *a, "hex address does not parse back");
    auto windbg = parse_address(fmt::format("0x{:08x}`{:08x}", *a >> 32, *a & 0xffffffffu));
    fuzz::check(windbg.ok() && *windbg == *a, "WinDbg address does not parse back");
  } else {
    fuzz::check_one_line_error(a.error());
    fuzz::check(a.error().exit_code == kExitUsage, "a bad address is a usage error");
  }
  return 0;
}
