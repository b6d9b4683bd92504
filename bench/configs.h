// The configurations the benchmark compares. Each one attaches its tracer in
// start() and detaches it in stop() (also from the destructor, so a failed
// or interrupted run leaves nothing attached).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "process.h"

namespace pooltag::bench {

// The pooltag binary, always run against the benchmark's own pin directory.
class PooltagTool {
 public:
  PooltagTool(std::string binary, std::string pin_dir) : binary_(std::move(binary)), pin_dir_(std::move(pin_dir)) {}
  Result<CommandResult> run(const std::vector<std::string> &args) const;
  // `args` must exit 0 and print one JSON document.
  Result<nlohmann::json> json(const std::vector<std::string> &args) const;
  // Whether `enable --help` lists `option` (features that may not exist yet).
  Status enable(const std::vector<std::string> &args) const;
  Status disable() const;  // also when nothing is enabled: then a no-op
  bool enabled() const;    // something is pinned at the pin directory
  const std::string &pin_dir() const { return pin_dir_; }
  const std::string &binary() const { return binary_; }

 private:
  std::string binary_, pin_dir_;
};

class Configuration {
 public:
  virtual ~Configuration() = default;
  virtual std::string key() const = 0;
  virtual std::string name() const = 0;
  virtual std::string command() const = 0;
  // Why this configuration cannot run here (checked before the first run).
  virtual std::optional<std::string> unavailable() const { return std::nullopt; }
  virtual Status start() = 0;
  virtual void stop() = 0;
  // Ids of the BPF programs attached while started.
  virtual std::vector<uint32_t> programs() const = 0;
  // pooltag with counting on: its counters, losses and Diff can be read.
  virtual bool counts() const { return false; }
  // Every event is counted (not sampled): its event counters are complete.
  virtual bool counts_every_event() const { return false; }
};

std::unique_ptr<Configuration> untraced();
// pooltag enabled with `args`; `counts` false for the null floor, `sampled`
// when only some events are counted.
std::unique_ptr<Configuration> pooltag_config(const PooltagTool &tool, std::string key, std::string name,
                                              std::vector<std::string> args, bool counts, bool sampled);
// pooltag's default with --no-bulk-paths; unavailable where the kernel has
// no bulk paths (no fentry).
std::unique_ptr<Configuration> no_bulk_paths_config(const PooltagTool &tool);
std::unique_ptr<Configuration> bpftrace_config(std::string script, uint64_t map_keys_max);
// BCC memleak: `path`, or memleak / memleak-bpfcc on PATH when empty.
std::unique_ptr<Configuration> memleak_config(std::string path);
std::unique_ptr<Configuration> perf_kmem_config();

// bpftrace's tracepoints and perf kmem need tracefs; pooltag does not. Mounts it at
// /sys/kernel/tracing for the lifetime of this object when it is not there.
class TracefsMount {
 public:
  TracefsMount();
  ~TracefsMount();
  TracefsMount(const TracefsMount &) = delete;
  TracefsMount &operator=(const TracefsMount &) = delete;
  bool mounted_by_us() const { return mounted_; }

 private:
  bool mounted_ = false;
};

}  // namespace pooltag::bench
