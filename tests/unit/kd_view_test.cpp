// kd's !poolused keeps WinDbg's layout, and marks upper bounds as used does.
#include "views/kd_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"

using namespace pooltag;
using namespace pooltag::model;
using pooltag::testing::FakeSymbolizer;
using pooltag::testing::sample;
using ::testing::HasSubstr;

TEST(KdView, PoolUsedMarksUpperBoundsAndSaysWhyOnce) {
  FakeSymbolizer syms;
  syms.add(0x1000, "do_eventfd");
  syms.add(0x2000, "mas_preallocate");
  Snapshot snap;
  snap.pools = PoolSet{1};
  auto maple = sample(0x2010, Pool::Slab, 10, 2, 256);
  maple.counts.implicit_frees = 2;
  snap.sites = {sample(0x1010, Pool::Slab, 5, 0, 64), maple};
  SiteTagger tagger(syms, Grouping::Caller);
  auto table = TagTable::build(snap, tagger, {});
  views::PoolUsedOptions o;
  o.sorting = "Sorting by Bytes Consumed (all pools)";
  o.pools = PoolSet{1};
  std::string text = views::render_poolused(table, snap, o);
  // short table: Allocs (outstanding) and Used
  EXPECT_THAT(text, ::testing::ContainsRegex("mas_preallocate +\u22648 +\u22642048"));
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +5 +320"));
  EXPECT_THAT(text, HasSubstr("\u2264 1 row's Diff and Bytes are upper bounds"));
  o.verbose = true;
  EXPECT_THAT(views::render_poolused(table, snap, o), ::testing::ContainsRegex("mas_preallocate +10 +2 +\u22648 +\u22642048"));
}
