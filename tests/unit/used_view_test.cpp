#include "views/used_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"

using namespace pooltag;
using namespace pooltag::model;
using namespace pooltag::views;
using pooltag::testing::FakeSymbolizer;
using pooltag::testing::sample;
using ::testing::HasSubstr;

class UsedViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    syms.add(0x1000, "do_eventfd");
    syms.add(0x2000, "a_function_name_that_is_much_longer_than_thirty_two_characters");
    snap.pools = PoolSet::defaults();
    snap.sites = {sample(0x1010, Pool::Slab, 5000, 0, 64), sample(0x2010, Pool::Percpu, 3, 1, 32)};
  }
  TagTable table() {
    SiteTagger t(syms, Grouping::Caller);
    return TagTable::build(snap, t, {});
  }
  UsedViewOptions options() {
    UsedViewOptions o;
    o.pools = PoolSet::defaults();
    return o;
  }
  FakeSymbolizer syms;
  Snapshot snap;
};

TEST_F(UsedViewTest, TextHasSortLinePoolHeadersRowsAndTotal) {
  std::string text = render_used_text(table(), snap, options());
  EXPECT_THAT(text, HasSubstr("Sorting by Bytes Consumed (all pools)\n\nPool Used:\n"));
  EXPECT_THAT(text, HasSubstr("Slab"));
  EXPECT_THAT(text, HasSubstr("Percpu"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Vmalloc"))) << "a pool without counts has no columns";
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Page"))) << "pools not tracked have no columns";
  // do_eventfd row: slab 5000 0 5000 320000
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +5000 +0 +5000 +320000 +0 +0 +0 +0"));
  EXPECT_THAT(text, ::testing::ContainsRegex("TOTAL +5000 +0 +5000 +320000 +3 +1 +2 +64"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Losses"))) << "no losses, no loss section";
}

TEST_F(UsedViewTest, LongTagsAreClippedWithAMark) {
  std::string text = render_used_text(table(), snap, options());
  EXPECT_THAT(text, HasSubstr("a_function_name_that_is_much_lo~"));
  EXPECT_EQ(clip("abcdef", 4), "abc~");
  EXPECT_EQ(clip("abcd", 4), "abcd");
  EXPECT_EQ(clip("abcd", 0), "");
}

TEST_F(UsedViewTest, NegativeDiffsKeepTheirSign) {
  // frees of objects charged before a counter reset can exceed allocs
  snap.sites = {sample(0x1010, Pool::Slab, 1, 3, 64)};
  std::string text = render_used_text(table(), snap, options());
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +1 +3 +-2 +-128"));
}

TEST_F(UsedViewTest, OnePoolShowsOnlyItsColumns) {
  auto o = options();
  o.pools = PoolSet{1u << static_cast<int>(Pool::Percpu)};
  o.sort_pool = Pool::Percpu;
  std::string text = render_used_text(table(), snap, o);
  EXPECT_THAT(text, HasSubstr("Sorting by Bytes Consumed (percpu)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Slab")));
}

TEST_F(UsedViewTest, LossesAreShownWhenNonZero) {
  snap.losses.untracked = 12;
  snap.losses.recursion_misses = 3;
  std::string text = render_used_text(table(), snap, options());
  EXPECT_THAT(text, HasSubstr("Losses"));
  EXPECT_THAT(text, HasSubstr("12 allocations untracked: live table full"));
  EXPECT_THAT(text, HasSubstr("3 events missed by the kernel"));
  EXPECT_EQ(loss_lines(Losses{}).size(), 0u);
  Losses reused;
  reused.stack_reuse.reused = 5;
  ASSERT_EQ(loss_lines(reused).size(), 1u) << "reused stacks are approximate: said in every view of losses";
  EXPECT_THAT(loss_lines(reused)[0], HasSubstr("5 stacks reused"));
}

TEST_F(UsedViewTest, JsonHasOneObjectPerTagAndPool) {
  auto j = used_json(table(), snap, options());
  ASSERT_TRUE(j["tags"].is_array());
  ASSERT_EQ(j["tags"].size(), 2u);
  const auto &first = j["tags"][0];
  EXPECT_EQ(first["tag"], "do_eventfd");
  EXPECT_EQ(first["pool"], "slab");
  EXPECT_EQ(first["allocs"], 5000);
  EXPECT_EQ(first["frees"], 0);
  EXPECT_EQ(first["diff"], 5000);
  EXPECT_EQ(first["bytes"], 320000);
  for (const char *key : {"untracked", "implicit_frees", "site_overflow", "recursion_misses", "stack_errors",
                          "no_caller"})
    EXPECT_TRUE(j["lost"].contains(key)) << key;
  EXPECT_EQ(j["totals"]["slab"]["diff"], 5000);
  EXPECT_EQ(j["pools"], "slab,percpu,vmalloc");
}

TEST_F(UsedViewTest, TopLimitsRows) {
  auto o = options();
  o.max_rows = 1;
  auto j = used_json(table(), snap, o);
  EXPECT_EQ(j["tags"].size(), 1u);
}

TEST(SortDescription, NamesKeyAndPool) {
  EXPECT_EQ(sort_description(SortKey::Tag, std::nullopt), "Sorting by Tag");
  EXPECT_EQ(sort_description(SortKey::Diff, Pool::Slab), "Sorting by Diff (outstanding allocations) (slab)");
}

TEST_F(UsedViewTest, TagsWithFreesWithoutEventsShowUpperBoundsOnce) {
  // a maple-tree-like site: allocations whose frees went through a bulk path
  // and were seen only when the address came back
  auto bulk = sample(0x2010, Pool::Slab, 100, 60, 256);
  bulk.counts.implicit_frees = 20;
  snap.sites = {sample(0x1010, Pool::Slab, 5000, 0, 64), bulk};
  std::string text = render_used_text(table(), snap, options());
  // Diff and Bytes of that row carry the mark, the exact row does not
  EXPECT_THAT(text, ::testing::ContainsRegex("a_function_name_that_is_much_lo~ +100 +60 +\u226440 +\u226410240"));
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +5000 +0 +5000 +320000"));
  EXPECT_THAT(text, ::testing::ContainsRegex("TOTAL +5100 +60 +\u22645040 +\u2264330240"));
  EXPECT_THAT(text, HasSubstr("\u2264 1 row's Diff and Bytes are upper bounds: objects freed in bulk"));
  auto json = used_json(table(), snap, options());
  int bounded = 0;
  for (const auto &t : json["tags"]) {
    EXPECT_EQ(t["upper_bound"].get<bool>(), t["tag"] != "do_eventfd") << t.dump();
    bounded += t["upper_bound"].get<bool>();
  }
  EXPECT_EQ(bounded, 1);
  EXPECT_TRUE(json["totals"]["slab"]["upper_bound"].get<bool>());
  EXPECT_FALSE(json["totals"]["percpu"]["upper_bound"].get<bool>());
}

TEST_F(UsedViewTest, ExactCountsHaveNoMarkAndNoNote) {
  std::string text = render_used_text(table(), snap, options());
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\u2264")));
  EXPECT_FALSE(used_json(table(), snap, options())["tags"][0]["upper_bound"].get<bool>());
}

// ---- fitting the terminal ------------------------------------------------

namespace {
// Columns a line takes on a terminal: code points ("≤" is one).
size_t columns_of(const std::string &line) {
  size_t n = 0;
  for (unsigned char ch : line) n += (ch & 0xc0) != 0x80;
  return n;
}
size_t widest_line(const std::string &text) {
  size_t widest = 0, start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    widest = std::max(widest, columns_of(text.substr(start, end - start)));
  return widest;
}
}  // namespace

TEST_F(UsedViewTest, PoolsWithoutDataAreLeftOutUnlessWide) {
  auto o = options();  // slab, percpu, vmalloc tracked; vmalloc has nothing
  std::string text = render_used_text(table(), snap, o);
  EXPECT_THAT(text, HasSubstr("Slab"));
  EXPECT_THAT(text, HasSubstr("Percpu"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Vmalloc")));
  o.wide = true;
  EXPECT_THAT(render_used_text(table(), snap, o), HasSubstr("Vmalloc"));
  snap.sites.clear();
  o.wide = false;
  EXPECT_THAT(render_used_text(table(), snap, o), HasSubstr("Vmalloc")) << "no data at all: every tracked pool";
}

TEST_F(UsedViewTest, NoWidthIsTheWholeTableAsWideAsItIs) {
  std::string text = render_used_text(table(), snap, options());
  // 32 (tag) + 1 + 2 pools x 43, then the owner
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +5000 +0 +5000 +320000 +0 +0 +0 +0  vmlinux"));
  EXPECT_GT(widest_line(text), 120u);
}

TEST_F(UsedViewTest, EveryLineFitsTheWidthItIsGiven) {
  snap.losses.untracked = 12;
  snap.sites.push_back(sample(0x1010, Pool::Vmalloc, 2, 0, 8192));
  snap.sites[0].counts.implicit_frees = 1;  // the upper-bound note, 190 characters on one line
  for (size_t width : {60u, 72u, 80u, 100u, 120u, 132u, 160u, 200u}) {
    auto o = options();
    o.width = width;
    std::string text = render_used_text(table(), snap, o);
    EXPECT_LE(widest_line(text), width) << "width " << width << ":\n" << text;
    EXPECT_THAT(text, HasSubstr("Diff")) << width;
    EXPECT_THAT(text, HasSubstr("Vmalloc")) << width;
  }
}

TEST_F(UsedViewTest, NarrowWidthsKeepDiffAndBytesFirst) {
  auto o = options();
  o.width = 200;  // everything: 32 + 1 + 2 x 43 = 119, and the owner
  std::string wide = render_used_text(table(), snap, o);
  EXPECT_THAT(wide, HasSubstr("Allocs"));
  EXPECT_THAT(wide, HasSubstr("Owner"));
  EXPECT_THAT(wide, ::testing::ContainsRegex("do_eventfd +5000 +0 +5000 +320000"));
  o.width = 100;  // Allocs and Frees go: Diff and Bytes of both pools, and the owner
  std::string hundred = render_used_text(table(), snap, o);
  EXPECT_THAT(hundred, ::testing::Not(HasSubstr("Allocs")));
  EXPECT_THAT(hundred, ::testing::ContainsRegex("do_eventfd +5000 +320000 +0 +0 +vmlinux"));
  EXPECT_THAT(hundred, ::testing::ContainsRegex("TOTAL +5000 +320000 +2 +64\n"));
  o.width = 80;  // no room left for the owner
  EXPECT_THAT(render_used_text(table(), snap, o), ::testing::ContainsRegex("do_eventfd +5000 +320000 +0 +0\n"));
  o.width = 43;  // the narrowest: numbers scaled where they do not fit, tags of 8
  snap.sites[0].counts.alloc_bytes = 5000ull * 1000000;
  std::string narrow = render_used_text(table(), snap, o);
  EXPECT_THAT(narrow, ::testing::ContainsRegex("do_even~ +5000 +4\\.7G"));
  EXPECT_LE(widest_line(narrow), 43u) << narrow;
}

TEST_F(UsedViewTest, WideIgnoresTheWidth) {
  auto o = options();
  o.width = 80;
  o.wide = true;
  std::string text = render_used_text(table(), snap, o);
  EXPECT_THAT(text, HasSubstr("Allocs"));
  EXPECT_THAT(text, HasSubstr("Vmalloc"));
  EXPECT_GT(widest_line(text), 80u);
}
