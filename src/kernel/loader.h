// Open -> configure -> load -> attach -> pin, behind one RAII class. Until
// pin() succeeds, destroying the loader detaches and frees everything: a
// failed enable leaves nothing half-attached.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kernel/attribution.h"
#include "kernel/plan.h"
#include "model/snapshot.h"
#include "pooltag.h"

struct bpf_link;
struct pooltag_bpf;  // the generated skeleton (build/bpf/pooltag_bpf.skel.h)

namespace pooltag::kernel {

// Code ranges of the call sites a tag pattern selects (kernel/selector.h).
struct TagSelection {
  bool all = false;
  std::vector<CodeRange> ranges;  // of call sites, sorted, exclusive ends
  std::string text;               // the patterns as typed
  bool empty() const { return !all && ranges.empty() && text.empty(); }
};

struct EnableOptions {
  model::PoolSet pools = model::PoolSet::defaults();
  uint64_t max_live = 1u << 20;  // live allocations the table has room for
  uint32_t max_sites = 1u << 14;
  uint32_t sample_every = 1;   // track about 1 in N allocations (1 = all)
  bool null_programs = false;  // benchmark floor: attach programs that do nothing
  bool bulk_paths = true;      // false: --no-bulk-paths, the bulk paths' programs stay out
  uint32_t stack_depth = 32;          // frames kept per recorded stack
  uint32_t stack_entries = 1u << 14;  // distinct stacks the stack table holds
  bool stack_reuse = true;            // false: --no-stack-reuse, every stack is walked
  uint32_t stack_check_every = PT_DEFAULT_STACK_CHECK_EVERY;  // walk one reused stack in N again
  uint32_t hit_buffer_bytes = 1u << 20;
  std::vector<std::string> stack_patterns;  // --stacks: tags (by caller) whose allocations carry stacks
  TagSelection stacks;                      // what enable() computed from them
};

// The values each table size may take. The kernel layer refuses others in
// its own words; front ends check first and name their own options.
struct TableLimit {
  const char *what;  // what the value sizes, for the kernel layer's message
  uint64_t min, max;
  const char *shown;  // the range as a user writes it
  bool contains(uint64_t v) const { return v >= min && v <= max; }
};
inline constexpr TableLimit kLiveLimit{"live allocations", 1024, 1ull << 28, "1024 .. 268435456"};
inline constexpr TableLimit kSampleLimit{"sampling rate", 1, 65536, "1 .. 65536"};
inline constexpr TableLimit kSitesLimit{"sites", 256, 1u << 20, "256 .. 1048576"};
inline constexpr TableLimit kStackDepthLimit{"stack depth", 4, PT_MAX_STACK_DEPTH, "4 .. 127"};
static_assert(PT_MAX_STACK_DEPTH == 127, "kStackDepthLimit.shown");
inline constexpr TableLimit kStackEntriesLimit{"stacks", 256, 1u << 22, "256 .. 4194304"};
inline constexpr TableLimit kStackCheckLimit{"stack check rate", 1, 1u << 20, "1 .. 1048576"};
inline constexpr TableLimit kHitBufferLimit{"hit buffer bytes", 4096, 1u << 30, "4K .. 1G"};

// The site counters are one map of rows: max_sites (rounded up to a power
// of two) per possible CPU, and a map holds at most 2^31 entries. Checked
// by the kernel layer in its words; front ends check first under their option.
struct SiteCounterRows {
  uint32_t sites = 0;  // max_sites as the table has it
  uint32_t cpus = 1;
  bool fit() const { return static_cast<uint64_t>(sites) * cpus <= (1ull << 31); }
};
SiteCounterRows site_counter_rows(uint32_t max_sites);

// Live slots per 16 allocations asked for (--max-live): two choices of
// four-slot buckets fill to about 76% before 1% of allocations find both
// full (docs/engine.md, Capacity).
inline constexpr uint64_t kLiveSlotsPer16 = 21;

// Table geometry derived from the options. The site and stack tables are
// powers of two (the programs mask rather than divide); the live table is
// any number of buckets (multiply-shift).
struct TableGeometry {
  bool hash_live_table = false;  // the live table is a hash map (no BPF atomics)
  uint32_t live_buckets = 0;
  uint32_t max_sites = 0;
  uint32_t stack_depth = 0;
  uint32_t stack_entries = 0;
  uint32_t stack_reuse_entries = 0;  // 0: stacks are not reused
  uint32_t possible_cpus = 1;  // rows of the site counters
  static Result<TableGeometry> from(const EnableOptions &options);
  static TableGeometry of(const pt_state &state);  // what an enable made
  uint64_t live_slots() const;
  uint64_t kernel_bytes() const;  // memory the maps take, per-CPU parts included
};

// How long --stop-task stays armed without a renewal (bpf/pooltag.h).
inline constexpr uint64_t kStopLeaseNs = 2000000000ull;
uint64_t monotonic_now_ns();  // the clock of bpf_ktime_get_ns

// Fills a pinned tag selector (the hit tag or the stack tags) from a
// selection; the generation goes up by one.
void fill_selector(const TagSelection &selection, uint32_t flags, pt_tag_selector &out);

// Loads the programs the plan chose. A program the kernel refuses after all
// takes its pool out of the plan, with the kernel's reason, and the rest
// loads again; only a refused slab program (or a program every pool needs)
// is an error. Attaching does the same per pool.
class TaggingLoader {
 public:
  static Result<std::unique_ptr<TaggingLoader>> load(const EnableOptions &options, TaggingPlan plan,
                                                     const std::vector<CodeRange> &allocator_ranges,
                                                     const StackReuseRanges &stack_reuse, uint64_t realtime_ns);
  ~TaggingLoader();
  TaggingLoader(const TaggingLoader &) = delete;
  TaggingLoader &operator=(const TaggingLoader &) = delete;

  // Attaches every pool's programs and the bulk paths', then writes the
  // state map. A pool that fails to attach is dropped whole, the bulk
  // paths likewise; only the slab pool's failure is an error.
  Status attach();
  // Pins maps, links and the dump program into `dir` (which must not
  // exist), then hands the pins over: from here on the state outlives this
  // object.
  Status pin(const std::string &dir);

  const TableGeometry &geometry() const { return geometry_; }
  const TaggingPlan &plan() const { return plan_; }
  size_t attached_tracepoints() const { return links_.size(); }

 private:
  TaggingLoader() = default;
  Status open_and_load(const EnableOptions &options, const StackReuseRanges &stack_reuse);
  ::bpf_link *attach_one(const Attachment &a, std::string &failed);
  ::pooltag_bpf *skel_ = nullptr;
  TableGeometry geometry_;
  TaggingPlan plan_;
  pt_state state_{};
  std::vector<std::pair<std::string, ::bpf_link *>> links_;  // by tracepoint or function
};

}  // namespace pooltag::kernel
