// The one place that decides what pooltag loads on a kernel: from the
// probed features (kernel/features.h) and the pools asked for, which BPF
// program goes on which tracepoint, which live-table design, and, for
// everything left out, a one-line reason. A pure function: unit tests feed
// it the prototypes of every supported kernel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/features.h"
#include "model/snapshot.h"

namespace pooltag::kernel {

struct Attachment {
  std::string program;     // a program of bpf/pooltag.bpf.c
  std::string tracepoint;  // attached to this raw tracepoint
};

struct PoolPlan {
  model::Pool pool = model::Pool::Slab;
  bool requested = false;
  bool on = false;
  std::string reason;  // when requested but off: why, in one line
  std::string note;    // when on: how this kernel differs (e.g. no call site)
  std::vector<Attachment> attachments;
};

struct TaggingPlan {
  bool hash_live_table = false;  // the _legacy programs: no BPF atomics
  std::vector<PoolPlan> pools;   // one per model::Pool, in order
  std::string fatal;             // why tagging cannot work at all ("" = it can)

  const PoolPlan &pool(model::Pool p) const { return pools[static_cast<size_t>(p)]; }
  PoolPlan &pool(model::Pool p) { return pools[static_cast<size_t>(p)]; }
  model::PoolSet enabled() const;
  // Turns a pool off (a program the kernel refused after all).
  void drop(model::Pool p, const std::string &reason);
  // One line per requested pool that is off, and per note.
  std::vector<std::string> messages(const std::string &release) const;
};

TaggingPlan plan_tagging(const KernelFeatures &kernel, model::PoolSet requested);

// Which pool a program of the plan serves (none: a program every pool needs).
std::optional<model::Pool> pool_of_program(const TaggingPlan &plan, const std::string &program);

}  // namespace pooltag::kernel
