#include "harness.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <bpf/btf.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace pooltag::testing {

const std::string &test_pin_dir() {
  static const std::string dir = "/sys/fs/bpf/pooltag-test-" + std::to_string(getpid());
  return dir;
}

void remove_stale_test_pins() {
  const std::string prefix = "pooltag-test-";
  DIR *d = opendir("/sys/fs/bpf");
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    int pid = std::atoi(name.c_str() + prefix.size());
    if (pid > 0 && pid != getpid() && kill(pid, 0) == 0) continue;
    stale.push_back("/sys/fs/bpf/" + name);
  }
  closedir(d);
  for (const auto &dir : stale) {
    std::string cmd = std::string(POOLTAG_BINARY) + " --pin-dir " + dir + " disable >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      // a staging directory or a half-removed one: disable cleans those too
    }
  }
}

namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

CommandResult run_pooltag(const std::vector<std::string> &args) { return run_pooltag_at(test_pin_dir(), args); }

CommandResult run_pooltag_at(const std::string &pin_dir, const std::vector<std::string> &args,
                             const std::vector<std::string> &env) {
  std::vector<std::string> all = {POOLTAG_BINARY, "--pin-dir", pin_dir};
  all.insert(all.end(), args.begin(), args.end());
  return run_command(all, env);
}

CommandResult run_command(const std::vector<std::string> &argv_in, const std::vector<std::string> &env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return {};
  std::vector<std::string> all = argv_in;
  std::vector<std::string> env_all = env;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    for (auto &e : env_all) putenv(e.data());
    std::vector<char *> argv;
    for (auto &a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  // stderr is small (one line); read stdout fully first, then stderr.
  CommandResult r;
  r.out = read_all(out_pipe[0]);
  r.err = read_all(err_pipe[0]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

nlohmann::json used_json(const std::vector<std::string> &args) {
  std::vector<std::string> all = {"used", "--json"};
  all.insert(all.end(), args.begin(), args.end());
  auto r = run_pooltag(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception &e) {
    ADD_FAILURE() << "used --json is not JSON: " << e.what() << "\n" << r.out;
    return nlohmann::json::object();
  }
}

TagCounts counts_of(const nlohmann::json &used, const std::string &tag, const std::string &pool) {
  TagCounts c;
  if (!used.contains("tags")) return c;
  for (const auto &t : used["tags"]) {
    if (t["tag"] != tag || t["pool"] != pool) continue;
    c.allocs = t["allocs"].get<int64_t>();
    c.frees = t["frees"].get<int64_t>();
    c.diff = t["diff"].get<int64_t>();
    c.bytes = t["bytes"].get<int64_t>();
    c.alloc_bytes = t["alloc_bytes"].get<int64_t>();
  }
  return c;
}

Program::Program(const std::vector<std::string> &argv) {
  int in_pipe[2], out_pipe[2];
  // close-on-exec: a program started later must not inherit these ends,
  // or this program never sees EOF on its stdin
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<std::string> copy = argv;
    std::vector<char *> args;
    for (auto &a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
}

Program::~Program() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
}

std::string Program::read_line(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = read(from_child_, buf, sizeof buf);
    if (n <= 0) return "";
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void Program::send_line(const std::string &line) {
  std::string l = line + "\n";
  if (write(to_child_, l.data(), l.size()) < 0) ADD_FAILURE() << "cannot write to the test program";
}

int Program::wait() {
  if (to_child_ >= 0) {
    close(to_child_);
    to_child_ = -1;
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string program_path(const std::string &name) { return std::string(PROGRAMS_DIR) + "/" + name; }

size_t kernel_struct_size(const std::string &name) {
  btf *vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) return 0;
  int id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_STRUCT);
  size_t size = id > 0 ? btf__type_by_id(vmlinux, static_cast<uint32_t>(id))->size : 0;
  btf__free(vmlinux);
  return size;
}

size_t kmalloc_size(size_t size) {
  // SLUB's kmalloc caches (96 and 192 exist beside the powers of two).
  static const size_t kSizes[] = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};
  for (size_t s : kSizes)
    if (size <= s) return s;
  return 0;
}

void write_hostile_tag_file(const std::string &path) {
  std::ofstream out(path);
  out << "# tags that need escaping (docs/reliability.md)\n"
      << kHostilePipeTag << " - alloc_pipe_info - " << kHostileDescription << "\n"
      << "Ev\"fd</script> - do_eventfd - a \\ b & c\n";
}

namespace {

// The fields of /proc/PID/stat after the command's closing parenthesis
// (the command may hold spaces and parentheses itself): field 3 first.
std::vector<std::string> stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  auto close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

}  // namespace

char task_state(pid_t pid) {
  auto fields = stat_fields(pid);
  return fields.empty() ? '?' : fields[0][0];
}

std::optional<bool> kernel_thread(pid_t pid) {
  constexpr unsigned long kPfKthread = 0x00200000;  // include/linux/sched.h
  auto fields = stat_fields(pid);
  if (fields.size() < 7) return std::nullopt;
  return (std::stoul(fields[6]) & kPfKthread) != 0;  // field 9, flags
}

bool eventually(const std::function<bool()> &predicate, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

}  // namespace pooltag::testing

namespace pooltag::testing {

bool running_as_root() { return geteuid() == 0; }

void RootOnly::SetUp() {
  if (!running_as_root()) {
    if (std::getenv("CI") != nullptr) FAIL() << "runtime tests need root, and CI runs as root";
    GTEST_SKIP() << "runtime tests need root (BPF): skipped";
  }
}

namespace {
// Why the suite's enable failed ("" = it did not): a fatal failure inside
// SetUpTestSuite shows every test of the suite as skipped, so each test
// fails on its own instead (EnabledTagging::SetUp).
std::string g_suite_setup_error;
std::string g_suite_enable_output;
}  // namespace

const nlohmann::json &kernel_check(const std::string &pools) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(pools);
  if (it != cache.end()) return it->second;
  auto r = run_pooltag({"check", "--json", "--pools", pools});
  nlohmann::json j = nlohmann::json::object();
  try {
    j = nlohmann::json::parse(r.out);
  } catch (const std::exception &e) {
    ADD_FAILURE() << "pooltag check --json is not JSON (exit " << r.exit_code << "): " << r.out << r.err;
  }
  return cache.emplace(pools, std::move(j)).first->second;
}

bool kernel_tags(const std::string &pool) {
  const nlohmann::json capabilities = kernel_check().value("capabilities", nlohmann::json::array());
  for (const auto &c : capabilities)
    if (c.value("name", "") == pool + " pool") return c.value("on", false);
  return false;
}

size_t kernel_attachments(const std::string &pools) {
  size_t n = 0;
  for (const char *kind : {"tracepoints", "functions"}) {
    const nlohmann::json targets = kernel_check(pools).value(kind, nlohmann::json::object());
    for (const auto &[name, t] : targets.items()) n += t.contains("program");
  }
  return n;
}

const std::string &suite_enable_output() { return g_suite_enable_output; }

std::string first_kernel_function(const std::vector<std::string> &candidates) {
  std::ifstream in("/proc/kallsyms");
  std::set<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    std::string name = line.substr(sp + 1);
    if (auto tab = name.find('\t'); tab != std::string::npos) name.resize(tab);  // module symbols
    if (auto dot = name.find('.'); dot != std::string::npos) name.resize(dot);
    names.insert(name);
  }
  for (const auto &c : candidates)
    if (names.count(c)) return c;
  return "";
}

void EnabledTagging::SetUpTestSuite() {
  g_suite_setup_error.clear();
  if (!running_as_root()) return;
  remove_stale_test_pins();
  // POOLTAG_TEST_ENABLE_ARGS: more enable options for the whole suite (the
  // kernel matrix runs the exact-count tests with --no-bulk-paths, where the
  // site counters are plain adds)
  std::vector<std::string> args = {"enable"};
  if (const char *more = std::getenv("POOLTAG_TEST_ENABLE_ARGS")) {
    std::istringstream words(more);
    for (std::string w; words >> w;) args.push_back(w);
  }
  auto r = run_pooltag(args);
  g_suite_enable_output = r.out;
  if (r.exit_code != 0)
    g_suite_setup_error = "pooltag enable failed (exit " + std::to_string(r.exit_code) + "): " + r.err + r.out;
}

void EnabledTagging::SetUp() {
  RootOnly::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  if (!g_suite_setup_error.empty()) FAIL() << g_suite_setup_error;
}

void EnabledTagging::TearDownTestSuite() {
  if (!running_as_root()) return;
  run_pooltag({"disable"});
}

}  // namespace pooltag::testing
