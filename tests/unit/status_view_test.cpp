// pooltag status's text and JSON, and the hit event's JSON, from plain data.
#include "views/status_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/output.h"
#include "fakes.h"
#include "views/hit_view.h"

using namespace pooltag;
using ::testing::HasSubstr;

namespace {

model::TaggingStatus running() {
  model::TaggingStatus s;
  s.pin_dir = "/sys/fs/bpf/pooltag";
  s.enabled_for_ns = 90ull * 1000000000ull;
  s.pools = model::PoolSet::defaults();
  s.live_used = 250;
  s.live_capacity = 1000;
  s.max_live = 1000;
  s.sites_used = 3;
  s.max_sites = 16384;
  s.hit_tag = "do_eventfd";
  s.kernel_release = "6.1.0-test";
  s.programs = {{"kmem/kmalloc", "pt_kmalloc", 7, 0}};
  return s;
}

}  // namespace

TEST(StatusView, TextSaysWhatRunsAndHowFull) {
  auto text = views::status_text(running(), {});
  EXPECT_THAT(text, HasSubstr("live table:      250 of 1,000 slots (25.0%)\n"));
  EXPECT_THAT(text, HasSubstr("hit tag:         do_eventfd\n"));
  EXPECT_THAT(text, HasSubstr("stacks for:      none (the hit tag's allocations only)\n"));
  EXPECT_THAT(text, HasSubstr("losses:          none\n"));
  EXPECT_THAT(text, HasSubstr("programs:        on 1 tracepoints and functions\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("sampling:")));
}

TEST(StatusView, JsonNamesOrNullsTheSelectors) {
  auto j = views::status_json(running(), {});
  EXPECT_TRUE(j["enabled"].get<bool>());
  EXPECT_EQ(j["hit_tag"], "do_eventfd");
  EXPECT_TRUE(j["stacks"].is_null());
  EXPECT_EQ(j["live"]["used"], 250);
  EXPECT_EQ(j["live_table"], "buckets");
  EXPECT_EQ(j["programs"][0]["program"], "pt_kmalloc");
  EXPECT_EQ(views::not_enabled_json("/x"), (nlohmann::json{{"enabled", false}, {"pin_dir", "/x"}}));
}

TEST(HitView, JsonOfAnEventWithItsStack) {
  pooltag::testing::FakeSymbolizer symbols;
  model::HitEvent ev;
  ev.kind = model::HitEvent::Kind::Free;
  ev.address = 0x1000;
  ev.comm = "leaker";
  auto j = views::hit_json(ev, "do_eventfd", model::Pool::Percpu, symbols);
  EXPECT_EQ(j["event"], "free");
  EXPECT_EQ(j["pool"], "percpu");
  EXPECT_EQ(j["address"], 0x1000);
  EXPECT_TRUE(j["stack"].is_array());
  EXPECT_EQ(views::hit_line(ev, "do_eventfd", model::Pool::Percpu),
            "free do_eventfd [percpu] address 0x1000 size 0 by leaker (0/0)");
}

TEST(Output, JsonLineReplacesBytesThatAreNotUtf8) {
  // a task's name from the kernel is bytes, not always UTF-8
  EXPECT_EQ(cli::json_line(nlohmann::json{{"comm", std::string("a\xff")}}), "{\"comm\":\"a\xef\xbf\xbd\"}");
}
