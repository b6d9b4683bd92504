#include <gtest/gtest.h>

#include "kernel/loader.h"
#include "pooltag.h"

using namespace pooltag;
using namespace pooltag::kernel;

TEST(Geometry, RoundsToPowersOfTwo) {
  EnableOptions o;
  o.max_live = 1000000;
  o.max_sites = 10000;
  auto g = TableGeometry::from(o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->live_buckets, 131072u);  // 1e6 / 8 = 125000 -> 2^17
  EXPECT_EQ(g->live_slots(), 1048576u);
  EXPECT_EQ(g->max_sites, 16384u);
}

TEST(Geometry, RejectsOutOfRange) {
  EnableOptions o;
  o.max_live = 12;
  EXPECT_FALSE(TableGeometry::from(o).ok());
  o.max_live = 1ull << 40;
  EXPECT_FALSE(TableGeometry::from(o).ok());
  o.max_live = 1 << 20;
  o.max_sites = 10;
  EXPECT_FALSE(TableGeometry::from(o).ok());
}

TEST(Geometry, SharedLayoutsStayPlain) {
  // the pinned maps' format: a layout change must bump PT_STATE_VERSION
  EXPECT_EQ(sizeof(pt_live_bucket), 64u) << "a bucket is one cache line";
  EXPECT_EQ(sizeof(pt_live_entry), 48u);
  EXPECT_EQ(sizeof(pt_site), 64u);
  EXPECT_EQ(sizeof(pt_site_stats), 64u);
}
