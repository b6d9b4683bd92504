// The churn generator: threads that create and destroy kernel objects as
// fast as they can, so that nearly all their time is spent in the kernel
// paths that allocate and free slab objects. One op is one object created
// and destroyed:
//   eventfd     eventfd() + close()          eventfd_ctx, struct file, ...
//   pipe        pipe2() + 2 x close()        pipe_inode_info, its buffers, two files, an inode
//   socketpair  socketpair(AF_UNIX) + 2 x close()   two sockets, their inodes and files
//   mixed       the three above in turn
//   maple       mmap() 64 pages, mprotect() every other one, fork() a child
//               that exits, munmap(): the maple tree's nodes, which the
//               kernel allocates and frees in bulk (kmem_cache_alloc_bulk,
//               kmem_cache_free_bulk: the bulk paths of docs/engine.md)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pooltag::bench {

enum class Workload { Eventfd, Pipe, Socketpair, Mixed, Maple };

std::string_view workload_name(Workload w);
std::optional<Workload> parse_workload(std::string_view name);
const std::vector<Workload> &all_workloads();

struct ChurnOptions {
  Workload workload = Workload::Eventfd;
  unsigned threads = 2;
  // Runs for `duration`, or, when `ops` is non-zero, until that many ops
  // are done (split over the threads): the smoke test's mode.
  std::chrono::milliseconds duration{3000};
  // With `duration`: run this long first, unmeasured.
  std::chrono::milliseconds warmup{500};
  uint64_t ops = 0;
  // Thread t runs on CPU t only (modulo the allowed CPUs).
  bool pin_cpus = true;
  // Set from elsewhere (a signal handler) to stop early.
  const std::atomic<bool> *interrupt = nullptr;
};

struct ChurnResult {
  uint64_t ops = 0;      // in the measured window (after the warm-up)
  double seconds = 0;
  double warmup_seconds = 0;  // before it: the programs ran then too
  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
};

// Tags only this workload's objects are allocated from (on the kernels seen
// so far): the sites whose Diff the exactness check can hold to exactly
// zero while other processes run. Shared sites (files, dentries, inodes)
// also move with everyone else's objects.
std::vector<std::string> own_tags(Workload w);
// False for a churn whose every site others allocate from too (maple): its
// Diffs are shown, not judged.
bool has_own_sites(Workload w);

// Whether `w`'s objects are allocated or freed through the bulk paths
// (kmem_cache_alloc_bulk, kmem_cache_free_bulk): the maple churn.
bool takes_bulk_paths(Workload w);

// Kinds of object one op of `w` touches in turn (mixed: 3).
unsigned kinds_per_op(Workload w);

// One op of `w` on the calling thread; false (errno set) when a system call
// failed, e.g. out of file descriptors.
bool churn_op(Workload w, uint64_t i);

// Runs the threads. An error when an op fails (the first failure's errno).
Result<ChurnResult> run_churn(const ChurnOptions &options);

}  // namespace pooltag::bench
