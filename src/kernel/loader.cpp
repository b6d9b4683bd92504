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

#include "kernel/pin_layout.h"
#include "pooltag.h"
#include "pooltag_bpf.skel.h"

namespace pooltag::kernel {

namespace {

struct ProgramPool {
  bpf_program *program;
  model::Pool pool;
};

std::vector<ProgramPool> programs_of(::pooltag_bpf *skel) {
  using model::Pool;
  auto &p = skel->progs;
  return {{p.pt_kmalloc, Pool::Slab},        {p.pt_kfree, Pool::Slab},
          {p.pt_kmem_cache_alloc, Pool::Slab}, {p.pt_kmem_cache_free, Pool::Slab},
          {p.pt_percpu_alloc, Pool::Percpu}, {p.pt_percpu_free, Pool::Percpu},
          {p.pt_vmap_alloc, Pool::Vmalloc},  {p.pt_vmap_free, Pool::Vmalloc},
          {p.pt_page_alloc, Pool::Page},     {p.pt_page_free, Pool::Page}};
}

Error libbpf_error(const std::string &what, int err) {
  // libbpf returns -errno
  return error_from_errno(what, err < 0 ? -err : err);
}

// The JIT images of the loaded programs: a stack walk from inside a program
// starts in them, so they are skipped like allocator frames.
std::vector<CodeRange> program_images(::pooltag_bpf *skel) {
  std::vector<CodeRange> out;
  for (const auto &pp : programs_of(skel)) {
    int fd = bpf_program__fd(pp.program);
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

// jiffies and the monotonic clock at one moment, from the kernel's side.
Result<pt_clock_sample> sample_clock(::pooltag_bpf *skel) {
  pt_clock_sample sample{};
  // a syscall program writes its context back into ctx_in
  LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &sample, .ctx_size_in = sizeof(sample));
  if (int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pt_clock), &run); err != 0)
    return libbpf_error("cannot sample the kernel clock", err);
  return sample;
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
  if (options.max_live < 1024 || options.max_live > (1ull << 28))
    return Error{fmt::format("--max-live {} is out of range (1024 .. 268435456)", options.max_live), kExitUsage};
  if (options.sample_every < 1 || options.sample_every > 65536)
    return Error{fmt::format("--sample {} is out of range (1 .. 65536)", options.sample_every), kExitUsage};
  if (options.max_sites < 256 || options.max_sites > (1u << 20))
    return Error{fmt::format("--max-sites {} is out of range (256 .. 1048576)", options.max_sites), kExitUsage};
  if (options.stack_depth < 4 || options.stack_depth > PT_MAX_STACK_DEPTH)
    return Error{fmt::format("--stack-depth {} is out of range (4 .. {})", options.stack_depth, PT_MAX_STACK_DEPTH),
                 kExitUsage};
  if (options.stack_entries < 256 || options.stack_entries > (1u << 22))
    return Error{fmt::format("--stack-entries {} is out of range (256 .. 4194304)", options.stack_entries),
                 kExitUsage};
  if (options.hit_buffer_bytes < 4096 || options.hit_buffer_bytes > (1u << 30))
    return Error{fmt::format("--hit-buffer {} is out of range (4K .. 1G)", options.hit_buffer_bytes), kExitUsage};
  TableGeometry g;
  g.stack_depth = options.stack_depth;
  g.stack_entries = std::bit_ceil(options.stack_entries);
  g.live_buckets = static_cast<uint32_t>(std::bit_ceil((options.max_live + PT_BUCKET_SLOTS - 1) / PT_BUCKET_SLOTS));
  g.max_sites = std::bit_ceil(options.max_sites);
  g.possible_cpus = static_cast<uint32_t>(std::max(libbpf_num_possible_cpus(), 1));
  if (static_cast<uint64_t>(g.max_sites) * g.possible_cpus > (1ull << 31))
    return Error{fmt::format("--max-sites {} times {} possible CPUs is more site counters than one map holds",
                             g.max_sites, g.possible_cpus),
                 kExitUsage};
  return g;
}

TableGeometry TableGeometry::of(const pt_state &state) {
  TableGeometry g;
  g.live_buckets = state.live_buckets;
  g.max_sites = state.max_sites;
  g.stack_depth = state.stack_depth;
  g.stack_entries = state.stack_entries;
  g.possible_cpus = std::max(state.possible_cpus, 1u);
  return g;
}

uint64_t TableGeometry::live_slots() const { return static_cast<uint64_t>(live_buckets) * PT_BUCKET_SLOTS; }

uint64_t TableGeometry::kernel_bytes() const {
  uint64_t cpus = possible_cpus;
  return live_buckets * sizeof(pt_live_bucket) + live_slots() * sizeof(pt_live_entry) +
         static_cast<uint64_t>(max_sites) * (sizeof(pt_site) + cpus * sizeof(pt_site_stats) + sizeof(uint32_t)) +
         static_cast<uint64_t>(stack_entries) * (stack_depth * sizeof(uint64_t) + cpus * sizeof(pt_stack_stats));
}

Result<std::unique_ptr<TaggingLoader>> TaggingLoader::load(const EnableOptions &options,
                                                           const std::vector<CodeRange> &allocator_ranges,
                                                           uint64_t realtime_ns) {
  auto geometry = TableGeometry::from(options);
  if (!geometry) return geometry.error();
  std::unique_ptr<TaggingLoader> self(new TaggingLoader());
  self->geometry_ = *geometry;
  self->pools_ = options.pools;

  // open
  self->skel_ = pooltag_bpf__open();
  if (self->skel_ == nullptr) return libbpf_error("cannot open the BPF object", errno);
  auto *skel = self->skel_;

  // configure: table sizes, load-time constants, which tracepoints
  const auto &g = self->geometry_;
  skel->rodata->live_bucket_mask = g.live_buckets - 1;
  skel->rodata->site_mask = g.max_sites - 1;
  skel->rodata->site_shift = static_cast<uint32_t>(std::countr_zero(g.max_sites));
  skel->rodata->possible_cpus = g.possible_cpus;
  skel->rodata->null_programs = options.null_programs;
  if (options.sample_every > 1)
    skel->rodata->sample_threshold = static_cast<uint32_t>((1ull << 32) / options.sample_every);
  struct Sized {
    bpf_map *map;
    uint64_t entries;
  };
  for (auto [map, entries] : {Sized{skel->maps.live_keys, g.live_buckets}, Sized{skel->maps.live_entries, g.live_slots()},
                              Sized{skel->maps.sites, g.max_sites}, Sized{skel->maps.site_stats, static_cast<uint64_t>(g.max_sites) * g.possible_cpus},
                              Sized{skel->maps.dump_sites, g.max_sites}, Sized{skel->maps.stacks, g.stack_entries},
                              Sized{skel->maps.stack_stats, g.stack_entries},
                              Sized{skel->maps.hit_events, std::bit_ceil(options.hit_buffer_bytes)}}) {
    if (int err = bpf_map__set_max_entries(map, static_cast<uint32_t>(entries)); err != 0)
      return libbpf_error(fmt::format("cannot size map {}", bpf_map__name(map)), err);
  }
  if (int err = bpf_map__set_value_size(skel->maps.stacks, g.stack_depth * sizeof(uint64_t)); err != 0)
    return libbpf_error("cannot size the stack table", err);
  fill_selector(options.stacks, 0, skel->data_stacktags->stacktags);
  for (const auto &pp : programs_of(skel)) bpf_program__set_autoload(pp.program, options.pools.has(pp.pool));

  // load
  if (int err = pooltag_bpf__load(skel); err != 0) return libbpf_error("cannot load the BPF programs", err);

  // fill the allocator ranges (with the programs' own images) and the state
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
  pt_state st{};
  st.version = PT_STATE_VERSION;
  st.possible_cpus = g.possible_cpus;
  st.clock_jiffies = clock->jiffies;
  st.clock_monotonic_ns = clock->monotonic_ns;
  st.jiffy_ns = jiffy_ns();
  if (st.jiffy_ns == 0) return error_from_errno("cannot tell the length of a jiffy (CLOCK_MONOTONIC_COARSE)");
  st.pools_mask = options.pools.mask;
  st.enabled_realtime_ns = realtime_ns;
  st.live_buckets = g.live_buckets;
  st.max_sites = g.max_sites;
  st.max_live = options.max_live;
  st.allocator_ranges = static_cast<uint32_t>(ranges.size());
  st.sample_every = std::max<uint32_t>(options.sample_every, 1);
  st.flags = options.null_programs ? PT_STATE_NULL_PROGRAMS : 0;
  st.stack_depth = g.stack_depth;
  st.stack_entries = g.stack_entries;
  st.hit_buffer_bytes = std::bit_ceil(options.hit_buffer_bytes);
  uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(skel->maps.state), &zero, &st, BPF_ANY) != 0)
    return error_from_errno("cannot write the state map");
  return self;
}

Status TaggingLoader::attach() {
  for (const auto &pp : programs_of(skel_)) {
    if (!pools_.has(pp.pool)) continue;
    bpf_link *link = bpf_program__attach(pp.program);
    if (link == nullptr)
      return libbpf_error(fmt::format("cannot attach {}", bpf_program__name(pp.program)), errno);
    links_.emplace_back(bpf_program__name(pp.program), link);
  }
  // The dump iterator walks the live entries; its pinned link is a file
  // whose every read runs it.
  union bpf_iter_link_info info {};
  info.map.map_fd = static_cast<uint32_t>(bpf_map__fd(skel_->maps.live_entries));
  DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
  bpf_link *iter = bpf_program__attach_iter(skel_->progs.pt_dump, &opts);
  if (iter == nullptr) return libbpf_error("cannot attach the dump iterator", errno);
  links_.emplace_back("pt_dump", iter);
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
    // undo: remove whatever was pinned so far
    for (auto name : pins::kMaps) unlink(pins::path(dir, name).c_str());
    for (auto &[name, link] : links_) unlink(pins::path(dir, std::string(pins::kLinkPrefix) + name).c_str());
    rmdir(dir.c_str());
    return e;
  };
  auto *skel = skel_;
  const std::pair<std::string_view, bpf_map *> maps[] = {
      {pins::kState, skel->maps.state},         {pins::kLiveKeys, skel->maps.live_keys},
      {pins::kLiveEntries, skel->maps.live_entries}, {pins::kSites, skel->maps.sites},
      {pins::kSiteStats, skel->maps.site_stats}, {pins::kCounters, skel->maps.counters},
      {pins::kAllocatorRanges, skel->maps.allocator_ranges}, {pins::kStacks, skel->maps.stacks},
      {pins::kStackStats, skel->maps.stack_stats},   {pins::kHitEvents, skel->maps.hit_events},
      {pins::kPoolHitTag, skel->maps.data_poolhittag}, {pins::kStackTags, skel->maps.data_stacktags},
      {pins::kDumpSites, skel->maps.dump_sites},     {pins::kDumpRequest, skel->maps.dump_request}};
  for (auto [name, map] : maps) {
    if (int err = bpf_map__pin(map, pins::path(dir, name).c_str()); err != 0)
      return fail(libbpf_error(fmt::format("cannot pin map {}", name), err));
  }
  for (auto &[name, link] : links_) {
    if (int err = bpf_link__pin(link, pins::path(dir, std::string(pins::kLinkPrefix) + name).c_str()); err != 0)
      return fail(libbpf_error(fmt::format("cannot pin link {}", name), err));
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
