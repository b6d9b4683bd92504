// Robust trend estimators for a tag's outstanding bytes over time (docs/leaks.md):
//  - Theil–Sen: the median of the slopes between every pair of points, so a
//    burst or a few outliers move it little (breakdown point 29%);
//  - Mann–Kendall: a rank test of a monotonic trend, no distribution assumed;
//  - the fraction of the time the series rose.
// Points carry a block (a tagging session): pairs are only formed within one
// block, since counts of two sessions start from different zeros and must
// never be subtracted from each other. Over several blocks the statistics
// are the seasonal Kendall test and slope of Hirsch, Slack and Smith (1982),
// with blocks as seasons. Standard library only.
#pragma once

#include <optional>
#include <span>

namespace pooltag::analysis {

struct Point {
  double t = 0;   // time, any unit; slopes come out per that unit
  double y = 0;
  int block = 0;  // points of one block are contiguous and in time order
};

// The median of (y_j - y_i) / (t_j - t_i) over pairs i < j of one block with
// t_j > t_i; none when there is no such pair.
std::optional<double> theil_sen_slope(std::span<const Point> points);

struct KendallTest {
  double s = 0;         // sum of sign(y_j - y_i) over pairs of one block
  double variance = 0;  // of S under "no trend", with the correction for ties
  double z = 0;         // (S - sign(S)) / sqrt(variance): continuity-corrected
  double p_rising = 1;  // one-sided p-value of "no trend" against "rising"
};
KendallTest mann_kendall(std::span<const Point> points);

// The share of the time between consecutive points of one block during
// which y rose (0 when no time passed).
double fraction_rising(std::span<const Point> points);

}  // namespace pooltag::analysis
