// The leak ranking's watch over a sampler faked in memory: how many
// intervals it takes, when it stops, and what it says when tagging was off.
#include "engine/leaks.h"

#include <gtest/gtest.h>

#include <vector>

using namespace pooltag;

namespace {

// Intervals with tagging off (no session) unless `enabled`.
class FakeSampler : public engine::IntervalSampler {
 public:
  explicit FakeSampler(bool enabled) : enabled_(enabled) {}
  Result<record::Sample> take() override {
    record::Sample s;
    s.time_ns = 1000000000ull * (++taken);
    if (enabled_) s.session = record::SessionKey{42, "caller", "", "/sys/fs/bpf/test"};
    return s;
  }
  int taken = 0;

 private:
  bool enabled_;
};

constexpr uint64_t kInterval = 1000000ull;  // 1 ms: the test waits 4 ms

// rank_leaks of a watch of three intervals.
Result<engine::LeakRanking> rank_watch(FakeSampler &sampler) {
  engine::LeaksQuery query;
  query.watch_ns = 3 * kInterval;
  query.interval_ns = kInterval;
  return engine::rank_leaks(query, &sampler, [] { return false; }, [](uint64_t) {});
}

}  // namespace

TEST(EngineLeaks, WatchTakesTheFirstIntervalAtOnceAndOneMoreEachInterval) {
  FakeSampler sampler(true);
  std::vector<uint64_t> elapsed;
  auto watched = engine::watch(sampler, 4 * kInterval, kInterval, [] { return false; },
                               [&](uint64_t e) { elapsed.push_back(e); });
  ASSERT_TRUE(watched.ok()) << watched.error().message;
  EXPECT_EQ(sampler.taken, 5);
  EXPECT_EQ(elapsed, (std::vector<uint64_t>{0, kInterval, 2 * kInterval, 3 * kInterval, 4 * kInterval}));
  EXPECT_EQ(watched->sessions.size(), 1u);
}

TEST(EngineLeaks, StopEndsTheWatchBetweenIntervals) {
  FakeSampler sampler(true);
  auto watched = engine::watch(sampler, 4 * kInterval, kInterval, [&] { return sampler.taken >= 2; },
                               [](uint64_t) {});
  ASSERT_TRUE(watched.ok()) << watched.error().message;
  EXPECT_EQ(sampler.taken, 2);
}

TEST(EngineLeaks, AWatchWithTaggingOffIsNotEnabled) {
  FakeSampler sampler(false);
  auto ranking = rank_watch(sampler);
  ASSERT_FALSE(ranking.ok());
  EXPECT_EQ(ranking.error().exit_code, kExitNotEnabled);
  EXPECT_EQ(ranking.error().message, "tagging is not enabled (run pooltag enable)");
  EXPECT_EQ(sampler.taken, 4);
}

TEST(EngineLeaks, AWatchIsNamedByItsDuration) {
  FakeSampler sampler(true);
  auto ranking = rank_watch(sampler);
  ASSERT_TRUE(ranking.ok()) << ranking.error().message;
  EXPECT_EQ(ranking->source, "watched 3ms");
}
