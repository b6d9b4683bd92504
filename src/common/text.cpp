#include "common/text.h"

#include <algorithm>

namespace pooltag {

std::string printable(std::string_view text) {
  std::string out;
  for (char ch : text.substr(0, std::min<size_t>(text.size(), 80))) {
    auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? '?' : ch;
  }
  if (text.size() > 80) out += "...";
  return out;
}

}  // namespace pooltag
