// The soak (make soak; a short one is ctest's soak.short): two churn
// threads make allocation events through the slab, percpu and vmalloc
// pools while `used`, `find` and `mon --batch` read in a loop, into a
// tagging of its own. Afterwards every churn site must be back at its
// starting Diff exactly (or off by no more than the loss counters moved),
// the churn must have no allocation outstanding, no reader may have
// crashed, and the readers' resident size must be stable. Prints the
// figures; exits 1 when a check fails (docs/reliability.md).
#include <fmt/format.h>
#include <linux/bpf.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "churn.h"
#include "process.h"

using namespace pooltag;
using nlohmann::json;

namespace {

struct Settings {
  std::string pooltag = POOLTAG_BINARY;
  std::string pin_dir = "/sys/fs/bpf/pooltag-soak-" + std::to_string(getpid());
  uint64_t events = 10'000'000;
};

Result<bench::CommandResult> run_pooltag(const Settings &s, std::vector<std::string> args) {
  args.insert(args.begin(), {s.pooltag, "--pin-dir", s.pin_dir});
  return bench::run_command(args);
}

Result<json> pooltag_json(const Settings &s, std::vector<std::string> args) {
  auto r = run_pooltag(s, std::move(args));
  if (!r) return r.error();
  if (r->exit_code != 0) return Error{fmt::format("pooltag exited {}: {}", r->exit_code, r->err)};
  try {
    return json::parse(r->out);
  } catch (const json::exception &e) {
    return Error{std::string("not JSON: ") + e.what()};
  }
}

// A BPF map created and closed: a per-CPU array asks the percpu pool, a
// 64 KiB array vmalloc.
void map_op(bool percpu) {
  union bpf_attr attr {};
  attr.map_type = percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = percpu ? 8 : 1024;
  attr.max_entries = percpu ? 1 : 64;
  int fd = static_cast<int>(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
  if (fd >= 0) close(fd);
}

// The churn sites and their Diff in one used --json document.
// A field ("diff") of the churn sites in one used --json
// document, summed over pools.
std::map<std::string, int64_t> per_tag(const json &used, const std::vector<std::string> &tags, const char *field) {
  std::map<std::string, int64_t> out;
  for (const auto &tag : tags) out[tag] = 0;
  for (const auto &t : used["tags"])
    if (out.count(t["tag"].get<std::string>())) out[t["tag"]] += t[field].get<int64_t>();
  return out;
}

int64_t events_of(const json &used) {
  int64_t n = 0;
  for (const auto &t : used["tags"]) n += t["allocs"].get<int64_t>() + t["frees"].get<int64_t>();
  return n;
}

// The loss counters that can leave a Diff off: recursion misses (a program
// the kernel skipped because one already ran on that CPU, a free among
// them) too. free_unmatched is none: frees of objects older than enable.
std::map<std::string, int64_t> losses_of(const json &used) {
  std::map<std::string, int64_t> out;
  for (const auto &[name, v] : used["lost"].items())
    if (name != "hit_drops" && name.rfind("stack", 0) != 0) out[name] = v.get<int64_t>();
  return out;
}

int64_t sum(const std::map<std::string, int64_t> &m) {
  int64_t n = 0;
  for (const auto &[k, v] : m) n += v;
  return n;
}

long rss_kb(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

struct ReaderStats {
  std::mutex mutex;
  std::map<std::string, std::vector<long>> rss;  // per command, peak RSS of each run
  std::map<std::string, int> runs, failures;
  std::vector<std::string> problems;
};

}  // namespace

int main(int argc, char **argv) {
  Settings s;
  CLI::App app{"pooltag soak: exact counts after millions of allocation events under readers"};
  app.add_option("--events", s.events, "Allocation events (allocs and frees) to make")->capture_default_str();
  app.add_option("--pin-dir", s.pin_dir, "Pin directory of the soak's own tagging");
  app.add_option("--pooltag", s.pooltag, "The pooltag binary");
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    fmt::print(stderr, "soak: needs root\n");
    return 1;
  }
  (void)run_pooltag(s, {"disable"});
  auto enabled = run_pooltag(s, {"enable", "--pools", "slab,percpu,vmalloc"});
  if (!enabled || enabled->exit_code != 0) {
    fmt::print(stderr, "soak: enable failed: {}\n", enabled ? enabled->err : enabled.error().message);
    return 1;
  }
  const std::vector<std::string> own = bench::own_tags(bench::Workload::Mixed);
  const auto baseline_at = std::chrono::steady_clock::now();
  auto start = pooltag_json(s, {"used", "--json"});
  if (!start) {
    fmt::print(stderr, "soak: {}\n", start.error().message);
    return 1;
  }
  auto before = per_tag(*start, own, "diff");
  const int64_t events_before = events_of(*start);
  const auto losses_before = losses_of(*start);

  // Readers: used and find in a loop, mon --batch for the whole soak.
  std::atomic<bool> done{false};
  ReaderStats stats;
  auto loop = [&](std::string name, std::vector<std::string> args) {
    while (!done) {
      auto r = run_pooltag(s, args);
      std::lock_guard lock(stats.mutex);
      ++stats.runs[name];
      if (!r || r->exit_code != 0) {
        ++stats.failures[name];
        stats.problems.push_back(fmt::format("{} exited {}: {}", name, r ? r->exit_code : -1, r ? r->err : ""));
        continue;
      }
      stats.rss[name].push_back(r->max_rss_kb);
    }
  };
  std::thread used_reader(loop, "used", std::vector<std::string>{"used", "--json", "--by", "module"});
  std::thread find_reader(loop, "find", std::vector<std::string>{"find", "do_eventfd", "--list", "--json"});
  auto mon = bench::Child::start({s.pooltag, "--pin-dir", s.pin_dir, "mon", "--batch", "-d", "0.5", "-n", "100000"});
  std::vector<long> mon_rss;

  // Churn: two threads until the tagging has seen the events asked for.
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<bool> stop_churn{false};
  std::atomic<uint64_t> ops{0};
  std::vector<std::thread> churn;
  for (unsigned t = 0; t < 2; ++t)
    churn.emplace_back([&, t] {
      unshare(CLONE_FILES);  // descriptor tables of their own, as in bench/
      for (uint64_t i = t; !stop_churn; ++i) {
        bench::churn_op(bench::Workload::Mixed, i);
        if (i % 512 == 0) map_op(t == 0);
        ops.fetch_add(1, std::memory_order_relaxed);
      }
    });
  int64_t seen = 0;
  while (seen < static_cast<int64_t>(s.events)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (mon) {
      mon_rss.push_back(rss_kb(mon->pid()));
      (void)mon->wait_for("\x01", 20);  // drains its output: a full pipe would block it
    }
    auto now = pooltag_json(s, {"used", "--json"});
    if (now) seen = events_of(*now) - events_before;
  }
  stop_churn = true;
  for (auto &t : churn) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  used_reader.join();
  find_reader.join();
  int mon_exit = mon ? mon->stop(5000) : -1;

  // Deferred frees (RCU, the map workqueue) land a little later.
  json end;
  std::map<std::string, int64_t> after;
  int64_t lost = 0;
  std::map<std::string, int64_t> losses_after;
  for (int i = 0; i < 50; ++i) {
    auto e = pooltag_json(s, {"used", "--json"});
    if (e) {
      end = *e;
      after = per_tag(end, own, "diff");
      losses_after = losses_of(end);
      lost = sum(losses_after) - sum(losses_before);
      if (after == before) break;  // settled (else: the last reading)
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Outstanding allocations at each churn site, from find's list: the
  // churn's own (by pid: must be none), and those other processes made
  // during the soak (this machine is shared: they move a site's Diff too).
  const auto soak_ns = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - baseline_at).count());
  std::map<std::string, int64_t> own_outstanding, others_new;
  std::vector<std::string> churn_sites = own;
  churn_sites.insert(churn_sites.end(), {"*bpf*", "array_map_alloc"});  // the maps' percpu and vmalloc sites
  // into a file, not a pipe: the pipe would be this process's own
  // outstanding pipe allocation while find lists
  const std::string listing = fmt::format("/tmp/pooltag-soak-{}.json", getpid());
  for (const auto &site : churn_sites) {
    std::string command = fmt::format("'{}' --pin-dir '{}' find '{}' --list --json >'{}'", s.pooltag, s.pin_dir, site,
                                      listing);
    if (std::system(command.c_str()) != 0) {
      ++own_outstanding[site];  // unreadable: counted against the check
      continue;
    }
    std::ifstream in(listing);
    try {
      for (const auto &a : json::parse(in)["allocations"]) {
        if (a["pid"].get<int64_t>() == getpid())
          ++own_outstanding[site];
        else if (a["age_ns"].get<int64_t>() < soak_ns)
          ++others_new[site];
      }
    } catch (const json::exception &) {
      ++own_outstanding[site];
    }
  }
  unlink(listing.c_str());

  int failures = 0;
  fmt::print("soak: {} allocation events ({} churn ops, 2 threads) in {:.1f} s, {:.0f} events/s\n",
             events_of(end) - events_before, ops.load(), seconds,
             static_cast<double>(events_of(end) - events_before) / seconds);
  for (const auto &tag : own) {
    // A Diff moves by what other processes allocated meanwhile and still
    // hold (a shared machine), and at most by the loss counters besides.
    int64_t off = after[tag] - before[tag], unexplained = off - others_new[tag];
    bool exact = unexplained == 0, within = std::llabs(unexplained) <= lost;
    fmt::print("soak: {:<18} Diff {} -> {}: {} held by other processes, {} else ({}); the churn's own "
               "outstanding {}{}\n",
               tag, before[tag], after[tag], others_new[tag], unexplained,
               exact ? "exact" : "within the loss counters", own_outstanding[tag],
               own_outstanding[tag] == 0 && within ? "" : "  FAILED");
    exact = own_outstanding[tag] == 0 && within;
    failures += !exact;
  }
  int64_t outstanding = 0;
  for (const auto &[site, n] : own_outstanding) outstanding += n;
  std::string moved;
  for (const auto &[name, v] : losses_after)
    if (v != losses_before.at(name)) moved += fmt::format(" {} +{}", name, v - losses_before.at(name));
  fmt::print("soak: loss counters moved by {}{}{}; allocations of the churn outstanding at any churn site (slab, "
             "percpu, vmalloc): {}{}\n",
             lost, moved.empty() ? "" : ":", moved, outstanding, outstanding != 0 ? "  FAILED" : "");
  failures += outstanding != 0;
  for (const auto &[name, v] : stats.rss) {
    size_t k = std::min<size_t>(5, v.size() / 2);
    if (k == 0) continue;
    long first = 0, last = 0;
    for (size_t i = 0; i < k; ++i) first = std::max(first, v[i]), last = std::max(last, v[v.size() - 1 - i]);
    bool stable = last <= first + first / 5 + 4096;
    fmt::print("soak: {:<5} {} runs, {} failed, peak RSS {} KiB first, {} KiB last{}\n", name, stats.runs[name],
               stats.failures[name], first, last, stable ? "" : "  FAILED (grew)");
    failures += !stable + (stats.failures[name] != 0);
  }
  if (mon_rss.size() >= 4) {
    long early = mon_rss[1], late = mon_rss.back();
    bool stable = late <= early + early / 5 + 4096;
    fmt::print("soak: mon --batch ran throughout, RSS {} KiB after 1 s, {} KiB at the end, exit {}{}\n", early, late,
               mon_exit, stable && mon_exit == 0 ? "" : "  FAILED");
    if (mon_exit != 0 && mon) {
      const std::string &out = mon->output();
      auto from = out.rfind('\n', out.size() > 1 ? out.size() - 2 : 0);
      fmt::print("soak: mon's last line: {}\n", out.substr(from == std::string::npos ? 0 : from + 1));
    }
    failures += !stable || mon_exit != 0;
  }
  for (size_t i = 0; i < std::min<size_t>(stats.problems.size(), 5); ++i)
    fmt::print("soak: reader problem: {}\n", stats.problems[i]);
  (void)run_pooltag(s, {"disable"});
  fmt::print("soak: {}\n", failures == 0 ? "passed" : fmt::format("{} checks FAILED", failures));
  return failures == 0 ? 0 : 1;
}
