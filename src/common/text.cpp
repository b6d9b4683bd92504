#include "common/text.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pooltag {

std::string rtrim(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char ch : text.substr(0, std::min<size_t>(text.size(), 80))) {
    auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? '?' : ch;
  }
  if (text.size() > 80) out += "...";
  return out;
}

Result<std::string> read_text_file(const std::string &path, const std::string &what) {
  std::ifstream in(path);
  if (!in) return error_from_errno("cannot read " + (what.empty() ? path : what + " " + path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace pooltag
