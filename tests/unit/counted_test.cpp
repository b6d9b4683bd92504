// The steps from counts as counted to what the views show: sites split by
// stack (--by stack) and sampled counts scaled to estimates (--sample).
#include "model/counted.h"

#include <gtest/gtest.h>

#include "fakes.h"

using namespace pooltag;
using namespace pooltag::model;
using pooltag::testing::sample;

namespace {

SiteSample site(uint32_t id, uint64_t code, uint64_t allocs, uint64_t frees, uint64_t size) {
  auto s = sample(code, Pool::Slab, allocs, frees, size);
  s.id = id;
  return s;
}

StackCounts stack(int32_t id, uint32_t site, uint64_t allocs, uint64_t frees, uint64_t size) {
  return StackCounts{id, site, allocs, frees, allocs * size, frees * size};
}

}  // namespace

TEST(Counted, SplitByStackGivesEachStackItsShareAndTheSiteTheRest) {
  Snapshot snap;
  snap.sites = {site(7, 0x1010, 100, 40, 64), site(9, 0x2010, 5, 0, 1024)};
  snap.sites[0].counts.untracked = 3;
  auto split = split_by_stack(snap, {stack(12, 7, 60, 10, 64), stack(13, 7, 30, 30, 64), stack(14, 99, 8, 0, 32)});
  // the stack of site 99, which is not in the snapshot, is left out
  ASSERT_EQ(split.sites.size(), 4u);
  const auto &rest = split.sites[0];
  EXPECT_EQ(rest.site.stack_id, -1);
  EXPECT_EQ(rest.counts.allocs, 10u);
  EXPECT_EQ(rest.counts.frees, 0u);
  EXPECT_EQ(rest.counts.alloc_bytes, 640u);
  EXPECT_EQ(rest.counts.free_bytes, 0u);
  EXPECT_EQ(rest.counts.untracked, 3u);  // untracked allocations have no stack: they stay with the site
  EXPECT_EQ(split.sites[1].counts.allocs, 5u);  // another site, untouched
  const auto &first = split.sites[2];
  EXPECT_EQ(first.id, 7u);
  EXPECT_EQ(first.site.code_address, 0x1010u);
  EXPECT_EQ(first.site.stack_id, 12);
  EXPECT_EQ(first.counts.allocs, 60u);
  EXPECT_EQ(first.counts.frees, 10u);
  EXPECT_EQ(first.counts.alloc_bytes, 3840u);
  EXPECT_EQ(first.counts.free_bytes, 640u);
  EXPECT_EQ(first.counts.untracked, 0u);
  EXPECT_EQ(split.sites[3].site.stack_id, 13);
  EXPECT_EQ(split.sites[3].counts.allocs, 30u);
  EXPECT_EQ(split.sites[3].counts.frees, 30u);
}

TEST(Counted, SplitByStackNeverTakesMoreThanTheSiteStillHas) {
  // the stack counters were read a moment after the site's: they may be ahead
  Snapshot snap;
  snap.sites = {site(1, 0x1010, 10, 4, 16)};
  auto split = split_by_stack(snap, {stack(5, 1, 8, 3, 16), stack(6, 1, 7, 2, 16)});
  ASSERT_EQ(split.sites.size(), 3u);
  EXPECT_EQ(split.sites[1].counts.allocs, 8u);
  EXPECT_EQ(split.sites[2].counts.allocs, 2u);  // what was left, not 7
  EXPECT_EQ(split.sites[2].counts.frees, 1u);
  EXPECT_EQ(split.sites[2].counts.alloc_bytes, 32u);
  EXPECT_EQ(split.sites[0].counts.allocs, 0u);
  EXPECT_EQ(split.sites[0].counts.frees, 0u);
  EXPECT_EQ(split.sites[0].counts.alloc_bytes, 0u);
}

TEST(Counted, ScaleToEstimatesMultipliesEveryCountBySampleEvery) {
  Snapshot snap;
  snap.sample_every = 16;
  snap.sites = {site(1, 0x1010, 10, 4, 64)};
  snap.sites[0].counts.untracked = 2;
  snap.sites[0].counts.untracked_bytes = 128;
  snap.sites[0].counts.implicit_frees = 1;
  snap.losses.untracked = 5;
  auto scaled = scale_to_estimates(snap);
  const Counts &c = scaled.sites[0].counts;
  EXPECT_EQ(c.allocs, 160u);
  EXPECT_EQ(c.frees, 64u);
  EXPECT_EQ(c.alloc_bytes, 10240u);
  EXPECT_EQ(c.free_bytes, 4096u);
  EXPECT_EQ(c.untracked, 32u);
  EXPECT_EQ(c.untracked_bytes, 2048u);
  EXPECT_EQ(c.implicit_frees, 16u);
  EXPECT_EQ(scaled.sample_every, 16u);  // still says the counts are estimates
  EXPECT_TRUE(scaled.estimated());
  EXPECT_EQ(scaled.losses.untracked, 5u);  // losses are events, not scaled
  snap.sample_every = 1;
  EXPECT_EQ(scale_to_estimates(snap).sites[0].counts.allocs, 10u);
}

TEST(Counted, ScaleToEstimatesScalesStackCountsAlike) {
  auto scaled = scale_to_estimates({stack(3, 1, 5, 2, 100)}, 4);
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0].stack_id, 3);
  EXPECT_EQ(scaled[0].site, 1u);
  EXPECT_EQ(scaled[0].allocs, 20u);
  EXPECT_EQ(scaled[0].frees, 8u);
  EXPECT_EQ(scaled[0].alloc_bytes, 2000u);
  EXPECT_EQ(scaled[0].free_bytes, 800u);
}

TEST(Counted, SplitThenScaleIsWhatScalingThenSplittingTheScaledStacksGave) {
  // what the kernel layer did before the engine took these steps over
  Snapshot snap;
  snap.sample_every = 8;
  snap.sites = {site(1, 0x1010, 10, 4, 64)};
  const std::vector<StackCounts> stacks = {stack(5, 1, 6, 1, 64), stack(6, 1, 9, 9, 64)};
  auto now = scale_to_estimates(split_by_stack(snap, stacks));
  auto before = split_by_stack(scale_to_estimates(snap), scale_to_estimates(stacks, 8));
  ASSERT_EQ(now.sites.size(), 3u);
  ASSERT_EQ(before.sites.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(now.sites[i].counts.allocs, before.sites[i].counts.allocs) << i;
    EXPECT_EQ(now.sites[i].counts.frees, before.sites[i].counts.frees) << i;
    EXPECT_EQ(now.sites[i].counts.alloc_bytes, before.sites[i].counts.alloc_bytes) << i;
    EXPECT_EQ(now.sites[i].counts.free_bytes, before.sites[i].counts.free_bytes) << i;
  }
  EXPECT_EQ(now.sites[1].counts.allocs, 48u);
  EXPECT_EQ(now.sites[2].counts.allocs, 32u);  // 4 left of 10 after the first stack's 6
  EXPECT_EQ(now.sites[2].counts.frees, 24u);   // 3 left of 4
  EXPECT_EQ(now.sites[0].counts.allocs, 0u);
}
