// Sampling (enable --sample N): estimates within the documented bound, and
// an allocation and its free always sampled together.
#include <cmath>
#include <memory>

#include "harness.h"

using namespace pooltag::testing;

TEST_F(RootOnly, SampledLeakEstimateIsWithinItsBoundAndReturnsToZero) {
  const int64_t leak = 50000, every = 64;
  remove_stale_test_pins();
  run_pooltag({"disable"});
  auto r = run_pooltag({"enable", "--sample", std::to_string(every)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // five programs: a process may not hold 50,000 descriptors here
  std::vector<std::unique_ptr<Program>> programs;
  for (int i = 0; i < 5; ++i) {
    programs.push_back(std::make_unique<Program>(std::vector<std::string>{program_path("leak_eventfd"),
                                                                          std::to_string(leak / 5)}));
    ASSERT_EQ(programs.back()->read_line().rfind("started", 0), 0u);
  }
  auto before = used_json({"do_eventfd"});
  EXPECT_TRUE(before["estimated"].get<bool>());
  EXPECT_EQ(before["sample_every"], every);
  for (auto &p : programs) {
    p->send_line();
    ASSERT_EQ(p->read_line().rfind("ready", 0), 0u);
  }
  auto b = counts_of(before, "do_eventfd", "slab");
  auto d = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  int64_t estimate = d.diff - b.diff;
  // docs/engine.md#sampling: the estimate N*X has standard deviation about
  // sqrt(L*N); four of them bound it (a 1 in 15,000 chance to fail by luck)
  double bound = 4 * std::sqrt(static_cast<double>(leak * every));
  EXPECT_NEAR(static_cast<double>(estimate), static_cast<double>(leak), bound) << "estimate " << estimate;
  EXPECT_EQ(estimate % every, 0) << "estimates are multiples of N";
  for (auto &p : programs) {
    p->send_line();
    ASSERT_EQ(p->read_line(), "closed");
  }
  // do_eventfd is every eventfd of the machine: one another process holds
  // at the moment of a reading counts 64 here (a run on this machine saw
  // it), so the check waits up to 3 s for the Diff to come back
  eventually([&] { return counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab").diff == b.diff; }, 3000);
  auto a = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  EXPECT_EQ(a.diff, b.diff) << "every sampled allocation's free was sampled too";
  for (auto &p : programs) EXPECT_EQ(p->wait(), 0);
  run_pooltag({"disable"});
}
