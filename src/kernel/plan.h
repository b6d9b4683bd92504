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
  std::string program;    // a program of bpf/pooltag.bpf.c
  std::string target;     // the raw tracepoint it is attached to, or
  bool function = false;  // the kernel function (fentry/fexit, as the program's section says)
};

// The bulk paths, which fire no per-object tracepoint: kmem_cache_free_bulk
// (kfree_bulk, kfree_rcu's batches), kmem_cache_alloc_bulk and, in 6.18+,
// kfree_rcu into RCU sheaves. Programs on the functions themselves, where
// the kernel allows fentry/fexit; part of the slab pool, but optional: off,
// their objects are retired by address reuse and shown as upper bounds.
struct BulkPlan {
  bool on = false;
  std::string reason;  // off (while slab is on): why, in one line
  std::vector<std::string> notes;  // on: what this kernel's bulk programs miss
  std::vector<Attachment> attachments;
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
  // The kernel skips a raw_tp program that would run inside itself on one
  // CPU (an allocation in an interrupt during a traced one): Linux 6.1+.
  bool raw_tp_never_nests = false;
  std::vector<PoolPlan> pools;   // one per model::Pool, in order
  BulkPlan bulk;
  std::string fatal;             // why tagging cannot work at all ("" = it can)

  const PoolPlan &pool(model::Pool p) const { return pools[static_cast<size_t>(p)]; }
  PoolPlan &pool(model::Pool p) { return pools[static_cast<size_t>(p)]; }
  model::PoolSet enabled() const;
  // Turns a pool off (a program the kernel refused after all).
  void drop(model::Pool p, const std::string &reason);
  void drop_bulk(const std::string &reason);
  bool is_bulk_program(const std::string &program) const;
  // Site counters added with plain loads and stores (bpf/maps.bpf.h,
  // add_site_counter): each has one writing program per CPU at a time, which
  // holds where raw_tp programs never nest and no function program (the
  // bulk paths) charges frees beside the free tracepoints' program.
  bool plain_site_counters() const { return raw_tp_never_nests && bulk.attachments.empty(); }
  // Every attachment: the pools' and the bulk paths'.
  std::vector<Attachment> attachments() const;
};

TaggingPlan plan_tagging(const KernelFeatures &kernel, model::PoolSet requested);

// Whether a `uname -r` release is major.minor or later ("6.1.0-13-amd64");
// false when it does not start with a version.
bool release_at_least(std::string_view release, int major, int minor);

// The reason the bulk paths are off when the user left them out (and a
// running tagging's state says so: PT_STATE_BULK_DECLINED). In the kernel
// layer's words: a front end names its own option (views::bulk_reason).
inline constexpr const char *kBulkDeclined = "left out on request";

// Which pool a program of the plan serves (none: a program every pool needs).
std::optional<model::Pool> pool_of_program(const TaggingPlan &plan, const std::string &program);

}  // namespace pooltag::kernel
