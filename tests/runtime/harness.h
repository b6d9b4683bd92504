// Runtime-test harness: runs the real pooltag binary against a private pin
// directory and drives small C programs that make real kernel allocations.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pooltag::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The pin directory of this test process: /sys/fs/bpf/pooltag-test-<pid>.
const std::string &test_pin_dir();

// Removes pin directories of earlier test runs whose process is gone.
void remove_stale_test_pins();

// Runs `pooltag --pin-dir <test dir> args...`.
CommandResult run_pooltag(const std::vector<std::string> &args);
// Runs `pooltag --pin-dir DIR args...` with NAME=VALUE entries added to the
// environment.
CommandResult run_pooltag_at(const std::string &pin_dir, const std::vector<std::string> &args,
                             const std::vector<std::string> &env = {});
// Runs any command (looked up in PATH), output captured; exit_code is
// 128 + the signal for a command killed by one.
CommandResult run_command(const std::vector<std::string> &argv, const std::vector<std::string> &env = {});

// `pooltag used --json [args]`, parsed; fails the test on error.
nlohmann::json used_json(const std::vector<std::string> &args = {});

struct TagCounts {
  int64_t allocs = 0, frees = 0, diff = 0, bytes = 0, alloc_bytes = 0;
};
// The row of `tag` in `pool` of a used --json document (zeros when absent).
TagCounts counts_of(const nlohmann::json &used, const std::string &tag, const std::string &pool);

// A test program with its stdin and stdout on pipes, speaking the
// ready / closed protocol of tests/runtime/programs.
class Program {
 public:
  explicit Program(const std::vector<std::string> &argv);
  ~Program();
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  // Reads one line of output (empty string on EOF or after timeout).
  std::string read_line(int timeout_ms = 30000);
  void send_line(const std::string &line = "");
  int wait();  // closes stdin, waits, returns the exit status
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};

std::string program_path(const std::string &name);

// Size of a kernel struct from the running kernel's BTF (0 when absent).
size_t kernel_struct_size(const std::string &name);
// The kmalloc cache size that an allocation of `size` bytes comes from.
size_t kmalloc_size(size_t size);

// What `pooltag check --json --pools POOLS` says of this kernel (cached per
// process): the runtime tests expect what the plan promises here, so the
// same tests run on every kernel of the matrix (tests/kernels).
const nlohmann::json &kernel_check(const std::string &pools = "slab,percpu,vmalloc");
bool kernel_tags(const std::string &pool);  // the default enable tags this pool here
// Tracepoints and kernel functions (the bulk paths) that get a program
// with these pools.
size_t kernel_attachments(const std::string &pools = "slab,percpu,vmalloc");
// What the suite's `pooltag enable` printed (EnabledTagging).
const std::string &suite_enable_output();

// The first of `candidates` that is a function of the running kernel
// (compiler clones such as name.isra.0 count): the tag an allocation is
// charged to where inlining differs between kernels. "" when none is.
std::string first_kernel_function(const std::vector<std::string> &candidates);

// A tag file (pooltag-tags(5)) whose names need escaping wherever they are
// shown: quotes, <, >, &, a backslash (tag files refuse control characters,
// so a newline can only come from the kernel). kHostilePipeTag owns
// alloc_pipe_info, with kHostileDescription.
inline constexpr const char *kHostilePipeTag = "<b>\"Pipe\" & 'x'\\";
inline constexpr const char *kHostileDescription = "<script>alert(\"pipe\")</script> & <!-- \\ -->";
// Writes it to `path`.
void write_hostile_tag_file(const std::string &path);

// A task's state letter from /proc/PID/stat ('T' stopped), '?' when gone.
char task_state(pid_t pid);
// Whether a task is a kernel thread (PF_KTHREAD in /proc/PID/stat's
// flags); nothing when it is gone.
std::optional<bool> kernel_thread(pid_t pid);

// Polls `predicate` every 50 ms until it holds or `timeout_ms` passes.
bool eventually(const std::function<bool()> &predicate, int timeout_ms = 5000);

// Fixtures. Without root the tests skip and say so; under CI (CI=true) a
// skip is a failure: CI runs as root, so a skip there hides a broken test.
class RootOnly : public ::testing::Test {
 protected:
  void SetUp() override;
};

// Tagging enabled once per test process into its own pin directory, which
// is removed at the end (or by the next run, if this one was killed).
class EnabledTagging : public RootOnly {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;  // fails (not skips) when the suite's enable failed
};

bool running_as_root();

}  // namespace pooltag::testing
