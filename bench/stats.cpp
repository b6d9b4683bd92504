#include "stats.h"

#include <algorithm>

namespace pooltag::bench {

Summary summarize(std::vector<double> values) {
  Summary s;
  s.n = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  size_t mid = values.size() / 2;
  s.median = values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return s;
}

std::vector<std::vector<size_t>> interleaved_schedule(size_t configurations, size_t repetitions) {
  std::vector<std::vector<size_t>> out(repetitions);
  for (size_t r = 0; r < repetitions; ++r)
    for (size_t i = 0; i < configurations; ++i) out[r].push_back((r + i) % configurations);
  return out;
}

}  // namespace pooltag::bench
