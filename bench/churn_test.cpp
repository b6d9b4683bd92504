#include "churn.h"

#include <gtest/gtest.h>

namespace pooltag::bench {
namespace {

TEST(Churn, WorkloadNamesRoundTrip) {
  for (Workload w : all_workloads()) EXPECT_EQ(parse_workload(workload_name(w)), w);
  EXPECT_FALSE(parse_workload("fork"));
}

// Fixed-op mode needs no root: the objects are the process's own.
TEST(Churn, FixedOpsRunsExactlyThatManyOps) {
  for (Workload w : all_workloads()) {
    ChurnOptions o;
    o.workload = w;
    o.threads = 2;
    o.ops = 1000;
    auto r = run_churn(o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->ops, 1000u) << workload_name(w);
    EXPECT_GT(r->ops_per_second(), 0);
  }
}

TEST(Churn, TimedRunStopsWhenInterrupted) {
  std::atomic<bool> stop{true};
  ChurnOptions o;
  o.duration = std::chrono::seconds(60);
  o.interrupt = &stop;
  auto r = run_churn(o);
  ASSERT_TRUE(r);
  EXPECT_LT(r->seconds, 5);
}

}  // namespace
}  // namespace pooltag::bench
