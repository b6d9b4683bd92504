// libFuzzer target for tag patterns (`*` and `?`, on the command line, in
// mon's filter and in tag files): the matcher agrees with a plain dynamic-
// programming oracle, and PatternFilter with its definition. The input is
// PATTERN \0 TEXT.
#include <cstdint>
#include <string>
#include <vector>

#include "common/wildcard.h"
#include "fuzz_check.h"

namespace {

// Whole-string match, O(|p|·|t|): obviously right, too slow for real use.
bool oracle(std::string_view p, std::string_view t) {
  std::vector<std::vector<bool>> m(p.size() + 1, std::vector<bool>(t.size() + 1, false));
  m[0][0] = true;
  for (size_t i = 1; i <= p.size(); ++i) {
    if (p[i - 1] == '*') m[i][0] = m[i - 1][0];
    for (size_t j = 1; j <= t.size(); ++j) {
      if (p[i - 1] == '*')
        m[i][j] = m[i - 1][j] || m[i][j - 1];
      else
        m[i][j] = m[i - 1][j - 1] && (p[i - 1] == '?' || p[i - 1] == t[j - 1]);
    }
  }
  return m[p.size()][t.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  auto in = fuzz::as_text(data, size);
  size_t nul = in.find('\0');
  std::string_view pattern = in.substr(0, nul);
  std::string_view text = nul == std::string_view::npos ? in : in.substr(nul + 1);
  bool matched = wildcard_match(pattern, text);
  fuzz::check(matched == oracle(pattern, text), "wildcard_match disagrees with the oracle");
  fuzz::check(has_wildcard(pattern) == (pattern.find_first_of("*?") != std::string_view::npos), "has_wildcard");
  if (!has_wildcard(pattern)) fuzz::check(matched == (pattern == text), "a literal pattern is not equality");
  fuzz::check(PatternFilter({std::string(pattern)}, {}).matches(text) == matched, "include filter");
  fuzz::check(PatternFilter({}, {std::string(pattern)}).matches(text) == !matched, "exclude filter");
  fuzz::check(PatternFilter().matches(text), "an empty filter includes everything");
  return 0;
}
