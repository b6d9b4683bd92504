#include "kernel/pinned_state.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "common/unique_fd.h"
#include "kernel/loader.h"
#include "kernel/pin_layout.h"

namespace pooltag::kernel {

// Where the pinned maps meet the model, the numbers of bpf/pooltag.h and
// of model/snapshot.h must agree.
static_assert(static_cast<int>(model::Pool::Slab) == PT_POOL_SLAB &&
                  static_cast<int>(model::Pool::Percpu) == PT_POOL_PERCPU &&
                  static_cast<int>(model::Pool::Vmalloc) == PT_POOL_VMALLOC &&
                  static_cast<int>(model::Pool::Page) == PT_POOL_PAGE && model::kPoolCount == PT_POOL_COUNT,
              "pt_site.pool and pt_state.pools_mask are read as model::Pool values");
// A kmalloc site's variant: size class | gfp bits << PT_VARIANT_GFP_SHIFT,
// apart from the sized-cache mark (kmalloc_cache_name below takes it apart).
static_assert(((uint64_t{PT_GFP_ACCOUNT | PT_GFP_RECLAIMABLE} << PT_VARIANT_GFP_SHIFT) &
               (PT_VARIANT_SIZE_MASK | PT_VARIANT_SIZED_CACHE)) == 0,
              "the gfp bits of a kmalloc variant overlap its size class or the sized-cache mark");
static_assert(((uint64_t{PT_GFP_ACCOUNT | PT_GFP_RECLAIMABLE} << PT_VARIANT_GFP_SHIFT) >> PT_VARIANT_GFP_SHIFT) ==
                  (PT_GFP_ACCOUNT | PT_GFP_RECLAIMABLE),
              "the gfp bits of a kmalloc variant fit in 64 bits");

namespace {

size_t page_round(size_t bytes) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

int possible_cpus() { return std::max(libbpf_num_possible_cpus(), 1); }

std::string kmalloc_cache_name(uint64_t variant) {
  // The kmalloc program stores bytes_alloc | (gfp bits << 32), see
  // bpf/pooltag.bpf.c; SLUB's largest kmalloc cache is 2 pages.
  uint64_t size = variant & PT_VARIANT_SIZE_MASK;
  if (variant & PT_VARIANT_SIZED_CACHE) return fmt::format("cache-{}", size);  // kmem_cache_alloc before 6.0
  uint64_t gfp = (variant & ~PT_VARIANT_SIZED_CACHE) >> PT_VARIANT_GFP_SHIFT;
  if (size > 8192) return "kmalloc-large";
  std::string kind = (gfp & PT_GFP_ACCOUNT) ? "cg-" : (gfp & PT_GFP_RECLAIMABLE) ? "rcl-" : "";
  if (size >= 1024 && size % 1024 == 0) return fmt::format("kmalloc-{}{}k", kind, size / 1024);
  return fmt::format("kmalloc-{}{}", kind, size);
}

}  // namespace

MappedArray::MappedArray(MappedArray &&o) noexcept : data_(o.data_), bytes_(o.bytes_) {
  o.data_ = nullptr;
  o.bytes_ = 0;
}

MappedArray &MappedArray::operator=(MappedArray &&o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) munmap(data_, bytes_);
    data_ = o.data_;
    bytes_ = o.bytes_;
    o.data_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

MappedArray::~MappedArray() {
  if (data_ != nullptr) munmap(data_, bytes_);
}

Result<MappedArray> MappedArray::map(int fd, size_t bytes, const std::string &what, bool writable) {
  MappedArray m;
  m.bytes_ = page_round(bytes);
  void *p = mmap(nullptr, m.bytes_, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return error_from_errno("cannot map " + what);
  m.data_ = p;
  return m;
}

bool pins_exist(const std::string &dir) {
  struct stat st {};
  return stat(pins::path(dir, pins::Pin::State).c_str(), &st) == 0;
}

namespace {

// The inode of the state pin: a new enable pins a new one, so a reader
// can tell its state from a later one at the same directory.
uint64_t pinned_state_inode(const std::string &dir) {
  struct stat st {};
  return stat(pins::path(dir, pins::Pin::State).c_str(), &st) == 0 ? st.st_ino : 0;
}

// The programs attached through the links pinned in `dir`, by id.
std::vector<uint32_t> linked_program_ids(const std::string &dir) {
  std::vector<uint32_t> ids;
  for (const auto &name : pins::links(dir)) {
    UniqueFd fd(bpf_obj_get(pins::path(dir, name).c_str()));
    if (!fd) continue;
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0 && info.prog_id != 0) ids.push_back(info.prog_id);
  }
  return ids;
}

// The kernel frees a detached program after an RCU grace period, some
// 100 ms after its last link goes: until then `bpftool prog` lists it.
Status wait_until_unloaded(const std::vector<uint32_t> &ids) {
  constexpr int kPollMs = 10, kDeadlineMs = 10000;
  for (int waited = 0;; waited += kPollMs) {
    size_t loaded = 0;
    for (uint32_t id : ids)
      if (UniqueFd fd(bpf_prog_get_fd_by_id(id)); fd) ++loaded;
    if (loaded == 0) return Ok{};
    if (waited >= kDeadlineMs)
      return Error{fmt::format("{} detached programs are still loaded after {} s (held by another process?)",
                               loaded, kDeadlineMs / 1000)};
    usleep(kPollMs * 1000);
  }
}

}  // namespace

Status PinnedState::still_pinned() const {
  uint64_t inode = pinned_state_inode(dir_);
  if (inode == 0) return Error{"pool tagging was disabled (nothing pinned at " + dir_ + " any more)", kExitNotEnabled};
  if (inode != state_inode_)
    return Error{"pool tagging was disabled and enabled again at " + dir_ + ": run the command again",
                 kExitNotEnabled};
  return Ok{};
}

Result<std::unique_ptr<PinnedState>> PinnedState::open(const std::string &dir) {
  if (!pins_exist(dir)) {
    if (errno == EACCES || errno == EPERM) return error_from_errno("cannot read " + dir + " (root only)");
    return Error{"pool tagging is not enabled (nothing pinned at " + dir + "); run 'pooltag enable' first",
                 kExitNotEnabled};
  }
  std::unique_ptr<PinnedState> s(new PinnedState());
  s->dir_ = dir;
  s->state_inode_ = pinned_state_inode(dir);
  for (const auto &object : pins::objects()) {
    if (!object.opened) continue;
    UniqueFd &fd = s->fds_[pins::index(object.pin)];
    fd.reset(bpf_obj_get(pins::path(dir, object.name).c_str()));
    if (!fd && errno == ENOENT)  // disable removed it between the check and here
      return Error{"pool tagging was disabled while opening its state at " + dir, kExitNotEnabled};
    if (!fd) return error_from_errno(fmt::format("cannot open pinned map {}", pins::path(dir, object.name)));
  }
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(s->fd(pins::Pin::State), &zero, &s->state_) != 0)
    return error_from_errno("cannot read the state map");
  if (s->state_.version != PT_STATE_VERSION)
    return Error{fmt::format("pinned state at {} has format {}, this pooltag reads {}: run 'pooltag disable' and "
                             "enable again",
                             dir, s->state_.version, PT_STATE_VERSION)};
  // writable: marking sites for the hit tag and stack tags writes their flags
  auto sites = MappedArray::map(s->fd(pins::Pin::Sites), sizeof(pt_site) * s->state_.max_sites, "the site table", true);
  if (!sites) return sites.error();
  s->sites_ = std::move(*sites);
  auto stats = MappedArray::map(s->fd(pins::Pin::SiteStats),
                                sizeof(pt_site_stats) * s->state_.max_sites * std::max(s->state_.possible_cpus, 1u),
                                "the site counters");
  if (!stats) return stats.error();
  s->site_stats_ = std::move(*stats);
  if (!s->hash_live_table()) {
    auto keys =
        MappedArray::map(s->fd(pins::Pin::LiveKeys), sizeof(pt_live_bucket) * s->state_.live_buckets, "the live table");
    if (!keys) return keys.error();
    s->live_keys_ = std::move(*keys);
  }
  return s;
}

uint64_t monotonic_of_jiffies(const pt_state &state, uint64_t jiffies) {
  auto ticks = static_cast<int64_t>(jiffies - state.clock_jiffies);  // signed: may precede the sample
  return state.clock_monotonic_ns + static_cast<uint64_t>(ticks * static_cast<int64_t>(state.jiffy_ns));
}

pt_counters PinnedState::counters() const {
  int ncpu = possible_cpus();
  std::vector<pt_counters> per_cpu(static_cast<size_t>(ncpu));
  pt_counters total{};
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(fd(pins::Pin::Counters), &zero, per_cpu.data()) != 0) return total;
  for (const auto &c : per_cpu)
    for (int i = 0; i < PT_CNT_COUNT; ++i) total.v[i] += c.v[i];
  return total;
}

uint64_t PinnedState::live_used() const {
  uint64_t used = 0;
  if (hash_live_table()) {
    (void)for_each_live([&](const pt_live_record &) { ++used; });
    return used;
  }
  const auto *buckets = static_cast<const pt_live_bucket *>(live_keys_.data());
  for (uint32_t b = 0; b < state_.live_buckets; ++b)
    for (uint64_t key : buckets[b].addr) used += key != 0;
  return used;
}

Status PinnedState::for_each_live(const std::function<void(const pt_live_record &)> &each) const {
  if (hash_live_table()) {
    // copied in batches: a hash map cannot be mapped
    constexpr uint32_t kBatch = 4096;
    std::vector<uint64_t> keys(kBatch);
    std::vector<pt_live_record> values(kBatch);
    uint64_t in_batch = 0, out_batch = 0;
    for (bool first = true;; first = false) {
      uint32_t count = kBatch;
      int err = bpf_map_lookup_batch(fd(pins::Pin::LiveHash), first ? nullptr : &in_batch, &out_batch, keys.data(),
                                     values.data(), &count, nullptr);
      int saved = errno;
      for (uint32_t i = 0; i < count && i < kBatch; ++i)
        if (values[i].addr == keys[i]) each(values[i]);
      if (err != 0) {
        if (saved == ENOENT) return Ok{};
        return error_from_errno("cannot read the live table", saved);
      }
      in_batch = out_batch;
    }
  }
  uint64_t slots = static_cast<uint64_t>(state_.live_buckets) * PT_BUCKET_SLOTS;
  if (live_entries_.data() == nullptr) {
    auto m = MappedArray::map(fd(pins::Pin::LiveEntries), slots * sizeof(pt_live_entry), "the live entries");
    if (!m) return m.error();
    live_entries_ = std::move(*m);
  }
  const auto *buckets = static_cast<const pt_live_bucket *>(live_keys_.data());
  const auto *entries = static_cast<const pt_live_entry *>(live_entries_.data());
  for (uint32_t b = 0; b < state_.live_buckets; ++b) {
    for (uint32_t i = 0; i < PT_BUCKET_SLOTS; ++i) {
      const uint64_t key = __atomic_load_n(&buckets[b].addr[i], __ATOMIC_ACQUIRE);
      // empty, or claimed and still being written
      if (key == 0 || (key & PT_KEY_PENDING) != 0) continue;
      pt_live_record r{};
      r.addr = key;
      r.site = buckets[b].site[i];
      r.size = buckets[b].size[i];
      r.entry = entries[static_cast<size_t>(b) * PT_BUCKET_SLOTS + i];
      // freed or refilled while read: the slot must still hold the same key
      if (__atomic_load_n(&buckets[b].addr[i], __ATOMIC_ACQUIRE) != key) continue;
      each(r);
    }
  }
  return Ok{};
}

std::vector<ProgramInfo> PinnedState::programs() const {
  std::vector<ProgramInfo> out;
  for (const auto &name : pins::links(dir_)) {
    UniqueFd link_fd(bpf_obj_get(pins::path(dir_, name).c_str()));
    if (!link_fd) continue;
    bpf_link_info link{};
    uint32_t len = sizeof(link);
    ProgramInfo info;
    info.name = name.substr(pins::kLinkPrefix.size());
    if (bpf_obj_get_info_by_fd(link_fd.get(), &link, &len) == 0) {
      if (UniqueFd prog_fd(bpf_prog_get_fd_by_id(link.prog_id)); prog_fd) {
        bpf_prog_info prog{};
        uint32_t plen = sizeof(prog);
        if (bpf_obj_get_info_by_fd(prog_fd.get(), &prog, &plen) == 0) {
          info.id = prog.id;
          info.program = prog.name;
          info.recursion_misses = prog.recursion_misses;
          info.run_count = prog.run_cnt;
        }
      }
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const ProgramInfo &a, const ProgramInfo &b) { return a.name < b.name; });
  return out;
}

Result<model::Snapshot> PinnedState::snapshot() const {
  model::Snapshot snap;
  snap.pools = model::PoolSet{state_.pools_mask};
  snap.enabled_since_ns = state_.enabled_realtime_ns;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  snap.taken_at_ns = static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
  snap.live_capacity = static_cast<uint64_t>(state_.live_buckets) * PT_BUCKET_SLOTS;
  snap.live_used = live_used();
  snap.site_capacity = state_.max_sites;
  snap.sample_every = std::max<uint32_t>(state_.sample_every, 1);

  // The site counters are mapped: one row of max_sites per CPU, summed.
  const uint32_t n = state_.max_sites;
  const uint32_t ncpu = std::max(state_.possible_cpus, 1u);
  const auto *rows = static_cast<const pt_site_stats *>(site_stats_.data());
  std::vector<pt_site_stats> totals(n);
  for (uint32_t c = 0; c < ncpu; ++c) {
    const pt_site_stats *row = rows + static_cast<size_t>(c) * n;
    for (uint32_t i = 0; i < n; ++i) {
      const pt_site_stats &v = row[i];
      auto &t = totals[i];
      t.allocs += v.allocs;
      t.frees += v.frees;
      t.alloc_bytes += v.alloc_bytes;
      t.free_bytes += v.free_bytes;
      t.untracked += v.untracked;
      t.untracked_bytes += v.untracked_bytes;
      t.implicit_frees += v.implicit_frees;
      t.implicit_free_bytes += v.implicit_free_bytes;
    }
  }

  const auto *sites = static_cast<const pt_site *>(sites_.data());
  for (uint32_t i = 0; i < n; ++i) {
    const pt_site &s = sites[i];
    const pt_site_stats &t = totals[i];
    bool ready = (s.flags & PT_SITE_READY) != 0;
    if (!ready && i != PT_SITE_OVERFLOW) continue;
    if (t.allocs == 0 && t.frees == 0 && t.implicit_frees == 0 && t.untracked == 0) continue;
    model::SiteSample sample = describe_site(i);
    // bytes per event only where sizes differ; else counts times the size
    const bool per_event = (s.flags & PT_SITE_VARIABLE_SIZE) != 0 || i == PT_SITE_OVERFLOW;
    // the kernel counts frees seen and implicit ones apart (one writer each)
    const uint64_t frees = t.frees + t.implicit_frees;
    const uint64_t alloc_bytes = per_event ? t.alloc_bytes : t.allocs * s.object_size;
    const uint64_t free_bytes = per_event ? t.free_bytes + t.implicit_free_bytes : frees * s.object_size;
    sample.counts = model::Counts{t.allocs,    frees,             alloc_bytes,      free_bytes,
                                  t.untracked, t.untracked_bytes, t.implicit_frees};
    snap.sites.push_back(std::move(sample));
  }

  pt_counters c = counters();
  snap.losses.stack_collisions = c.v[PT_CNT_STACK_COLLISIONS];
  snap.losses.stack_full = c.v[PT_CNT_STACK_FULL];
  snap.losses.hit_drops = c.v[PT_CNT_HIT_DROPS];
  snap.losses.untracked = c.v[PT_CNT_LIVE_FULL];
  snap.losses.table_busy = c.v[PT_CNT_LIVE_BUSY];
  snap.losses.implicit_frees = c.v[PT_CNT_IMPLICIT_FREES];
  snap.losses.site_overflow = c.v[PT_CNT_SITE_OVERFLOW];
  // walks that failed: for attribution (vmalloc, page) and for stored stacks
  snap.losses.stack_errors = c.v[PT_CNT_STACK_ERRORS] + c.v[PT_CNT_STACK_FAILED];
  snap.losses.no_caller = c.v[PT_CNT_NO_CALLER];
  snap.losses.bulk_unseen = c.v[PT_CNT_BULK_UNSEEN];
  snap.losses.stack_reuse = {c.v[PT_CNT_STACK_REUSED],         c.v[PT_CNT_STACK_WALKED],
                             c.v[PT_CNT_STACK_UNREUSABLE],     c.v[PT_CNT_STACK_REUSE_CHECKED],
                             c.v[PT_CNT_STACK_REUSE_DIFFERED], state_.stack_reuse_entries ? state_.stack_check_every : 0};
  snap.free_unmatched = c.v[PT_CNT_FREE_UNMATCHED];
  snap.bulk_paths = (state_.flags & PT_STATE_BULK_PATHS) != 0;
  snap.bulk_left_out = (state_.flags & PT_STATE_BULK_DECLINED) != 0;
  snap.bulk_frees = c.v[PT_CNT_BULK_FREES];
  snap.bulk_allocs = c.v[PT_CNT_BULK_ALLOCS];
  snap.rcu_sheaf_frees = c.v[PT_CNT_RCU_SHEAF_FREES];
  // one program may serve several tracepoints: count each program once
  std::set<uint32_t> counted;
  for (const auto &p : programs())
    if (counted.insert(p.id).second) snap.losses.recursion_misses += p.recursion_misses;
  return snap;
}

model::SiteSample PinnedState::describe_site(uint32_t slot) const {
  const auto *sites = static_cast<const pt_site *>(sites_.data());
  model::SiteSample sample;
  sample.id = slot;
  if (slot >= state_.max_sites) return sample;
  const pt_site &s = sites[slot];
  bool ready = (s.flags & PT_SITE_READY) != 0;
  sample.site.code_address = ready ? s.call_site : 0;
  sample.site.pool = static_cast<model::Pool>(std::min<uint32_t>(s.pool, model::kPoolCount - 1));
  sample.site.variant = s.variant;
  if (s.cache[0] != '\0')
    sample.site.cache.assign(s.cache, strnlen(s.cache, sizeof(s.cache)));
  else if (sample.site.pool == model::Pool::Slab && ready)
    sample.site.cache = kmalloc_cache_name(s.variant);
  return sample;
}

Result<std::vector<model::LiveAllocation>> PinnedState::live(const std::function<bool(uint32_t site)> &want) const {
  const uint64_t now_ns = monotonic_now_ns();
  std::vector<model::LiveAllocation> out;
  auto st = for_each_live([&](const pt_live_record &r) {
    const uint32_t site = r.site & PT_SITE_SLOT_MASK;
    if (!want(site)) return;
    model::LiveAllocation a;
    a.address = r.addr;
    a.size = r.size;
    uint64_t alloc_ns = monotonic_of_jiffies(state_, r.entry.alloc_jiffies);
    a.age_ns = now_ns > alloc_ns ? now_ns - alloc_ns : 0;
    a.pid = r.entry.pid;
    a.comm.assign(r.entry.comm, strnlen(r.entry.comm, sizeof(r.entry.comm)));
    a.site = site;
    a.stack_id = r.entry.stack_id;
    out.push_back(std::move(a));
  });
  if (!st) return st.error();
  return out;
}

std::vector<uint64_t> PinnedState::stack(int32_t stack_id) const {
  std::vector<uint64_t> ips(state_.stack_depth);
  if (stack_id < 0 || ips.empty()) return {};
  uint32_t id = static_cast<uint32_t>(stack_id);
  if (bpf_map_lookup_elem(fd(pins::Pin::Stacks), &id, ips.data()) != 0) return {};
  while (!ips.empty() && ips.back() == 0) ips.pop_back();
  return ips;
}

Result<std::vector<model::StackCounts>> PinnedState::stack_counts() const {
  const int ncpu = possible_cpus();
  std::vector<pt_stack_stats> per_cpu(static_cast<size_t>(ncpu));
  std::vector<model::StackCounts> out;
  // only ids present in the stack table can have counts
  uint32_t key = 0, next = 0;
  bool first = true;
  while (bpf_map_get_next_key(fd(pins::Pin::Stacks), first ? nullptr : &key, &next) == 0) {
    first = false;
    key = next;
    if (bpf_map_lookup_elem(fd(pins::Pin::StackStats), &key, per_cpu.data()) != 0) continue;
    pt_stack_stats total{};
    for (const auto &c : per_cpu) {
      total.allocs += c.allocs;
      total.frees += c.frees;
      total.alloc_bytes += c.alloc_bytes;
      total.free_bytes += c.free_bytes;
      if (c.allocs != 0) total.site = c.site;
    }
    if (total.allocs != 0 || total.frees != 0)
      out.push_back(model::StackCounts{static_cast<int32_t>(key), total.site, total.allocs, total.frees,
                                       total.alloc_bytes, total.free_bytes});
  }
  return out;
}

Result<std::map<uint64_t, std::vector<uint8_t>>> PinnedState::dump(const std::vector<uint64_t> &addresses,
                                                                   uint32_t bytes) const {
  std::map<uint64_t, std::vector<uint8_t>> out;
  // the request and output maps are shared: one dump at a time
  UniqueFd lock_fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!lock_fd || flock(lock_fd.get(), LOCK_EX) != 0) return error_from_errno("cannot lock " + dir_ + " for a dump");
  Status status = Ok{};
  auto record = std::make_unique<pt_dump_record>();
  uint32_t zero = 0;
  for (size_t done = 0; done < addresses.size() && status;) {
    pt_dump_request req{};
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(PT_DUMP_BATCH, addresses.size() - done));
    std::copy_n(addresses.begin() + static_cast<std::ptrdiff_t>(done), n, req.addr);
    if (bpf_map_update_elem(fd(pins::Pin::DumpRequest), &zero, &req, BPF_ANY) != 0) {
      status = error_from_errno("cannot write the dump request");
      break;
    }
    uint64_t args[2] = {n, std::min<uint32_t>(bytes, PT_MAX_DUMP_BYTES)};
    LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
    if (bpf_prog_test_run_opts(fd(pins::Pin::DumpProgram), &run) != 0) {
      status = error_from_errno("cannot run the dump program (BPF_PROG_TEST_RUN)");
      break;
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (bpf_map_lookup_elem(fd(pins::Pin::DumpOutput), &i, record.get()) != 0) {
        status = error_from_errno("cannot read the dumped objects");
        break;
      }
      if (!record->live || record->addr != req.addr[i]) continue;
      out[record->addr].assign(record->data, record->data + std::min<uint32_t>(record->bytes, PT_MAX_DUMP_BYTES));
    }
    done += n;
  }
  flock(lock_fd.get(), LOCK_UN);
  if (!status) return status.error();
  return out;
}

Result<pt_tag_selector> PinnedState::read_selector(Selector which) const {
  pt_tag_selector sel{};
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(selector_fd(which), &zero, &sel) != 0) return error_from_errno("cannot read the tag selector");
  return sel;
}

Status PinnedState::write_selector(Selector which, const pt_tag_selector &value) const {
  uint32_t zero = 0;
  if (bpf_map_update_elem(selector_fd(which), &zero, &value, BPF_ANY) != 0)
    return error_from_errno("cannot write the tag selector");
  return Ok{};
}

Result<size_t> PinnedState::mark_sites(uint32_t flag, const std::function<bool(const model::SiteSample &)> &want) const {
  auto *sites = static_cast<pt_site *>(sites_.writable_data());
  size_t marked = 0;
  for (uint32_t i = 0; i < state_.max_sites; ++i) {
    pt_site &s = sites[i];
    if (!(__atomic_load_n(&s.flags, __ATOMIC_RELAXED) & PT_SITE_READY)) continue;
    if (want(describe_site(i))) {
      __atomic_fetch_or(&s.flags, flag, __ATOMIC_RELAXED);
      ++marked;
    } else {
      __atomic_fetch_and(&s.flags, ~flag, __ATOMIC_RELAXED);
    }
  }
  return marked;
}

Status remove_pins(const std::string &dir) {
  auto names = pins::entries(dir);
  if (!names) {
    if (errno == ENOENT) return Error{"pool tagging is not enabled (nothing pinned at " + dir + ")", kExitNotEnabled};
    return error_from_errno("cannot open " + dir);
  }
  // Links first: the programs stop before their maps go away. Then the
  // table's objects, then whatever else is there (another version's pins).
  const auto &objects = pins::objects();
  auto rank = [&](const std::string &name) -> size_t {
    if (pins::is_link(name)) return 0;
    auto it = std::find_if(objects.begin(), objects.end(), [&](const auto &o) { return o.name == name; });
    return 1 + static_cast<size_t>(it - objects.begin());
  };
  std::stable_sort(names->begin(), names->end(), [&](const auto &a, const auto &b) { return rank(a) < rank(b); });
  for (const auto &name : *names)
    if (unlink(pins::path(dir, name).c_str()) != 0 && errno != ENOENT)
      return error_from_errno("cannot remove " + pins::path(dir, name));
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT) return error_from_errno("cannot remove " + dir);
  return Ok{};
}

Status remove_pins_and_wait(const std::string &dir) {
  const auto attached = linked_program_ids(dir);
  if (auto st = remove_pins(dir); !st) return st;
  // done only when the kernel no longer lists the programs
  return wait_until_unloaded(attached);
}

}  // namespace pooltag::kernel
