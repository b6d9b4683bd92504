#include "runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "bpf_info.h"
#include "configs.h"
#include "holders.h"

namespace pooltag::bench {

namespace {

using Clock = std::chrono::steady_clock;

bool interrupted(const RunnerOptions &o) { return o.interrupt != nullptr && o.interrupt->load(); }

Error interrupted_error() { return Error{"interrupted"}; }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "";
}

size_t loaded_bpf_programs() {
  size_t n = 0;
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) ++n;
  return n;
}

ChurnOptions churn_options(const RunnerOptions &o, Workload w) {
  ChurnOptions c;
  c.workload = w;
  c.threads = o.threads;
  c.duration = std::chrono::milliseconds(static_cast<int64_t>(o.seconds * 1000));
  c.ops = o.ops;
  c.interrupt = o.interrupt;
  return c;
}

// Detaches a started configuration at the end of the scope, whatever happens.
struct Stopper {
  Configuration &c;
  ~Stopper() { c.stop(); }
};

// One timed repetition of one configuration.
Status timed_run(Configuration &cfg, const PooltagTool &tool, const RunnerOptions &o, Workload w, ConfigResult &out) {
  if (auto st = cfg.start(); !st) return st;
  Stopper stopper{cfg};
  nlohmann::json used_before, status_before;
  if (cfg.counts()) {
    auto u = tool.json({"used", "--json"});
    if (!u) return u.error();
    used_before = *u;
    auto s = tool.json({"status", "--json"});
    if (!s) return s.error();
    status_before = *s;
  }
  auto programs_before = program_stats(cfg.programs());
  size_t ours = cfg.programs().size(), loaded = loaded_bpf_programs();
  out.foreign_programs = std::max(out.foreign_programs, loaded > ours ? loaded - ours : 0);

  auto churn = run_churn(churn_options(o, w));
  if (!churn) return churn.error();
  if (interrupted(o)) return interrupted_error();

  auto programs = stats_delta(programs_before, program_stats(cfg.programs()));
  uint64_t misses = 0;
  for (const auto &p : programs) misses += p.recursion_misses;
  out.recursion_misses += misses;
  out.ops_per_second.push_back(churn->ops_per_second());
  out.ops += churn->ops;
  out.seconds += churn->seconds;
  out.event_seconds += churn->seconds + churn->warmup_seconds;
  if (cfg.counts()) {
    auto s = tool.json({"status", "--json"});
    if (!s) return s.error();
    for (const auto &[k, v] : losses_delta(losses_of(status_before), losses_of(*s))) out.losses[k] += v;
    // Objects freed through RCU come back a grace period later: give the
    // Diff up to three seconds to return before judging it.
    // The churn's sites are chosen on the first snapshot after it, with
    // at least 90% of one kind's objects (so that background sites of a
    // busy machine are not mistaken for them); sampled counts are
    // estimates, so half is enough there.
    double share = cfg.counts_every_event() ? 0.9 : 0.5;
    int64_t min_allocs = static_cast<int64_t>(share * static_cast<double>(churn->ops) / kinds_per_op(w));
    auto first = tool.json({"used", "--json"});
    if (!first) return first.error();
    if (cfg.counts_every_event())
      out.events = out.events.value_or(0) + (handled_events(*first) - handled_events(used_before));
    ExactnessCheck check = check_exactness(used_before, *first, min_allocs, misses, own_tags(w));
    const ExactnessCheck sites = check;
    auto deadline = Clock::now() + std::chrono::seconds(3);
    while (!check.exact() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto u = tool.json({"used", "--json"});
      if (!u) return u.error();
      check = check_exactness(used_before, *u, min_allocs, misses, own_tags(w), &sites);
    }
    // A sampled run judged on background sites would judge the sampling
    // error of someone else's allocations: only its own sites count.
    if (!cfg.counts_every_event() && !check.has_own()) check.sites.clear();
    check.shown_only = !has_own_sites(w);
    out.exactness.push_back(check);
  }
  return Ok{};
}

// Enough rounds: the 95% interval of the median paired difference between
// full tracking and the floor is narrower than kResolvedWidth (or there is
// no such pair to resolve).
bool resolved(const WorkloadResult &w) {
  if (w.find(config::kDefault) == nullptr || w.find(config::kNull) == nullptr) return true;
  auto i = median_interval(w.paired_differences(config::kDefault, config::kNull));
  return i && i->width() < kResolvedWidth;
}

// The statistics pass: one run with BPF run-time statistics on.
Status cost_run(Configuration &cfg, const RunnerOptions &o, Workload w, ConfigResult &out) {
  if (auto st = cfg.start(); !st) return st;
  Stopper stopper{cfg};
  auto before = program_stats(cfg.programs());
  // no warm-up: program runs and ops must cover the same window
  ChurnOptions options = churn_options(o, w);
  options.warmup = std::chrono::milliseconds(0);
  auto churn = run_churn(options);
  if (!churn) return churn.error();
  if (interrupted(o)) return interrupted_error();
  CostBreakdown cost;
  cost.seconds = churn->seconds;
  cost.ops = churn->ops;
  for (const auto &p : stats_delta(before, program_stats(cfg.programs())))
    cost.programs.push_back(ProgramCost{p.name, p.run_count, p.run_time_ns});
  out.cost = cost;
  return Ok{};
}

Result<ScaleResult> scale_test(const PooltagTool &tool, const RunnerOptions &o) {
  ScaleResult s;
  s.target = o.scale_allocations;
  std::string max_live = std::to_string(std::max<uint64_t>(2 * o.scale_allocations, 1u << 16));
  if (auto st = tool.enable({"--max-live", max_live}); !st) return st.error();
  struct Disabler {
    const PooltagTool &t;
    ~Disabler() { (void)t.disable(); }
  } disabler{tool};
  Holders holders;
  auto filled = fill_live_table(tool, holders, s.target, o.interrupt);
  if (!filled) return filled.error();
  s.allocations_per_eventfd = filled->allocations_per_eventfd;
  s.holders = holders.count();
  s.eventfds = holders.eventfds();
  auto status = tool.json({"status", "--json"});
  if (!status) return status.error();
  s.live_used = (*status)["live"].value("used", uint64_t{0});
  s.live_capacity = (*status)["live"].value("capacity", uint64_t{0});
  s.kernel_memory_bytes = status->value("kernel_memory_bytes", uint64_t{0});
  s.losses = losses_of(*status);
  fmt::print("  {} outstanding allocations ({} eventfds in {} processes, {:.2f} allocations each) in {:.1f} s\n",
             s.live_used, s.eventfds, s.holders, s.allocations_per_eventfd, filled->seconds);

  const std::vector<std::vector<std::string>> commands = {
      {"used"}, {"used", "--json"}, {"status", "--json"}, {"find", "do_eventfd"}};
  for (const auto &args : commands) {
    auto r = tool.run(args);
    if (!r) return r.error();
    std::string cmd = "pooltag";
    for (const auto &a : args) cmd += " " + a;
    s.timings.push_back({cmd, r->exit_code, r->wall_seconds, r->max_rss_kb, r->out.size()});
  }
  return s;
}

// Configurations in the order of the table.
std::vector<std::unique_ptr<Configuration>> configurations(const PooltagTool &tool, const RunnerOptions &o) {
  std::vector<std::unique_ptr<Configuration>> c;
  c.push_back(untraced());
  c.push_back(pooltag_config(tool, config::kNull, "null floor", {"--null"}, false, false));
  c.push_back(pooltag_config(tool, config::kDefault, "pooltag default", {}, true, false));
  c.push_back(no_bulk_paths_config(tool));
  // Diagnostic: the same programs with a table that fits in the caches, to
  // see how much of the cost is memory latency on the live table.
  c.push_back(pooltag_config(tool, config::kSmallTable, "default, 64K table", {"--max-live", "64K"}, true, false));
  c.push_back(pooltag_config(tool, config::kStacksOne, "stacks one tag", {"--stacks", o.stacks_tag}, true, false));
  c.push_back(pooltag_config(tool, config::kStacksAll, "stacks '*'", {"--stacks", "*"}, true, false));
  c.push_back(pooltag_config(tool, config::kSample64, "sample 64", {"--sample", "64"}, true, true));
  if (o.bpftrace) c.push_back(bpftrace_config(o.bpftrace_script, o.bpftrace_keys));
  if (o.memleak) c.push_back(memleak_config(o.memleak_path));
  if (o.perf_kmem) c.push_back(perf_kmem_config());
  if (!o.only_configs.empty())
    std::erase_if(c, [&](const auto &cfg) {
      return cfg->key() != config::kUntraced &&
             std::find(o.only_configs.begin(), o.only_configs.end(), cfg->key()) == o.only_configs.end();
    });
  return c;
}

}  // namespace

Result<RunResult> run_benchmark(const RunnerOptions &o) {
  if (geteuid() != 0) return Error{"the benchmark needs root (BPF)"};
  PooltagTool tool(o.pooltag, o.pin_dir);
  // A run killed before its clean-up left its state behind: the pin
  // directory is the benchmark's own, so remove it.
  (void)tool.run({"disable"});
  TracefsMount tracefs;  // for bpftrace and perf kmem; unmounted at the end if we mounted it

  RunResult result;
  utsname u{};
  uname(&u);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  auto version = run_command({o.pooltag, "--version"});
  result.machine = {{"kernel", u.release},
                    {"cpus", std::thread::hardware_concurrency()},
                    {"cpu_model", cpu_model()},
                    {"pooltag_version", version ? version->out.substr(0, version->out.find('\n')) : ""},
                    {"load_average_at_start", {load[0], load[1], load[2]}},
                    {"bpf_programs_loaded_at_start", loaded_bpf_programs()},
                    {"tracefs_mounted_by_bench", tracefs.mounted_by_us()}};
  fmt::print("pooltag overhead benchmark: {} on {} ({} CPUs), load average {:.2f}, {} BPF programs loaded by others\n",
             result.machine["pooltag_version"].get<std::string>(), u.release, std::thread::hardware_concurrency(),
             load[0], loaded_bpf_programs());

  auto configs = configurations(tool, o);
  // Why each configuration cannot run: decided once, kept for all workloads.
  std::vector<std::optional<std::string>> unavailable(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) unavailable[i] = configs[i]->unavailable();

  for (Workload w : o.workloads)
  for (unsigned threads : o.thread_counts) {
    RunnerOptions ot = o;  // this workload's thread count
    ot.threads = threads;
    WorkloadResult wr;
    wr.workload = std::string(workload_name(w));
    wr.threads = threads;
    wr.seconds_per_run = o.seconds;
    wr.ops_per_run = o.ops;
    wr.repetitions = o.repetitions;
    for (const auto &c : configs) wr.configs.emplace_back(c->key(), c->name(), c->command());
    const size_t max_rounds = std::max(o.repetitions, o.max_repetitions);
    fmt::print("\n{} churn: {} configurations x {} rounds{}\n", wr.label(), configs.size(), o.repetitions,
               max_rounds > o.repetitions
                   ? fmt::format(", up to {} until the floor difference's 95% interval is narrower than {:.2f}",
                                 max_rounds, kResolvedWidth)
                   : "");

    for (size_t round = 0; round < max_rounds; ++round) {
      if (round >= o.repetitions && resolved(wr)) break;
      const auto order = interleaved_schedule(configs.size(), round + 1)[round];
      for (size_t i : order) {
        if (unavailable[i]) continue;
        if (interrupted(o)) return interrupted_error();
        if (auto st = timed_run(*configs[i], tool, ot, w, wr.configs[i]); !st) {
          if (interrupted(o)) return interrupted_error();
          unavailable[i] = st.error().message;
          fmt::print("  {}: cannot run: {}\n", configs[i]->name(), st.error().message);
          continue;
        }
        fmt::print("  {:<22} {:>10.0f} ops/s\n", configs[i]->name(), wr.configs[i].ops_per_second.back());
        std::fflush(stdout);
      }
    }
    wr.repetitions = wr.configs.front().ops_per_second.size();  // untraced runs every round
    for (size_t i = 0; i < configs.size(); ++i)
      if (unavailable[i] && wr.configs[i].ops_per_second.empty()) wr.configs[i].unavailable = unavailable[i];

    if (o.cost_pass) {
      auto stats = RunTimeStats::enable();
      if (!stats) {
        fmt::print("  per-program cost: {}\n", stats.error().message);
      } else {
        for (size_t i = 0; i < configs.size(); ++i) {
          if (unavailable[i] || configs[i]->key() == config::kUntraced) continue;
          if (auto st = cost_run(*configs[i], ot, w, wr.configs[i]); !st) {
            if (interrupted(o)) return interrupted_error();
            fmt::print("  {}: statistics pass failed: {}\n", configs[i]->name(), st.error().message);
          }
        }
      }
    }

    fmt::print("\n{}", render_table(wr));
    if (o.cost_pass) fmt::print("\nPer-program cost (one run with kernel.bpf_stats_enabled on):\n{}", render_costs(wr));
    auto budget = evaluate_budget(wr);
    fmt::print("\nBudget (issues 6 and 17):\n{}", render_budget(budget));
    result.budget.insert(result.budget.end(), budget.begin(), budget.end());
    result.bulk_paths.push_back(bulk_paths_line(wr, takes_bulk_paths(w)));
    fmt::print("\nBulk paths (issue 12):\n{}", render_budget({result.bulk_paths.back()}));
    result.workloads.push_back(std::move(wr));
  }

  if (o.scale_allocations > 0) {
    fmt::print("\n`pooltag used` with {} outstanding allocations:\n", o.scale_allocations);
    auto s = scale_test(tool, o);
    if (!s) {
      if (interrupted(o)) return interrupted_error();
      ScaleResult skipped;
      skipped.target = o.scale_allocations;
      skipped.skipped = s.error().message;
      result.scale = skipped;
    } else {
      result.scale = *s;
    }
    fmt::print("{}", render_scale(*result.scale));
  }
  getloadavg(load, 3);
  result.machine["load_average_at_end"] = {load[0], load[1], load[2]};
  return result;
}

std::string render_scale(const ScaleResult &s) {
  if (s.skipped) return fmt::format("  not measured: {}\n", *s.skipped);
  std::string out = fmt::format(
      "  live table: {} of {} slots used, {:.1f} MiB of kernel memory: {:.0f} bytes per slot, {:.0f} bytes per "
      "tracked allocation at this fill\n",
      s.live_used, s.live_capacity, static_cast<double>(s.kernel_memory_bytes) / (1 << 20),
      s.live_capacity ? static_cast<double>(s.kernel_memory_bytes) / static_cast<double>(s.live_capacity) : 0.0,
      s.live_used ? static_cast<double>(s.kernel_memory_bytes) / static_cast<double>(s.live_used) : 0.0);
  for (const auto &t : s.timings)
    out += fmt::format("  {:<28} {:>7.3f} s  max RSS {:>7.1f} MiB  exit {}  ({} bytes of output)\n", t.command,
                       t.seconds, static_cast<double>(t.max_rss_kb) / 1024, t.exit_code, t.output_bytes);
  std::string lost;
  for (const auto &[k, v] : s.losses)
    if (v != 0) lost += fmt::format(" {} {}", k, v);
  out += fmt::format("  losses since enable:{}\n", lost.empty() ? " none" : lost);
  return out;
}

nlohmann::json to_json(const ScaleResult &s) {
  nlohmann::json j = {{"target", s.target}};
  if (s.skipped) {
    j["skipped"] = *s.skipped;
    return j;
  }
  nlohmann::json timings = nlohmann::json::array();
  for (const auto &t : s.timings)
    timings.push_back({{"command", t.command}, {"exit_code", t.exit_code}, {"seconds", t.seconds},
                       {"max_rss_kb", t.max_rss_kb}, {"output_bytes", t.output_bytes}});
  j.update({{"live_used", s.live_used},
            {"live_capacity", s.live_capacity},
            {"kernel_memory_bytes", s.kernel_memory_bytes},
            {"bytes_per_slot", s.live_capacity ? static_cast<double>(s.kernel_memory_bytes) / s.live_capacity : 0},
            {"bytes_per_tracked_allocation", s.live_used ? static_cast<double>(s.kernel_memory_bytes) / s.live_used : 0},
            {"holder_processes", s.holders},
            {"eventfds", s.eventfds},
            {"allocations_per_eventfd", s.allocations_per_eventfd},
            {"losses", s.losses},
            {"timings", timings}});
  return j;
}

nlohmann::json to_json(const RunResult &r, const RunnerOptions &o) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const auto &w : r.workloads) workloads.push_back(to_json(w));
  nlohmann::json out = {{"machine", r.machine},
                        {"options",
                         {{"threads", o.thread_counts},
                          {"seconds", o.seconds},
                          {"ops", o.ops},
                          {"repetitions", o.repetitions},
                          {"max_repetitions", o.max_repetitions},
                          {"memleak", o.memleak_path},
                          {"stacks_tag", o.stacks_tag},
                          {"bpftrace_keys", o.bpftrace_keys}}},
                        {"workloads", workloads},
                        {"budget", to_json(r.budget)},
                        {"bulk_paths", to_json(r.bulk_paths)}};
  if (r.scale) out["scale"] = to_json(*r.scale);
  return out;
}

}  // namespace pooltag::bench
