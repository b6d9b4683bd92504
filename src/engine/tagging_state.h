// What a session reads and writes of the tagging that `enable` pinned: the
// calls the engine makes of kernel::PinnedState and kernel::HitStream,
// behind an interface so that unit tests run the engine over a fake
// without root, and another source of events can stand in for the kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/pinned_state.h"
#include "model/counted.h"
#include "model/snapshot.h"

namespace pooltag::engine {

using Selector = kernel::PinnedState::Selector;

// The hit events of an open stream, delivered to its handler from poll().
class HitEvents {
 public:
  virtual ~HitEvents() = default;
  // Waits up to timeout_ms; returns the number of events handled.
  virtual Result<int> poll(int timeout_ms) = 0;
};

class TaggingState {
 public:
  virtual ~TaggingState() = default;

  // As kernel::PinnedState (pinned_state.h) documents each: counts as
  // counted (read_snapshot below makes them what the views show).
  virtual Result<model::Snapshot> snapshot() const = 0;
  virtual Result<std::vector<model::LiveAllocation>> live(const std::function<bool(uint32_t site)> &want) const = 0;
  virtual std::vector<uint64_t> stack(int32_t stack_id) const = 0;
  virtual Result<std::vector<model::StackCounts>> stack_counts() const = 0;
  virtual Result<std::map<uint64_t, std::vector<uint8_t>>> dump(const std::vector<uint64_t> &addresses,
                                                                uint32_t bytes) const = 0;
  virtual Result<pt_tag_selector> read_selector(Selector which) const = 0;
  virtual Status write_selector(Selector which, const pt_tag_selector &value) const = 0;
  virtual Result<size_t> mark_sites(uint32_t flag,
                                    const std::function<bool(const model::SiteSample &)> &want) const = 0;
  virtual Status still_pinned() const = 0;
  // Hit events the ring buffer had no room for, since enable.
  virtual uint64_t hit_drops() const = 0;
  // The hit events newer than `since_monotonic_ns`, to `handler`.
  using HitHandler = std::function<void(const model::HitEvent &)>;
  virtual Result<std::unique_ptr<HitEvents>> open_hits(uint64_t since_monotonic_ns, HitHandler handler) const = 0;
};

// The snapshot a front end sees: the state's counts, split by stack when
// asked (each site's allocations with a recorded stack become one site per
// stack, what --by stack shows), then scaled to estimates under sampling.
Result<model::Snapshot> read_snapshot(const TaggingState &state, bool split_by_stack);

// The kernel's: the pinned state, opened by PinnedState::open.
class PinnedTaggingState : public TaggingState {
 public:
  explicit PinnedTaggingState(std::unique_ptr<kernel::PinnedState> state) : state_(std::move(state)) {}
  const kernel::PinnedState &pinned() const { return *state_; }

  Result<model::Snapshot> snapshot() const override { return state_->snapshot(); }
  Result<std::vector<model::LiveAllocation>> live(const std::function<bool(uint32_t)> &want) const override {
    return state_->live(want);
  }
  std::vector<uint64_t> stack(int32_t stack_id) const override { return state_->stack(stack_id); }
  Result<std::vector<model::StackCounts>> stack_counts() const override { return state_->stack_counts(); }
  Result<std::map<uint64_t, std::vector<uint8_t>>> dump(const std::vector<uint64_t> &addresses,
                                                        uint32_t bytes) const override {
    return state_->dump(addresses, bytes);
  }
  Result<pt_tag_selector> read_selector(Selector which) const override { return state_->read_selector(which); }
  Status write_selector(Selector which, const pt_tag_selector &value) const override {
    return state_->write_selector(which, value);
  }
  Result<size_t> mark_sites(uint32_t flag, const std::function<bool(const model::SiteSample &)> &want) const override {
    return state_->mark_sites(flag, want);
  }
  Status still_pinned() const override { return state_->still_pinned(); }
  uint64_t hit_drops() const override { return state_->counters().v[PT_CNT_HIT_DROPS]; }
  Result<std::unique_ptr<HitEvents>> open_hits(uint64_t since_monotonic_ns, HitHandler handler) const override;

 private:
  std::unique_ptr<kernel::PinnedState> state_;
};

}  // namespace pooltag::engine
