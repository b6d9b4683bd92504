// The estimators of analysis/trend.h on series whose answers are known.
#include "analysis/trend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace pooltag::analysis;

namespace {

std::vector<Point> line(double slope, double intercept, int n, int block = 0) {
  std::vector<Point> out;
  for (int i = 0; i < n; ++i) out.push_back({double(i), intercept + slope * i, block});
  return out;
}

}  // namespace

TEST(TheilSen, ExactOnALine) {
  auto p = line(2.5, 7, 20);
  EXPECT_DOUBLE_EQ(*theil_sen_slope(p), 2.5);
}

TEST(TheilSen, IgnoresOutliers) {
  // 29% of the points far off: the median of the pairwise slopes stays
  auto p = line(1, 0, 30);
  for (int i : {3, 7, 11, 15, 19, 23, 27, 29}) p[i].y += 1e6 * (i % 2 ? 1 : -1);
  EXPECT_NEAR(*theil_sen_slope(p), 1.0, 0.05);
}

TEST(TheilSen, KnownSmallSample) {
  // slopes of (0,0) (1,1) (2,4): 1, 2, 3 -> median 2
  std::vector<Point> p = {{0, 0, 0}, {1, 1, 0}, {2, 4, 0}};
  EXPECT_DOUBLE_EQ(*theil_sen_slope(p), 2.0);
  // an even number of slopes averages the middle two: with (3,6) the slopes
  // are 1 2 3 (from before) and 2 2.5 2 -> 1 2 2 2 2.5 3 -> (2+2)/2; with
  // (3,10): 1 2 3 10/3 4.5 6 -> (3+10/3)/2
  p.push_back({3, 6, 0});
  EXPECT_DOUBLE_EQ(*theil_sen_slope(p), 2.0);
  p.back().y = 10;
  EXPECT_DOUBLE_EQ(*theil_sen_slope(p), (3 + 10.0 / 3) / 2);
}

TEST(TheilSen, NeverPairsTwoBlocks) {
  // two sessions of the same slope whose counts start again from zero: a
  // slope across them would be negative
  auto p = line(3, 1000, 10, 0);
  auto second = line(3, 0, 10, 1);
  for (auto &q : second) q.t += 10;
  p.insert(p.end(), second.begin(), second.end());
  EXPECT_DOUBLE_EQ(*theil_sen_slope(p), 3.0);
}

TEST(TheilSen, NoPairNoSlope) {
  std::vector<Point> p = {{0, 1, 0}, {1, 2, 1}};
  EXPECT_FALSE(theil_sen_slope(p).has_value());
}

TEST(MannKendall, KnownValues) {
  // strictly rising, n = 10: S = 45, Var = 10*9*25/18 = 125, z = 44/sqrt(125)
  auto k = mann_kendall(line(1, 0, 10));
  EXPECT_DOUBLE_EQ(k.s, 45);
  EXPECT_DOUBLE_EQ(k.variance, 125);
  EXPECT_NEAR(k.z, 44 / std::sqrt(125.0), 1e-12);
  EXPECT_NEAR(k.p_rising, 0.5 * std::erfc(k.z / std::sqrt(2.0)), 1e-15);
  EXPECT_LT(k.p_rising, 1e-4);
  // falling: p of a rise near 1
  EXPECT_GT(mann_kendall(line(-1, 0, 10)).p_rising, 0.999);
}

TEST(MannKendall, TiesCorrectTheVariance) {
  // 1 1 2 2: S = 4 (pairs 1<2 four times), ties two groups of 2:
  // Var = (4*3*13 - 2*(2*1*9)) / 18 = (156 - 36) / 18
  std::vector<Point> p = {{0, 1, 0}, {1, 1, 0}, {2, 2, 0}, {3, 2, 0}};
  auto k = mann_kendall(p);
  EXPECT_DOUBLE_EQ(k.s, 4);
  EXPECT_DOUBLE_EQ(k.variance, 120.0 / 18);
}

TEST(MannKendall, FlatIsNoTrend) {
  auto k = mann_kendall(line(0, 5, 30));
  EXPECT_DOUBLE_EQ(k.s, 0);
  EXPECT_DOUBLE_EQ(k.p_rising, 1.0);  // all ties: no variance, nothing to reject
}

TEST(MannKendall, AlternatingIsNotSignificant) {
  std::vector<Point> p;
  for (int i = 0; i < 40; ++i) p.push_back({double(i), double(i % 2), 0});
  EXPECT_GT(mann_kendall(p).p_rising, 0.1);
}

TEST(MannKendall, BlocksAddUp) {
  // the seasonal test: S and Var of each block summed
  auto p = line(1, 0, 10, 0);
  auto q = line(1, 0, 10, 1);
  p.insert(p.end(), q.begin(), q.end());
  auto k = mann_kendall(p);
  EXPECT_DOUBLE_EQ(k.s, 90);
  EXPECT_DOUBLE_EQ(k.variance, 250);
}

TEST(FractionRising, TimeWeighted) {
  // rises over [0,1] and [3,6], flat over [1,3]: 4 of 6
  std::vector<Point> p = {{0, 0, 0}, {1, 1, 0}, {3, 1, 0}, {6, 2, 0}};
  EXPECT_DOUBLE_EQ(fraction_rising(p), 4.0 / 6);
  EXPECT_DOUBLE_EQ(fraction_rising(line(-1, 0, 5)), 0.0);
}
