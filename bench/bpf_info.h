// What the kernel knows about BPF programs, read by id: the run counters
// behind the per-program ns/event breakdown, and recursion misses (runs the
// kernel skipped because a program was already running on that CPU).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace pooltag::bench {

struct ProgramStats {
  uint32_t id = 0;
  std::string name;
  uint64_t run_count = 0;    // only counted while run-time statistics are on
  uint64_t run_time_ns = 0;  // same
  uint64_t recursion_misses = 0;
};

// Stats of each program id; ids that are gone are left out.
std::vector<ProgramStats> program_stats(const std::vector<uint32_t> &ids);

// Ids of the BPF programs whose file descriptors process `pid` holds (from
// /proc/PID/fdinfo): how the programs of a tracer such as bpftrace are found.
std::vector<uint32_t> programs_of_process(pid_t pid);

// The change of each program's counters between two readings (matched by id).
std::vector<ProgramStats> stats_delta(const std::vector<ProgramStats> &before, const std::vector<ProgramStats> &after);

// Turns on the kernel's per-program run time statistics (the same as
// sysctl kernel.bpf_stats_enabled=1) for the lifetime of this object, through
// BPF_ENABLE_STATS: they go back off when it is destroyed, even if the
// process is killed. They cost two clock reads per program run, so
// throughput is never measured with them on.
class RunTimeStats {
 public:
  static Result<RunTimeStats> enable();
  RunTimeStats(RunTimeStats &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RunTimeStats(const RunTimeStats &) = delete;
  RunTimeStats &operator=(const RunTimeStats &) = delete;
  ~RunTimeStats();

 private:
  explicit RunTimeStats(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pooltag::bench
