#include "churn.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <thread>

namespace pooltag::bench {

namespace {

constexpr std::array<std::pair<Workload, std::string_view>, 5> kNames = {
    {{Workload::Eventfd, "eventfd"},
     {Workload::Pipe, "pipe"},
     {Workload::Socketpair, "socketpair"},
     {Workload::Mixed, "mixed"},
     {Workload::Maple, "maple"}}};

// One per thread, on its own cache line: the counters must not be the
// bottleneck the benchmark measures.
struct alignas(64) ThreadState {
  std::atomic<uint64_t> ops{0};
  int error = 0;
};

// Thread t on CPU t (modulo the CPUs this process may use): placement by
// the scheduler (both threads on one CPU for a while) swung untraced runs
// by ±30% here.
void pin_to_cpu(unsigned t) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  int n = CPU_COUNT(&allowed);
  if (n <= 0) return;
  int want = static_cast<int>(t % static_cast<unsigned>(n));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed) || want-- != 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof(one), &one);
    return;
  }
}

bool close_pair(const int fds[2]) {
  bool ok = close(fds[0]) == 0;
  return close(fds[1]) == 0 && ok;
}

// One VMA per protected page makes the maple tree split and merge nodes;
// the fork copies the tree (a bulk allocation) and the child's exit tears
// it down (a bulk free), as does the munmap.
bool maple_round() {
  constexpr size_t kPages = 64;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void *m = mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return false;
  bool ok = true;
  for (size_t i = 0; ok && i < kPages; i += 2) ok = mprotect(static_cast<char *>(m) + i * page, page, PROT_READ) == 0;
  pid_t child = ok ? fork() : -1;
  if (child == 0) _exit(0);
  ok = ok && child > 0 && waitpid(child, nullptr, 0) == child;
  int saved = errno;
  munmap(m, kPages * page);
  errno = saved;
  return ok;
}

}  // namespace

std::string_view workload_name(Workload w) {
  for (auto [k, name] : kNames)
    if (k == w) return name;
  return "?";
}

std::optional<Workload> parse_workload(std::string_view name) {
  for (auto [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

const std::vector<Workload> &all_workloads() {
  static const std::vector<Workload> all = {Workload::Eventfd, Workload::Pipe, Workload::Socketpair,
                                            Workload::Mixed, Workload::Maple};
  return all;
}

std::vector<std::string> own_tags(Workload w) {
  switch (w) {
    case Workload::Eventfd:
      return {"do_eventfd"};
    case Workload::Pipe:
      return {"alloc_pipe_info"};
    case Workload::Socketpair:
      return {"sk_prot_alloc", "sock_alloc_inode"};
    case Workload::Mixed:
      return {"do_eventfd", "alloc_pipe_info", "sk_prot_alloc", "sock_alloc_inode"};
    case Workload::Maple:
      // every mapping and fork of the machine allocates at the maple
      // tree's and the VMAs' sites: none is the churn's own
      return {};
  }
  return {};
}

bool has_own_sites(Workload w) { return !own_tags(w).empty(); }

bool takes_bulk_paths(Workload w) { return w == Workload::Maple; }

unsigned kinds_per_op(Workload w) { return w == Workload::Mixed ? 3 : 1; }

bool churn_op(Workload w, uint64_t i) {
  if (w == Workload::Mixed) w = static_cast<Workload>(i % 3);
  int fds[2];
  switch (w) {
    case Workload::Eventfd: {
      int fd = eventfd(0, EFD_CLOEXEC);
      return fd >= 0 && close(fd) == 0;
    }
    case Workload::Pipe:
      return pipe2(fds, O_CLOEXEC) == 0 && close_pair(fds);
    case Workload::Socketpair:
      return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0 && close_pair(fds);
    case Workload::Maple:
      return maple_round();
    case Workload::Mixed:
      break;
  }
  errno = EINVAL;
  return false;
}

Result<ChurnResult> run_churn(const ChurnOptions &options) {
  const unsigned n = std::max(options.threads, 1u);
  std::vector<ThreadState> states(n);
  std::atomic<bool> go{false}, stop{false};
  std::atomic<unsigned> ready{0};
  auto stopped = [&] {
    return stop.load(std::memory_order_relaxed) ||
           (options.interrupt != nullptr && options.interrupt->load(std::memory_order_relaxed));
  };
  const uint64_t per_thread = options.ops == 0 ? 0 : (options.ops + n - 1) / n;

  std::vector<std::thread> threads;
  threads.reserve(n);
  for (unsigned t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      ThreadState &me = states[t];
      // A descriptor table of its own: threads sharing one contend for its
      // lock on every open and close (a paravirtual spinlock here, whose
      // waits swing from run to run), which is noise, not allocator cost.
      if (unshare(CLONE_FILES) != 0) me.error = errno;
      if (options.pin_cpus) pin_to_cpu(t);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      uint64_t i = t;  // mixed mode: threads start on different kinds
      if (me.error != 0) stop.store(true);
      while (!stopped()) {
        if (!churn_op(options.workload, i)) {
          me.error = errno;
          stop.store(true);
          break;
        }
        ++i;
        me.ops.store(me.ops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (per_thread != 0 && i - t >= per_thread) break;
      }
    });
  }
  while (ready.load() < n) std::this_thread::yield();

  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  if (options.ops == 0) {
    // Sleep in short steps so an interrupt ends the run quickly.
    auto sleep_until = [&](std::chrono::steady_clock::time_point end) {
      while (std::chrono::steady_clock::now() < end && !stopped())
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            end - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
    };
    auto done = [&] {
      uint64_t ops = 0;
      for (auto &s : states) ops += s.ops.load(std::memory_order_relaxed);
      return ops;
    };
    // The first part is not measured: after a pause the machine runs the
    // churn faster for a moment (deferred work such as RCU callbacks has
    // not built up yet), which made whichever configuration followed a
    // pause look fast.
    sleep_until(start + options.warmup);
    auto warmed = std::chrono::steady_clock::now();
    double warmup_seconds = std::chrono::duration<double>(warmed - start).count();
    start = warmed;
    uint64_t ops_before = done();
    sleep_until(start + options.duration);
    // Count the ops done by now: threads finishing an op after this point
    // are not counted, so the time and the count cover the same window.
    ChurnResult r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.ops = done() - ops_before;
    r.warmup_seconds = warmup_seconds;
    stop.store(true);
    for (auto &th : threads) th.join();
    for (auto &s : states)
      if (s.error != 0) return error_from_errno(fmt::format("{} churn", workload_name(options.workload)), s.error);
    return r;
  }
  for (auto &th : threads) th.join();
  ChurnResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto &s : states) {
    if (s.error != 0) return error_from_errno(fmt::format("{} churn", workload_name(options.workload)), s.error);
    r.ops += s.ops.load();
  }
  return r;
}

}  // namespace pooltag::bench
