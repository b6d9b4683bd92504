// mon's screen model driven by a fake snapshot source: cells, sorting,
// filters, pools, layout, totals, highlighting, scrolling, detail, JSON.
#include "views/mon_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <deque>
#include <set>

#include "fakes.h"
#include "views/used_view.h"

using namespace pooltag;
using namespace pooltag::model;
using namespace pooltag::views;
using pooltag::testing::FakeSymbolizer;
using pooltag::testing::sample;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Hands out the snapshots it was given, one per refresh; the last repeats.
class FakeSource : public SnapshotSource {
 public:
  void push(Snapshot s) { queue_.push_back(std::move(s)); }
  Result<Snapshot> snapshot() override {
    if (fail_) return Error{"the pinned state went away"};
    if (queue_.size() > 1) {
      Snapshot s = queue_.front();
      queue_.pop_front();
      return s;
    }
    return queue_.front();
  }
  bool fail_ = false;

 private:
  std::deque<Snapshot> queue_;
};

class FakeMemInfo : public MemInfoSource {
 public:
  Result<MemInfo> read() override { return info; }
  MemInfo info;
};

constexpr uint64_t kGiB = 1ull << 30;

}  // namespace

// ---- cells ---------------------------------------------------------------

TEST(MonCells, CountsAreExactWhenTheyFitElseScaledBy1000) {
  EXPECT_EQ(count_cell(5000, 7), "5000");
  EXPECT_EQ(count_cell(9999999, 7), "9999999");
  EXPECT_EQ(count_cell(12345678, 7), "12M");
  EXPECT_EQ(count_cell(1234567, 6), "1.2M");
  EXPECT_EQ(count_cell(123456, 5), "123k");
  EXPECT_EQ(count_cell(-42, 7), "-42");
  EXPECT_EQ(count_cell(-1234567, 6), "-1.2M");
  EXPECT_EQ(count_cell(0, 7), "0");
}

TEST(MonCells, BytesAreExactWhenTheyFitElseIecScaled) {
  EXPECT_EQ(bytes_cell(320000, 7), "320000");
  EXPECT_EQ(bytes_cell(3 * 1024 * 1024, 7), "3145728");
  EXPECT_EQ(bytes_cell(3 * 1024 * 1024, 6), "3.0M");
  EXPECT_EQ(bytes_cell(static_cast<int64_t>(5 * kGiB), 7), "5.0G");
}

TEST(MonCells, ScaledCellsThatStillDoNotFitAreHashes) {
  EXPECT_EQ(bytes_cell(-1536, 4), "####");
  EXPECT_EQ(count_cell(123456789, 2), "##");
}

TEST(MonCells, DeltasHaveSignsAndAreBlankWhenZero) {
  EXPECT_EQ(delta_cell(0, 8, false), "");
  EXPECT_EQ(delta_cell(5, 8, false), "+5");
  EXPECT_EQ(delta_cell(-3, 8, false), "-3");
  EXPECT_EQ(delta_cell(2000000, 6, false), "+2.0M");
  EXPECT_EQ(delta_cell(64 * 1000, 7, true), "+64000");
  EXPECT_EQ(delta_cell(-2 * 1024 * 1024, 6, true), "-2.0M");
}

TEST(MonCells, NoCellIsWiderThanItsColumn) {
  MonRow row;
  row.tag = "a_function_name_that_is_much_longer_than_thirty_two_characters";
  row.owner = "some_module";
  row.description = "with a long description";
  row.counts.allocs = 987654321012ull;
  row.counts.frees = 3;
  row.counts.alloc_bytes = 987654321012ull * 4096;
  row.change.allocs = -987654321;
  row.change.frees = 123456789;
  row.change.bytes = -40000000000ll;
  row.pool = Pool::Vmalloc;
  for (size_t c = 0; c < kColumnCount; ++c)
    for (size_t w = 4; w < 14; ++w)
      EXPECT_LE(cell(row, static_cast<Column>(c), w).size(), w) << "column " << c << " width " << w;
}

TEST(MonCells, LongTagsAreClippedWithAMark) {
  MonRow row;
  row.tag = "__bpf_map_area_alloc";
  EXPECT_EQ(cell(row, Column::Tag, 12), "__bpf_map_a~");
  EXPECT_EQ(cell(row, Column::Tag, 20), "__bpf_map_area_alloc");
}

TEST(MonCells, TypeIsAbbreviatedWhenNarrow) {
  EXPECT_EQ(type_cell(Pool::Vmalloc, 7), "vmalloc");
  EXPECT_EQ(type_cell(Pool::Vmalloc, 4), "vmal");
  EXPECT_EQ(type_cell(Pool::Percpu, 4), "pcpu");
  EXPECT_EQ(type_cell(Pool::Slab, 4), "slab");
}

TEST(MonCells, PerAllocIsBytesPerOutstandingAllocation) {
  MonRow row;
  row.counts.allocs = 10;
  row.counts.frees = 6;
  row.counts.alloc_bytes = 10 * 64;
  row.counts.free_bytes = 6 * 64;
  EXPECT_EQ(row.per_alloc(), 64);
  EXPECT_EQ(cell(row, Column::PerAlloc, 8), "64");
  row.counts.frees = 10;
  row.counts.free_bytes = 640;
  EXPECT_EQ(row.per_alloc(), 0) << "nothing outstanding";
}

TEST(MonCells, OwnerCarriesTheTagFileDescription) {
  MonRow row;
  row.owner = "nf_conntrack";
  row.description = "connection tracking";
  EXPECT_EQ(cell(row, Column::Owner, 40), "nf_conntrack - connection tracking");
  EXPECT_EQ(cell(row, Column::Owner, 10), "nf_conntr~");
}

// ---- layout --------------------------------------------------------------

namespace {
std::vector<Column> column_ids(const std::vector<ColumnLayout> &cols) {
  std::vector<Column> out;
  for (const auto &c : cols) out.push_back(c.column);
  return out;
}
size_t line_width(const std::vector<ColumnLayout> &cols) {
  size_t w = cols.empty() ? 0 : cols.size() - 1;
  for (const auto &c : cols) w += c.width;
  return w;
}
}  // namespace

TEST(MonLayout, EightyColumnsKeepTheNumbersAndDropFreesChangeAndOwner) {
  auto cols = layout_columns(80, 20);
  EXPECT_THAT(column_ids(cols), ElementsAre(Column::Tag, Column::Type, Column::Allocs, Column::AllocsDelta,
                                            Column::Frees, Column::Diff, Column::Bytes, Column::BytesDelta,
                                            Column::PerAlloc));
  EXPECT_LE(line_width(cols), 80u);
  EXPECT_EQ(cols[0].width, 19u) << "the Tag column takes what is left";
}

TEST(MonLayout, WideScreensShowEveryColumnAndUseTheWidth) {
  auto cols = layout_columns(160, 20);
  EXPECT_EQ(cols.size(), kColumnCount);
  EXPECT_EQ(line_width(cols), 160u) << "Owner takes the rest";
  EXPECT_EQ(cols[0].width, 20u) << "Tag as wide as the longest tag";
  EXPECT_EQ(cols[1].width, 7u) << "full pool names";
  auto at120 = layout_columns(120, 40);
  EXPECT_EQ(at120.size(), kColumnCount);
  EXPECT_EQ(at120[0].width, 32u) << "Tag capped at 32";
  EXPECT_LE(line_width(at120), 120u);
}

TEST(MonLayout, NarrowScreensDropColumnsInOrder) {
  auto cols = layout_columns(60, 20);
  EXPECT_THAT(column_ids(cols),
              ElementsAre(Column::Tag, Column::Type, Column::Allocs, Column::Diff, Column::Bytes, Column::BytesDelta));
  EXPECT_LE(line_width(cols), 60u);
  for (size_t w = 40; w <= 200; ++w) {
    auto c = layout_columns(w, 25);
    EXPECT_LE(line_width(c), w) << "width " << w;
    EXPECT_EQ(c[0].column, Column::Tag);
  }
}

// ---- the model -----------------------------------------------------------

class MonModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    syms.add(0x1000, "do_eventfd");
    syms.add(0x2000, "alloc_pipe_info");
    syms.add(0x3000, "pcpu_thing", "some_mod");
    syms.add(0x4000, "vmalloc_user_of_memory");
    syms.add(0x5000, "a_function_name_that_is_much_longer_than_thirty_two_characters");
    meminfo.info.slab = 100 * 1024 * 1024;
    meminfo.info.mem_available = 3 * kGiB;
  }
  // allocs, frees, size per tag:
  //   do_eventfd      slab    100 0  64  -> Diff 100, Bytes 6400, per 64
  //   alloc_pipe_info slab     50 10 1024 -> Diff 40,  Bytes 40960, per 1024
  //   pcpu_thing      percpu 1000 998 8  -> Diff 2,   Bytes 16, allocs largest, frees largest
  //   vmalloc_user    vmalloc   3 0 8192 -> Diff 3,   Bytes 24576, per 8192
  Snapshot base(uint64_t eventfds = 100) {
    Snapshot s;
    s.pools = PoolSet::defaults();
    s.enabled_since_ns = 1000000000ull;
    s.taken_at_ns = 1000000000ull + 125ull * 1000000000ull;
    s.sites = {sample(0x1010, Pool::Slab, eventfds, 0, 64, "kmalloc-64"),
               sample(0x2010, Pool::Slab, 50, 10, 1024, "kmalloc-1k"),
               sample(0x3010, Pool::Percpu, 1000, 998, 8), sample(0x4010, Pool::Vmalloc, 3, 0, 8192)};
    return s;
  }
  MonModel &mon(MonOptions options = {}) {
    model_ = std::make_unique<MonModel>(source, meminfo, syms, nullptr, std::move(options));
    model_->set_viewport(120, 40);
    return *model_;
  }
  // n more tags fn_00.. with one 8..(8+n) byte allocation each: below the others.
  void add_small_tags(Snapshot &s, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      syms.add(0x10000 + i * 0x100, fmt::format("fn_{:02}", i));
      s.sites.push_back(sample(0x10010 + i * 0x100, Pool::Slab, 1, 0, 8 + i));
    }
  }
  std::vector<std::string> tags() const {
    std::vector<std::string> out;
    for (const auto &r : model_->rows()) out.push_back(r.tag);
    return out;
  }
  std::string screen() const {
    std::string out;
    for (const auto &l : model_->render()) out += l.text + "\n";
    return out;
  }
  void type(const std::string &text) {
    for (char c : text) model_->key(c);
  }

  FakeSymbolizer syms;
  FakeSource source;
  FakeMemInfo meminfo;
  std::unique_ptr<MonModel> model_;
};

TEST_F(MonModelTest, OneRowPerTagAndPoolSortedByBytes) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info", "vmalloc_user_of_memory", "do_eventfd", "pcpu_thing"));
  EXPECT_EQ(m.rows()[2].pool, Pool::Slab);
  EXPECT_EQ(m.rows()[2].counts.diff(), 100);
  EXPECT_EQ(m.rows()[3].pool, Pool::Percpu);
}

TEST_F(MonModelTest, EachSortKeyAndItsReverse) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key('t');
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info", "do_eventfd", "pcpu_thing", "vmalloc_user_of_memory"));
  m.key('t');
  EXPECT_THAT(tags(), ElementsAre("vmalloc_user_of_memory", "pcpu_thing", "do_eventfd", "alloc_pipe_info"))
      << "second press reverses";
  m.key('a');
  EXPECT_EQ(tags().front(), "pcpu_thing");
  EXPECT_FALSE(m.options().reverse) << "a new key starts in its natural order";
  m.key('a');
  EXPECT_EQ(tags().front(), "vmalloc_user_of_memory");
  m.key('f');
  EXPECT_THAT(tags(), ElementsAre("pcpu_thing", "alloc_pipe_info", "do_eventfd", "vmalloc_user_of_memory"))
      << "0 frees twice: ties by tag name";
  m.key('d');
  EXPECT_THAT(tags(), ElementsAre("do_eventfd", "alloc_pipe_info", "vmalloc_user_of_memory", "pcpu_thing"));
  m.key('d');
  EXPECT_THAT(tags(), ElementsAre("pcpu_thing", "vmalloc_user_of_memory", "alloc_pipe_info", "do_eventfd"));
  m.key('b');
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info", "vmalloc_user_of_memory", "do_eventfd", "pcpu_thing"));
  m.key('m');
  EXPECT_THAT(tags(), ElementsAre("vmalloc_user_of_memory", "alloc_pipe_info", "do_eventfd", "pcpu_thing"));
  EXPECT_THAT(screen(), HasSubstr("Sort per-alloc by value, largest first"));
}

TEST_F(MonModelTest, SortByChangeFollowsTheDeltas) {
  source.push(base(100));
  Snapshot next = base(130);  // do_eventfd +30 allocs, +1920 bytes
  next.sites[1].counts.allocs += 1;  // alloc_pipe_info +1 alloc, +1024 bytes
  next.sites[1].counts.alloc_bytes += 1024;
  source.push(next);
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  for (const auto &r : m.rows()) EXPECT_FALSE(r.changed()) << "the first refresh has no change";
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_EQ(tags().front(), "alloc_pipe_info") << "by value";
  m.key('(');
  EXPECT_TRUE(m.options().by_change);
  EXPECT_EQ(tags().front(), "do_eventfd") << "by change in bytes";
  EXPECT_EQ(m.rows().front().change.bytes, 30 * 64);
  EXPECT_EQ(m.rows().front().change.allocs, 30);
  m.key('a');
  EXPECT_EQ(tags().front(), "do_eventfd");
  m.key('a');
  EXPECT_NE(tags().front(), "do_eventfd") << "reversed: smallest change first";
  m.key(')');
  EXPECT_FALSE(m.options().by_change);
  EXPECT_THAT(screen(), HasSubstr("Sort allocs by value, smallest first"));
}

TEST_F(MonModelTest, ChangeColumnsShowSignedDeltas) {
  source.push(base(100));
  Snapshot next = base(130);
  next.sites[0].counts.frees = 5;
  next.sites[0].counts.free_bytes = 5 * 64;
  source.push(next);
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  ASSERT_TRUE(m.refresh().ok());
  m.key('d');
  const MonRow &r = m.rows().front();
  ASSERT_EQ(r.tag, "do_eventfd");
  EXPECT_EQ(cell(r, Column::AllocsDelta, 8), "+30");
  EXPECT_EQ(cell(r, Column::FreesDelta, 8), "+5");
  EXPECT_EQ(cell(r, Column::BytesDelta, 10), "+1600");
  EXPECT_THAT(screen(), ::testing::ContainsRegex("do_eventfd +slab +130 +\\+30 +5 +\\+5 +125 +8000 +\\+1600 +64 +vmlinux"));
}

TEST_F(MonModelTest, ATagThatAppearsIsAllChange) {
  Snapshot first = base();
  first.sites.pop_back();
  source.push(first);
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  ASSERT_TRUE(m.refresh().ok());
  for (const auto &r : m.rows())
    if (r.tag == "vmalloc_user_of_memory") {
      EXPECT_EQ(r.change.bytes, 3 * 8192);
    }
}

TEST_F(MonModelTest, IncludeExcludeAndEscape) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key('/');
  EXPECT_TRUE(m.prompting());
  type("eventx");
  m.key(kKeyBackspace);
  EXPECT_THAT(m.render().back().text, HasSubstr("Include tags matching"));
  EXPECT_THAT(m.render().back().text, HasSubstr("event_"));
  m.key(kKeyEnter);
  EXPECT_FALSE(m.prompting());
  EXPECT_THAT(tags(), ElementsAre("do_eventfd")) << "plain text matches anywhere in the tag";
  EXPECT_THAT(screen(), HasSubstr("Filter +event"));

  m.key('/');
  m.key(kKeyBackspace);
  for (int i = 0; i < 10; ++i) m.key(kKeyBackspace);
  type("*_info");
  m.key(kKeyEnter);
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info")) << "wildcards match the whole tag";

  m.key(kKeyEscape);
  EXPECT_EQ(tags().size(), 4u) << "Esc clears the patterns";

  m.key('\\');
  type("p*");
  m.key(kKeyEnter);
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info", "vmalloc_user_of_memory", "do_eventfd"));
  EXPECT_THAT(screen(), HasSubstr("Filter -p*"));

  m.key('/');
  type("do");
  m.key(kKeyEscape);
  EXPECT_FALSE(m.prompting());
  EXPECT_EQ(m.options().include, "") << "Esc in the prompt cancels it";
  EXPECT_EQ(tags().size(), 3u) << "and leaves the exclude pattern alone";
  m.key(kKeyEscape);
  EXPECT_EQ(tags().size(), 4u);
}

TEST_F(MonModelTest, PoolCyclesAllSlabPercpuVmallocPage) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_FALSE(m.options().pool.has_value());
  m.key('p');
  EXPECT_EQ(m.options().pool, Pool::Slab);
  EXPECT_THAT(tags(), ElementsAre("alloc_pipe_info", "do_eventfd"));
  EXPECT_THAT(screen(), HasSubstr("Pool slab"));
  m.key('p');
  EXPECT_THAT(tags(), ElementsAre("pcpu_thing"));
  m.key('p');
  EXPECT_THAT(tags(), ElementsAre("vmalloc_user_of_memory"));
  m.key('p');
  EXPECT_EQ(m.options().pool, Pool::Page);
  EXPECT_TRUE(tags().empty());
  EXPECT_THAT(screen(), HasSubstr("Pool page (not tracked)")) << "an empty table says why";
  m.key('p');
  EXPECT_FALSE(m.options().pool.has_value());
  EXPECT_EQ(tags().size(), 4u);
}

TEST_F(MonModelTest, GroupingSwitchRetags) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key('c');
  EXPECT_EQ(m.options().grouping, Grouping::Module);
  EXPECT_THAT(tags(), ElementsAre("[vmlinux]", "[vmlinux]", "[some_mod]")) << "slab, vmalloc, percpu";
  m.key('c');
  EXPECT_EQ(m.options().grouping, Grouping::Cache);
  EXPECT_THAT(tags(), ElementsAre("kmalloc-1k", "vmalloc", "kmalloc-64", "percpu"));
  m.key('c');
  EXPECT_EQ(m.options().grouping, Grouping::Caller);
  EXPECT_EQ(tags().size(), 4u);
  EXPECT_THAT(screen(), HasSubstr("by caller"));
}

TEST_F(MonModelTest, EightyByTwentyFourFitsAndShowsTheEssentials) {
  Snapshot s = base();
  add_small_tags(s, 40);
  s.sites.push_back(sample(0x6010, Pool::Slab, 7, 0, 32));  // unknown symbol: tag is the address
  s.losses.implicit_frees = 12;
  source.push(s);
  auto &m = mon();
  m.set_viewport(80, 24);
  ASSERT_TRUE(m.refresh().ok());
  auto lines = m.render();
  ASSERT_EQ(lines.size(), 24u);
  for (const auto &l : lines) EXPECT_LE(l.text.size(), 80u) << l.text;
  EXPECT_THAT(lines[0].text, HasSubstr("tagging on 2m05s"));
  EXPECT_THAT(lines[1].text, HasSubstr("Slab 100M"));
  EXPECT_THAT(lines[1].text, HasSubstr("MemAvailable 3.0G"));
  EXPECT_THAT(lines[3].text, HasSubstr("Lost: 12 frees without an event"));
  EXPECT_EQ(lines[3].style, kStyleWarning);
  EXPECT_EQ(lines[4].style, kStyleColumns);
  EXPECT_THAT(lines[4].text, ::testing::ContainsRegex("^Tag +Type +Allocs +\\(chg\\) +Frees +Diff +Bytes +\\(chg\\) PerAlloc$"));
  EXPECT_EQ(m.page_rows(), 18u);
  EXPECT_THAT(lines[5].text, ::testing::StartsWith("alloc_pipe_info"));
  EXPECT_EQ(lines[5].style, kStyleSelected);
  EXPECT_THAT(lines[22].text, Not(::testing::IsEmpty())) << "rows fill the screen";
  EXPECT_THAT(lines[23].text, HasSubstr("q:quit"));
  EXPECT_EQ(lines[23].style, kStyleFooter);
}

TEST_F(MonModelTest, ScrollingMovesTheCursorAndTheWindow) {
  Snapshot s = base();
  add_small_tags(s, 40);
  source.push(s);
  auto &m = mon();
  m.set_viewport(80, 24);
  ASSERT_TRUE(m.refresh().ok());
  size_t n = m.rows().size();
  size_t page = m.page_rows();
  EXPECT_EQ(page, 19u) << "80x24 without losses: 3 header lines, titles, footer";
  ASSERT_GT(n, page);
  m.key(kKeyDown);
  EXPECT_EQ(m.selected(), 1u);
  m.key(kKeyPageDown);
  EXPECT_EQ(m.selected(), 1u + page);
  EXPECT_EQ(m.top(), 2u) << "the window follows the cursor";
  m.key(kKeyEnd);
  EXPECT_EQ(m.selected(), n - 1);
  EXPECT_EQ(m.top(), n - page);
  m.key(kKeyDown);
  EXPECT_EQ(m.selected(), n - 1) << "stops at the end";
  m.key(kKeyPageUp);
  EXPECT_EQ(m.selected(), n - 1 - page);
  m.key(kKeyHome);
  EXPECT_EQ(m.selected(), 0u);
  EXPECT_EQ(m.top(), 0u);
  m.key(kKeyUp);
  EXPECT_EQ(m.selected(), 0u);
}

TEST_F(MonModelTest, TheCursorStaysOnItsRowWhenTheOrderChanges) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key(kKeyDown);
  m.key(kKeyDown);
  ASSERT_EQ(m.rows()[m.selected()].tag, "do_eventfd");
  m.key('t');
  EXPECT_EQ(m.rows()[m.selected()].tag, "do_eventfd");
  EXPECT_EQ(m.selected(), 1u);
}

TEST_F(MonModelTest, TotalsRowSumsWhatIsShown) {
  Snapshot next = base(130);
  source.push(base());
  source.push(next);
  auto &m = mon();
  m.set_viewport(80, 24);
  ASSERT_TRUE(m.refresh().ok());
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_THAT(screen(), Not(HasSubstr("TOTAL"))) << "off by default";
  size_t page = m.page_rows();
  m.key('e');
  EXPECT_EQ(m.page_rows(), page - 1);
  auto lines = m.render();
  ASSERT_EQ(lines.size(), 24u);
  EXPECT_EQ(lines[22].style, kStyleTotal);
  // allocs 130+50+1000+3, frees 10+998, diff 175, bytes 8320+40960+16+24576
  EXPECT_THAT(lines[22].text, ::testing::ContainsRegex("^TOTAL +1183 +\\+30 +1008 +175 +73872 +\\+1920$"));
  m.key('p');
  EXPECT_THAT(m.render()[22].text, ::testing::ContainsRegex("^TOTAL +180 +\\+30 +10 +170 +49280 +\\+1920$"))
      << "the slab rows only";
  m.key('e');
  EXPECT_THAT(screen(), Not(HasSubstr("TOTAL")));
}

TEST_F(MonModelTest, ChangedRowsAreHighlightedUntilToggledOff) {
  source.push(base(100));
  source.push(base(130));
  source.push(base(130));
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  for (const auto &l : m.render()) EXPECT_FALSE(l.style & kStyleChanged) << l.text;
  ASSERT_TRUE(m.refresh().ok());
  m.key(kKeyDown);  // the cursor off the changed row: its style is only "changed"
  auto find = [&](const std::string &tag) {
    for (const auto &l : m.render())
      if (l.text.rfind(tag + " ", 0) == 0) return l;
    return ScreenLine{"<absent>", 0xff};
  };
  EXPECT_EQ(find("do_eventfd").style, kStyleChanged);
  EXPECT_EQ(find("pcpu_thing").style, kStylePlain);
  m.key('l');
  EXPECT_EQ(find("do_eventfd").style, kStylePlain) << "l turns highlighting off";
  m.key('l');
  EXPECT_EQ(find("do_eventfd").style, kStyleChanged);
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_EQ(find("do_eventfd").style, kStylePlain) << "no change at the next refresh";
}

TEST_F(MonModelTest, EnterShowsTheSitesOfTheTagAndEscapeReturns) {
  Snapshot s = base();
  s.sites.push_back(sample(0x1020, Pool::Slab, 5, 1, 64, "kmalloc-64"));  // a second site in do_eventfd
  source.push(s);
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key('d');
  m.key(kKeyHome);
  ASSERT_EQ(m.rows()[m.selected()].tag, "do_eventfd");
  m.key(kKeyEnter);
  EXPECT_TRUE(m.detail_shown());
  std::string text = screen();
  EXPECT_THAT(text, HasSubstr("do_eventfd in slab: Diff 104"));
  EXPECT_THAT(text, HasSubstr("2 sites of do_eventfd (slab), tags by caller"));
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd \\[vmlinux\\] +slab +kmalloc-64 +100 +0 +100 +6400"));
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd \\[vmlinux\\] +slab +kmalloc-64 +5 +1 +4 +256"));
  m.key(kKeyEscape);
  EXPECT_FALSE(m.detail_shown());
}

TEST_F(MonModelTest, TheDetailViewCanBeReplaced) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.set_detail([](const DetailRequest &r) { return std::vector<std::string>{"find view of " + r.row.tag}; });
  m.key(kKeyEnter);
  EXPECT_THAT(screen(), HasSubstr("find view of alloc_pipe_info"));
}

TEST_F(MonModelTest, HelpListsTheKeysAndAnyKeyReturns) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  m.key('h');
  EXPECT_TRUE(m.help_shown());
  EXPECT_THAT(screen(), HasSubstr("include / exclude tags"));
  EXPECT_EQ(m.key('q'), MonModel::Action::Redraw) << "q leaves the help, not mon";
  EXPECT_FALSE(m.help_shown());
  m.key('?');
  EXPECT_TRUE(m.help_shown());
}

TEST_F(MonModelTest, QuitRefreshAndInterval) {
  source.push(base());
  MonOptions o;
  o.interval_ns = 2000000000ull;
  auto &m = mon(o);
  ASSERT_TRUE(m.refresh().ok());
  EXPECT_EQ(m.key('q'), MonModel::Action::Quit);
  EXPECT_EQ(m.key(' '), MonModel::Action::Refresh);
  EXPECT_EQ(m.key('+'), MonModel::Action::Redraw);
  EXPECT_EQ(m.options().interval_ns, 3000000000ull);
  EXPECT_THAT(m.render().back().text, HasSubstr("refresh every 3s"));
  for (int i = 0; i < 10; ++i) m.key('-');
  EXPECT_EQ(m.options().interval_ns, kMinIntervalNs) << "never below 0.2 s";
  EXPECT_THAT(screen(), HasSubstr("every 0.2s"));
  EXPECT_EQ(m.key('Z'), MonModel::Action::None);
}

TEST_F(MonModelTest, ARefreshErrorKeepsTheRowsAndSaysSo) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  source.fail_ = true;
  EXPECT_FALSE(m.refresh().ok());
  EXPECT_EQ(m.rows().size(), 4u);
  EXPECT_THAT(m.render().back().text, HasSubstr("error: the pinned state went away"));
}

TEST_F(MonModelTest, BatchReportIsPlainTextWithEveryRowAndTotal) {
  source.push(base());
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  std::string text = m.render_report(160);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_THAT(text, ::testing::ContainsRegex("\nTag +Type +Allocs +\\(chg\\) +Frees +\\(chg\\) +Diff +Bytes +\\(chg\\) "
                                             "+PerAlloc +Owner\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\ndo_eventfd +slab +100 +0 +100 +6400 +64 +vmlinux\n"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\nTOTAL +1153 +1008 +145 +71952\n"));
  EXPECT_EQ(text.find(" \n"), std::string::npos) << "no trailing blanks";
}

TEST_F(MonModelTest, JsonIsUsedJsonPlusMeminfoAndChanges) {
  source.push(base(100));
  source.push(base(130));
  auto &m = mon();
  ASSERT_TRUE(m.refresh().ok());
  ASSERT_TRUE(m.refresh().ok());
  auto doc = m.report_json();
  // the same tag objects as pooltag used --json
  SiteTagger tagger(syms, Grouping::Caller);
  auto table = TagTable::build(base(130), tagger, {});
  UsedViewOptions vo;
  vo.pools = PoolSet::defaults();
  EXPECT_EQ(doc["tags"], used_json(table, base(130), vo)["tags"]);
  EXPECT_EQ(doc["meminfo_bytes"]["slab"], 100 * 1024 * 1024);
  EXPECT_FALSE(doc["meminfo_bytes"].contains("percpu")) << "absent fields are absent";
  ASSERT_EQ(doc["changes"].size(), 1u);
  EXPECT_EQ(doc["changes"][0]["tag"], "do_eventfd");
  EXPECT_EQ(doc["changes"][0]["allocs"], 30);
  EXPECT_EQ(doc["changes"][0]["bytes"], 30 * 64);
  EXPECT_EQ(doc["refresh"], 2);
}

TEST(MonSortNames, ParseAndName) {
  for (auto s : {MonSort::Tag, MonSort::Allocs, MonSort::Frees, MonSort::Diff, MonSort::Bytes, MonSort::PerAlloc})
    EXPECT_EQ(parse_mon_sort(mon_sort_name(s)), s);
  EXPECT_FALSE(parse_mon_sort("size").has_value());
}

TEST(MonSymbolizer, DefaultDescribeHasFunctionAndModule) {
  FakeSymbolizer syms;
  syms.add(0x3000, "pcpu_thing", "some_mod");
  EXPECT_EQ(syms.describe(0x3010), "pcpu_thing [some_mod]");
  EXPECT_EQ(syms.describe(0x9000), "0x9000");
}

TEST(MonLayout, EveryColumnFromNinetyThreeWithSixteenCharacterTags) {
  EXPECT_EQ(layout_columns(93, 16).size(), kColumnCount);
  EXPECT_LT(layout_columns(92, 16).size(), kColumnCount);
}

TEST_F(MonModelTest, UpperBoundsAreMarkedAndSaidOnceAboveTheTable) {
  Snapshot s = base();
  s.sites[1].counts.implicit_frees = 4;  // alloc_pipe_info: some frees seen only by address reuse
  source.push(s);
  auto &m = mon();
  ASSERT_TRUE(m.refresh());
  std::string text = screen();
  EXPECT_THAT(text, ::testing::ContainsRegex("alloc_pipe_info +slab .* \u226440 +\u226440960"));
  EXPECT_THAT(text, ::testing::ContainsRegex("do_eventfd +slab .* 100 +6400")) << "exact rows unmarked";
  EXPECT_THAT(text, HasSubstr("\u2264 1 row's Diff and Bytes are upper bounds"));
  EXPECT_THAT(m.render_report(120), HasSubstr("\u2264 1 row's Diff and Bytes are upper bounds"));
  auto json = m.report_json();
  for (const auto &t : json["tags"]) EXPECT_EQ(t["upper_bound"].get<bool>(), t["tag"] == "alloc_pipe_info");
}

// ---- the key table ---------------------------------------------------------

namespace {

// Every binding of `table` has its help line on the help screen, and no key
// is bound twice within it.
void expect_help_lines_for(const std::vector<MonModel::KeyBinding> &table) {
  std::string text;
  for (const auto &l : mon_help_lines()) text += l + "\n";
  std::set<int> seen;
  ASSERT_FALSE(table.empty());
  for (const auto &b : table) {
    EXPECT_THAT(text, HasSubstr(std::string(b.names))) << "every binding has its help line";
    EXPECT_THAT(text, HasSubstr(std::string(b.help)));
    for (int k : b.keys) EXPECT_TRUE(seen.insert(k).second) << "key " << k << " bound twice";
  }
}

}  // namespace

TEST(MonKeys, TheHelpScreenAndTheFooterAreMadeFromTheKeyTable) {
  expect_help_lines_for(MonModel::key_table());
  EXPECT_EQ(mon_key_hints(), "q:quit h:help t/a/f/d/b/m:sort (:by change p:pool /:filter c:group Enter:sites")
      << "docs/mon.md shows this footer";
}

TEST(MonKeys, TheHelpScreenListsTheDetailViewsKeysFromItsTable) {
  expect_help_lines_for(MonModel::detail_key_table());
  std::string text;
  for (const auto &l : mon_help_lines()) text += l + "\n";
  EXPECT_THAT(text, HasSubstr("In a tag's sites (Enter): "));
  EXPECT_LE(mon_help_lines().size(), 23u) << "the help screen fits 80x24 (its last line is the footer's)";
  for (const auto &l : mon_help_lines())
    if (l.find("(Enter): ") != std::string::npos || l.rfind("    ", 0) == 0) EXPECT_LE(l.size(), 80u) << l;
}

TEST_F(MonModelTest, EveryKeyOfTheTablesDoesSomething) {
  source.push(base());
  for (bool detail : {false, true})
    for (const auto &b : detail ? MonModel::detail_key_table() : MonModel::key_table())
      for (int k : b.keys) {
        auto &m = mon();
        ASSERT_TRUE(m.refresh().ok());
        if (detail) m.key(kKeyEnter);
        ASSERT_EQ(m.detail_shown(), detail);
        EXPECT_NE(m.key(k), MonModel::Action::None) << "key " << k << " (" << b.names << ")";
      }
}
