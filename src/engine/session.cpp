#include "engine/session.h"

#include <algorithm>

#include "common/wildcard.h"
#include "kernel/control.h"
#include "kernel/loader.h"

namespace pooltag::engine {

TaggedSnapshot tag_snapshot(model::Snapshot snapshot, const Tagging &tagging, const model::TableOptions &options) {
  auto table = model::TagTable::build(snapshot, tagging.tagger(), options);
  return TaggedSnapshot{std::move(snapshot), std::move(table)};
}

Result<std::unique_ptr<Session>> Session::open(const std::string &pin_dir, const kernel::SystemAccess &system,
                                               const std::string &kallsyms_path, const TaggingOptions &tagging,
                                               std::string_view command) {
  // usage errors (--by) before privilege and state
  if (auto grouping = parse_grouping_option(tagging.by); !grouping) return grouping.error();
  if (auto st = kernel::require_root(system, command); !st) return st.error();
  auto state = kernel::PinnedState::open(pin_dir);
  if (!state) return state.error();
  auto loaded = Tagging::load(tagging, kallsyms_path);
  if (!loaded) return loaded.error();
  return std::make_unique<Session>(std::make_unique<PinnedTaggingState>(std::move(*state)), std::move(*loaded));
}

Result<std::unique_ptr<Session>> Session::attach(const std::string &pin_dir, std::shared_ptr<const Tagging> tagging) {
  auto state = kernel::PinnedState::open(pin_dir);
  if (!state) return state.error();
  return std::make_unique<Session>(std::make_unique<PinnedTaggingState>(std::move(*state)), std::move(tagging));
}

Result<std::vector<model::StackCounts>> Session::stack_counts(const model::Snapshot &snapshot) const {
  auto stacks = state_->stack_counts();
  if (!stacks) return stacks.error();
  return model::scale_to_estimates(std::move(*stacks), snapshot.sample_every);
}

Result<TaggedSnapshot> Session::tagged_snapshot(const model::TableOptions &options, bool split_by_stack) const {
  auto snap = snapshot(split_by_stack);
  if (!snap) return snap.error();
  return tag_snapshot(std::move(*snap), *tagging_, options);
}

bool Session::matches(const model::SiteSample &site, const std::string &pattern,
                      std::optional<model::Pool> pool) const {
  if (pool && site.site.pool != *pool) return false;
  return wildcard_match(pattern, tagger().tag_of(site.site).tag);
}

namespace {

Result<SelectorChoice> choice_of(const Result<pt_tag_selector> &sel) {
  if (!sel) return sel.error();
  return SelectorChoice{sel->active != 0, std::string(sel->tag, strnlen(sel->tag, sizeof sel->tag))};
}

}  // namespace

Result<SelectorChoice> Session::hit_tag() const { return choice_of(state_->read_selector(Selector::HitTag)); }
Result<SelectorChoice> Session::stack_tags() const { return choice_of(state_->read_selector(Selector::StackTags)); }

// The steps the hit tag and the stack tags share: the call-site ranges of
// the patterns into the selector (keeping what the selector holds beyond
// them), then `site_flag` on the sites that exist, which the kernel cannot
// always tell by address (--by cache).
Result<kernel::TagSelection> Session::select(Selector which, uint32_t site_flag,
                                             const std::vector<std::string> &patterns, uint32_t flags) const {
  kernel::TagSelection selection;
  if (!patterns.empty()) {
    auto s = kernel::select_call_sites(tagging_->symbols(), patterns, tagging_->grouping(), tagging_->tag_file());
    if (!s) return s.error();
    selection = std::move(*s);
  }
  auto current = state_->read_selector(which);
  if (!current) return current.error();
  pt_tag_selector sel = *current;
  kernel::fill_selector(selection, flags, sel);
  if (auto st = state_->write_selector(which, sel); !st) return st.error();
  auto marked = state_->mark_sites(site_flag, [&](const model::SiteSample &site) {
    if (selection.all) return true;
    for (const auto &p : patterns)
      if (matches(site, p, std::nullopt)) return true;
    return false;
  });
  if (!marked) return marked.error();
  return selection;
}

Status Session::set_hit_tag(const std::vector<std::string> &patterns, uint32_t flags) const {
  auto selected = select(Selector::HitTag, PT_SITE_HIT, patterns, flags);
  if (!selected) return selected.error();
  return Ok{};
}

Result<kernel::TagSelection> Session::set_stack_tags(const std::vector<std::string> &patterns) const {
  return select(Selector::StackTags, PT_SITE_STACKS, patterns, 0);
}

Status Session::watch_hits(const HitWatch &watch, bool &opened) const {
  opened = false;
  auto snap = snapshot(false);
  if (!snap) return snap.error();
  std::map<uint32_t, model::SiteSample> sites;
  for (const auto &s : snap->sites) sites[s.id] = s;
  auto on_event = [&](const model::HitEvent &ev) {
    auto it = sites.find(ev.site);
    if (it == sites.end()) {  // a site born after the snapshot
      auto again = snapshot(false);
      if (again)
        for (const auto &s : again->sites) sites[s.id] = s;
      it = sites.find(ev.site);
    }
    watch.handle(ev, it != sites.end() ? it->second.site : model::Site{});
  };
  auto stream = state_->open_hits(watch.since_ns, on_event);
  if (!stream) return stream.error();
  opened = true;
  if (watch.on_open) watch.on_open();
  uint64_t last_mark = kernel::monotonic_now_ns();
  while (!watch.stop()) {
    auto n = (*stream)->poll(100);
    if (!n) return n.error();
    // sites born meanwhile whose tag the kernel cannot tell by address
    // (--by cache) are marked here
    if (kernel::monotonic_now_ns() - last_mark > 500000000ull) {
      last_mark = kernel::monotonic_now_ns();
      // a disabled tagging sends no more hits: say so rather than wait
      if (auto st = state_->still_pinned(); !st) return st.error();
      (void)state_->mark_sites(PT_SITE_HIT, [&](const model::SiteSample &site) {
        return matches(site, watch.pattern, std::nullopt);
      });
    }
  }
  return Ok{};
}

Result<model::FoundAllocations> Session::find(const std::string &tag, std::optional<model::Pool> pool,
                                              uint64_t older_than_ns) const {
  auto snap = snapshot(false);
  if (!snap) return snap.error();
  model::FoundAllocations found;
  found.stack_reuse = snap->losses.stack_reuse;
  for (const auto &s : snap->sites)
    if (matches(s, tag, pool)) found.sites[s.id] = s;
  auto live = state_->live([&](uint32_t site) { return found.sites.count(site) != 0; });
  if (!live) return live.error();
  for (auto &a : *live)
    if (a.age_ns >= older_than_ns) found.allocations.push_back(std::move(a));
  std::sort(found.allocations.begin(), found.allocations.end(), [](const auto &a, const auto &b) {
    return a.age_ns != b.age_ns ? a.age_ns > b.age_ns : a.address < b.address;
  });
  return found;
}

Result<std::optional<model::AddressOwner>> Session::owner_of(uint64_t address) const {
  auto live = state_->live([](uint32_t) { return true; });
  if (!live) return live.error();
  const model::LiveAllocation *hit = nullptr;
  for (const auto &a : *live)
    if (address >= a.address && address - a.address < std::max<uint64_t>(a.size, 1)) hit = &a;
  if (hit == nullptr) return std::optional<model::AddressOwner>{};
  auto snap = snapshot(false);
  if (!snap) return snap.error();
  model::AddressOwner owner;
  owner.address = address;
  owner.allocation = *hit;
  owner.stack_reuse = snap->losses.stack_reuse;
  for (const auto &s : snap->sites)
    if (s.id == hit->site) owner.site = s.site;
  owner.tag = tagger().tag_of(owner.site).tag;
  if (hit->stack_id >= 0) owner.stack = state_->stack(hit->stack_id);
  return std::optional<model::AddressOwner>{std::move(owner)};
}

}  // namespace pooltag::engine
