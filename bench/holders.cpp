#include "holders.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace pooltag::bench {

Holders::~Holders() {
  for (auto &h : holders_) close(h.hold_fd);
  for (auto &h : holders_) waitpid(h.pid, nullptr, 0);
}

Status Holders::spawn(int eventfds) {
  int ready[2], hold[2];
  if (pipe(ready) != 0) return error_from_errno("pipe");
  if (pipe(hold) != 0) return error_from_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) return error_from_errno("fork");
  if (pid == 0) {
    for (auto &h : holders_) close(h.hold_fd);  // else earlier holders never see EOF
    close(ready[0]);
    close(hold[1]);
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(eventfds) + 64);
    setrlimit(RLIMIT_NOFILE, &rl);
    char status = 'R';
    for (int i = 0; i < eventfds; ++i)
      if (eventfd(0, 0) < 0) {
        status = 'E';
        break;
      }
    if (write(ready[1], &status, 1) != 1) _exit(1);
    char c;
    while (read(hold[0], &c, 1) > 0) {
    }
    _exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  holders_.push_back({pid, hold[1]});
  char status = 0;
  ssize_t n = read(ready[0], &status, 1);
  close(ready[0]);
  if (n != 1 || status != 'R') return Error{fmt::format("a holder process could not open {} eventfds", eventfds)};
  eventfds_ += static_cast<uint64_t>(eventfds);
  return Ok{};
}

Result<Filled> fill_live_table(const PooltagTool &tool, Holders &holders, uint64_t target,
                               const std::atomic<bool> *interrupt) {
  auto live_used = [&]() -> Result<uint64_t> {
    auto st = tool.json({"status", "--json"});
    if (!st) return st.error();
    return (*st)["live"].value("used", uint64_t{0});
  };
  Filled f;
  auto base = live_used();
  if (!base) return base.error();
  f.base = *base;
  uint64_t used = *base;
  const auto started = std::chrono::steady_clock::now();
  while (used < target + *base) {
    if (interrupt != nullptr && interrupt->load()) return Error{"interrupted"};
    if (holders.count() >= 500) return Error{"500 holder processes and still short of the target"};
    int n = Holders::kMaxPerProcess;
    if (holders.count() == 0) {
      n = static_cast<int>(std::min<uint64_t>(n, std::max<uint64_t>(target / 2, 1)));
    } else if (f.allocations_per_eventfd > 0) {
      double left = static_cast<double>(target + *base - used) / f.allocations_per_eventfd;
      n = static_cast<int>(std::min<double>(n, left + 1));
    }
    if (auto st = holders.spawn(n); !st) return st.error();
    auto u = live_used();
    if (!u) return u.error();
    used = *u;
    if (holders.count() == 1)
      f.allocations_per_eventfd = static_cast<double>(used - *base) / static_cast<double>(std::max(n, 1));
    if (f.allocations_per_eventfd <= 0) return Error{"holding eventfds adds no live allocations: is pooltag counting?"};
  }
  f.live_used = used;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return f;
}

}  // namespace pooltag::bench
