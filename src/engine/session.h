// The engine: the operations every front end (the subcommands, kd's
// prompt, and whatever comes next) runs on the pinned tagging, as
// functions of one session. A front end parses its input, calls these, and
// hands the data they return to a view; it never reads BPF maps itself.
//
//   auto session = engine::Session::open(pin_dir, system, kallsyms, {"caller", ""}, "find");
//   auto found = (*session)->find("do_eventfd", std::nullopt, 0);
//   auto owner = (*session)->owner_of(0xffff888108c3b850);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/tagging.h"
#include "engine/tagging_state.h"
#include "kernel/selector.h"
#include "kernel/system.h"
#include "model/found.h"
#include "model/snapshot.h"
#include "model/tag_table.h"

namespace pooltag::engine {

// A snapshot and its tag table, as `used` and `!poolused` show them.
struct TaggedSnapshot {
  model::Snapshot snapshot;
  model::TagTable table;
};
// Groups a snapshot into tags as `tagging` names them (any source of
// snapshots: the kernel, a replayed event stream).
TaggedSnapshot tag_snapshot(model::Snapshot snapshot, const Tagging &tagging, const model::TableOptions &options);

// What a selector (the hit tag, the stack tags) is set to: the patterns as
// typed, or nothing.
struct SelectorChoice {
  bool active = false;
  std::string patterns;
};

class Session {
 public:
  // Checks root (naming `command` if not), opens the pinned state at
  // `pin_dir` (kExitNotEnabled when there is none) and the tagging.
  // A wrong --by is a usage error before anything else.
  static Result<std::unique_ptr<Session>> open(const std::string &pin_dir, const kernel::SystemAccess &system,
                                               const std::string &kallsyms_path, const TaggingOptions &tagging,
                                               std::string_view command);
  // Opens the pinned state at `pin_dir` (kExitNotEnabled when there is
  // none) with a tagging already loaded: for front ends that checked root
  // once and read symbols once, then attach afresh each interval or scrape
  // (record's sampler, export), so that a re-enabled tagging is followed.
  static Result<std::unique_ptr<Session>> attach(const std::string &pin_dir, std::shared_ptr<const Tagging> tagging);
  Session(std::unique_ptr<TaggingState> state, std::shared_ptr<const Tagging> tagging)
      : state_(std::move(state)), tagging_(std::move(tagging)) {}

  const TaggingState &state() const { return *state_; }
  const Tagging &tagging() const { return *tagging_; }
  const model::SiteTagger &tagger() const { return tagging_->tagger(); }
  const model::CodeSymbolizer &symbolizer() const { return tagging_->symbolizer(); }

  // ---- snapshots ----
  // Split by stack: each site's allocations with a recorded stack become
  // one site per stack (what --by stack shows).
  Result<model::Snapshot> snapshot(bool split_by_stack = false) const { return read_snapshot(*state_, split_by_stack); }
  Result<TaggedSnapshot> tagged_snapshot(const model::TableOptions &options, bool split_by_stack = false) const;
  // Does the site's tag match the pattern (and the pool, when given)?
  bool matches(const model::SiteSample &site, const std::string &pattern, std::optional<model::Pool> pool) const;

  // ---- the selectors: the hit tag (PoolHitTag) and the stack tags ----
  Result<SelectorChoice> hit_tag() const;
  Result<SelectorChoice> stack_tags() const;
  // Sets the hit tag to the call sites of `patterns` (none: clears it) with
  // `flags` (PT_HIT_STOP_TASK), and marks the sites that exist.
  Status set_hit_tag(const std::vector<std::string> &patterns, uint32_t flags) const;
  // The same for the stack tags; returns what was selected ("*": all).
  Result<kernel::TagSelection> set_stack_tags(const std::vector<std::string> &patterns) const;

  // ---- the hit stream ----
  using HitHandler = std::function<void(const model::HitEvent &, const model::Site &)>;
  struct HitWatch {
    std::string pattern;     // sites born meanwhile that match are marked every half second
    uint64_t since_ns = 0;   // events before this (CLOCK_MONOTONIC) are left out
    std::function<bool()> stop;  // checked every 100 ms
    HitHandler handle;       // each event with its site
    std::function<void()> on_open;  // once the stream is open
  };
  // Delivers hit events until `stop()` says so. `opened` says whether the
  // stream opened: an error after it did follows the events delivered.
  Status watch_hits(const HitWatch &watch, bool &opened) const;
  uint64_t hit_drops() const { return state_->hit_drops(); }

  // ---- the live table ----
  // The outstanding allocations of the sites whose tag matches `tag` (and
  // pool), older than `older_than_ns`, oldest first.
  Result<model::FoundAllocations> find(const std::string &tag, std::optional<model::Pool> pool,
                                       uint64_t older_than_ns) const;
  // The tracked allocation holding `address`; nullopt when none does.
  Result<std::optional<model::AddressOwner>> owner_of(uint64_t address) const;
  // The first `bytes` bytes of each object still live at `addresses`.
  Result<std::map<uint64_t, std::vector<uint8_t>>> dump(const std::vector<uint64_t> &addresses,
                                                        uint32_t bytes) const {
    return state_->dump(addresses, bytes);
  }
  std::vector<uint64_t> stack(int32_t stack_id) const { return state_->stack(stack_id); }
  // What each recorded stack counted (pooltag record keeps those
  // outstanding), made estimates as `snapshot`'s counts are (its sampling).
  Result<std::vector<model::StackCounts>> stack_counts(const model::Snapshot &snapshot) const;

 private:
  Result<kernel::TagSelection> select(Selector which, uint32_t site_flag, const std::vector<std::string> &patterns,
                                      uint32_t flags) const;

  std::unique_ptr<TaggingState> state_;
  std::shared_ptr<const Tagging> tagging_;
};

}  // namespace pooltag::engine
