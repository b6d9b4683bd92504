// The benchmark's results and everything computed from them without a
// kernel: slowdown ratios, the exactness check on two `used --json`
// snapshots, the budget verdicts of issue 6, the text table and the JSON.
// Plain data in, text or JSON out, so unit tests cover all of it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "stats.h"

namespace pooltag::bench {

// Keys of the configurations the budget refers to.
namespace config {
inline constexpr const char *kUntraced = "untraced";
inline constexpr const char *kNull = "null";
inline constexpr const char *kDefault = "default";
inline constexpr const char *kNoBulk = "default-no-bulk";
inline constexpr const char *kSmallTable = "default-64k";
inline constexpr const char *kStacksOne = "stacks-one";
inline constexpr const char *kStacksAll = "stacks-all";
inline constexpr const char *kSample64 = "sample-64";
inline constexpr const char *kBpftrace = "bpftrace";
inline constexpr const char *kMemleak = "bcc-memleak";
inline constexpr const char *kPerfKmem = "perf-kmem";
}  // namespace config

// A churn site's Diff before and after one churn run.
struct SiteDrift {
  std::string tag;
  std::string pool;
  int64_t allocs = 0;       // allocations during the run (the site's share of the churn)
  int64_t diff_change = 0;  // Diff after - Diff before: 0 when exact
  bool own = false;         // only the churn allocates here (churn.h own_tags)
  // pooltag itself marks the site's counts as upper bounds (objects freed
  // in bulk where it cannot see the bulk paths): shown, never judged
  bool upper_bound = false;
};

// Judged on the churn's own sites when any was found: shared sites (struct
// file, dentries, inodes) also move with other processes' objects, so their
// drift is shown but not held against the count. Without own sites, every
// churn site is judged, except those pooltag shows as upper bounds.
struct ExactnessCheck {
  std::vector<SiteDrift> sites;
  uint64_t recursion_misses = 0;  // during the run: each can leave one Diff too high
  // the churn has no sites of its own (maple: every process maps memory):
  // its sites are shown, none is judged
  bool shown_only = false;
  bool has_own() const;
  bool judged(const SiteDrift &s) const;
  bool any_judged() const;
  int64_t judged_drift() const;  // sum of |drift| over the judged sites
  bool exact() const { return any_judged() && judged_drift() == 0; }
  // exact, or the drift is within the shown losses, or every site is one
  // pooltag itself shows as an upper bound
  bool explained() const;
  std::string verdict() const;
};

// Compares two `used --json` documents around a churn: the churn's sites
// are the rows whose allocations grew by at least `min_allocs` (about the
// number of objects of one kind the churn made). With `sites_from`, the
// sites are those of that earlier check instead (re-reading the Diff of the
// same sites while deferred frees arrive).
ExactnessCheck check_exactness(const nlohmann::json &before, const nlohmann::json &after, int64_t min_allocs,
                               uint64_t recursion_misses, const std::vector<std::string> &own_tags,
                               const ExactnessCheck *sites_from = nullptr);

// The `lost` object of a `status --json` or `used --json` document, as
// counter -> value; after - before of two of those.
std::map<std::string, int64_t> losses_of(const nlohmann::json &doc);
std::map<std::string, int64_t> losses_delta(const std::map<std::string, int64_t> &before,
                                            const std::map<std::string, int64_t> &after);

// Allocation and free events pooltag handled, from a `used --json`
// document: every allocation is counted (allocs + untracked) and every free
// (frees that matched, less those inferred at reuse, + unmatched frees).
// The programs keep no event counter of their own: it would cost an atomic
// add on every event.
uint64_t handled_events(const nlohmann::json &used);

// One BPF program's cost during the run-time-statistics pass.
struct ProgramCost {
  std::string name;
  uint64_t runs = 0;
  uint64_t run_time_ns = 0;
  double ns_per_run() const { return runs ? static_cast<double>(run_time_ns) / static_cast<double>(runs) : 0; }
};

struct CostBreakdown {
  double seconds = 0;
  uint64_t ops = 0;
  std::vector<ProgramCost> programs;
  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  uint64_t runs() const;
  uint64_t run_time_ns() const;
  double program_ns_per_op() const { return ops ? static_cast<double>(run_time_ns()) / static_cast<double>(ops) : 0; }
};

struct ConfigResult {
  ConfigResult(std::string k, std::string n, std::string c = "")
      : key(std::move(k)), name(std::move(n)), command(std::move(c)) {}
  std::string key;   // config::k...
  std::string name;  // what the table shows
  std::string command;  // how it was enabled
  std::optional<std::string> unavailable;  // why it was not measured
  std::vector<double> ops_per_second;      // one per repetition
  // Over all timed repetitions together:
  double seconds = 0;
  uint64_t ops = 0;
  std::optional<uint64_t> events;  // allocations and frees pooltag handled (handled_events)
  double event_seconds = 0;        // the time those events span: warm-ups included
  uint64_t recursion_misses = 0;
  // Most BPF programs loaded by others (tests running pooltag, say) during
  // any repetition: they tax every configuration, untraced included.
  size_t foreign_programs = 0;
  std::map<std::string, int64_t> losses;  // growth of pooltag's loss counters
  std::vector<ExactnessCheck> exactness;  // one per repetition, pooltag configurations
  std::optional<CostBreakdown> cost;      // from the statistics pass
  Summary summary() const { return summarize(ops_per_second); }
};

struct WorkloadResult {
  std::string workload;
  unsigned threads = 0;
  double seconds_per_run = 0;
  uint64_t ops_per_run = 0;  // smoke mode: fixed ops instead of a duration
  size_t repetitions = 0;
  std::vector<ConfigResult> configs;
  const ConfigResult *find(const std::string &key) const;
  // Ratios are paired by repetition: repetition r of every configuration
  // ran in the same round, so the median of the per-round ratios cancels
  // the machine's drift between rounds (ratio of the medians when the
  // repetition counts differ). nullopt when either side is missing.
  // untraced / this
  std::optional<double> slowdown(const std::string &key) const;
  // null floor / this
  std::optional<double> vs_floor(const std::string &key) const;
  // slowdown of `key` minus slowdown of `reference`, per round, median
  std::optional<double> slowdown_above(const std::string &key, const std::string &reference) const;
  // the per-round differences behind slowdown_above (empty when the rounds
  // do not pair)
  std::vector<double> paired_differences(const std::string &key, const std::string &reference) const;
  // Time `key` adds to one op on one thread, ns: per round
  // threads * (1/ops_s(key) - 1/ops_s(untraced)), median.
  std::optional<double> added_ns_per_op(const std::string &key) const;
  // "eventfd x2": the workload and its thread count
  std::string label() const;
  // The same difference predicted from the statistics pass: the extra
  // program time per op over the untraced time per op of one thread.
  // Steadier than throughput on a noisy machine; it leaves out the caches
  // the programs take from the kernel.
  std::optional<double> program_time_above(const std::string &key, const std::string &reference) const;
  // The same per program run of `key`: ns above the reference's programs,
  // and what a budget of `limit` (a slowdown difference) leaves each run.
  // Shows whether a goal is within reach of tuning: a run that must touch
  // a line not in the cache cannot cost less than the miss.
  struct PerRun {
    double above_ns = 0;
    double allowed_ns = 0;
  };
  std::optional<PerRun> program_ns_per_run_above(const std::string &key, const std::string &reference,
                                                  double limit) const;
};

struct BudgetLine {
  std::string budget;
  std::string measured;
  std::string verdict;  // "met", "NOT met", "n/a"
};

// Issue 6's budget lines, judged on one workload's results (eventfd churn).
// Every line names its workload (label()).
std::vector<BudgetLine> evaluate_budget(const WorkloadResult &w);

// What the bulk paths' programs (issue 12: fentry/fexit on
// kmem_cache_free_bulk, kmem_cache_alloc_bulk, __kfree_rcu_sheaf) add to
// full tracking on this workload: the default against the same tagging
// with --no-bulk-paths, paired by round, and the bulk programs' own run
// time from the statistics pass. Judged on workloads that do not take the
// bulk paths (eventfd, pipe, socketpair): there the programs must cost
// nothing measurable; elsewhere the line is shown, not judged.
BudgetLine bulk_paths_line(const WorkloadResult &w, bool takes_bulk_paths);
// A program of the bulk paths, by its (16-byte) kernel name.
bool is_bulk_program(const std::string &name);

// BCC memleak's added time per op that issue 17 measured on this machine
// (eventfd churn, 1 process), used when memleak is not run
// (--memleak PATH): the stacks-for-all line then says it is a calibration.
inline constexpr double kCalibratedMemleakAddedNs = 17783;

// Issue 17's goals: full tracking within this of the floor on every
// workload; the rounds go on until the 95% interval of the median paired
// difference is narrower than kResolvedWidth (or the rounds run out).
inline constexpr double kFloorBudget = 0.10;
inline constexpr double kResolvedWidth = 0.05;
inline constexpr double kStacksShareOfMemleak = 0.5;

std::string render_table(const WorkloadResult &w);
std::string render_costs(const WorkloadResult &w);
std::string render_budget(const std::vector<BudgetLine> &lines);

nlohmann::json to_json(const WorkloadResult &w);
nlohmann::json to_json(const std::vector<BudgetLine> &lines);

}  // namespace pooltag::bench
