#include <gtest/gtest.h>

#include "kernel/loader.h"
#include "kernel/pinned_state.h"
#include "pooltag.h"

using namespace pooltag;
using namespace pooltag::kernel;

TEST(Geometry, SizesTheLiveTableToTheAllocationsAskedForAndTheRestToPowersOfTwo) {
  EnableOptions o;
  o.max_live = 1000000;
  o.max_sites = 10000;
  auto g = TableGeometry::from(o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->live_buckets, 328125u);  // 1e6 * 21/16 slots, 4 to a bucket
  EXPECT_EQ(g->live_slots(), 1312500u);
  EXPECT_EQ(g->max_sites, 16384u);
}

TEST(Geometry, OfAnEnabledStateCountsEveryCpusCounters) {
  EnableOptions o;
  auto g = TableGeometry::from(o);
  ASSERT_TRUE(g.ok());
  pt_state st{};
  st.live_buckets = g->live_buckets;
  st.max_sites = g->max_sites;
  st.stack_depth = g->stack_depth;
  st.stack_entries = g->stack_entries;
  st.stack_reuse_entries = g->stack_reuse_entries;
  st.possible_cpus = g->possible_cpus;
  EXPECT_EQ(TableGeometry::of(st).kernel_bytes(), g->kernel_bytes());
  st.possible_cpus = g->possible_cpus + 1;  // one more row of site and stack counters
  EXPECT_EQ(TableGeometry::of(st).kernel_bytes() - g->kernel_bytes(),
            g->max_sites * sizeof(pt_site_stats) + g->stack_entries * sizeof(pt_stack_stats) +
                sizeof(pt_stack_chunk));
}

TEST(Geometry, StackReuseHoldsTwoFingerprintsPerStackOrNone) {
  EnableOptions o;
  o.stack_entries = 3000;
  auto g = TableGeometry::from(o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->stack_entries, 4096u);
  EXPECT_EQ(g->stack_reuse_entries, 8192u);
  o.stack_reuse = false;
  auto off = TableGeometry::from(o);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->stack_reuse_entries, 0u);
  EXPECT_EQ(g->kernel_bytes() - off->kernel_bytes(), 8192u * sizeof(uint64_t));
  o.stack_check_every = 0;
  EXPECT_FALSE(TableGeometry::from(o).ok());
}

TEST(Geometry, RejectsOutOfRange) {
  EnableOptions o;
  o.max_live = 12;
  EXPECT_FALSE(TableGeometry::from(o).ok());
  o.max_live = 1ull << 40;
  EXPECT_FALSE(TableGeometry::from(o).ok());
  o.max_live = 1 << 20;
  o.max_sites = 10;
  auto refused = TableGeometry::from(o);
  ASSERT_FALSE(refused.ok());
  // in the kernel layer's own words: the option's name is the front end's
  EXPECT_EQ(refused.error().message, "sites 10 is out of range (256 .. 1048576)");
}

TEST(Geometry, SharedLayoutsStayPlain) {
  // the pinned maps' format: a layout change must bump PT_STATE_VERSION
  EXPECT_EQ(sizeof(pt_live_bucket), 64u) << "a bucket is one cache line";
  EXPECT_EQ(sizeof(pt_live_entry), 32u) << "two entries to a line, none across two";
  EXPECT_EQ(sizeof(pt_live_record), 48u);
  EXPECT_EQ(sizeof(pt_site), 64u);
  EXPECT_EQ(sizeof(pt_site_stats), 64u);
}

TEST(JiffiesClock, EntriesBecomeMonotonicTimesThroughTheEnableSample) {
  pt_state st{};
  st.clock_jiffies = 4299738573ull;  // sampled together with
  st.clock_monotonic_ns = 19385415362175ull;
  st.jiffy_ns = 4000000;  // HZ=250
  EXPECT_EQ(monotonic_of_jiffies(st, st.clock_jiffies), st.clock_monotonic_ns);
  EXPECT_EQ(monotonic_of_jiffies(st, st.clock_jiffies + 250), st.clock_monotonic_ns + 1000000000ull);
  // an entry older than the sample (none today; a reused table) comes out before it
  EXPECT_EQ(monotonic_of_jiffies(st, st.clock_jiffies - 10), st.clock_monotonic_ns - 40000000ull);
}
