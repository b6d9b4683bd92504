#include "common/wildcard.h"

namespace pooltag {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single backtrack point: linear in practice and
  // no recursion depth to blow on long patterns.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    // '*' first: a star in the pattern is a wildcard even where the text
    // has a '*' too (found by tests/fuzz/wildcard_fuzz.cpp)
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool has_wildcard(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

bool PatternFilter::matches(std::string_view text) const {
  for (const auto &ex : exclude_)
    if (wildcard_match(ex, text)) return false;
  if (include_.empty()) return true;
  for (const auto &in : include_)
    if (wildcard_match(in, text)) return true;
  return false;
}

}  // namespace pooltag
