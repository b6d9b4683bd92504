#include "kernel/features.h"


namespace pooltag::kernel {

const std::vector<FeatureInfo> &feature_table() {
  static const std::vector<FeatureInfo> table = {
      {Feature::Atomics, "atomics", "5.12", "the bucket live table (without: a hash-map live table, slower)"},
      {Feature::TaskBtf, "task_btf", "5.11", "pid and comm of each allocation by direct loads"},
      {Feature::TestRun, "raw_tp_test_run", "5.10", "the clock sample at enable and object dumps"},
      {Feature::Mmapable, "mmapable_maps", "5.5", "readers map the tables instead of copying them"},
      {Feature::RingBuffer, "ring_buffer", "5.8", "hit events"},
      {Feature::Iterators, "iterators", "5.8", "not needed (object dumps run by BPF_PROG_TEST_RUN)"},
      {Feature::Fentry, "fentry", "5.5",
       "exact bulk frees and bulk allocations (kmem_cache_free_bulk, kmem_cache_alloc_bulk, RCU sheaves)"},
      {Feature::SyscallPrograms, "syscall_programs", "5.14", "not needed (the clock sample is a raw_tp test run)"},
      {Feature::Kprobes, "kprobes", "", "not needed (the bulk paths use fentry)"},
  };
  return table;
}

const std::vector<std::string_view> &tracepoint_names() {
  static const std::vector<std::string_view> names = {
      "kmalloc",          "kmalloc_node",       "kmem_cache_alloc", "kmem_cache_alloc_node", "kfree",
      "kmem_cache_free",  "percpu_alloc_percpu", "percpu_free_percpu", "alloc_vmap_area",
      "free_vmap_area_noflush", "mm_page_alloc", "mm_page_free"};
  return names;
}

const std::vector<std::string_view> &function_names() {
  static const std::vector<std::string_view> names = {"kmem_cache_free_bulk", "kmem_cache_alloc_bulk",
                                                      "kmem_cache_alloc_bulk_noprof", "__kfree_rcu_sheaf"};
  return names;
}

std::string FunctionPrototype::text() const {
  std::string out = returns + " (";
  for (size_t i = 0; i < params.size(); ++i) out += (i ? ", " : "") + params[i];
  return out + ")";
}

std::string TracepointPrototype::text() const {
  std::string out = "(";
  for (size_t i = 0; i < params.size(); ++i) out += (i ? ", " : "") + params[i];
  return out + ")";
}

const TracepointPrototype *KernelFeatures::tracepoint(std::string_view name) const {
  auto it = tracepoints.find(name);
  return it == tracepoints.end() ? nullptr : &it->second;
}

const FunctionPrototype *KernelFeatures::function(std::string_view name) const {
  auto it = functions.find(name);
  return it == functions.end() ? nullptr : &it->second;
}

bool KernelFeatures::has(Feature f) const { return probe(f).available; }

const Probe &KernelFeatures::probe(Feature f) const {
  static const Probe unknown{false, "not probed"};
  auto it = probes.find(f);
  return it == probes.end() ? unknown : it->second;
}

KernelFeatures probe_kernel(KernelProbe &kernel) {
  KernelFeatures out;
  out.release = kernel.release();
  out.btf = kernel.load_btf(out.btf_detail);
  if (out.btf)
    for (auto name : tracepoint_names())
      if (auto proto = kernel.tracepoint(name)) out.tracepoints.emplace(std::string(name), std::move(*proto));
  if (out.btf)
    for (auto name : function_names())
      if (auto proto = kernel.function(name)) out.functions.emplace(std::string(name), std::move(*proto));
  for (const auto &f : feature_table()) out.probes[f.feature] = kernel.probe(f.feature);
  return out;
}

}  // namespace pooltag::kernel
