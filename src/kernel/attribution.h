// Pools whose tracepoint carries no call site (vmalloc, page) are charged to
// the first frame of the kernel stack that is outside the allocators and the
// tracing machinery. This computes those code ranges from kernel symbols:
// every function whose name matches one of the patterns below.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symbols/kallsyms.h"

namespace pooltag::kernel {

struct CodeRange {
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive
};

// The default patterns (globs on function names).
const std::vector<std::string> &allocator_function_patterns();

// Sorted, merged ranges of the functions matching the patterns, at most
// `limit` of them (adjacent ranges merge, which keeps the count small).
// Returns an error when more than `limit` ranges remain.
Result<std::vector<CodeRange>> allocator_ranges(const symbols::KernelSymbols &symbols,
                                                const std::vector<std::string> &patterns, size_t limit);

// Where the programs look when they reuse allocation stacks
// (bpf/stacks.bpf.h): the span of kernel code addresses, and the entry
// functions (system calls, kernel threads) whose frame ends a stack's
// fingerprint. `off` says why reuse cannot be used on this kernel; empty
// when it can.
struct StackReuseRanges {
  uint64_t code_start = 0;
  uint64_t code_end = 0;  // exclusive
  std::vector<CodeRange> entries;
  std::string off;
};
StackReuseRanges stack_reuse_ranges(const symbols::KernelSymbols &symbols, size_t max_entries);

}  // namespace pooltag::kernel
