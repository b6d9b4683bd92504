// pooltag-churn: the churn generator on its own, to measure by hand or under
// another tracer:  pooltag-churn --workload pipe --threads 2 --seconds 5
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "churn.h"

int main(int argc, char **argv) {
  using namespace pooltag::bench;
  CLI::App app{"Create and destroy kernel objects as fast as possible; prints ops/s"};
  std::string workload = "eventfd";
  ChurnOptions options;
  double seconds = 3, warmup = 0.5;
  app.add_option("--workload", workload, "eventfd, pipe, socketpair or mixed")->capture_default_str();
  app.add_option("--threads", options.threads, "Threads")->capture_default_str();
  app.add_option("--seconds", seconds, "How long to run")->capture_default_str();
  app.add_option("--ops", options.ops, "Stop after this many ops instead (0: run for --seconds)");
  app.add_option("--warmup", warmup, "Seconds run before the measured --seconds")->capture_default_str();
  app.add_flag("!--no-pin", options.pin_cpus, "Let the scheduler place the threads (default: thread t on CPU t)");
  CLI11_PARSE(app, argc, argv);
  auto w = parse_workload(workload);
  if (!w) {
    fmt::print(stderr, "pooltag-churn: unknown workload {}\n", workload);
    return 2;
  }
  options.workload = *w;
  options.duration = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  options.warmup = std::chrono::milliseconds(static_cast<int64_t>(warmup * 1000));
  auto r = run_churn(options);
  if (!r) {
    fmt::print(stderr, "pooltag-churn: {}\n", r.error().message);
    return 1;
  }
  fmt::print("{} {} threads: {} ops in {:.3f} s = {:.0f} ops/s\n", workload, options.threads, r->ops, r->seconds,
             r->ops_per_second());
  return 0;
}
