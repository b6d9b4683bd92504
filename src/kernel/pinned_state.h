// The reading side: opens what `pooltag enable` pinned, maps the tables
// read-only, and turns them into model snapshots. Readers never load or
// attach anything, so killing one changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "kernel/pin_layout.h"
#include "model/snapshot.h"
#include "pooltag.h"

namespace pooltag::kernel {

struct ProgramInfo {
  std::string name;        // the tracepoint it is attached to
  std::string program;     // the program (as the kernel names it: 15 characters at most)
  uint32_t id = 0;
  uint64_t recursion_misses = 0;
  uint64_t run_count = 0;  // 0 unless kernel.bpf_stats_enabled
};

// A read-only memory mapping of a pinned mmapable array map.
class MappedArray {
 public:
  MappedArray() = default;
  MappedArray(MappedArray &&o) noexcept;
  MappedArray &operator=(MappedArray &&o) noexcept;
  ~MappedArray();
  static Result<MappedArray> map(int fd, size_t bytes, const std::string &what, bool writable = false);
  const void *data() const { return data_; }
  void *writable_data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  void *data_ = nullptr;
  size_t bytes_ = 0;
};

// A live entry's jiffies as a monotonic time (the clock of
// bpf_ktime_get_ns), through the clock sample enable stored in the state:
// exact to a jiffy. Jiffies before the sample come out before it.
uint64_t monotonic_of_jiffies(const pt_state &state, uint64_t jiffies);

class PinnedState {
 public:
  // Error with kExitNotEnabled when nothing is pinned at `dir`.
  static Result<std::unique_ptr<PinnedState>> open(const std::string &dir);
  PinnedState(const PinnedState &) = delete;
  PinnedState &operator=(const PinnedState &) = delete;

  const pt_state &state() const { return state_; }
  const std::string &dir() const { return dir_; }
  // kExitNotEnabled once `disable` removed this state (or another enable
  // replaced it): the maps stay readable while open, but frozen.
  Status still_pinned() const;

  // Sites with their counts as counted, summed over CPUs (under --sample
  // one allocation in sample_every: the engine scales them to estimates,
  // model/counted.h), loss counters, live fill.
  Result<model::Snapshot> snapshot() const;

  // Outstanding allocations of the sites `want` accepts (by site slot).
  Result<std::vector<model::LiveAllocation>> live(const std::function<bool(uint32_t site)> &want) const;
  // The return addresses of a recorded stack, innermost first.
  std::vector<uint64_t> stack(int32_t stack_id) const;
  // Per-stack counters (allocs, frees, bytes, the site) of the stacks with any.
  Result<std::vector<model::StackCounts>> stack_counts() const;
  // Reads the first `bytes` bytes of each live object at `addresses` with
  // the pinned dump program: address -> bytes. Objects freed meanwhile are
  // absent. Concurrent dumps take turns (a lock on the pin directory).
  Result<std::map<uint64_t, std::vector<uint8_t>>> dump(const std::vector<uint64_t> &addresses,
                                                        uint32_t bytes) const;

  // The pinned tag selectors: the hit tag (PoolHitTag) and the stack tags.
  enum class Selector { HitTag, StackTags };
  Result<pt_tag_selector> read_selector(Selector which) const;
  Status write_selector(Selector which, const pt_tag_selector &value) const;
  // Sets `flag` on the sites `want` accepts and clears it on the others;
  // returns how many have it.
  Result<size_t> mark_sites(uint32_t flag, const std::function<bool(const model::SiteSample &)> &want) const;

  int hit_events_fd() const { return fd(pins::Pin::HitEvents); }
  std::vector<ProgramInfo> programs() const;
  uint64_t live_used() const;  // occupied live-table slots
  pt_counters counters() const;

 private:
  PinnedState() = default;
  std::string dir_;
  uint64_t state_inode_ = 0;
  pt_state state_{};
  model::SiteSample describe_site(uint32_t slot) const;
  int fd(pins::Pin pin) const { return fds_[pins::index(pin)].get(); }
  int selector_fd(Selector which) const {
    return fd(which == Selector::HitTag ? pins::Pin::PoolHitTag : pins::Pin::StackTags);
  }
  bool hash_live_table() const { return (state_.flags & PT_STATE_HASH_LIVE_TABLE) != 0; }
  // Calls `each` with every live allocation whose slot it could read consistently.
  Status for_each_live(const std::function<void(const pt_live_record &)> &each) const;

  std::array<UniqueFd, pins::kCount> fds_;  // by pin: those the table says a reader opens
  MappedArray sites_, site_stats_, live_keys_;
  mutable MappedArray live_entries_;  // mapped on first use: 48 bytes a slot
};

// Removes every pin in `dir` and the directory: detaches the programs and
// frees the maps once no reader holds them. kExitNotEnabled when absent.
Status remove_pins(const std::string &dir);
// remove_pins, then waits until the kernel has unloaded the programs that
// were attached (~100 ms after their links go, an RCU grace period), so
// that `bpftool prog` no longer lists them: for pins of another process
// (disable, what a killed command left), never for one's own programs,
// which stay loaded while this process holds them.
Status remove_pins_and_wait(const std::string &dir);

// True when `dir` holds pinned state.
bool pins_exist(const std::string &dir);

}  // namespace pooltag::kernel
