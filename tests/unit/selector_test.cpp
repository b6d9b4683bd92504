#include "kernel/selector.h"

#include <gtest/gtest.h>

using namespace pooltag;
using namespace pooltag::kernel;

namespace {
symbols::KernelSymbols syms() {
  return std::move(symbols::KernelSymbols::parse("ffffffff81001000 T do_eventfd\n"
                                                 "ffffffff81001200 T eventfd_fops_other\n"
                                                 "ffffffff81002000 T mas_alloc_nodes\n"
                                                 "ffffffff81002100 T mas_preallocate\n"
                                                 "ffffffff81002200 T unrelated\n"
                                                 "ffffffffc0001000 t ct_alloc\t[nf_conntrack]\n"
                                                 "ffffffffc0001100 t ct_free\t[nf_conntrack]\n"))
      .value();
}
}  // namespace

TEST(Selector, CallerPatternSelectsCallSitesOfTheFunction) {
  auto s = select_call_sites(syms(), {"do_eventfd"}, model::Grouping::Caller, nullptr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->ranges.size(), 1u);
  // call sites are return addresses: (start, end]
  EXPECT_EQ(s->ranges[0].start, 0xffffffff81001001u);
  EXPECT_EQ(s->ranges[0].end, 0xffffffff81001201u);
  EXPECT_FALSE(s->all);
  EXPECT_EQ(s->text, "do_eventfd");
}

TEST(Selector, AdjacentFunctionsMergeAndStarSelectsAll) {
  auto s = select_call_sites(syms(), {"mas_*"}, model::Grouping::Caller, nullptr);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->ranges.size(), 1u);
  EXPECT_EQ(s->ranges[0].start, 0xffffffff81002001u);
  EXPECT_EQ(s->ranges[0].end, 0xffffffff81002201u);
  auto all = select_call_sites(syms(), {"*"}, model::Grouping::Caller, nullptr);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->all);
}

TEST(Selector, ModuleGroupingSelectsTheModule) {
  auto s = select_call_sites(syms(), {"[nf_conntrack]"}, model::Grouping::Module, nullptr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->ranges.size(), 1u);
  EXPECT_EQ(s->ranges[0].start, 0xffffffffc0001001u);
}

TEST(Selector, TagFileNamesSelect) {
  auto f = model::TagFile::parse("'Abc ' - do_eventfd - eventfd\n", "t");
  ASSERT_TRUE(f.ok());
  auto s = select_call_sites(syms(), {"Abc "}, model::Grouping::Caller, &*f);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->ranges.size(), 1u);
  EXPECT_EQ(s->ranges[0].start, 0xffffffff81001001u);
}

TEST(Selector, NoMatchIsAUsageError) {
  auto s = select_call_sites(syms(), {"nothing_like_this"}, model::Grouping::Caller, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().exit_code, kExitUsage);
}

TEST(Selector, CacheGroupingHasNoRanges) {
  auto s = select_call_sites(syms(), {"kmalloc-64"}, model::Grouping::Cache, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ranges.empty());
  EXPECT_FALSE(s->all);
}
