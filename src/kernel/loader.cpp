#include "kernel/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "kernel/fault_injection.h"
#include "kernel/libbpf_log.h"
#include "kernel/pin_layout.h"
#include "kernel/pinned_state.h"
#include "pooltag.h"
#include "pooltag_bpf.skel.h"

namespace pooltag::kernel {

namespace {

Error libbpf_error(const std::string &what, int err) {
  // libbpf returns -errno
  return error_from_errno(what, err < 0 ? -err : err);
}

bpf_program *program_named(::pooltag_bpf *skel, const std::string &name) {
  return bpf_object__find_program_by_name(skel->obj, name.c_str());
}

// The JIT images of the loaded programs: a stack walk from inside a program
// starts in them, so they are skipped like allocator frames.
std::vector<CodeRange> program_images(::pooltag_bpf *skel) {
  std::vector<CodeRange> out;
  bpf_program *prog;
  bpf_object__for_each_program(prog, skel->obj) {
    int fd = bpf_program__fd(prog);
    if (fd < 0) continue;
    uint64_t ksyms[8] = {};
    uint32_t lens[8] = {};
    bpf_prog_info info{};
    info.nr_jited_ksyms = 8;
    info.jited_ksyms = reinterpret_cast<uint64_t>(ksyms);
    info.nr_jited_func_lens = 8;
    info.jited_func_lens = reinterpret_cast<uint64_t>(lens);
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    for (uint32_t i = 0; i < std::min<uint32_t>(info.nr_jited_ksyms, 8); ++i)
      if (ksyms[i] != 0) out.push_back(CodeRange{ksyms[i], ksyms[i] + lens[i]});
  }
  return out;
}

// jiffies and the monotonic clock at one moment, from the kernel's side: the
// pt_clock program, run once.
Result<pt_clock_sample> sample_clock(::pooltag_bpf *skel) {
  uint64_t args[1] = {};
  LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
  if (int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pt_clock), &run); err != 0)
    return libbpf_error("cannot sample the kernel clock (BPF_PROG_TEST_RUN of pt_clock)", err);
  return skel->bss->clock_sample;
}

// The length of a jiffy: the coarse clocks advance once per tick, and their
// resolution is that step (TICK_NSEC).
uint64_t jiffy_ns() {
  timespec res{};
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0) return 0;
  return static_cast<uint64_t>(res.tv_sec) * 1000000000ull + static_cast<uint64_t>(res.tv_nsec);
}

}  // namespace

uint64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Result<TableGeometry> TableGeometry::from(const EnableOptions &options) {
  const std::pair<const TableLimit &, uint64_t> sizes[] = {
      {kLiveLimit, options.max_live},           {kSampleLimit, options.sample_every},
      {kSitesLimit, options.max_sites},         {kStackDepthLimit, options.stack_depth},
      {kStackEntriesLimit, options.stack_entries}, {kHitBufferLimit, options.hit_buffer_bytes},
      {kStackCheckLimit, options.stack_check_every}};
  for (const auto &[limit, value] : sizes)
    if (!limit.contains(value))
      return Error{fmt::format("{} {} is out of range ({})", limit.what, value, limit.shown), kExitUsage};
  TableGeometry g;
  g.stack_depth = options.stack_depth;
  g.stack_entries = std::bit_ceil(options.stack_entries);
  // twice the stacks: fingerprints of one call path differ where stale
  // data in the stack does
  g.stack_reuse_entries = options.stack_reuse ? 2 * g.stack_entries : 0;
  // 21/16 slots per allocation asked for: with two choices of four-slot
  // buckets, a table holding max_live allocations then leaves about 0.8% of
  // them untracked (docs/engine.md, Capacity)
  g.live_buckets = static_cast<uint32_t>(
      std::max<uint64_t>(2, (options.max_live * kLiveSlotsPer16 + 16 * PT_BUCKET_SLOTS - 1) / (16 * PT_BUCKET_SLOTS)));
  const auto rows = site_counter_rows(options.max_sites);
  g.max_sites = rows.sites;
  g.possible_cpus = rows.cpus;
  if (!rows.fit())
    return Error{fmt::format("{} sites times {} possible CPUs is more site counters than one map holds", rows.sites,
                             rows.cpus),
                 kExitUsage};
  return g;
}

SiteCounterRows site_counter_rows(uint32_t max_sites) {
  return {std::bit_ceil(max_sites), static_cast<uint32_t>(std::max(libbpf_num_possible_cpus(), 1))};
}

TableGeometry TableGeometry::of(const pt_state &state) {
  TableGeometry g;
  g.hash_live_table = (state.flags & PT_STATE_HASH_LIVE_TABLE) != 0;
  g.live_buckets = state.live_buckets;
  g.max_sites = state.max_sites;
  g.stack_depth = state.stack_depth;
  g.stack_entries = state.stack_entries;
  g.stack_reuse_entries = state.stack_reuse_entries;
  g.possible_cpus = std::max(state.possible_cpus, 1u);
  return g;
}

uint64_t TableGeometry::live_slots() const { return static_cast<uint64_t>(live_buckets) * PT_BUCKET_SLOTS; }

uint64_t TableGeometry::kernel_bytes() const {
  uint64_t cpus = possible_cpus;
  // a preallocated hash element: the kernel's htab_elem header (48 bytes
  // on 64-bit), the key and the value, each rounded to 8
  uint64_t live = hash_live_table ? live_slots() * (48 + sizeof(uint64_t) + sizeof(pt_live_record))
                                  : live_buckets * sizeof(pt_live_bucket) + live_slots() * sizeof(pt_live_entry);
  return live +
         static_cast<uint64_t>(max_sites) * (sizeof(pt_site) + cpus * sizeof(pt_site_stats) + sizeof(uint32_t)) +
         static_cast<uint64_t>(stack_entries) * (stack_depth * sizeof(uint64_t) + cpus * sizeof(pt_stack_stats)) +
         static_cast<uint64_t>(stack_reuse_entries) * sizeof(uint64_t) + cpus * sizeof(pt_stack_chunk);
}

Result<std::unique_ptr<TaggingLoader>> TaggingLoader::load(const EnableOptions &options, TaggingPlan plan,
                                                           const std::vector<CodeRange> &allocator_ranges,
                                                           const StackReuseRanges &stack_reuse, uint64_t realtime_ns) {
  if (!plan.fatal.empty()) return Error{plan.fatal};
  auto geometry = TableGeometry::from(options);
  if (!geometry) return geometry.error();
  std::unique_ptr<TaggingLoader> self(new TaggingLoader());
  self->geometry_ = *geometry;
  self->geometry_.hash_live_table = plan.hash_live_table;
  if (!stack_reuse.off.empty()) self->geometry_.stack_reuse_entries = 0;
  self->plan_ = std::move(plan);
  if (auto st = self->open_and_load(options, stack_reuse); !st) return st.error();
  auto *skel = self->skel_;

  // fill the allocator ranges (with the programs' own images)
  std::vector<CodeRange> ranges = allocator_ranges;
  auto images = program_images(skel);
  ranges.insert(ranges.end(), images.begin(), images.end());
  std::sort(ranges.begin(), ranges.end(), [](const CodeRange &a, const CodeRange &b) { return a.start < b.start; });
  if (ranges.size() > PT_MAX_ALLOCATOR_RANGES)
    return Error{fmt::format("{} allocator code ranges, more than {}", ranges.size(), PT_MAX_ALLOCATOR_RANGES)};
  int ranges_fd = bpf_map__fd(skel->maps.allocator_ranges);
  for (uint32_t i = 0; i < PT_MAX_ALLOCATOR_RANGES; ++i) {
    pt_code_range r{UINT64_MAX, UINT64_MAX};
    if (i < ranges.size()) r = {ranges[i].start, ranges[i].end};
    if (bpf_map_update_elem(ranges_fd, &i, &r, BPF_ANY) != 0)
      return error_from_errno("cannot write the allocator ranges");
  }
  auto clock = sample_clock(skel);
  if (!clock) return clock.error();
  const auto &g = self->geometry_;
  pt_state &st = self->state_;
  st.version = PT_STATE_VERSION;
  st.possible_cpus = g.possible_cpus;
  st.clock_jiffies = clock->jiffies;
  st.clock_monotonic_ns = clock->monotonic_ns;
  st.jiffy_ns = jiffy_ns();
  if (st.jiffy_ns == 0) return error_from_errno("cannot tell the length of a jiffy (CLOCK_MONOTONIC_COARSE)");
  st.enabled_realtime_ns = realtime_ns;
  st.live_buckets = g.live_buckets;
  st.max_sites = g.max_sites;
  st.max_live = options.max_live;
  st.allocator_ranges = static_cast<uint32_t>(ranges.size());
  st.sample_every = std::max<uint32_t>(options.sample_every, 1);
  st.flags = (options.null_programs ? PT_STATE_NULL_PROGRAMS : 0) |
             (g.hash_live_table ? PT_STATE_HASH_LIVE_TABLE : 0);
  st.stack_depth = g.stack_depth;
  st.stack_entries = g.stack_entries;
  st.stack_reuse_entries = g.stack_reuse_entries;
  st.stack_check_every = std::bit_ceil(options.stack_check_every);
  st.hit_buffer_bytes = std::bit_ceil(options.hit_buffer_bytes);
  return self;
}

Status TaggingLoader::open_and_load(const EnableOptions &options, const StackReuseRanges &stack_reuse) {
  // Each refused program takes its pool (or the bulk paths) out and the
  // object loads again: at most once per pool, and once for the bulk paths.
  for (size_t attempt = 0; attempt <= model::kPoolCount + 1; ++attempt) {
    if (skel_ != nullptr) pooltag_bpf__destroy(skel_);
    skel_ = pooltag_bpf__open();
    if (skel_ == nullptr) return libbpf_error("cannot open the BPF object", errno);
    auto *skel = skel_;

    // configure: table sizes, load-time constants, which programs
    const auto &g = geometry_;
    const bool hash = g.hash_live_table;
    skel->rodata->live_buckets = g.live_buckets;
    skel->rodata->site_mask = g.max_sites - 1;
    skel->rodata->site_shift = static_cast<uint32_t>(std::countr_zero(g.max_sites));
    skel->rodata->possible_cpus = g.possible_cpus;
    skel->rodata->null_programs = options.null_programs;
    skel->rodata->hash_live_table = hash;
    // decided again on every attempt: a refused bulk program leaves the
    // free counters to the free tracepoints' program alone
    skel->rodata->plain_site_counters = plan_.plain_site_counters();
    if (options.sample_every > 1)
      skel->rodata->sample_threshold = static_cast<uint32_t>((1ull << 32) / options.sample_every);
    if (g.stack_reuse_entries > 0) {
      skel->rodata->stack_reuse_mask = g.stack_reuse_entries - 1;
      skel->rodata->stack_check_mask = std::bit_ceil(options.stack_check_every) - 1;
      skel->rodata->stack_code_start = stack_reuse.code_start;
      skel->rodata->stack_code_span = stack_reuse.code_end - stack_reuse.code_start;
      for (size_t i = 0; i < stack_reuse.entries.size() && i < PT_STACK_ENTRY_RANGES; ++i) {
        skel->rodata->stack_entry[i].start = stack_reuse.entries[i].start;
        skel->rodata->stack_entry[i].end = stack_reuse.entries[i].end;
      }
    }
    struct Sized {
      bpf_map *map;
      uint64_t entries;
    };
    // the live table's other design gets one entry: maps are created whether used or not
    for (auto [map, entries] :
         {Sized{skel->maps.live_keys, hash ? 1 : g.live_buckets}, Sized{skel->maps.live_entries, hash ? 1 : g.live_slots()},
          Sized{skel->maps.live_hash, hash ? g.live_slots() : 1}, Sized{skel->maps.sites, g.max_sites},
          Sized{skel->maps.site_claims, g.max_sites},
          Sized{skel->maps.site_stats, static_cast<uint64_t>(g.max_sites) * g.possible_cpus},
          Sized{skel->maps.stacks, g.stack_entries}, Sized{skel->maps.stack_stats, g.stack_entries},
          Sized{skel->maps.stack_reuse, std::max(g.stack_reuse_entries, 1u)},
          Sized{skel->maps.hit_events, std::bit_ceil(options.hit_buffer_bytes)}}) {
      if (int err = bpf_map__set_max_entries(map, static_cast<uint32_t>(entries)); err != 0)
        return libbpf_error(fmt::format("cannot size map {}", bpf_map__name(map)), err);
    }
    if (int err = bpf_map__set_value_size(skel->maps.stacks, g.stack_depth * sizeof(uint64_t)); err != 0)
      return libbpf_error("cannot size the stack table", err);
    fill_selector(options.stacks, 0, skel->data_stacktags->stacktags);
    bpf_program *prog;
    bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
    bpf_program__set_autoload(skel->progs.pt_clock, true);
    bpf_program__set_autoload(skel->progs.pt_dump, true);
    for (const auto &a : plan_.attachments()) {
      bpf_program *p = program_named(skel, a.program);
      if (p == nullptr) return Error{fmt::format("internal: the plan names program {}, which is not built", a.program)};
      bpf_program__set_autoload(p, true);
      // a function's program is verified against the function's BTF
      if (a.function)
        if (int err = bpf_program__set_attach_target(p, 0, a.target.c_str()); err != 0)
          return libbpf_error(fmt::format("cannot aim {} at {}", a.program, a.target), err);
    }

    // load
    (void)take_libbpf_output();
    int err = pooltag_bpf__load(skel);
    if (err == 0) return Ok{};
    auto failure = load_failure(take_libbpf_output());
    std::string reason = failure.reason.empty() ? std::strerror(-err) : failure.reason;
    auto pool = pool_of_program(plan_, failure.program);
    if (failure.program.empty())
      return libbpf_error("cannot load the BPF programs (pooltag -v enable shows libbpf's log)", err);
    if (plan_.is_bulk_program(failure.program)) {
      plan_.drop_bulk(fmt::format("the kernel refused program {}: {}", failure.program, reason));
      continue;
    }
    if (!pool || *pool == model::Pool::Slab)
      return Error{fmt::format("the kernel refused program {}: {}", failure.program, reason)};
    plan_.drop(*pool, fmt::format("the kernel refused program {}: {}", failure.program, reason));
  }
  return Error{"cannot load the BPF programs: every pool's programs were refused"};
}

bpf_link *TaggingLoader::attach_one(const Attachment &a, std::string &failed) {
  bpf_program *p = program_named(skel_, a.program);
  bpf_link *link = a.function ? bpf_program__attach_trace(p) : bpf_program__attach_raw_tracepoint(p, a.target.c_str());
  if (link == nullptr)
    failed = fmt::format("cannot attach {} to {} {}: {}", a.program, a.function ? "function" : "tracepoint", a.target,
                         std::strerror(errno));
  return link;
}

Status TaggingLoader::attach() {
  for (auto &pool : plan_.pools) {
    size_t first = links_.size();
    std::string failed;
    for (const auto &a : pool.attachments) {
      bpf_link *link = attach_one(a, failed);
      if (link == nullptr) break;
      links_.emplace_back(a.target, link);
    }
    if (failed.empty()) continue;
    if (pool.pool == model::Pool::Slab) return Error{failed};
    // a pool is all or nothing: allocations without their frees are no count
    for (size_t i = first; i < links_.size(); ++i) bpf_link__destroy(links_[i].second);
    links_.resize(first);
    plan_.drop(pool.pool, failed);
  }
  // the bulk paths likewise, without taking the slab pool with them
  size_t first = links_.size();
  std::string failed;
  for (const auto &a : plan_.bulk.attachments) {
    bpf_link *link = attach_one(a, failed);
    if (link == nullptr) break;
    links_.emplace_back(a.target, link);
  }
  if (!failed.empty()) {
    for (size_t i = first; i < links_.size(); ++i) bpf_link__destroy(links_[i].second);
    links_.resize(first);
    plan_.drop_bulk(failed);
  }
  state_.pools_mask = plan_.enabled().mask;
  if (plan_.bulk.on) state_.flags |= PT_STATE_BULK_PATHS;
  else if (plan_.bulk.reason == kBulkDeclined) state_.flags |= PT_STATE_BULK_DECLINED;
  // as the programs were loaded: a bulk program refused at attach was
  // loaded with locked adds, and keeps them
  if (skel_->rodata->plain_site_counters) state_.flags |= PT_STATE_PLAIN_SITE_COUNTERS;
  state_.attached = static_cast<uint32_t>(links_.size());
  uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.state), &zero, &state_, BPF_ANY) != 0)
    return error_from_errno("cannot write the state map");
  return Ok{};
}

void fill_selector(const TagSelection &selection, uint32_t flags, pt_tag_selector &out) {
  pt_tag_selector sel{};
  sel.active = selection.empty() ? 0 : 1;
  sel.all = selection.all ? 1 : 0;
  sel.flags = flags;
  sel.generation = out.generation + 1;
  size_t n = std::min<size_t>(selection.ranges.size(), PT_MAX_TAG_RANGES);
  sel.range_count = static_cast<uint32_t>(n);
  for (size_t i = 0; i < n; ++i) sel.ranges[i] = {selection.ranges[i].start, selection.ranges[i].end};
  std::strncpy(sel.tag, selection.text.c_str(), sizeof(sel.tag) - 1);
  if (flags & PT_HIT_STOP_TASK) {
    // a lease, renewed by the watcher's HitStream::poll: stopping tasks
    // ends within kStopLeaseNs of the watcher's death, however it dies
    sel.stop_until_ns = monotonic_now_ns() + kStopLeaseNs;
    sel.watcher_pid = static_cast<uint32_t>(getpid());
  }
  out = sel;
}

Status TaggingLoader::pin(const std::string &dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return error_from_errno("cannot create " + dir);
  auto fail = [&](Error e) {
    (void)remove_pins(dir);  // undo: whatever was pinned so far
    return e;
  };
  for (const auto &object : pins::objects()) {
    std::string path = pins::path(dir, object.name);
    bool map = object.map != nullptr;
    int err = map ? bpf_map__pin(object.map(*skel_), path.c_str())
                  : bpf_program__pin(object.program(*skel_), path.c_str());
    if (err != 0) return fail(libbpf_error(fmt::format("cannot pin {} {}", map ? "map" : "program", object.name), err));
  }
  for (auto &[tracepoint, link] : links_) {
    if (int err = bpf_link__pin(link, pins::path(dir, pins::link_name(tracepoint)).c_str()); err != 0)
      return fail(libbpf_error(fmt::format("cannot pin link {}", tracepoint), err));
    kill_point(kKillDuringPin);  // test-only: a crash with some links pinned
  }
  return Ok{};
}

TaggingLoader::~TaggingLoader() {
  // Pinned links stay attached after bpf_link__destroy: only the pin holds
  // them. Unpinned ones are detached here.
  for (auto &[name, link] : links_) bpf_link__destroy(link);
  if (skel_ != nullptr) pooltag_bpf__destroy(skel_);
}

}  // namespace pooltag::kernel
