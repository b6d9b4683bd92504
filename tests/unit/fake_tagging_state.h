// A pinned tagging in memory, for the engine's unit tests: the snapshot,
// the live table and the stacks a test sets up, selectors that keep what is
// written, site marks by flag, and a hit stream that delivers queued events
// on its first poll.
#pragma once

#include <cstring>
#include <set>

#include "engine/tagging_state.h"

namespace pooltag::testing {

class FakeTaggingState : public engine::TaggingState {
 public:
  model::Snapshot snap;
  std::vector<model::LiveAllocation> live_table;
  std::map<int32_t, std::vector<uint64_t>> stacks;
  std::vector<model::StackCounts> stack_table;  // what stack_counts() returns
  std::map<uint64_t, std::vector<uint8_t>> memory;  // address -> bytes, for dump
  mutable pt_tag_selector hit{}, stack_tags{};
  mutable std::map<uint32_t, std::set<uint32_t>> marked;  // flag -> site ids
  std::vector<model::HitEvent> hits;  // delivered by the first poll
  std::vector<model::SiteSample> born;  // sites that appear after the first snapshot
  Status pinned = Ok{};
  Status open_error = Ok{};
  uint64_t drops = 0;
  mutable int snapshots = 0;

  Result<model::Snapshot> snapshot() const override {
    model::Snapshot s = snap;
    if (snapshots++ > 0) s.sites.insert(s.sites.end(), born.begin(), born.end());
    return s;
  }
  Result<std::vector<model::LiveAllocation>> live(const std::function<bool(uint32_t)> &want) const override {
    std::vector<model::LiveAllocation> out;
    for (const auto &a : live_table)
      if (want(a.site)) out.push_back(a);
    return out;
  }
  std::vector<uint64_t> stack(int32_t id) const override {
    auto it = stacks.find(id);
    return it == stacks.end() ? std::vector<uint64_t>{} : it->second;
  }
  Result<std::vector<model::StackCounts>> stack_counts() const override { return stack_table; }
  Result<std::map<uint64_t, std::vector<uint8_t>>> dump(const std::vector<uint64_t> &addresses,
                                                        uint32_t bytes) const override {
    std::map<uint64_t, std::vector<uint8_t>> out;
    for (uint64_t a : addresses)
      if (auto it = memory.find(a); it != memory.end()) {
        size_t n = std::min<size_t>(bytes, it->second.size());
        out[a] = std::vector<uint8_t>(it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(n));
      }
    return out;
  }
  Result<pt_tag_selector> read_selector(engine::Selector which) const override {
    return which == engine::Selector::HitTag ? hit : stack_tags;
  }
  Status write_selector(engine::Selector which, const pt_tag_selector &value) const override {
    (which == engine::Selector::HitTag ? hit : stack_tags) = value;
    return Ok{};
  }
  Result<size_t> mark_sites(uint32_t flag, const std::function<bool(const model::SiteSample &)> &want) const override {
    auto &set = marked[flag];
    set.clear();
    for (const auto &s : snap.sites)
      if (want(s)) set.insert(s.id);
    return set.size();
  }
  Status still_pinned() const override { return pinned; }
  uint64_t hit_drops() const override { return drops; }

  class Events : public engine::HitEvents {
   public:
    Events(std::vector<model::HitEvent> events, HitHandler handler)
        : events_(std::move(events)), handler_(std::move(handler)) {}
    Result<int> poll(int) override {
      int n = static_cast<int>(events_.size());
      for (const auto &e : events_) handler_(e);
      events_.clear();
      return n;
    }

   private:
    std::vector<model::HitEvent> events_;
    HitHandler handler_;
  };
  mutable uint64_t opened_since = 0;
  Result<std::unique_ptr<engine::HitEvents>> open_hits(uint64_t since, HitHandler handler) const override {
    if (!open_error) return open_error.error();
    opened_since = since;
    return std::unique_ptr<engine::HitEvents>(std::make_unique<Events>(hits, std::move(handler)));
  }
};

}  // namespace pooltag::testing
