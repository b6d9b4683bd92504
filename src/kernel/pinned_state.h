// The reading side: opens what `pooltag enable` pinned, maps the tables
// read-only, and turns them into model snapshots. Readers never load or
// attach anything, so killing one changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/snapshot.h"
#include "pooltag.h"

namespace pooltag::kernel {

struct ProgramInfo {
  std::string name;
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
  static Result<MappedArray> map(int fd, size_t bytes, const std::string &what);
  const void *data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  void *data_ = nullptr;
  size_t bytes_ = 0;
};

class PinnedState {
 public:
  // Error with kExitNotEnabled when nothing is pinned at `dir`.
  static Result<std::unique_ptr<PinnedState>> open(const std::string &dir);
  ~PinnedState();
  PinnedState(const PinnedState &) = delete;
  PinnedState &operator=(const PinnedState &) = delete;

  const pt_state &state() const { return state_; }
  const std::string &dir() const { return dir_; }

  // Sites with their counts summed over CPUs, loss counters, live fill.
  Result<model::Snapshot> snapshot() const;
  std::vector<ProgramInfo> programs() const;
  uint64_t live_used() const;  // occupied live-table slots
  pt_counters counters() const;

 private:
  PinnedState() = default;
  std::string dir_;
  pt_state state_{};
  int sites_fd_ = -1, stats_fd_ = -1, counters_fd_ = -1, live_keys_fd_ = -1, live_entries_fd_ = -1;
  MappedArray sites_, live_keys_;
};

// Removes every pin in `dir` and the directory: detaches the programs and
// frees the maps once no reader holds them. kExitNotEnabled when absent.
Status remove_pins(const std::string &dir);

// True when `dir` holds pinned state.
bool pins_exist(const std::string &dir);

// Snapshot source over the pinned state.
class KernelSnapshotSource : public model::SnapshotSource {
 public:
  explicit KernelSnapshotSource(std::unique_ptr<PinnedState> state) : state_(std::move(state)) {}
  Result<model::Snapshot> snapshot() override { return state_->snapshot(); }
  const PinnedState &state() const { return *state_; }

 private:
  std::unique_ptr<PinnedState> state_;
};

}  // namespace pooltag::kernel
