// Outstanding kernel allocations on demand: child processes that hold
// eventfds open (one eventfd_ctx each, from do_eventfd) until destroyed.
// The scale tests of `pooltag used` (runner.cpp) and of a scrape of
// `pooltag export` (export_bench.cpp) fill the live table with them.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "configs.h"

namespace pooltag::bench {

// Each holder stays below the fd hard limit (20000 here).
class Holders {
 public:
  static constexpr int kMaxPerProcess = 18000;
  Holders() = default;
  Holders(const Holders &) = delete;
  Holders &operator=(const Holders &) = delete;
  ~Holders();  // closes the eventfds (the holders exit) and reaps them
  Status spawn(int eventfds);
  size_t count() const { return holders_.size(); }
  uint64_t eventfds() const { return eventfds_; }

 private:
  struct Holder {
    pid_t pid;
    int hold_fd;
  };
  std::vector<Holder> holders_;
  uint64_t eventfds_ = 0;
};

struct Filled {
  uint64_t base = 0;  // live-table entries before
  uint64_t live_used = 0;
  double allocations_per_eventfd = 0;
  double seconds = 0;
};

// Spawns holders until the live table of `tool`'s tagging holds `target`
// more entries than before (pooltag status --json tells).
Result<Filled> fill_live_table(const PooltagTool &tool, Holders &holders, uint64_t target,
                               const std::atomic<bool> *interrupt = nullptr);

}  // namespace pooltag::bench
