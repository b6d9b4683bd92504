// Small statistics for repeated measurements: the benchmark reports medians
// with their spread, never a single run.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace pooltag::bench {

struct Summary {
  size_t n = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  // (max - min) / median: the whole range of the repetitions, relative
  double spread() const { return median > 0 ? (max - min) / median : 0; }
};

// Median (mean of the two middle values for an even count), min and max.
// An empty input gives a Summary with n == 0.
Summary summarize(std::vector<double> values);

// A distribution-free confidence interval for the median of `values`: the
// k-th smallest and k-th largest value, k the largest order statistic with
// P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2. Makes no assumption
// about the shape of the distribution (the paired differences here are
// skewed: a disturbed round is slow, never fast). nullopt when n is too
// small for the confidence asked for (fewer than 6 values for 95%).
struct Interval {
  double low = 0;
  double high = 0;
  double width() const { return high - low; }
};
std::optional<Interval> median_interval(std::vector<double> values, double confidence = 0.95);

// The order configurations run in, repetition by repetition: each
// repetition is the list of configurations rotated by one more place, so
// that no configuration always runs first (or always right after the same
// one) and slow drift of the machine spreads over all of them.
std::vector<std::vector<size_t>> interleaved_schedule(size_t configurations, size_t repetitions);

}  // namespace pooltag::bench
