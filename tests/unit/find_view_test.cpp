#include "views/find_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"
#include "views/stack_view.h"

using namespace pooltag;
using namespace pooltag::views;
using ::testing::HasSubstr;

namespace {
model::LiveAllocation alloc(uint64_t addr, uint64_t size, uint64_t age, int32_t stack) {
  return pooltag::testing::live_allocation(addr, size, age, stack);
}
std::vector<std::string> frames_of(int32_t id) { return {"frame_of_" + std::to_string(id)}; }
}  // namespace

TEST(FindView, GroupsByStackLargestFirst) {
  auto groups = group_by_stack({alloc(1, 64, 10, 7), alloc(2, 64, 30, 7), alloc(3, 1024, 5, 9), alloc(4, 8, 1, -1)},
                               frames_of);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].stack_id, 9);
  EXPECT_EQ(groups[0].bytes, 1024u);
  EXPECT_EQ(groups[1].stack_id, 7);
  EXPECT_EQ(groups[1].count, 2u);
  EXPECT_EQ(groups[1].oldest_ns, 30u);
  EXPECT_EQ(groups[1].frames, std::vector<std::string>{"frame_of_7"});
  EXPECT_EQ(groups[2].stack_id, -1);
  EXPECT_TRUE(groups[2].frames.empty());
}

TEST(FindView, HexDumpHasWinDbgDbLayout) {
  std::vector<uint8_t> bytes = {'A', 'b', 'c', ' ', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 'z'};
  std::string d = hex_dump(bytes, 0xffff888100000000ull, "");
  EXPECT_EQ(d,
            "ffff888100000000  41 62 63 20 00 01 02 03-04 05 06 07 08 09 0a 0b  Abc ............\n"
            "ffff888100000010  7a                                               z\n");
  EXPECT_EQ(hex_string({0x41, 0x00, 0xff}), "4100ff");
}

TEST(FindView, TextGroupsOrListsWithDumps) {
  std::vector<model::LiveAllocation> list = {alloc(0x1000, 64, 2000000000ull, 7)};
  auto groups = group_by_stack(list, frames_of);
  FindViewOptions o;
  o.tag = "do_eventfd";
  std::string text = render_find_text(groups, list, o, frames_of);
  EXPECT_THAT(text, HasSubstr("Searching for tag 'do_eventfd': 1 outstanding allocations, 64 bytes"));
  EXPECT_THAT(text, HasSubstr("1 allocations, 64 bytes, oldest 2.0s:\n    frame_of_7\n"));
  std::map<uint64_t, std::vector<uint8_t>> dumps = {{0x1000, {'h', 'i'}}};
  o.list = true;
  o.dumps = &dumps;
  text = render_find_text(groups, list, o, frames_of);
  EXPECT_THAT(text, ::testing::ContainsRegex("0000000000001000 +64 +2.0s +42  leaker"));
  EXPECT_THAT(text, HasSubstr("68 69"));
  auto j = find_json(groups, list, o, frames_of);
  EXPECT_EQ(j["allocations"][0]["dump"], "6869");
  EXPECT_EQ(j["allocations"][0]["age_ns"], 2000000000ull);
  EXPECT_EQ(j["groups"][0]["stack"][0], "frame_of_7");
}

TEST(StackView, DropsTheTracingGlueAtTheTop) {
  pooltag::testing::FakeSymbolizer syms;
  syms.add(0x1000, "bpf_trace_run4");
  syms.add(0x2000, "__kmalloc_cache_noprof");
  syms.add(0x3000, "do_eventfd");
  // FakeSymbolizer's describe names the function; the glue frame goes
  auto frames = stack_frames({0x1011, 0x2011, 0x3011}, syms);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_THAT(frames[0], HasSubstr("__kmalloc_cache_noprof"));
  EXPECT_THAT(render_kb({0x1011, 0x2011, 0x3011}, syms, ""), HasSubstr("01 0000000000003011   do_eventfd"));
}

TEST(FindView, SaysWhenStacksWereReused) {
  FindViewOptions opts;
  opts.tag = "do_eventfd";
  auto groups = group_by_stack({alloc(1, 64, 10, 7)}, frames_of);
  EXPECT_THAT(render_find_text(groups, {}, opts, frames_of), ::testing::Not(HasSubstr("reused")));
  opts.stack_reuse = {1000, 3, 1, 15, 2, 64};
  std::string text = render_find_text(groups, {}, opts, frames_of);
  EXPECT_THAT(text, HasSubstr("1,000 stacks reused, not walked"));
  EXPECT_THAT(text, HasSubstr("15 of them walked again to check, 2 differed"));
  auto j = find_json(groups, {}, opts, frames_of);
  EXPECT_EQ(j["stack_reuse"]["reused"], 1000);
  EXPECT_EQ(j["stack_reuse"]["differed"], 2);
  EXPECT_EQ(j["stack_reuse"]["check_every"], 64);
}
