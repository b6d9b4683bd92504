#include "model/tag_table.h"

#include <gtest/gtest.h>

#include "fakes.h"

using namespace pooltag;
using namespace pooltag::model;
using pooltag::testing::FakeSymbolizer;
using pooltag::testing::sample;

class TagTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    syms.add(0x1000, "do_eventfd");
    syms.add(0x2000, "alloc_pipe_info");
    syms.add(0x3000, "bpf_map_alloc_percpu");
    syms.add(0x4000, "copy_process");
    // do_eventfd: two sites (two call instructions) in one function
    snap.sites = {sample(0x1010, Pool::Slab, 100, 40, 64), sample(0x1020, Pool::Slab, 10, 10, 64),
                  sample(0x2010, Pool::Slab, 30, 0, 1024), sample(0x3010, Pool::Percpu, 5, 1, 32),
                  sample(0x4010, Pool::Vmalloc, 2, 1, 16384), sample(0x4020, Pool::Slab, 7, 7, 128)};
  }
  TagTable build(TableOptions o = {}) {
    SiteTagger t(syms, Grouping::Caller);
    return TagTable::build(snap, t, o);
  }
  std::vector<std::string> tags(const TagTable &t) {
    std::vector<std::string> out;
    for (const auto &r : t.rows()) out.push_back(r.tag);
    return out;
  }
  FakeSymbolizer syms;
  Snapshot snap;
};

TEST_F(TagTableTest, GroupsSitesOfOneFunctionIntoOneRow) {
  auto t = build();
  ASSERT_EQ(t.rows().size(), 4u);
  const TagRow *evfd = nullptr;
  for (const auto &r : t.rows())
    if (r.tag == "do_eventfd") evfd = &r;
  ASSERT_NE(evfd, nullptr);
  EXPECT_EQ(evfd->sites, 2u);
  EXPECT_EQ(evfd->pool(Pool::Slab).allocs, 110u);
  EXPECT_EQ(evfd->pool(Pool::Slab).frees, 50u);
  EXPECT_EQ(evfd->pool(Pool::Slab).diff(), 60);
  EXPECT_EQ(evfd->pool(Pool::Slab).bytes(), 60 * 64);
}

TEST_F(TagTableTest, KeepsPoolsApartWithinATag) {
  auto t = build();
  for (const auto &r : t.rows()) {
    if (r.tag != "copy_process") continue;
    EXPECT_EQ(r.pool(Pool::Vmalloc).diff(), 1);
    EXPECT_EQ(r.pool(Pool::Slab).diff(), 0);
    EXPECT_EQ(r.pool(Pool::Slab).allocs, 7u);
  }
}

TEST_F(TagTableTest, SortsByEachKey) {
  TableOptions o;
  o.sort = SortKey::Bytes;
  EXPECT_EQ(tags(build(o)), (std::vector<std::string>{"alloc_pipe_info", "copy_process", "do_eventfd",
                                                       "bpf_map_alloc_percpu"}));
  o.sort = SortKey::Diff;
  EXPECT_EQ(tags(build(o)).front(), "do_eventfd");
  o.sort = SortKey::Allocs;
  EXPECT_EQ(tags(build(o)).front(), "do_eventfd");
  o.sort = SortKey::Frees;
  EXPECT_EQ(tags(build(o)).front(), "do_eventfd");
  o.sort = SortKey::Tag;
  EXPECT_EQ(tags(build(o)), (std::vector<std::string>{"alloc_pipe_info", "bpf_map_alloc_percpu", "copy_process",
                                                       "do_eventfd"}));
  o.reverse = true;
  EXPECT_EQ(tags(build(o)).front(), "do_eventfd");
  o.sort = SortKey::Bytes;
  EXPECT_EQ(tags(build(o)).front(), "bpf_map_alloc_percpu");
}

TEST_F(TagTableTest, TiesSortByTagName) {
  snap.sites = {sample(0x2010, Pool::Slab, 1, 0, 64), sample(0x1010, Pool::Slab, 1, 0, 64)};
  EXPECT_EQ(tags(build()), (std::vector<std::string>{"alloc_pipe_info", "do_eventfd"}));
}

TEST_F(TagTableTest, OnePoolShowsAndSortsByThatPool) {
  TableOptions o;
  o.pool = Pool::Vmalloc;
  auto t = build(o);
  EXPECT_EQ(tags(t), (std::vector<std::string>{"copy_process"}));
  EXPECT_EQ(t.rows()[0].pool(Pool::Slab).allocs, 0u) << "other pools are left out";
}

TEST_F(TagTableTest, FiltersByPatterns) {
  TableOptions o;
  o.filter = PatternFilter({"*_p*"}, {"copy*"});
  EXPECT_EQ(tags(build(o)), (std::vector<std::string>{"alloc_pipe_info", "bpf_map_alloc_percpu"}));
}

TEST_F(TagTableTest, TotalsSumTheRowsShown) {
  auto t = build();
  auto total = t.totals();
  EXPECT_EQ(total.tag, "TOTAL");
  EXPECT_EQ(total.pool(Pool::Slab).allocs, 100u + 10 + 30 + 7);
  EXPECT_EQ(total.pool(Pool::Slab).diff(), 60 + 30);
  EXPECT_EQ(total.pool(Pool::Percpu).diff(), 4);
  EXPECT_EQ(total.total().diff(), 60 + 30 + 4 + 1);
}

TEST_F(TagTableTest, EmptySitesAreNotRows) {
  snap.sites.push_back(sample(0x5010, Pool::Slab, 0, 0, 0));
  EXPECT_EQ(build().rows().size(), 4u);
}

TEST(SortKey, ParsesNames) {
  EXPECT_EQ(parse_sort_key("bytes"), SortKey::Bytes);
  EXPECT_EQ(parse_sort_key("tag"), SortKey::Tag);
  EXPECT_FALSE(parse_sort_key("size"));
}
