// The core model: what a source of allocation events reports, independent of
// where the events come from. The kernel source (src/kernel) fills it from
// BPF maps; the replay tier and a future user-mode source fill it from
// their own accounting (model/accounting.h). Views read only this.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pooltag::model {

enum class Pool : uint8_t { Slab = 0, Percpu = 1, Vmalloc = 2, Page = 3 };
inline constexpr size_t kPoolCount = 4;
inline constexpr std::array<Pool, kPoolCount> kAllPools = {Pool::Slab, Pool::Percpu, Pool::Vmalloc,
                                                           Pool::Page};

std::string_view pool_name(Pool pool);
std::optional<Pool> parse_pool(std::string_view name);

// A set of pools as a bitmask (bit = Pool value).
struct PoolSet {
  uint32_t mask = 0;
  static PoolSet all() { return {(1u << kPoolCount) - 1}; }
  static PoolSet defaults() { return {0b0111}; }  // page is opt-in: its rate is high
  bool has(Pool p) const { return mask & (1u << static_cast<int>(p)); }
  void add(Pool p) { mask |= 1u << static_cast<int>(p); }
  std::string to_string() const;  // "slab,percpu,vmalloc"
};
Result<PoolSet> parse_pool_list(std::string_view list);  // "slab,percpu" or "all"

struct Counts {
  uint64_t allocs = 0;       // allocations matched against frees
  uint64_t frees = 0;        // their frees (including implicit ones)
  uint64_t alloc_bytes = 0;  // total bytes allocated
  uint64_t free_bytes = 0;
  uint64_t untracked = 0;    // allocations that could not be tracked (table full)
  uint64_t untracked_bytes = 0;
  uint64_t implicit_frees = 0;  // frees never seen, inferred when the address came back

  int64_t diff() const { return static_cast<int64_t>(allocs - frees); }
  // Some allocations were freed without an event (bulk and RCU-batched
  // frees, where the kernel has no tracepoint and pooltag no program): seen
  // only when their address came back, so the outstanding ones may include
  // freed objects. Diff and Bytes are then upper bounds.
  bool upper_bound() const { return implicit_frees != 0; }
  int64_t bytes() const { return static_cast<int64_t>(alloc_bytes - free_bytes); }
  bool empty() const { return allocs == 0 && frees == 0 && untracked == 0; }
  Counts &operator+=(const Counts &o);
};

// Where allocations are charged, as precisely as the source knows it.
struct Site {
  uint64_t code_address = 0;  // return address of the allocation call; 0 = unknown
  Pool pool = Pool::Slab;
  std::string cache;  // slab cache name, empty where the pool has none
  uint64_t variant = 0;  // source-specific split of one code address (size class, cache id)
  int32_t stack_id = -1;  // a split of the site by allocation stack (--by stack); -1: whole site
};

struct SiteSample {
  Site site;
  Counts counts;
  uint32_t id = 0;  // the source's handle for the site (the kernel's site slot)
};

// One outstanding allocation, as a source's live table has it.
struct LiveAllocation {
  uint64_t address = 0;
  uint64_t size = 0;
  uint64_t age_ns = 0;
  uint32_t pid = 0;
  std::string comm;
  uint32_t site = 0;      // SiteSample::id
  int32_t stack_id = -1;  // -1: no stack recorded
};

// What one recorded allocation stack counted (--stacks), under the site
// whose allocations it holds.
struct StackCounts {
  int32_t stack_id = -1;
  uint32_t site = 0;  // SiteSample::id
  uint64_t allocs = 0;
  uint64_t frees = 0;
  uint64_t alloc_bytes = 0;
  uint64_t free_bytes = 0;
};

// One allocation or free of the hit tag, as it happened (PoolHitTag).
struct HitEvent {
  enum class Kind { Alloc, Free } kind = Kind::Alloc;
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  uint64_t address = 0;
  uint64_t size = 0;
  uint32_t site = 0;  // SiteSample::id
  uint32_t pid = 0;
  uint32_t tid = 0;
  std::string comm;
  bool stopped = false;        // the task was sent SIGSTOP (--stop-task)
  std::vector<uint64_t> stack;  // return addresses, innermost first
};

// Allocation stacks reused instead of walked (bpf/stacks.bpf.h): an
// allocation whose kernel stack holds the same return addresses up to the
// system call or kernel thread entry takes the stack walked for the first
// such allocation. A stale entry address deeper in the stack can end that
// comparison early, so one reused stack in check_every is walked again;
// `differed` counts the checks that found another stack.
struct StackReuse {
  uint64_t reused = 0;
  uint64_t walked = 0;      // walks for a call path seen for the first time
  uint64_t unreusable = 0;  // walks without reuse: interrupts, no entry frame in reach
  uint64_t checked = 0;
  uint64_t differed = 0;
  uint32_t check_every = 0;  // 0: reuse is off, every stack is walked
};

// Everything that could not be counted exactly. Readers print any that is
// non-zero; nothing is dropped silently.
struct Losses {
  uint64_t untracked = 0;         // allocations not tracked: live table full
  uint64_t table_busy = 0;        // allocations not tracked: hash live table busy (no BPF atomics)
  uint64_t implicit_frees = 0;    // frees without an event (bulk free paths)
  uint64_t site_overflow = 0;     // allocations charged to <site table full>
  uint64_t recursion_misses = 0;  // program runs the kernel skipped (nested tracepoints)
  uint64_t stack_errors = 0;      // stack walks that failed (vmalloc/page attribution)
  uint64_t no_caller = 0;         // stacks with no frame outside the allocator
  uint64_t stack_collisions = 0;  // stacks not stored: hash bucket taken by another stack
  uint64_t stack_full = 0;        // stacks not stored: stack table full
  uint64_t hit_drops = 0;         // hit events lost: ring buffer full
  uint64_t bulk_unseen = 0;       // objects of bulk calls the bulk programs did not walk
  StackReuse stack_reuse;         // approximate, not lost: shown whenever a stack was reused
  bool any() const;
};

struct Snapshot {
  std::vector<SiteSample> sites;
  Losses losses;
  PoolSet pools;                  // pools being tracked
  uint64_t enabled_since_ns = 0;  // CLOCK_REALTIME
  uint64_t taken_at_ns = 0;       // CLOCK_REALTIME
  uint64_t free_unmatched = 0;    // frees of addresses allocated before enable: expected
  // The bulk paths (docs/engine.md#bulk-frees), when their programs run:
  // objects walked in kmem_cache_free_bulk and kmem_cache_alloc_bulk calls,
  // and kfree_rcu objects put in RCU sheaves (6.18+).
  bool bulk_paths = false;  // their programs are attached: bulk frees are seen
  bool bulk_left_out = false;  // off because enable was asked to leave them out
  uint64_t bulk_frees = 0, bulk_allocs = 0, rcu_sheaf_frees = 0;
  uint64_t live_capacity = 0;
  uint64_t live_used = 0;
  uint64_t site_capacity = 0;  // slots of the source's site table
  // Sampling: 1 = every allocation tracked, counts exact; N > 1 = about one
  // in N tracked and every count scaled by N: estimates (docs/engine.md#sampling).
  // A source reads its counts as counted; scale_to_estimates (model/counted.h)
  // scales them, once, on their way to the views.
  uint32_t sample_every = 1;
  bool estimated() const { return sample_every > 1; }
};

// Anything that produces snapshots: the kernel, a recording, a process.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  virtual Result<Snapshot> snapshot() = 0;
};

}  // namespace pooltag::model
