// pooltag-bench: measures what pooltag costs the kernel paths it traces
// (issue 6, docs/performance.md). Run through `make bench`.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "runner.h"

namespace {

std::atomic<bool> g_interrupt{false};

void on_signal(int) { g_interrupt.store(true); }

std::string timestamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char **argv) {
  using namespace pooltag::bench;
  RunnerOptions o;
  o.pooltag = POOLTAG_BINARY;
  o.bpftrace_script = std::string(BENCH_SOURCE_DIR) + "/pooltag-live.bt";
  std::string results_dir = std::string(BENCH_SOURCE_DIR) + "/results";
  std::vector<std::string> workloads = {"eventfd", "pipe", "socketpair", "mixed", "maple"};
  bool smoke = false, no_cost = false, no_bpftrace = false, no_memleak = false, no_perf = false;

  CLI::App app{"pooltag's overhead benchmark: churn workloads under each configuration, interleaved; prints a table "
               "of ops/s and slowdowns and writes it as JSON"};
  app.add_option("--pooltag", o.pooltag, "The pooltag binary")->capture_default_str();
  app.add_option("--pin-dir", o.pin_dir, "Pin directory of the benchmark's own state (never a user's)")
      ->capture_default_str();
  app.add_option("--workloads", workloads, "eventfd, pipe, socketpair, mixed, maple")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--configs", o.only_configs,
                 "Only these configurations (keys as in the JSON: null, default, default-no-bulk, default-64k, "
                 "stacks-one, stacks-all, sample-64, bpftrace, bcc-memleak, perf-kmem); untraced always runs")
      ->delimiter(',');
  app.add_option("--threads", o.thread_counts, "Churn threads (processes of their own descriptor table), a list: "
                                              "each workload runs with each count")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "Seconds per timed run")->capture_default_str();
  app.add_option("--ops", o.ops, "Fixed ops per run instead of --seconds");
  app.add_option("--repetitions", o.repetitions, "Rounds (one timed run of every configuration each) at least")
      ->capture_default_str();
  app.add_option("--max-repetitions", o.max_repetitions,
                 "Rounds at most: more rounds run while the 95% interval of full tracking's median difference from "
                 "the floor is 0.05 or wider")
      ->capture_default_str();
  app.add_option("--stacks-tag", o.stacks_tag, "The 'one other tag' of the --stacks configuration")
      ->capture_default_str();
  app.add_option("--scale", o.scale_allocations, "Outstanding allocations for timing `pooltag used` (0: skip)")
      ->capture_default_str();
  app.add_option("--bpftrace-script", o.bpftrace_script)->capture_default_str();
  app.add_option("--bpftrace-keys", o.bpftrace_keys, "BPFTRACE_MAP_KEYS_MAX for the bpftrace script")
      ->capture_default_str();
  app.add_option("--results-dir", results_dir, "Where the JSON goes ('' for nowhere)")->capture_default_str();
  app.add_flag("--no-cost", no_cost, "Skip the pass with BPF run-time statistics");
  app.add_flag("--no-bpftrace", no_bpftrace, "Skip the bpftrace configuration");
  app.add_flag("--no-memleak", no_memleak, "Skip BCC memleak");
  app.add_option("--memleak", o.memleak_path,
                 "BCC libbpf-tools memleak binary to compare with (build it from a BCC checkout; default: memleak or "
                 "memleak-bpfcc on PATH)");
  app.add_flag("--no-perf", no_perf, "Skip perf kmem record");
  app.add_flag("--smoke", smoke,
               "A few thousand ops per configuration, one repetition, eventfd only, a small scale test: checks the "
               "harness, measures nothing");
  CLI11_PARSE(app, argc, argv);

  o.workloads.clear();
  for (const auto &name : workloads) {
    auto w = parse_workload(name);
    if (!w) {
      fmt::print(stderr, "pooltag-bench: unknown workload {}\n", name);
      return 2;
    }
    o.workloads.push_back(*w);
  }
  if (smoke) {
    o.ops = o.ops ? o.ops : 4000;
    o.repetitions = 1;
    o.max_repetitions = 1;
    o.thread_counts = {2};
    o.workloads = {Workload::Eventfd};
    o.bpftrace_keys = 4096;
    o.scale_allocations = std::min<uint64_t>(o.scale_allocations, 20000);
  }
  o.cost_pass = !no_cost;
  o.bpftrace = !no_bpftrace;
  o.memleak = !no_memleak;
  o.perf_kmem = !no_perf;
  o.interrupt = &g_interrupt;

  // Ctrl-C stops at the next step; the configuration running then is
  // detached on the way out (RAII), as is anything pinned.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto result = run_benchmark(o);
  if (!result) {
    fmt::print(stderr, "pooltag-bench: {}\n", result.error().message);
    return 1;
  }
  if (!results_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(results_dir, ec);
    std::string path = results_dir + "/" + timestamp() + (smoke ? "-smoke" : "") + ".json";
    std::ofstream out(path);
    out << to_json(*result, o).dump(2) << "\n";
    if (!out) {
      fmt::print(stderr, "pooltag-bench: cannot write {}\n", path);
      return 1;
    }
    fmt::print("\nresults: {}\n", path);
  }
  return 0;
}
