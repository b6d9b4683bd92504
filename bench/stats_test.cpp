#include "stats.h"

#include <gtest/gtest.h>

#include <set>

namespace pooltag::bench {
namespace {

TEST(Summarize, OddCountTakesTheMiddle) {
  auto s = summarize({5, 1, 3});
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.spread(), 4.0 / 3);
}

TEST(Summarize, EvenCountAveragesTheTwoMiddleValues) {
  EXPECT_DOUBLE_EQ(summarize({4, 1, 3, 2}).median, 2.5);
}

TEST(Summarize, EmptyHasNoSpread) {
  auto s = summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_DOUBLE_EQ(s.spread(), 0);
}

TEST(MedianInterval, NeedsSixValuesForNinetyFivePercent) {
  EXPECT_FALSE(median_interval({1, 2, 3, 4, 5}));  // [min, max] covers only 93.75%
  auto i = median_interval({6, 1, 5, 2, 4, 3});    // [min, max] covers 96.9%
  ASSERT_TRUE(i);
  EXPECT_DOUBLE_EQ(i->low, 1);
  EXPECT_DOUBLE_EQ(i->high, 6);
  EXPECT_FALSE(median_interval({}));
}

TEST(MedianInterval, NarrowsToInnerOrderStatisticsAsRoundsGrow) {
  // n = 9: P(B <= 1) = 10/512 <= 0.025 < P(B <= 2): the 2nd smallest and largest
  auto i = median_interval({9, 1, 8, 2, 7, 3, 6, 4, 5});
  ASSERT_TRUE(i);
  EXPECT_DOUBLE_EQ(i->low, 2);
  EXPECT_DOUBLE_EQ(i->high, 8);
  // n = 20: P(B <= 5) = 0.0207: the 6th from each end
  std::vector<double> v;
  for (int x = 1; x <= 20; ++x) v.push_back(x);
  i = median_interval(v);
  ASSERT_TRUE(i);
  EXPECT_DOUBLE_EQ(i->low, 6);
  EXPECT_DOUBLE_EQ(i->high, 15);
  EXPECT_DOUBLE_EQ(i->width(), 9);
}

TEST(InterleavedSchedule, EveryRepetitionRunsEachConfigurationOnce) {
  auto sched = interleaved_schedule(4, 3);
  ASSERT_EQ(sched.size(), 3u);
  for (const auto &rep : sched) EXPECT_EQ(std::set<size_t>(rep.begin(), rep.end()).size(), 4u);
}

TEST(InterleavedSchedule, NoConfigurationAlwaysRunsFirst) {
  auto sched = interleaved_schedule(3, 3);
  std::set<size_t> firsts;
  for (const auto &rep : sched) firsts.insert(rep.front());
  EXPECT_EQ(firsts.size(), 3u);
}

}  // namespace
}  // namespace pooltag::bench
