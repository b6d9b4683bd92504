// `*` and `?` patterns, as PoolMon, !poolused and pooltag.txt use them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pooltag {

// Whole-string match; `*` matches any run (also empty), `?` one character.
// Case-sensitive: kernel symbols are.
bool wildcard_match(std::string_view pattern, std::string_view text);

// True when the pattern contains a wildcard character.
bool has_wildcard(std::string_view pattern);

// A list of include patterns and exclude patterns; an empty include list
// includes everything.
class PatternFilter {
 public:
  PatternFilter() = default;
  PatternFilter(std::vector<std::string> include, std::vector<std::string> exclude)
      : include_(std::move(include)), exclude_(std::move(exclude)) {}
  bool matches(std::string_view text) const;
  bool empty() const { return include_.empty() && exclude_.empty(); }

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

}  // namespace pooltag
