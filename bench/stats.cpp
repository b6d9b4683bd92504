#include "stats.h"

#include <algorithm>
#include <cmath>

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

std::optional<Interval> median_interval(std::vector<double> values, double confidence) {
  const size_t n = values.size();
  if (n == 0) return std::nullopt;
  const double tail = (1 - confidence) / 2;
  // P(B <= j) for B ~ Binomial(n, 1/2), summed term by term in doubles:
  // n stays in the tens here
  double term = std::pow(0.5, static_cast<double>(n)), cumulative = 0;
  size_t k = 0;  // values[k] .. values[n-1-k]: P(B < k+1) = P(B <= k) must stay <= tail
  for (size_t j = 0; j < n / 2; ++j) {
    cumulative += term;
    if (cumulative > tail) break;
    k = j + 1;
    term = term * static_cast<double>(n - j) / static_cast<double>(j + 1);
  }
  if (k == 0) return std::nullopt;
  std::sort(values.begin(), values.end());
  return Interval{values[k - 1], values[n - k]};
}

std::vector<std::vector<size_t>> interleaved_schedule(size_t configurations, size_t repetitions) {
  std::vector<std::vector<size_t>> out(repetitions);
  for (size_t r = 0; r < repetitions; ++r)
    for (size_t i = 0; i < configurations; ++i) out[r].push_back((r + i) % configurations);
  return out;
}

}  // namespace pooltag::bench
