// The engine's operations over a pinned tagging faked in memory: no root,
// no kernel. Symbols are a synthetic kallsyms.
#include "engine/session.h"

#include <gtest/gtest.h>

#include "fake_tagging_state.h"
#include "fakes.h"
#include "views/find_view.h"

using namespace pooltag;
using pooltag::testing::FakeTaggingState;
using pooltag::testing::sample;

namespace {

constexpr uint64_t kEventfd = 0xffffffff81001000;  // do_eventfd
constexpr uint64_t kPipe = 0xffffffff81002000;     // alloc_pipe_info

model::SiteSample site(uint32_t id, uint64_t code, model::Pool pool, uint64_t allocs, uint64_t frees, uint64_t size) {
  auto s = sample(code, pool, allocs, frees, size);
  s.id = id;
  return s;
}

model::LiveAllocation allocation(uint64_t address, uint64_t size, uint64_t age_ns, uint32_t site, int32_t stack = -1) {
  return pooltag::testing::live_allocation(address, size, age_ns, stack, site);
}

// A session over `state` with tags by caller (or `by`).
struct Fixture {
  FakeTaggingState *state = nullptr;
  std::unique_ptr<engine::Session> session;

  explicit Fixture(std::string by = "caller") {
    auto owned = std::make_unique<FakeTaggingState>();
    state = owned.get();
    state->snap.sites = {site(1, kEventfd + 0x20, model::Pool::Slab, 10, 4, 64),
                         site(2, kPipe + 0x40, model::Pool::Slab, 3, 0, 320),
                         site(3, kEventfd + 0x30, model::Pool::Vmalloc, 1, 0, 4096)};
    auto syms = symbols::KernelSymbols::parse("ffffffff81001000 T do_eventfd\n"
                                              "ffffffff81001200 T eventfd_other\n"
                                              "ffffffff81002000 T alloc_pipe_info\n"
                                              "ffffffff81002200 T unrelated\n");
    auto tagging = engine::Tagging::load(engine::TaggingOptions{by, ""}, std::move(syms.value()));
    session = std::make_unique<engine::Session>(std::move(owned), std::move(tagging.value()));
  }
};

}  // namespace

TEST(EngineSession, TaggedSnapshotGroupsSitesByCaller) {
  Fixture f;
  auto tagged = f.session->tagged_snapshot(model::TableOptions{{}, std::nullopt, model::SortKey::Tag, false});
  ASSERT_TRUE(tagged.ok()) << tagged.error().message;
  EXPECT_EQ(tagged->snapshot.sites.size(), 3u);
  std::vector<std::string> tags;
  for (const auto &row : tagged->table.rows()) tags.push_back(row.tag);
  EXPECT_EQ(tags, (std::vector<std::string>{"alloc_pipe_info", "do_eventfd"}));
}

TEST(EngineSession, FindListsTheTagsOutstandingAllocationsOldestFirst) {
  Fixture f;
  f.state->live_table = {allocation(0x1000, 64, 5, 1), allocation(0x2000, 320, 50, 2), allocation(0x3000, 64, 9, 1),
                         allocation(0x4000, 4096, 7, 3), allocation(0x0800, 64, 9, 1)};
  auto found = f.session->find("do_eventfd", std::nullopt, 0);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->sites.size(), 2u);  // the slab and the vmalloc site
  std::vector<uint64_t> addresses;
  for (const auto &a : found->allocations) addresses.push_back(a.address);
  // oldest first; equal ages by address
  EXPECT_EQ(addresses, (std::vector<uint64_t>{0x0800, 0x3000, 0x4000, 0x1000}));

  auto slab_old = f.session->find("do_*", model::Pool::Slab, 8);
  ASSERT_TRUE(slab_old.ok());
  addresses.clear();
  for (const auto &a : slab_old->allocations) addresses.push_back(a.address);
  EXPECT_EQ(addresses, (std::vector<uint64_t>{0x0800, 0x3000}));
}

TEST(EngineSession, OwnerOfAnAddressInsideAnAllocation) {
  Fixture f;
  f.state->live_table = {allocation(0x1000, 64, 2000000000ull, 1, 7), allocation(0x2000, 320, 5, 2)};
  f.state->stacks[7] = {kEventfd + 0x20};
  auto owner = f.session->owner_of(0x1010);
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  ASSERT_TRUE(owner->has_value());
  EXPECT_EQ((*owner)->tag, "do_eventfd");
  EXPECT_EQ((*owner)->allocation.address, 0x1000u);
  EXPECT_EQ((*owner)->site.pool, model::Pool::Slab);
  EXPECT_EQ((*owner)->stack, (std::vector<uint64_t>{kEventfd + 0x20}));
  std::string text = views::render_address_owner(0x1010, *owner, f.session->symbolizer());
  EXPECT_EQ(text.substr(0, text.find('\n', text.find('\n') + 1) + 1),
            "0000000000001010 is inside an allocation of tag 'do_eventfd':\n"
            "  start 0000000000001000  size 64  offset 0x10  pool slab  age 2.0s  by leaker (42)\n");
  EXPECT_NE(text.find("  allocated at do_eventfd+0x20\n"), std::string::npos);

  auto none = f.session->owner_of(0x1040);  // one past the end
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(views::render_address_owner(0x1040, *none, f.session->symbolizer()),
            "0000000000001040 is not in a tracked allocation\n");
}

TEST(EngineSession, SetHitTagSelectsCallSitesAndMarksTheSites) {
  Fixture f;
  ASSERT_TRUE(f.session->set_hit_tag({"do_eventfd"}, PT_HIT_STOP_TASK).ok());
  EXPECT_TRUE(f.state->hit.active);
  EXPECT_EQ(f.state->hit.flags & PT_HIT_STOP_TASK, PT_HIT_STOP_TASK);
  EXPECT_EQ(f.state->marked[PT_SITE_HIT], (std::set<uint32_t>{1, 3}));
  auto current = f.session->hit_tag();
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(current->active);
  EXPECT_EQ(current->patterns, "do_eventfd");
  EXPECT_FALSE(f.state->stack_tags.active);  // the other selector is untouched

  ASSERT_TRUE(f.session->set_hit_tag({}, 0).ok());  // cleared
  EXPECT_FALSE(f.state->hit.active);
  EXPECT_TRUE(f.state->marked[PT_SITE_HIT].empty());
  EXPECT_FALSE(f.session->hit_tag()->active);
}

TEST(EngineSession, UnknownTagIsAUsageErrorAndLeavesTheSelector) {
  Fixture f;
  auto st = f.session->set_hit_tag({"nothing_like_this"}, 0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().exit_code, kExitUsage);
  EXPECT_FALSE(f.state->hit.active);
}

TEST(EngineSession, StackTagsShareTheHitTagsSteps) {
  Fixture f;
  auto selection = f.session->set_stack_tags({"alloc_pipe_info"});
  ASSERT_TRUE(selection.ok()) << selection.error().message;
  EXPECT_EQ(selection->text, "alloc_pipe_info");
  EXPECT_TRUE(f.state->stack_tags.active);
  EXPECT_FALSE(f.state->hit.active);
  EXPECT_EQ(f.state->marked[PT_SITE_STACKS], (std::set<uint32_t>{2}));
  EXPECT_EQ(f.session->stack_tags()->patterns, "alloc_pipe_info");

  auto all = f.session->set_stack_tags({"*"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->all);
  EXPECT_EQ(f.state->marked[PT_SITE_STACKS], (std::set<uint32_t>{1, 2, 3}));
}

TEST(EngineSession, WatchHitsDeliversEachEventWithItsSite) {
  Fixture f;
  model::HitEvent first, second;
  first.site = 1;
  first.address = 0x1000;
  second.site = 9;  // a site born after the watch's first snapshot
  second.kind = model::HitEvent::Kind::Free;
  f.state->hits = {first, second};
  f.state->born = {site(9, kPipe + 0x10, model::Pool::Percpu, 1, 1, 8)};
  std::vector<std::pair<uint64_t, model::Pool>> seen;
  bool was_open = false;
  engine::Session::HitWatch watch;
  watch.pattern = "*";
  watch.since_ns = 1234;
  watch.stop = [&] { return seen.size() == 2; };
  watch.handle = [&](const model::HitEvent &ev, const model::Site &s) { seen.emplace_back(ev.address, s.pool); };
  watch.on_open = [&] { was_open = true; };
  bool opened = false;
  auto st = f.session->watch_hits(watch, opened);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(opened);
  EXPECT_TRUE(was_open);
  EXPECT_EQ(f.state->opened_since, 1234u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(uint64_t{0x1000}, model::Pool::Slab));
  EXPECT_EQ(seen[1].second, model::Pool::Percpu);
}

TEST(EngineSession, WatchHitsThatCannotOpenSaysItNeverOpened) {
  Fixture f;
  f.state->open_error = Error{"ring buffer busy", kExitError};
  engine::Session::HitWatch watch;
  watch.pattern = "*";
  watch.stop = [] { return false; };
  watch.handle = [](const model::HitEvent &, const model::Site &) {};
  bool opened = true;
  auto st = f.session->watch_hits(watch, opened);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "ring buffer busy");
  EXPECT_FALSE(opened);
}

TEST(EngineSession, DumpAndStacksComeFromTheState) {
  Fixture f;
  f.state->memory[0x1000] = {1, 2, 3, 4};
  auto d = f.session->dump({0x1000, 0x2000}, 2);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);  // 0x2000 was freed meanwhile
  EXPECT_EQ(d->at(0x1000), (std::vector<uint8_t>{1, 2}));
  EXPECT_TRUE(f.session->stack(3).empty());
}

TEST(EngineTagging, UnknownGroupingIsAUsageError) {
  auto t = engine::Tagging::load(engine::TaggingOptions{"colour", ""}, symbols::KernelSymbols{});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().exit_code, kExitUsage);
  EXPECT_EQ(t.error().message, "unknown grouping 'colour' (caller, module, cache, stack)");
}

// A state sampled one in `every`, with one stack (id 21) of site 1: 6
// allocations, 1 free, 64 bytes each, as counted.
static void sample_with_one_stack(Fixture &f, uint32_t every) {
  f.state->snap.sample_every = every;
  f.state->stack_table = {model::StackCounts{21, 1, 6, 1, 6 * 64, 64}};
}

TEST(EngineSession, SnapshotSplitsByStackThenScalesToEstimates) {
  Fixture f;
  sample_with_one_stack(f, 4);
  auto whole = f.session->snapshot(false);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  ASSERT_EQ(whole->sites.size(), 3u);
  EXPECT_EQ(whole->sites[0].counts.allocs, 40u);  // 10 counted, one in 4 sampled
  EXPECT_EQ(whole->sites[0].counts.alloc_bytes, 2560u);
  auto split = f.session->snapshot(true);
  ASSERT_TRUE(split.ok()) << split.error().message;
  ASSERT_EQ(split->sites.size(), 4u);
  EXPECT_EQ(split->sites[3].site.stack_id, 21);
  EXPECT_EQ(split->sites[3].counts.allocs, 24u);
  EXPECT_EQ(split->sites[3].counts.frees, 4u);
  EXPECT_EQ(split->sites[3].counts.alloc_bytes, 1536u);
  EXPECT_EQ(split->sites[0].counts.allocs, 16u);  // what no stack holds
  EXPECT_EQ(split->sites[0].counts.frees, 12u);
}

TEST(EngineSession, StackCountsAreEstimatesLikeTheSnapshots) {
  Fixture f;
  sample_with_one_stack(f, 8);
  auto snap = f.session->snapshot(false);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  auto stacks = f.session->stack_counts(*snap);
  ASSERT_TRUE(stacks.ok()) << stacks.error().message;
  ASSERT_EQ(stacks->size(), 1u);
  EXPECT_EQ((*stacks)[0].stack_id, 21);
  EXPECT_EQ((*stacks)[0].allocs, 48u);
  EXPECT_EQ((*stacks)[0].frees, 8u);
  EXPECT_EQ((*stacks)[0].alloc_bytes, 3072u);
  EXPECT_EQ((*stacks)[0].free_bytes, 512u);
}
