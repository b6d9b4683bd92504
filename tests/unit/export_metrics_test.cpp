// pooltag export's metrics: the top-N + "other" folding (totals kept
// exactly, series stable from scrape to scrape) and the families a scrape
// reports.
#include "export/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace pooltag;
using namespace pooltag::exporter;
using model::Pool;

namespace {

model::TagRow row(std::string tag, Pool pool, uint64_t allocs, uint64_t frees, uint64_t size) {
  model::TagRow r;
  r.tag = std::move(tag);
  auto &c = r.per_pool[static_cast<size_t>(pool)];
  c.allocs = allocs;
  c.frees = frees;
  c.alloc_bytes = allocs * size;
  c.free_bytes = frees * size;
  r.sites = 1;
  return r;
}

std::vector<std::string> names(const FoldedTags &f) {
  std::vector<std::string> out;
  for (const auto &r : f.named) out.push_back(r.tag);
  return out;
}

const Family &find(const std::vector<Family> &fs, const std::string &name) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const Family &f) { return f.name == name; });
  if (it == fs.end()) throw std::runtime_error("no family " + name);
  return *it;
}

std::string label(const Sample &s, const std::string &name) {
  for (const auto &[k, v] : s.labels)
    if (k == name) return v;
  return "";
}

int64_t as_int(const Value &v) {
  return std::visit([](auto x) { return static_cast<int64_t>(x); }, v);
}

}  // namespace

TEST(TagSelection, NamesTheTopNByOutstandingBytesAndSumsTheRestExactly) {
  std::vector<model::TagRow> rows = {row("a", Pool::Slab, 10, 0, 100),     // 1000
                                     row("b", Pool::Slab, 50, 10, 64),     // 2560
                                     row("c", Pool::Percpu, 3, 1, 8),      // 16
                                     row("d", Pool::Vmalloc, 2, 0, 4096),  // 8192
                                     row("e", Pool::Slab, 7, 7, 32)};      // 0
  TagSelection sel(2);
  auto f = sel.fold(rows);
  EXPECT_EQ(names(f), (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(f.other.tag, "other");
  // every count of every pool is either in a named row or in other
  for (Pool p : model::kAllPools) {
    model::Counts all, exported = f.other.pool(p);
    for (const auto &r : rows) all += r.pool(p);
    for (const auto &r : f.named) exported += r.pool(p);
    EXPECT_EQ(exported.allocs, all.allocs);
    EXPECT_EQ(exported.frees, all.frees);
    EXPECT_EQ(exported.alloc_bytes, all.alloc_bytes);
    EXPECT_EQ(exported.free_bytes, all.free_bytes);
  }
  EXPECT_EQ(f.other.pool(Pool::Slab).bytes(), 1000);
  EXPECT_EQ(f.other.pool(Pool::Percpu).bytes(), 16);
  EXPECT_EQ(f.other.sites, 3u);
}

TEST(TagSelection, TiesAreBrokenByNameNotByInputOrder) {
  std::vector<model::TagRow> rows = {row("z", Pool::Slab, 1, 0, 64), row("m", Pool::Slab, 1, 0, 64),
                                     row("a", Pool::Slab, 1, 0, 64)};
  TagSelection one(2), other(2);
  auto f1 = one.fold(rows);
  std::reverse(rows.begin(), rows.end());
  auto f2 = other.fold(rows);
  EXPECT_EQ(names(f1), (std::vector<std::string>{"a", "m"}));
  EXPECT_EQ(names(f2), names(f1));
}

TEST(TagSelection, ATagThatWasNamedKeepsItsSeriesWhileItHoldsMemory) {
  TagSelection sel(1);
  EXPECT_EQ(names(sel.fold({row("leak", Pool::Slab, 10, 0, 100), row("cache", Pool::Slab, 5, 0, 100)})),
            (std::vector<std::string>{"leak"}));
  // cache overtakes leak: both named now, leak because it still holds bytes
  EXPECT_EQ(names(sel.fold({row("leak", Pool::Slab, 10, 0, 100), row("cache", Pool::Slab, 50, 0, 100)})),
            (std::vector<std::string>{"cache", "leak"}));
  // leak freed everything: it goes back into other
  EXPECT_EQ(names(sel.fold({row("leak", Pool::Slab, 10, 10, 100), row("cache", Pool::Slab, 50, 0, 100)})),
            (std::vector<std::string>{"cache"}));
  // and does not come back on a later scrape while below the top
  EXPECT_EQ(names(sel.fold({row("leak", Pool::Slab, 11, 10, 100), row("cache", Pool::Slab, 50, 0, 100)})),
            (std::vector<std::string>{"cache"}));
}

TEST(TagSelection, KeptTagsAreBoundedToTwiceTheTop) {
  TagSelection sel(2);
  std::vector<model::TagRow> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(row("t" + std::to_string(i), Pool::Slab, 10 + i, 0, 1));
  EXPECT_EQ(names(sel.fold(rows)), (std::vector<std::string>{"t4", "t5"}));
  // t0..t3 grow past t4, t5 in turn; the named set never exceeds 4
  for (auto &r : rows) r.per_pool[0].alloc_bytes = r.tag < "t4" ? 100 + (r.tag[1] - '0') : 10;
  auto f = sel.fold(rows);
  EXPECT_EQ(names(f), (std::vector<std::string>{"t2", "t3", "t4", "t5"}));
  for (auto &r : rows) r.per_pool[0].alloc_bytes = r.tag < "t2" ? 1000 : r.per_pool[0].alloc_bytes;
  f = sel.fold(rows);
  EXPECT_EQ(f.named.size(), 4u);
  EXPECT_EQ(names(f), (std::vector<std::string>{"t0", "t1", "t2", "t3"}));
}

TEST(TagSelection, ATagCalledOtherIsAlwaysFolded) {
  TagSelection sel(5);
  auto f = sel.fold({row("other", Pool::Slab, 100, 0, 100), row("a", Pool::Slab, 1, 0, 1)});
  EXPECT_EQ(names(f), (std::vector<std::string>{"a"}));
  EXPECT_EQ(f.other.pool(Pool::Slab).bytes(), 10000);
}

class ScrapeFamilies : public ::testing::Test {
 protected:
  void SetUp() override {
    snap.pools = model::PoolSet::defaults();
    snap.enabled_since_ns = 1700000000500000000ull;
    snap.live_used = 42;
    snap.live_capacity = 1024;
    snap.free_unmatched = 7;
    snap.losses.untracked = 3;
    snap.losses.implicit_frees = 2;
    snap.sites.resize(5);
    rows = {row("do_eventfd", Pool::Slab, 5000, 0, 64), row("alloc_pipe_info", Pool::Slab, 30, 10, 1024),
            row("pcpu", Pool::Percpu, 4, 1, 32)};
    tags = TagSelection(1).fold(rows);
    in.build = {"0.1.0", "1.1"};
    in.enabled = true;
    in.snapshot = &snap;
    in.tags = &tags;
    in.site_capacity = 16384;
    in.capabilities = {{"slab pool", true, ""}, {"page pool", false, "not asked for"}};
  }
  model::Snapshot snap;
  std::vector<model::TagRow> rows;
  FoldedTags tags;
  ScrapeInput in;
};

TEST_F(ScrapeFamilies, ReportTagsPerPoolWithOtherInEveryTaggedPool) {
  auto fs = metric_families(in);
  const auto &bytes = find(fs, "pooltag_outstanding_bytes");
  EXPECT_EQ(bytes.type, MetricType::Gauge);
  EXPECT_EQ(bytes.unit, "bytes");
  std::map<std::pair<std::string, std::string>, int64_t> seen;
  for (const auto &s : bytes.samples) seen[{label(s, "tag"), label(s, "pool")}] = as_int(s.value);
  std::map<std::pair<std::string, std::string>, int64_t> want = {{{"do_eventfd", "slab"}, 320000},
                                                                 {{"other", "slab"}, 20480},
                                                                 {{"other", "percpu"}, 96},
                                                                 {{"other", "vmalloc"}, 0}};
  EXPECT_EQ(seen, want);
  const auto &allocs = find(fs, "pooltag_outstanding_allocations");
  EXPECT_EQ(as_int(allocs.samples[0].value), 5000);
  EXPECT_EQ(label(allocs.samples[0], "tag"), "do_eventfd");
  EXPECT_EQ(find(fs, "pooltag_allocations").type, MetricType::Counter);
  EXPECT_EQ(find(fs, "pooltag_allocations").sample_name(), "pooltag_allocations_total");
  EXPECT_EQ(find(fs, "pooltag_frees").samples.size(), bytes.samples.size());
  EXPECT_EQ(find(fs, "pooltag_allocated_bytes").sample_name(), "pooltag_allocated_bytes_total");
  EXPECT_EQ(find(fs, "pooltag_implicit_frees").sample_name(), "pooltag_implicit_frees_total");
  EXPECT_EQ(find(fs, "pooltag_implicit_frees").samples.size(), bytes.samples.size());
}

TEST_F(ScrapeFamilies, ReportStateLossesAndBuild) {
  auto fs = metric_families(in);
  EXPECT_EQ(as_int(find(fs, "pooltag_enabled").samples[0].value), 1);
  EXPECT_DOUBLE_EQ(std::get<double>(find(fs, "pooltag_enabled_timestamp_seconds").samples[0].value), 1700000000.5);
  EXPECT_EQ(as_int(find(fs, "pooltag_live_table_used_slots").samples[0].value), 42);
  EXPECT_EQ(as_int(find(fs, "pooltag_live_table_slots").samples[0].value), 1024);
  EXPECT_EQ(as_int(find(fs, "pooltag_site_table_used_slots").samples[0].value), 5);
  EXPECT_EQ(as_int(find(fs, "pooltag_site_table_slots").samples[0].value), 16384);
  EXPECT_EQ(as_int(find(fs, "pooltag_unmatched_frees").samples[0].value), 7);
  const auto &losses = find(fs, "pooltag_losses");
  EXPECT_EQ(losses.sample_name(), "pooltag_losses_total");
  EXPECT_EQ(losses.samples.size(), 11u);  // every kind, zeros too: no series appears late
  EXPECT_EQ(label(losses.samples[0], "kind"), "untracked");
  EXPECT_EQ(as_int(losses.samples[0].value), 3);
  const auto &build = find(fs, "pooltag_build");
  EXPECT_EQ(build.sample_name(), "pooltag_build_info");
  EXPECT_EQ(label(build.samples[0], "version"), "0.1.0");
  EXPECT_EQ(label(build.samples[0], "libbpf_version"), "1.1");
  const auto &caps = find(fs, "pooltag_capability_enabled");
  ASSERT_EQ(caps.samples.size(), 2u);
  EXPECT_EQ(label(caps.samples[1], "capability"), "page pool");
  EXPECT_EQ(as_int(caps.samples[1].value), 0);
  EXPECT_EQ(as_int(find(fs, "pooltag_exported_tags").samples[0].value), 1);
}

TEST_F(ScrapeFamilies, WithoutTaggingOnlyEnabledZeroBuildAndCapabilities) {
  ScrapeInput off;
  off.build = in.build;
  off.capabilities = in.capabilities;
  auto fs = metric_families(off);
  EXPECT_EQ(as_int(find(fs, "pooltag_enabled").samples[0].value), 0);
  EXPECT_NO_THROW(find(fs, "pooltag_build"));
  EXPECT_NO_THROW(find(fs, "pooltag_capability_enabled"));
  EXPECT_THROW(find(fs, "pooltag_outstanding_bytes"), std::runtime_error);
  EXPECT_THROW(find(fs, "pooltag_losses"), std::runtime_error);
}
