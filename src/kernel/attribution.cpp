#include "kernel/attribution.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/wildcard.h"

namespace pooltag::kernel {

const std::vector<std::string> &allocator_function_patterns() {
  // Names carry a `_noprof` suffix on kernels with memory allocation
  // profiling, and `.constprop.N`/`.isra.N` on compiler clones: the
  // trailing `*` covers both.
  static const std::vector<std::string> kPatterns = {
      // tracing machinery between the tracepoint and the program
      "bpf_trace_run*", "__bpf_trace_mm_page_alloc*", "__bpf_trace_alloc_vmap_area*", "__traceiter_mm_page_alloc*",
      "__traceiter_alloc_vmap_area*", "trace_mm_page_alloc*", "trace_alloc_vmap_area*",
      // page allocator
      "__alloc_pages*", "alloc_pages*", "__alloc_frozen_pages*", "alloc_frozen_pages*", "get_page_from_freelist*",
      "rmqueue*", "__rmqueue*", "__folio_alloc*", "folio_alloc*", "__get_free_pages*", "get_zeroed_page*",
      "alloc_pages_bulk*", "__alloc_pages_bulk*", "alloc_pages_mpol*", "__alloc_pages_slowpath*",
      "prep_new_page*", "post_alloc_hook*",
      // slab backing pages and large kmalloc
      "allocate_slab*", "new_slab*", "___slab_alloc*", "__slab_alloc*", "alloc_slab_page*",
      "__kmalloc_large*", "___kmalloc_large*", "kmalloc_large*", "__kmalloc*", "kmalloc_*",
      "kmem_cache_alloc*", "__kmem_cache_alloc*", "slab_alloc*",
      // vmalloc
      "alloc_vmap_area*", "__get_vm_area*", "get_vm_area*", "__vmalloc*", "vmalloc*", "vzalloc*",
      "vm_area_alloc_pages*", "__vmalloc_area_node*", "kvmalloc*", "__kvmalloc*", "kvrealloc*",
      "kvzalloc*", "vmap", "vmap_pages_range*", "vm_map_ram*", "execmem_*", "module_alloc*",
      // percpu (its tracepoint has no call site before Linux 5.19)
      "pcpu_alloc*", "__alloc_percpu*", "__alloc_reserved_percpu*", "alloc_percpu*",
  };
  return kPatterns;
}

Result<std::vector<CodeRange>> allocator_ranges(const symbols::KernelSymbols &symbols,
                                                const std::vector<std::string> &patterns, size_t limit) {
  std::vector<CodeRange> ranges;
  const auto &all = symbols.all();
  for (const auto &sym : all) {
    if (!sym.module.empty()) continue;  // allocators live in vmlinux
    bool match = std::any_of(patterns.begin(), patterns.end(),
                             [&](const std::string &p) { return wildcard_match(p, sym.name); });
    if (!match) continue;
    if (!ranges.empty() && ranges.back().end == sym.address)
      ranges.back().end = sym.end;  // adjacent functions: one range
    else
      ranges.push_back(CodeRange{sym.address, sym.end});
  }
  if (ranges.size() > limit)
    return Error{fmt::format("{} allocator code ranges, more than the {} the programs can search", ranges.size(),
                             limit)};
  return ranges;
}

StackReuseRanges stack_reuse_ranges(const symbols::KernelSymbols &symbols, size_t max_entries) {
  // The functions that begin a kernel stack: the system call entries
  // (which move the stack by a random offset below their frame) and the
  // first frame of every kernel thread.
  static const char *const kEntries[] = {"do_syscall_64",       "__do_fast_syscall_32", "do_fast_syscall_32",
                                         "do_int80_syscall_32", "do_int80_emulation",   "ret_from_fork",
                                         "ret_from_fork_asm"};
  StackReuseRanges out;
  std::vector<CodeRange> found;
  for (const auto &sym : symbols.all()) {
    if (!sym.module.empty()) continue;
    // the lowest text address (_text, _stext: aliases keep one name)
    if (out.code_start == 0 && sym.address != 0) out.code_start = sym.address;
    // KASAN doubles THREAD_SIZE, which the programs take to be 16K
    if (sym.name == "kasan_report") out.off = "this kernel has KASAN (kernel stacks are larger than 16K)";
    if (std::find(std::begin(kEntries), std::end(kEntries), sym.name) != std::end(kEntries))
      found.push_back(CodeRange{sym.address, sym.end});
  }
  if (!out.off.empty()) return out;
  if (out.code_start == 0) {
    out.off = "kallsyms has no kernel text";
    return out;
  }
  if (found.empty()) {
    out.off = "kallsyms has none of the system call entry functions (do_syscall_64, ...)";
    return out;
  }
  // x86-64: the kernel image, then the module area (module code, BPF
  // programs and trampolines), up to the fixmap
  out.code_end = 0xffffffffff000000ull;
  std::sort(found.begin(), found.end(), [](const CodeRange &a, const CodeRange &b) { return a.start < b.start; });
  for (const auto &r : found) {
    // neighbours one function prefix apart (__pfx_ padding, no code) merge
    if (!out.entries.empty() && r.start - out.entries.back().end <= 64)
      out.entries.back().end = std::max(out.entries.back().end, r.end);
    else
      out.entries.push_back(r);
  }
  if (out.entries.size() > max_entries) {
    out.off = fmt::format("{} entry function ranges, more than the {} the programs check", out.entries.size(),
                          max_entries);
    out.entries.clear();
  }
  return out;
}

}  // namespace pooltag::kernel
