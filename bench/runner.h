// The benchmark run: every configuration, interleaved, several repetitions
// per workload; then one pass with BPF run-time statistics on for the
// per-program cost; then `pooltag used` against a million outstanding
// allocations. Prints as it goes and returns everything for the JSON file.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "churn.h"
#include "common/result.h"
#include "report.h"

namespace pooltag::bench {

struct RunnerOptions {
  std::string pooltag;         // the binary
  std::string pin_dir = "/sys/fs/bpf/pooltag-bench";
  std::string bpftrace_script; // bench/pooltag-live.bt
  uint64_t bpftrace_keys = 1u << 20;  // BPFTRACE_MAP_KEYS_MAX: room like pooltag's default --max-live
  std::vector<Workload> workloads = {Workload::Eventfd, Workload::Pipe, Workload::Socketpair, Workload::Mixed,
                                     Workload::Maple};
  std::vector<unsigned> thread_counts = {1, 2};  // each workload runs with each
  unsigned threads = 2;        // of the workload being run (set from thread_counts)
  double seconds = 2;          // per timed run
  uint64_t ops = 0;            // instead of seconds: fixed ops per run (smoke)
  size_t repetitions = 6;      // rounds at least (6: the fewest with a 95% interval of the median)
  size_t max_repetitions = 15; // rounds at most, while the floor difference is not resolved
  std::string stacks_tag = "copy_process";  // "one other tag": not one the churn allocates from
  bool cost_pass = true;
  uint64_t scale_allocations = 1000000;     // outstanding allocations for the `used` timing; 0 skips it
  bool bpftrace = true;
  bool memleak = true;
  std::string memleak_path;  // --memleak PATH; empty: memleak or memleak-bpfcc on PATH
  bool perf_kmem = true;
  std::vector<std::string> only_configs;  // empty: all; untraced always runs
  const std::atomic<bool> *interrupt = nullptr;
};

// `pooltag used` (and `find`, once it exists) with many outstanding
// allocations, held by child processes that keep eventfds open.
struct ScaleResult {
  uint64_t target = 0;
  uint64_t live_used = 0;       // live-table entries while measuring
  uint64_t live_capacity = 0;
  uint64_t kernel_memory_bytes = 0;
  uint64_t holders = 0;         // child processes
  uint64_t eventfds = 0;
  double allocations_per_eventfd = 0;
  struct Timing {
    std::string command;
    int exit_code = -1;
    double seconds = 0;
    long max_rss_kb = 0;
    size_t output_bytes = 0;
  };
  std::vector<Timing> timings;
  std::map<std::string, int64_t> losses;
  std::optional<std::string> skipped;
};

struct RunResult {
  std::vector<WorkloadResult> workloads;
  std::vector<BudgetLine> budget;  // every workload's lines, each naming its workload
  std::vector<BudgetLine> bulk_paths;  // one per workload (issue 12)
  std::optional<ScaleResult> scale;
  nlohmann::json machine;
};

Result<RunResult> run_benchmark(const RunnerOptions &options);

std::string render_scale(const ScaleResult &s);
nlohmann::json to_json(const ScaleResult &s);
nlohmann::json to_json(const RunResult &r, const RunnerOptions &options);

}  // namespace pooltag::bench
