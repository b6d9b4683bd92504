#include "kernel/plan.h"

#include <fmt/format.h>

namespace pooltag::kernel {

namespace {

using model::Pool;

bool is_cache_pointer(const std::string &type) { return type == "struct kmem_cache *"; }

std::string program(const std::string &base, bool legacy) { return legacy ? base + "_legacy" : base; }

// A pool is on only if every tracepoint it needs got a program.
struct PoolBuilder {
  PoolPlan &plan;
  bool failed = false;

  void fail(std::string reason) {
    if (failed) return;
    failed = true;
    plan.reason = std::move(reason);
  }
  void attach(std::string prog, std::string tracepoint) {
    plan.attachments.push_back({std::move(prog), std::move(tracepoint)});
  }
  void finish() {
    plan.on = plan.requested && !failed;
    if (!plan.on) plan.attachments.clear();
  }
};

std::string missing(std::string_view tracepoint, std::string_view since) {
  return fmt::format("this kernel has no {} tracepoint{}", tracepoint,
                     since.empty() ? "" : fmt::format(" (Linux {}+)", since));
}

std::string unknown(std::string_view tracepoint, const TracepointPrototype &proto) {
  return fmt::format("{} has a prototype pooltag does not know: {}", tracepoint, proto.text());
}

void plan_slab(const KernelFeatures &k, bool legacy, PoolBuilder b) {
  const auto *kmalloc = k.tracepoint("kmalloc");
  const auto *cache_alloc = k.tracepoint("kmem_cache_alloc");
  if (!kmalloc || !cache_alloc || !k.tracepoint("kfree") || !k.tracepoint("kmem_cache_free")) {
    b.fail(missing(!kmalloc ? "kmalloc" : !cache_alloc ? "kmem_cache_alloc" : "kfree or kmem_cache_free", ""));
    return b.finish();
  }
  // kmalloc: (call_site, ptr, [s,] bytes_req, bytes_alloc, gfp_flags[, node])
  std::string kmalloc_program;
  if (kmalloc->params.size() >= 6 && is_cache_pointer(kmalloc->params[2])) {
    if (legacy) b.fail("kmalloc carries a cache pointer, but this kernel has no BPF atomics: an unknown mix");
    kmalloc_program = "pt_kmalloc_with_cache";
  } else if (kmalloc->params.size() >= 5) {
    kmalloc_program = program("pt_kmalloc", legacy);
  } else {
    b.fail(unknown("kmalloc", *kmalloc));
  }
  // kmem_cache_alloc: (call_site, ptr, s, ...) 6.0+, (call_site, ptr, bytes_req, bytes_alloc, ...) before
  std::string cache_program;
  if (cache_alloc->params.size() >= 3 && is_cache_pointer(cache_alloc->params[2])) {
    if (legacy) b.fail("kmem_cache_alloc carries a cache pointer, but this kernel has no BPF atomics: an unknown mix");
    cache_program = "pt_cache_alloc";
  } else if (cache_alloc->params.size() >= 5) {
    cache_program = program("pt_cache_alloc_sized", legacy);
  } else {
    b.fail(unknown("kmem_cache_alloc", *cache_alloc));
  }
  b.attach(kmalloc_program, "kmalloc");
  b.attach(cache_program, "kmem_cache_alloc");
  // ..6.0: the _node variants take the same leading arguments, plus node
  if (const auto *node = k.tracepoint("kmalloc_node")) {
    if (node->params.size() < kmalloc->params.size()) b.fail(unknown("kmalloc_node", *node));
    b.attach(kmalloc_program, "kmalloc_node");
  }
  if (const auto *node = k.tracepoint("kmem_cache_alloc_node")) {
    if (node->params.size() < cache_alloc->params.size()) b.fail(unknown("kmem_cache_alloc_node", *node));
    b.attach(cache_program, "kmem_cache_alloc_node");
  }
  b.attach(program("pt_slab_free", legacy), "kfree");
  b.attach(program("pt_slab_free", legacy), "kmem_cache_free");
  b.finish();
}

void plan_percpu(const KernelFeatures &k, bool legacy, PoolBuilder b) {
  const auto *alloc = k.tracepoint("percpu_alloc_percpu");
  if (!alloc || !k.tracepoint("percpu_free_percpu")) {
    b.fail(missing(!alloc ? "percpu_alloc_percpu" : "percpu_free_percpu", ""));
    return b.finish();
  }
  if (alloc->params.size() >= 10) {  // 5.19+: call_site first, bytes_alloc
    if (legacy) b.fail("percpu_alloc_percpu has a call site, but this kernel has no BPF atomics: an unknown mix");
    b.attach("pt_percpu_alloc", "percpu_alloc_percpu");
  } else if (alloc->params.size() == 7) {
    b.attach(program("pt_percpu_alloc_stack", legacy), "percpu_alloc_percpu");
    b.plan.note =
        "percpu_alloc_percpu has no call_site on this kernel (Linux 5.19+): allocations are charged to the first "
        "caller on the stack outside the allocator";
  } else {
    b.fail(unknown("percpu_alloc_percpu", *alloc));
  }
  b.attach(program("pt_percpu_free", legacy), "percpu_free_percpu");
  b.finish();
}

void plan_vmalloc(const KernelFeatures &k, bool legacy, PoolBuilder b) {
  if (!k.tracepoint("alloc_vmap_area") || !k.tracepoint("free_vmap_area_noflush")) {
    b.fail(missing(!k.tracepoint("alloc_vmap_area") ? "alloc_vmap_area" : "free_vmap_area_noflush", "6.2"));
    return b.finish();
  }
  if (legacy) b.fail("the vmalloc programs need BPF atomics (Linux 5.12+)");
  b.attach("pt_vmap_alloc", "alloc_vmap_area");
  b.attach("pt_vmap_free", "free_vmap_area_noflush");
  b.finish();
}

void plan_page(const KernelFeatures &k, bool legacy, PoolBuilder b) {
  if (!k.tracepoint("mm_page_alloc") || !k.tracepoint("mm_page_free")) {
    b.fail(missing(!k.tracepoint("mm_page_alloc") ? "mm_page_alloc" : "mm_page_free", ""));
    return b.finish();
  }
  b.attach(program("pt_page_alloc", legacy), "mm_page_alloc");
  b.attach(program("pt_page_free", legacy), "mm_page_free");
  b.finish();
}

bool proto_is(const FunctionPrototype *f, std::string_view returns, std::initializer_list<std::string_view> params) {
  if (f == nullptr || f->returns != returns || f->params.size() != params.size()) return false;
  size_t i = 0;
  for (auto p : params)
    if (f->params[i++] != p) return false;
  return true;
}

void plan_bulk(const KernelFeatures &k, bool legacy, const PoolPlan &slab, BulkPlan &b) {
  if (!slab.on) return;
  if (!k.has(Feature::Fentry)) {
    b.reason = fmt::format("this kernel refuses fentry programs ({})", k.probe(Feature::Fentry).detail);
    return;
  }
  const auto *free_bulk = k.function("kmem_cache_free_bulk");
  if (!proto_is(free_bulk, "void", {"struct kmem_cache *", "size_t", "void **"})) {
    b.reason = free_bulk ? "kmem_cache_free_bulk has a prototype pooltag does not know: " + free_bulk->text()
                         : "this kernel's BTF has no kmem_cache_free_bulk";
    return;
  }
  b.on = true;
  b.attachments.push_back({program("pt_free_bulk", legacy), "kmem_cache_free_bulk", true});
  // 6.10+ names the allocation functions _noprof (memory allocation profiling)
  bool alloc = false;
  for (const char *name : {"kmem_cache_alloc_bulk_noprof", "kmem_cache_alloc_bulk"})
    if (proto_is(k.function(name), "int", {"struct kmem_cache *", "gfp_t", "size_t", "void **"})) {
      b.attachments.push_back({program("pt_alloc_bulk", legacy), name, true});
      alloc = true;
      break;
    }
  if (!alloc)
    b.notes.push_back("this kernel's BTF has no kmem_cache_alloc_bulk of a known prototype: bulk allocations are "
                      "not tagged (their frees count as frees of untracked addresses)");
  if (const auto *sheaf = k.function("__kfree_rcu_sheaf")) {
    if (!legacy && proto_is(sheaf, "bool", {"struct kmem_cache *", "void *"}))
      b.attachments.push_back({"pt_rcu_sheaf_free", "__kfree_rcu_sheaf", true});
    else
      b.notes.push_back("__kfree_rcu_sheaf has a prototype pooltag does not know (" + sheaf->text() +
                        "): objects kfree_rcu puts in RCU sheaves are retired only by address reuse");
  }
}

}  // namespace

model::PoolSet TaggingPlan::enabled() const {
  model::PoolSet set;
  for (const auto &p : pools)
    if (p.on) set.add(p.pool);
  return set;
}

void TaggingPlan::drop(model::Pool p, const std::string &reason) {
  auto &pp = pool(p);
  pp.on = false;
  pp.reason = reason;
  pp.attachments.clear();
  if (p == model::Pool::Slab) {
    fatal = "slab pool: " + reason;
    bulk.on = false;
    bulk.attachments.clear();
  }
}

void TaggingPlan::drop_bulk(const std::string &reason) {
  bulk.on = false;
  bulk.reason = reason;
  bulk.notes.clear();
  bulk.attachments.clear();
}

bool TaggingPlan::is_bulk_program(const std::string &program) const {
  for (const auto &a : bulk.attachments)
    if (a.program == program) return true;
  return false;
}

std::vector<Attachment> TaggingPlan::attachments() const {
  std::vector<Attachment> out;
  for (const auto &p : pools) out.insert(out.end(), p.attachments.begin(), p.attachments.end());
  out.insert(out.end(), bulk.attachments.begin(), bulk.attachments.end());
  return out;
}

TaggingPlan plan_tagging(const KernelFeatures &kernel, model::PoolSet requested) {
  TaggingPlan plan;
  for (auto p : model::kAllPools) {
    PoolPlan pp;
    pp.pool = p;
    pp.requested = requested.has(p);
    plan.pools.push_back(std::move(pp));
  }
  if (!kernel.btf) {
    plan.fatal = kernel.btf_detail.empty() ? "this kernel has no BTF (/sys/kernel/btf/vmlinux): pooltag needs "
                                             "CONFIG_DEBUG_INFO_BTF"
                                           : kernel.btf_detail;
  } else if (!kernel.has(Feature::Mmapable)) {
    plan.fatal = "this kernel has no mmapable BPF arrays (Linux 5.5+): " + kernel.probe(Feature::Mmapable).detail;
  } else if (!kernel.has(Feature::TestRun)) {
    plan.fatal = "this kernel cannot run a raw_tp BPF program on request (BPF_PROG_TEST_RUN, Linux 5.10+): " +
                 kernel.probe(Feature::TestRun).detail;
  }
  // without atomics, or without the task pointer the fast path loads pid and
  // comm through, the _legacy programs
  plan.hash_live_table = !kernel.has(Feature::Atomics) || !kernel.has(Feature::TaskBtf);
  const bool legacy = plan.hash_live_table;
  // the guard is in __bpf_trace_run, which BTF does not describe: known by
  // the release it came with (an older kernel with it backported only keeps
  // the locked adds)
  plan.raw_tp_never_nests = release_at_least(kernel.release, 6, 1);
  plan_slab(kernel, legacy, {plan.pool(Pool::Slab)});
  plan_percpu(kernel, legacy, {plan.pool(Pool::Percpu)});
  plan_vmalloc(kernel, legacy, {plan.pool(Pool::Vmalloc)});
  plan_page(kernel, legacy, {plan.pool(Pool::Page)});
  if (plan.fatal.empty() && plan.pool(Pool::Slab).requested && !plan.pool(Pool::Slab).on)
    plan.fatal = "slab pool: " + plan.pool(Pool::Slab).reason;
  if (plan.fatal.empty()) plan_bulk(kernel, legacy, plan.pool(Pool::Slab), plan.bulk);
  if (!plan.fatal.empty())
    for (auto &p : plan.pools) {
      p.on = false;
      p.attachments.clear();
    }
  return plan;
}

bool release_at_least(std::string_view release, int major, int minor) {
  int parts[2] = {0, 0};
  size_t i = 0;
  for (int &part : parts) {
    if (i >= release.size() || release[i] < '0' || release[i] > '9') return false;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9') part = part * 10 + (release[i++] - '0');
    if (&part == &parts[0] && (i >= release.size() || release[i++] != '.')) return false;
  }
  return parts[0] != major ? parts[0] > major : parts[1] >= minor;
}

std::optional<model::Pool> pool_of_program(const TaggingPlan &plan, const std::string &program) {
  for (const auto &p : plan.pools)
    for (const auto &a : p.attachments)
      if (a.program == program) return p.pool;
  return std::nullopt;
}

}  // namespace pooltag::kernel
