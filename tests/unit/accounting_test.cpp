#include "model/accounting.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace pooltag;
using namespace pooltag::model;

namespace {
const Site kEventfd{0x1010, Pool::Slab, "kmalloc-64", 0};
const Site kPipe{0x2010, Pool::Slab, "kmalloc-1k", 0};

const Counts &counts_of(const Snapshot &s, uint64_t code) {
  for (const auto &x : s.sites)
    if (x.site.code_address == code) return x.counts;
  static Counts none;
  return none;
}
}  // namespace

TEST(Accounting, MatchesFreesToAllocations) {
  LiveAccounting a;
  for (uint64_t i = 0; i < 10; ++i) a.on_alloc(0x1000 + i * 64, 64, kEventfd);
  for (uint64_t i = 0; i < 4; ++i) a.on_free(0x1000 + i * 64);
  auto s = a.snapshot();
  const auto &c = counts_of(s, 0x1010);
  EXPECT_EQ(c.allocs, 10u);
  EXPECT_EQ(c.frees, 4u);
  EXPECT_EQ(c.diff(), 6);
  EXPECT_EQ(c.bytes(), 6 * 64);
  EXPECT_EQ(s.live_used, 6u);
  EXPECT_FALSE(s.losses.any());
}

TEST(Accounting, FreeOfUnknownAddressIsCountedNotCharged) {
  LiveAccounting a;
  a.on_alloc(0x1000, 64, kEventfd);
  a.on_free(0x5000);
  auto s = a.snapshot();
  EXPECT_EQ(s.free_unmatched, 1u);
  EXPECT_EQ(counts_of(s, 0x1010).frees, 0u);
  EXPECT_FALSE(s.losses.any()) << "allocated before enable: expected, not a loss";
}

TEST(Accounting, ReusedAddressRetiresTheOldAllocation) {
  LiveAccounting a;
  a.on_alloc(0x1000, 64, kEventfd);
  a.on_alloc(0x1000, 1024, kPipe);  // free of the first was never seen
  auto s = a.snapshot();
  EXPECT_EQ(counts_of(s, 0x1010).frees, 1u);
  EXPECT_EQ(counts_of(s, 0x1010).implicit_frees, 1u);
  EXPECT_EQ(counts_of(s, 0x1010).diff(), 0);
  EXPECT_EQ(counts_of(s, 0x2010).diff(), 1);
  EXPECT_EQ(s.losses.implicit_frees, 1u);
  a.on_free(0x1000);
  EXPECT_EQ(counts_of(a.snapshot(), 0x2010).diff(), 0) << "the free goes to the newer allocation";
}

TEST(Accounting, BeyondCapacityIsUntracked) {
  LiveAccounting a(2);
  a.on_alloc(0x1000, 64, kEventfd);
  a.on_alloc(0x2000, 64, kEventfd);
  a.on_alloc(0x3000, 64, kEventfd);
  a.on_free(0x3000);  // its free cannot be matched: unmatched, not a negative diff
  auto s = a.snapshot();
  const auto &c = counts_of(s, 0x1010);
  EXPECT_EQ(c.allocs, 2u);
  EXPECT_EQ(c.untracked, 1u);
  EXPECT_EQ(c.untracked_bytes, 64u);
  EXPECT_EQ(c.diff(), 2);
  EXPECT_EQ(s.losses.untracked, 1u);
  EXPECT_EQ(s.free_unmatched, 1u);
}

TEST(Accounting, ReplaysAnEventStream) {
  std::istringstream in(
      "# comment\n"
      "alloc slab 0xffff888000001000 64 0xffffffff81001010 kmalloc-64\n"
      "alloc slab 0xffff888000001040 64 0xffffffff81001010 kmalloc-64   # trailing\n"
      "alloc percpu 0x3a000 32 0xffffffff81003010\n"
      "free 0xffff888000001000\n"
      "\n");
  LiveAccounting a;
  ASSERT_TRUE(replay_events(in, a).ok());
  auto s = a.snapshot();
  EXPECT_EQ(counts_of(s, 0xffffffff81001010).diff(), 1);
  EXPECT_EQ(counts_of(s, 0xffffffff81003010).bytes(), 32);
  EXPECT_TRUE(s.pools.has(Pool::Percpu));
}

TEST(Accounting, ReplayErrorsNameTheLine) {
  for (const char *bad : {"alloc slab 0x10\n", "alloc bogus 0x10 8 0x20\n", "free\n", "realloc 0x10\n"}) {
    std::istringstream in(std::string("# ok\n") + bad);
    LiveAccounting a;
    auto st = replay_events(in, a);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_NE(st.error().message.find("line 2"), std::string::npos) << st.error().message;
  }
}
