#include "configs.h"

#include <algorithm>

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "bpf_info.h"
#include "report.h"

namespace pooltag::bench {

namespace {

std::string last_lines(const std::string &text, size_t n) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty()) lines.push_back(line);
    pos = end + 1;
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

// The first line that says why a tool failed: errors over warnings.
std::string failure_reason(const std::string &output) {
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(pos, end - pos);
    if (line.find("Unable to find kernel headers") != std::string::npos ||
        line.find("Failed to") != std::string::npos || line.find("failed to") != std::string::npos)
      return line;
    pos = end + 1;
  }
  return last_lines(output, 2);
}

bool on_path(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t end = p.find(':', pos);
    if (end == std::string::npos) end = p.size();
    std::string candidate = p.substr(pos, end - pos) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    pos = end + 1;
  }
  return false;
}

class Untraced : public Configuration {
 public:
  std::string key() const override { return "untraced"; }
  std::string name() const override { return "untraced"; }
  std::string command() const override { return "-"; }
  Status start() override { return Ok{}; }
  void stop() override {}
  std::vector<uint32_t> programs() const override { return {}; }
};

// Disable and tracer exit detach programs a few tens of milliseconds later
// (the kernel releases links from a work queue): the next configuration,
// untraced included, must not start while they still run.
void wait_until_unloaded(const std::vector<uint32_t> &ids) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!program_stats(ids).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

class Pooltag : public Configuration {
 public:
  Pooltag(const PooltagTool &tool, std::string key, std::string name, std::vector<std::string> args, bool counts,
          bool sampled)
      : tool_(tool), key_(std::move(key)), name_(std::move(name)), args_(std::move(args)), counts_(counts),
        sampled_(sampled) {}
  ~Pooltag() override { stop(); }
  std::string key() const override { return key_; }
  std::string name() const override { return name_; }
  std::string command() const override {
    std::string c = "pooltag enable";
    for (const auto &a : args_) c += " " + (a.find('*') != std::string::npos ? "'" + a + "'" : a);
    return c;
  }
  Status start() override {
    if (auto st = tool_.enable(args_); !st) return st;
    started_ = true;
    auto status = tool_.json({"status", "--json"});
    if (!status) return status.error();
    ids_.clear();
    // one program may serve two tracepoints (kfree and kmem_cache_free):
    // its statistics count once
    for (const auto &p : (*status)["programs"]) {
      uint32_t id = p.value("id", 0u);
      if (std::find(ids_.begin(), ids_.end(), id) == ids_.end()) ids_.push_back(id);
    }
    return Ok{};
  }
  void stop() override {
    if (!started_) return;
    started_ = false;
    if (auto st = tool_.disable(); !st) fmt::print(stderr, "pooltag-bench: {}\n", st.error().message);
    wait_until_unloaded(ids_);
  }
  std::vector<uint32_t> programs() const override { return ids_; }
  bool counts() const override { return counts_; }
  bool counts_every_event() const override { return counts_ && !sampled_; }

 protected:
  const PooltagTool &tool_;

 private:
  std::string key_, name_;
  std::vector<std::string> args_;
  bool counts_, sampled_;
  bool started_ = false;
  std::vector<uint32_t> ids_;
};

// The default tagging without the bulk paths' programs: what they add is
// the default's cost above this one. Only where the kernel gives them.
class PooltagNoBulk : public Pooltag {
 public:
  explicit PooltagNoBulk(const PooltagTool &tool)
      : Pooltag(tool, config::kNoBulk, "default, no bulk paths", {"--no-bulk-paths"}, true, false) {}
  std::optional<std::string> unavailable() const override {
    auto check = tool_.json({"check", "--json"});
    if (!check) return check.error().message;
    for (const auto &c : (*check)["capabilities"])
      if (c.value("name", "") == "exact bulk frees")
        return c.value("on", false) ? std::nullopt
                                    : std::optional<std::string>("no bulk paths to leave out: " +
                                                                 c.value("detail", std::string("not available")));
    return "pooltag check does not report the bulk paths";
  }
};

// A tracer that runs as a child process while the configuration is on.
class TracerProcess : public Configuration {
 public:
  ~TracerProcess() override { stop(); }
  Status start() override {
    auto child = Child::start(argv(), env());
    if (!child) return child.error();
    child_ = std::make_unique<Child>(std::move(*child));
    if (!ready(*child_)) {
      std::string out = child_->output();
      child_->stop(2000);
      child_.reset();
      return Error{failure_reason(out)};
    }
    ids_ = programs_of_process(child_->pid());
    return Ok{};
  }
  void stop() override {
    if (child_) child_->stop();
    child_.reset();
    wait_until_unloaded(ids_);
  }
  std::vector<uint32_t> programs() const override { return ids_; }

 protected:
  virtual std::vector<std::string> argv() const = 0;
  virtual std::map<std::string, std::string> env() const { return {}; }
  virtual std::string ready_marker() const = 0;
  // The tracer has attached: by default, it printed its ready marker.
  virtual bool ready(Child &child) const { return child.wait_for(ready_marker(), 90000); }

 private:
  std::unique_ptr<Child> child_;
  std::vector<uint32_t> ids_;
};

class Bpftrace : public TracerProcess {
 public:
  Bpftrace(std::string script, uint64_t keys) : script_(std::move(script)), keys_(keys) {}
  std::string key() const override { return "bpftrace"; }
  std::string name() const override { return "bpftrace live table"; }
  std::string command() const override {
    return fmt::format("BPFTRACE_MAP_KEYS_MAX={} bpftrace {}", keys_, script_);
  }
  std::optional<std::string> unavailable() const override {
    if (!on_path("bpftrace")) return "bpftrace is not installed (make bench installs it)";
    if (access(script_.c_str(), R_OK) != 0) return "cannot read " + script_;
    return std::nullopt;
  }

 protected:
  std::vector<std::string> argv() const override { return {"bpftrace", "-B", "line", script_}; }
  std::map<std::string, std::string> env() const override {
    return {{"BPFTRACE_MAP_KEYS_MAX", std::to_string(keys_)}};
  }
  std::string ready_marker() const override { return "pooltag-live.bt: attached"; }

 private:
  std::string script_;
  uint64_t keys_;
};

// BCC's memleak: the binary given (--memleak PATH: libbpf-tools' memleak,
// built from a BCC checkout outside this repository), else `memleak` or
// Debian's Python `memleak-bpfcc` on PATH. Without a PID it traces the
// kernel allocators and records a stack for every allocation.
class Memleak : public TracerProcess {
 public:
  explicit Memleak(std::string path)
      : tool_(!path.empty() ? std::move(path) : on_path("memleak") ? "memleak" : "memleak-bpfcc") {}
  std::string key() const override { return config::kMemleak; }
  std::string name() const override { return "BCC memleak"; }
  std::string command() const override { return tool_ + " 60"; }
  std::optional<std::string> unavailable() const override {
    if (tool_.find('/') != std::string::npos ? access(tool_.c_str(), X_OK) != 0 : !on_path(tool_))
      return tool_.find('/') != std::string::npos
                 ? "cannot run " + tool_
                 : "neither libbpf-tools memleak nor memleak-bpfcc is installed (--memleak PATH)";
    return std::nullopt;
  }

 protected:
  // line-buffered: libbpf-tools' memleak prints its ready line with printf
  // into a pipe
  std::vector<std::string> argv() const override { return {"stdbuf", "-oL", tool_, "60"}; }
  // after attaching, both print "Attaching to kernel allocators, Ctrl+C
  // to quit." (libbpf-tools before 2024: "Tracing outstanding memory allocs")
  std::string ready_marker() const override { return "Attaching to kernel allocators"; }
  bool ready(Child &child) const override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
      if (child.wait_for(ready_marker(), 200) || child.wait_for("Tracing outstanding memory allocs", 0)) return true;
      if (kill(child.pid(), 0) != 0) return false;
    }
    return false;
  }

 private:
  std::string tool_;
};

// perf kmem record (Debian's linux-perf): every kmem tracepoint event
// written to a file, the way perf users measure the allocators. It prints
// nothing when it starts: it is ready once it holds perf event descriptors.
class PerfKmem : public TracerProcess {
 public:
  PerfKmem() : data_("/var/tmp/pooltag-bench-perf-kmem-" + std::to_string(getpid()) + ".data") {}
  ~PerfKmem() override {
    stop();
    unlink(data_.c_str());
  }
  std::string key() const override { return config::kPerfKmem; }
  std::string name() const override { return "perf kmem record"; }
  std::string command() const override { return "perf kmem record -o FILE -- sleep 3600"; }
  std::optional<std::string> unavailable() const override {
    if (!on_path("perf")) return "perf is not installed (make bench installs linux-perf)";
    return std::nullopt;
  }
  void stop() override {
    TracerProcess::stop();
    unlink(data_.c_str());  // hundreds of MB a run
  }

 protected:
  std::vector<std::string> argv() const override {
    return {"perf", "kmem", "record", "-q", "-o", data_, "--", "sleep", "3600"};
  }
  std::string ready_marker() const override { return ""; }
  bool ready(Child &child) const override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (kill(child.pid(), 0) != 0) return false;
      if (perf_event_fds(child.pid()) > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // its workload starts and the events enable
        return kill(child.pid(), 0) == 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  static size_t perf_event_fds(pid_t pid) {
    size_t n = 0;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
      std::error_code link_ec;
      auto target = std::filesystem::read_symlink(e.path(), link_ec);
      if (!link_ec && target.string() == "anon_inode:[perf_event]") ++n;
    }
    return n;
  }
  std::string data_;
};

}  // namespace

Result<CommandResult> PooltagTool::run(const std::vector<std::string> &args) const {
  std::vector<std::string> argv = {binary_, "--pin-dir", pin_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

Result<nlohmann::json> PooltagTool::json(const std::vector<std::string> &args) const {
  auto r = run(args);
  if (!r) return r.error();
  if (r->exit_code != 0)
    return Error{fmt::format("pooltag {} exited {}: {}", args.empty() ? "" : args[0], r->exit_code,
                             last_lines(r->err, 1))};
  auto doc = nlohmann::json::parse(r->out, nullptr, false);
  if (doc.is_discarded()) return Error{fmt::format("pooltag {}: output is not JSON", args.empty() ? "" : args[0])};
  return doc;
}

Status PooltagTool::enable(const std::vector<std::string> &args) const {
  std::vector<std::string> all = {"enable"};
  all.insert(all.end(), args.begin(), args.end());
  auto r = run(all);
  if (!r) return r.error();
  if (r->exit_code != 0) return Error{fmt::format("pooltag enable failed: {}", last_lines(r->err, 1))};
  return Ok{};
}

Status PooltagTool::disable() const {
  if (!enabled()) return Ok{};
  auto r = run({"disable"});
  if (!r) return r.error();
  if (r->exit_code != 0) return Error{fmt::format("pooltag disable failed: {}", last_lines(r->err, 1))};
  return Ok{};
}

bool PooltagTool::enabled() const {
  struct stat st{};
  return stat(pin_dir_.c_str(), &st) == 0;
}

std::unique_ptr<Configuration> untraced() { return std::make_unique<Untraced>(); }

std::unique_ptr<Configuration> pooltag_config(const PooltagTool &tool, std::string key, std::string name,
                                              std::vector<std::string> args, bool counts, bool sampled) {
  return std::make_unique<Pooltag>(tool, std::move(key), std::move(name), std::move(args), counts, sampled);
}

std::unique_ptr<Configuration> no_bulk_paths_config(const PooltagTool &tool) {
  return std::make_unique<PooltagNoBulk>(tool);
}

std::unique_ptr<Configuration> bpftrace_config(std::string script, uint64_t map_keys_max) {
  return std::make_unique<Bpftrace>(std::move(script), map_keys_max);
}

std::unique_ptr<Configuration> memleak_config(std::string path) { return std::make_unique<Memleak>(std::move(path)); }

std::unique_ptr<Configuration> perf_kmem_config() { return std::make_unique<PerfKmem>(); }

TracefsMount::TracefsMount() {
  struct stat st{};
  if (stat("/sys/kernel/tracing/events", &st) == 0) return;
  mounted_ = mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0;
}

TracefsMount::~TracefsMount() {
  if (mounted_) umount2("/sys/kernel/tracing", MNT_DETACH);
}

}  // namespace pooltag::bench
