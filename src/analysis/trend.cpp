#include "analysis/trend.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace pooltag::analysis {

namespace {

// Calls each(first, last) for every block's range [first, last).
template <typename F>
void for_each_block(std::span<const Point> points, F each) {
  size_t begin = 0;
  for (size_t i = 1; i <= points.size(); ++i)
    if (i == points.size() || points[i].block != points[begin].block) {
      each(begin, i);
      begin = i;
    }
}

}  // namespace

std::optional<double> theil_sen_slope(std::span<const Point> points) {
  std::vector<double> slopes;
  for_each_block(points, [&](size_t first, size_t last) {
    for (size_t i = first; i < last; ++i)
      for (size_t j = i + 1; j < last; ++j) {
        double dt = points[j].t - points[i].t;
        if (dt > 0) slopes.push_back((points[j].y - points[i].y) / dt);
      }
  });
  if (slopes.empty()) return std::nullopt;
  size_t mid = slopes.size() / 2;
  std::nth_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(mid), slopes.end());
  double upper = slopes[mid];
  if (slopes.size() % 2 == 1) return upper;
  double lower = *std::max_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

KendallTest mann_kendall(std::span<const Point> points) {
  KendallTest k;
  for_each_block(points, [&](size_t first, size_t last) {
    double n = static_cast<double>(last - first);
    std::map<double, double> ties;
    for (size_t i = first; i < last; ++i) {
      ties[points[i].y] += 1;
      for (size_t j = i + 1; j < last; ++j)
        k.s += (points[j].y > points[i].y) - (points[j].y < points[i].y);
    }
    double var = n * (n - 1) * (2 * n + 5);
    for (const auto &[_, t] : ties) var -= t * (t - 1) * (2 * t + 5);
    k.variance += var / 18;
  });
  if (k.variance > 0) {
    double corrected = k.s > 0 ? k.s - 1 : k.s < 0 ? k.s + 1 : 0;
    k.z = corrected / std::sqrt(k.variance);
  }
  // P(Z >= z) for a standard normal Z
  k.p_rising = k.variance > 0 ? 0.5 * std::erfc(k.z / std::sqrt(2.0)) : 1.0;
  return k;
}

double fraction_rising(std::span<const Point> points) {
  double total = 0, rising = 0;
  for_each_block(points, [&](size_t first, size_t last) {
    for (size_t i = first + 1; i < last; ++i) {
      double dt = points[i].t - points[i - 1].t;
      if (dt <= 0) continue;
      total += dt;
      if (points[i].y > points[i - 1].y) rising += dt;
    }
  });
  return total > 0 ? rising / total : 0;
}

}  // namespace pooltag::analysis
