// pooltag-export-bench: what a scrape of `pooltag export` costs with many
// outstanding allocations (issue 14's budget: under 200 ms a scrape, under
// 64 MB resident, at 1,000,000). Enables tagging in its own pin directory,
// fills the live table with eventfds held by child processes (holders.h),
// starts the exporter on a free loopback port, scrapes it, and reads the
// exporter's peak RSS from /proc. A benchmark, not a test: it reports and
// judges, and exits 1 only when it could not measure.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "configs.h"
#include "holders.h"
#include "process.h"

namespace {

using namespace pooltag;
using namespace pooltag::bench;
using Clock = std::chrono::steady_clock;

// A /proc/PID/status field in kB (VmHWM: peak resident, VmRSS: now).
long status_kb(pid_t pid, const std::string &field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

struct Options {
  std::string pooltag = POOLTAG_BINARY;
  std::string pin_dir = "/sys/fs/bpf/pooltag-export-bench";
  uint64_t allocations = 1000000;
  int scrapes = 20;
};

int run(const Options &o) {
  PooltagTool tool(o.pooltag, o.pin_dir);
  (void)tool.disable();  // an earlier run killed before its clean-up
  std::string max_live = std::to_string(std::max<uint64_t>(2 * o.allocations, 1u << 16));
  if (auto st = tool.enable({"--max-live", max_live}); !st) return fmt::print(stderr, "{}\n", st.error().message), 1;
  struct Disabler {
    const PooltagTool &t;
    ~Disabler() { (void)t.disable(); }
  } disabler{tool};

  Holders holders;
  auto filled = fill_live_table(tool, holders, o.allocations);
  if (!filled) return fmt::print(stderr, "{}\n", filled.error().message), 1;
  fmt::print("{} outstanding allocations ({} eventfds in {} processes) in {:.1f} s\n", filled->live_used,
             holders.eventfds(), holders.count(), filled->seconds);

  auto child = Child::start({o.pooltag, "--pin-dir", o.pin_dir, "export", "--listen", "127.0.0.1:0"});
  if (!child) return fmt::print(stderr, "{}\n", child.error().message), 1;
  if (!child->wait_for("serving http://127.0.0.1:", 30000))
    return fmt::print(stderr, "the exporter did not start: {}\n", child->output()), 1;
  const std::string &out = child->output();
  int port = std::stoi(out.substr(out.find("127.0.0.1:") + 10));

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  std::vector<double> ms;
  size_t bytes = 0, series = 0;
  double live_in_scrape = 0;
  for (int i = 0; i < o.scrapes; ++i) {
    // every other scrape as Prometheus asks (OpenMetrics)
    httplib::Headers h;
    if (i % 2) h.emplace("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    auto t0 = Clock::now();
    auto r = client.Get("/metrics", h);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r || r->status != 200) return fmt::print(stderr, "scrape {} failed\n", i), 1;
    bytes = r->body.size();
    series = static_cast<size_t>(std::count(r->body.begin(), r->body.end(), '\n'));
    auto at = r->body.find("\npooltag_live_table_used_slots ");
    if (at != std::string::npos) live_in_scrape = std::stod(r->body.substr(at + 31));
  }
  long hwm = status_kb(child->pid(), "VmHWM"), rss = status_kb(child->pid(), "VmRSS");
  child->stop();

  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted[sorted.size() / 2], worst = sorted.back();
  fmt::print("{} scrapes of {} bytes ({} lines), live-table entries in the scrape: {:.0f}\n", ms.size(), bytes,
             series, live_in_scrape);
  fmt::print("scrape time: median {:.1f} ms, first {:.1f} ms, slowest {:.1f} ms (budget 200 ms): {}\n", median, ms[0],
             worst, worst < 200 ? "within" : "OVER");
  fmt::print("exporter resident: peak {:.1f} MiB, now {:.1f} MiB (budget 64 MB): {}\n", hwm / 1024.0, rss / 1024.0,
             hwm * 1024 < 64000000 ? "within" : "OVER");
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  CLI::App app{"What a scrape of pooltag export costs with many outstanding allocations"};
  app.add_option("--pooltag", o.pooltag, "The pooltag binary")->capture_default_str();
  app.add_option("--pin-dir", o.pin_dir, "Pin directory of the benchmark's own state (never a user's)")
      ->capture_default_str();
  app.add_option("--allocations", o.allocations, "Outstanding allocations to hold while scraping")
      ->capture_default_str();
  app.add_option("--scrapes", o.scrapes, "Scrapes to time")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) return fmt::print(stderr, "pooltag-export-bench needs root (BPF)\n"), 1;
  return run(o);
}
