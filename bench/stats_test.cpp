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
