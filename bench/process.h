// Child processes the benchmark runs: pooltag commands (output captured,
// time and peak RSS measured) and tracers that run for a configuration's
// lifetime (bpftrace), which are stopped by their pid, never by name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace pooltag::bench {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
  double wall_seconds = 0;
  long max_rss_kb = 0;  // peak resident set of the child (getrusage via wait4)
};

// Runs argv[0] (a path or a name looked up in PATH) with extra environment
// variables, reads its stdout and stderr to the end. An error only when the
// command cannot be started at all.
Result<CommandResult> run_command(const std::vector<std::string> &argv,
                                  const std::map<std::string, std::string> &env = {});

// A process that runs until stop(): stdout and stderr are read line by line
// (stderr merged into stdout).
class Child {
 public:
  static Result<Child> start(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env = {});
  Child(Child &&o) noexcept;
  Child &operator=(Child &&o) noexcept;
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;
  ~Child();  // stop()s

  // Reads lines until one contains `marker`: true when found, false on EOF,
  // exit or timeout. Everything read is kept in output().
  bool wait_for(const std::string &marker, int timeout_ms);
  // SIGINT, up to `grace_ms` for it to exit, then SIGKILL. Returns the exit
  // code (128 + signal when killed), -1 when not running.
  int stop(int grace_ms = 10000);
  pid_t pid() const { return pid_; }
  const std::string &output() const { return output_; }

 private:
  Child() = default;
  bool read_some(int timeout_ms);  // false on EOF or timeout
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

}  // namespace pooltag::bench
