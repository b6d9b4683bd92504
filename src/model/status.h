// What `pooltag status` reports of a running tagging: plain data, filled by
// the engine (engine/status.h) from the pinned state, printed by the views
// (views/status_view.h) as text or JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace pooltag::model {

struct ProgramStatus {
  std::string name;     // the tracepoint or function it is attached to
  std::string program;  // as the kernel names it
  uint32_t id = 0;
  uint64_t recursion_misses = 0;
};

struct TaggingStatus {
  std::string pin_dir;
  uint64_t enabled_since_ns = 0;  // CLOCK_REALTIME
  uint64_t enabled_for_ns = 0;
  PoolSet pools;
  uint32_t sample_every = 1;
  bool null_programs = false;
  uint64_t live_used = 0, live_capacity = 0, max_live = 0;
  uint64_t sites_used = 0, max_sites = 0;
  uint64_t kernel_memory_bytes = 0;
  bool hash_live_table = false;
  bool plain_site_counters = false;  // added without locked instructions
  Losses losses;
  std::string hit_tag;  // empty: none
  std::string stacks;   // the stack tags; empty: none
  uint64_t free_unmatched = 0;
  bool bulk_paths = false;
  uint64_t bulk_frees = 0, bulk_allocs = 0, rcu_sheaf_frees = 0;
  std::string kernel_release;
  std::vector<ProgramStatus> programs;
};

}  // namespace pooltag::model
