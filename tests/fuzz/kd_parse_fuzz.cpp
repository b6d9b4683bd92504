// libFuzzer target for kd's command parser: any line splits into commands
// that parse to a command or to an error of one printable line, without a
// crash, a sanitizer report or an exception.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "cli/kd_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag::cli::kd;
  std::string line(reinterpret_cast<const char *>(data), size);
  for (const auto &text : split_commands(line)) {
    auto c = parse_command(text);
    if (c.ok()) {
      if (auto *d = std::get_if<Display>(&*c); d && (d->count == 0 || d->count * d->unit > kHitTagBytes)) std::abort();
      if (auto *e = std::get_if<EditHitTag>(&*c); e && e->tag.size() > kMaxTagText) std::abort();
      continue;
    }
    const std::string &m = c.error().message;
    if (m.empty()) std::abort();
    for (char ch : m)
      if (static_cast<unsigned char>(ch) < 0x20) {
        std::fprintf(stderr, "control character in error: %s\n", m.c_str());
        std::abort();
      }
  }
  return 0;
}
