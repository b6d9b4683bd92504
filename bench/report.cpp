#include "report.h"

#include <algorithm>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace pooltag::bench {

namespace {

std::string thousands(double v) {
  auto n = static_cast<int64_t>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string ratio(std::optional<double> r) { return r ? fmt::format("{:.2f}x", *r) : "-"; }

// (tag, pool) -> row of a used --json document
std::map<std::pair<std::string, std::string>, const nlohmann::json *> rows_of(const nlohmann::json &doc) {
  std::map<std::pair<std::string, std::string>, const nlohmann::json *> out;
  if (!doc.contains("tags") || !doc["tags"].is_array()) return out;
  for (const auto &row : doc["tags"])
    out[{row.value("tag", ""), row.value("pool", "")}] = &row;
  return out;
}

int64_t field(const nlohmann::json *row, const char *name) {
  if (row == nullptr || !row->contains(name) || !(*row)[name].is_number()) return 0;
  return (*row)[name].get<int64_t>();
}

std::string losses_text(const std::map<std::string, int64_t> &losses) {
  std::string out;
  for (const auto &[k, v] : losses)
    if (v != 0) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, v);
  return out.empty() ? "0" : out;
}

}  // namespace

bool ExactnessCheck::has_own() const {
  for (const auto &s : sites)
    if (s.own) return true;
  return false;
}

bool ExactnessCheck::judged(const SiteDrift &s) const {
  return !shown_only && !s.upper_bound && (s.own || !has_own());
}

bool ExactnessCheck::any_judged() const {
  for (const auto &s : sites)
    if (judged(s)) return true;
  return false;
}

int64_t ExactnessCheck::judged_drift() const {
  int64_t t = 0;
  for (const auto &s : sites)
    if (judged(s)) t += std::llabs(s.diff_change);
  return t;
}

bool ExactnessCheck::explained() const {
  if (sites.empty()) return false;
  int64_t up = 0;
  for (const auto &s : sites) {
    if (!judged(s)) continue;
    if (s.diff_change < 0) return false;  // a lost free can only leave Diff too high
    up += s.diff_change;
  }
  return up <= static_cast<int64_t>(recursion_misses);
}

std::string ExactnessCheck::verdict() const {
  if (sites.empty()) return "no churn site found";
  std::string judged_text, shared, bounds;
  for (const auto &s : sites) {
    if (s.diff_change == 0) continue;
    std::string &dest = s.upper_bound ? bounds : (judged(s) || shown_only) ? judged_text : shared;
    dest += fmt::format("{}{} {:+}", dest.empty() ? "" : ", ", s.tag, s.diff_change);
  }
  std::string tail = shared.empty() ? "" : fmt::format("; shared sites, others' objects too: {}", shared);
  if (!bounds.empty()) tail += fmt::format("; shown as upper bounds (bulk frees unseen): {}", bounds);
  if (shown_only) return fmt::format("shown, not judged (no site of its own): {}{}", judged_text.empty() ? "-" : judged_text, tail);
  if (!any_judged()) return "no site to judge" + tail;
  if (exact()) return "exact" + tail;
  if (explained()) return fmt::format("off ({}), within {} recursion misses{}", judged_text, recursion_misses, tail);
  return fmt::format("NOT exact ({}){}", judged_text, tail);
}

ExactnessCheck check_exactness(const nlohmann::json &before, const nlohmann::json &after, int64_t min_allocs,
                               uint64_t recursion_misses, const std::vector<std::string> &own_tags,
                               const ExactnessCheck *sites_from) {
  ExactnessCheck c;
  c.recursion_misses = recursion_misses;
  auto old_rows = rows_of(before);
  for (const auto &[key, row] : rows_of(after)) {
    auto it = old_rows.find(key);
    const nlohmann::json *old = it == old_rows.end() ? nullptr : it->second;
    int64_t allocs = field(row, "allocs") - field(old, "allocs");
    bool chosen = false;
    if (sites_from != nullptr) {
      for (const auto &s : sites_from->sites) chosen = chosen || (s.tag == key.first && s.pool == key.second);
    } else {
      chosen = allocs >= std::max<int64_t>(min_allocs, 1);
    }
    if (!chosen) continue;
    bool own = false;
    for (const auto &t : own_tags) own = own || t == key.first;
    c.sites.push_back(SiteDrift{key.first, key.second, allocs, field(row, "diff") - field(old, "diff"), own,
                                row->value("upper_bound", false)});
  }
  return c;
}

std::map<std::string, int64_t> losses_of(const nlohmann::json &doc) {
  std::map<std::string, int64_t> out;
  if (!doc.contains("lost") || !doc["lost"].is_object()) return out;
  for (const auto &[k, v] : doc["lost"].items())
    if (v.is_number()) out[k] = v.get<int64_t>();
  return out;
}

std::map<std::string, int64_t> losses_delta(const std::map<std::string, int64_t> &before,
                                            const std::map<std::string, int64_t> &after) {
  std::map<std::string, int64_t> out;
  for (const auto &[k, v] : after) {
    auto it = before.find(k);
    out[k] = v - (it == before.end() ? 0 : it->second);
  }
  return out;
}

uint64_t handled_events(const nlohmann::json &used) {
  auto number = [](const nlohmann::json &row, const char *key) -> uint64_t {
    return row.contains(key) && row[key].is_number() ? row[key].get<uint64_t>() : 0;
  };
  uint64_t n = number(used, "free_unmatched");
  if (!used.contains("tags") || !used["tags"].is_array()) return n;
  for (const auto &row : used["tags"]) {
    n += number(row, "allocs") + number(row, "untracked") + number(row, "frees");
    n -= std::min(number(row, "implicit_frees"), number(row, "frees"));
  }
  return n;
}

uint64_t CostBreakdown::runs() const {
  uint64_t n = 0;
  for (const auto &p : programs) n += p.runs;
  return n;
}

uint64_t CostBreakdown::run_time_ns() const {
  uint64_t n = 0;
  for (const auto &p : programs) n += p.run_time_ns;
  return n;
}

const ConfigResult *WorkloadResult::find(const std::string &key) const {
  for (const auto &c : configs)
    if (c.key == key && !c.unavailable && !c.ops_per_second.empty()) return &c;
  return nullptr;
}

namespace {

// Both measured every round, with no zero: their rounds can be paired.
bool paired(const ConfigResult &a, const ConfigResult &b) {
  const auto &x = a.ops_per_second, &y = b.ops_per_second;
  return x.size() == y.size() && std::find(x.begin(), x.end(), 0.0) == x.end() &&
         std::find(y.begin(), y.end(), 0.0) == y.end();
}

// base / c, per round when the rounds pair, else of the medians
std::optional<double> paired_ratio(const ConfigResult *base, const ConfigResult *c) {
  if (base == nullptr || c == nullptr || c->summary().median <= 0) return std::nullopt;
  if (!paired(*base, *c)) return base->summary().median / c->summary().median;
  const auto &b = base->ops_per_second, &v = c->ops_per_second;
  std::vector<double> ratios;
  for (size_t r = 0; r < v.size(); ++r) ratios.push_back(b[r] / v[r]);
  return summarize(ratios).median;
}

}  // namespace

std::optional<double> WorkloadResult::slowdown(const std::string &key) const {
  return paired_ratio(find(config::kUntraced), find(key));
}

std::optional<double> WorkloadResult::vs_floor(const std::string &key) const {
  return paired_ratio(find(config::kNull), find(key));
}

std::vector<double> WorkloadResult::paired_differences(const std::string &key, const std::string &reference) const {
  const auto *base = find(config::kUntraced), *c = find(key), *ref = find(reference);
  std::vector<double> diffs;
  if (base == nullptr || c == nullptr || ref == nullptr || !paired(*base, *c) || !paired(*base, *ref)) return diffs;
  const auto &b = base->ops_per_second, &v = c->ops_per_second, &rv = ref->ops_per_second;
  for (size_t r = 0; r < v.size(); ++r) diffs.push_back(b[r] / v[r] - b[r] / rv[r]);
  return diffs;
}

std::optional<double> WorkloadResult::slowdown_above(const std::string &key, const std::string &reference) const {
  if (auto diffs = paired_differences(key, reference); !diffs.empty()) return summarize(diffs).median;
  auto s = slowdown(key), r = slowdown(reference);
  if (!s || !r) return std::nullopt;
  return *s - *r;
}

std::optional<double> WorkloadResult::added_ns_per_op(const std::string &key) const {
  const auto *base = find(config::kUntraced), *c = find(key);
  if (base == nullptr || c == nullptr || threads == 0) return std::nullopt;
  auto ns = [&](double untraced, double traced) { return 1e9 * threads * (1 / traced - 1 / untraced); };
  if (!paired(*base, *c)) {
    if (base->summary().median <= 0 || c->summary().median <= 0) return std::nullopt;
    return ns(base->summary().median, c->summary().median);
  }
  std::vector<double> added;
  for (size_t r = 0; r < c->ops_per_second.size(); ++r)
    added.push_back(ns(base->ops_per_second[r], c->ops_per_second[r]));
  return summarize(added).median;
}

std::string WorkloadResult::label() const { return fmt::format("{} x{}", workload, threads); }

std::optional<double> WorkloadResult::program_time_above(const std::string &key, const std::string &reference) const {
  const auto *base = find(config::kUntraced), *c = find(key), *ref = find(reference);
  if (base == nullptr || c == nullptr || ref == nullptr || !c->cost || !ref->cost || c->cost->ops == 0 ||
      ref->cost->ops == 0 || base->summary().median <= 0 || threads == 0)
    return std::nullopt;
  double extra_ns = c->cost->program_ns_per_op() - ref->cost->program_ns_per_op();
  double op_ns = 1e9 * threads / base->summary().median;
  return extra_ns / op_ns;
}

std::optional<WorkloadResult::PerRun> WorkloadResult::program_ns_per_run_above(const std::string &key,
                                                                               const std::string &reference,
                                                                               double limit) const {
  auto above = program_time_above(key, reference);
  const auto *c = find(key);
  if (!above || c->cost->runs() == 0) return std::nullopt;
  const double runs_per_op = static_cast<double>(c->cost->runs()) / static_cast<double>(c->cost->ops);
  const double op_ns = 1e9 * threads / find(config::kUntraced)->summary().median;
  return PerRun{*above * op_ns / runs_per_op, limit * op_ns / runs_per_op};
}

namespace {

// A budget line "key within `limit` of reference": the per-round throughput
// difference judges, the program-time estimate is shown next to it.
BudgetLine difference_line(const WorkloadResult &w, const std::string &key, const std::string &reference, double limit,
                           const char *against, const std::string &budget, const std::string &missing) {
  BudgetLine l{budget, missing, "n/a"};
  auto s = w.slowdown(key), r = w.slowdown(reference);
  auto above = w.slowdown_above(key, reference);
  if (!s || !r || !above) return l;
  l.measured = fmt::format("{:.2f}x {} {:.2f}x: {:+.3f} (median of the rounds' differences", *s, against, *r, *above);
  auto diffs = w.paired_differences(key, reference);
  if (auto i = median_interval(diffs)) {
    l.measured += fmt::format(", 95% interval [{:+.3f}, {:+.3f}] over {} rounds)", i->low, i->high, diffs.size());
    if (i->width() >= kResolvedWidth) l.measured += fmt::format(" (wider than {:.2f}: not resolved)", kResolvedWidth);
  } else {
    l.measured += fmt::format(", {} rounds: too few for a 95% interval)", diffs.size());
  }
  l.verdict = *above <= limit ? "met" : "NOT met";
  if (auto t = w.program_time_above(key, reference)) l.measured += fmt::format("; program time {:+.3f}", *t);
  if (auto r = w.program_ns_per_run_above(key, reference, limit))
    l.measured += fmt::format(" ({:+.0f} ns per program run, where {:.2f} allows {:.0f})", r->above_ns, limit,
                              r->allowed_ns);
  return l;
}

}  // namespace

std::vector<BudgetLine> evaluate_budget(const WorkloadResult &w) {
  std::vector<BudgetLine> out;
  auto floor = w.slowdown(config::kNull);
  auto verdict = [](bool ok) { return std::string(ok ? "met" : "NOT met"); };
  auto na = [](const std::string &why) { return BudgetLine{"", why, "n/a"}; };
  const std::string label = w.label() + ": ";

  out.push_back(difference_line(w, config::kDefault, config::kNull, kFloorBudget, "vs floor",
                                label + fmt::format("full live tracking within {:.2f} of the empty-program floor",
                                                    kFloorBudget),
                                "needs the default and null-floor runs"));
  {
    BudgetLine l = na("needs the stacks-all run");
    auto all = w.added_ns_per_op(config::kStacksAll);
    auto memleak = w.added_ns_per_op(config::kMemleak);
    if (all && memleak && *memleak > 0)
      l = {"",
           fmt::format("+{:.0f} ns/op vs BCC memleak +{:.0f} ns/op (same run): {:.2f} of memleak's added time", *all,
                       *memleak, *all / *memleak),
           verdict(*all <= kStacksShareOfMemleak * *memleak)};
    else if (all && w.workload == "eventfd")
      l = {"",
           fmt::format("+{:.0f} ns/op vs BCC memleak +{:.0f} ns/op (calibration figure of eventfd x1: run with "
                       "--memleak PATH to measure it here): {:.2f} of memleak's added time",
                       *all, kCalibratedMemleakAddedNs, *all / kCalibratedMemleakAddedNs),
           verdict(*all <= kStacksShareOfMemleak * kCalibratedMemleakAddedNs)};
    else if (all)
      l = na("needs BCC memleak in the same run (--memleak PATH)");
    l.budget = label + "--stacks '*' at most half of BCC memleak's added time per op";
    out.push_back(l);
  }
  out.push_back(difference_line(w, config::kStacksOne, config::kDefault, 0.05, "vs no stacks",
                                label + "--stacks for one other tag within 0.05 of no stacks",
                                "needs the stacks-one and default runs"));
  {
    BudgetLine l = na("needs the sample-64 and null-floor runs");
    auto s = w.slowdown(config::kSample64);
    if (auto of_floor = w.vs_floor(config::kSample64); s && floor && of_floor)
      l = {"", fmt::format("{:.2f}x vs floor {:.2f}x: {:.3f} of the floor", *s, *floor, *of_floor),
           verdict(*of_floor <= 1.05)};
    l.budget = label + "--sample 64 at most 1.05x the empty-program floor";
    out.push_back(l);
  }
  {
    size_t checks = 0, exact = 0, explained = 0;
    for (const auto &c : w.configs)
      for (const auto &e : c.exactness) {
        if (e.sites.empty() || e.shown_only) continue;  // nothing to judge (a tiny sampled run, maple)
        ++checks;
        exact += e.exact() ? 1 : 0;
        explained += e.explained() ? 1 : 0;
      }
    BudgetLine l = na("no pooltag run was checked (this churn has no site of its own)");
    if (checks > 0)
      l = {"", fmt::format("{} of {} runs exact, {} explained by shown losses", exact, checks, explained - exact),
           verdict(explained == checks)};
    l.budget = label + "Diff of the churn's sites returns to its start (or losses explain it)";
    out.push_back(l);
  }
  return out;
}

bool is_bulk_program(const std::string &name) {
  for (const char *prefix : {"pt_free_bulk", "pt_alloc_bulk", "pt_rcu_sheaf"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

BudgetLine bulk_paths_line(const WorkloadResult &w, bool takes_bulk_paths) {
  BudgetLine l{takes_bulk_paths
                   ? fmt::format("{}: what the bulk paths add (shown, not judged: this churn takes them)", w.label())
                   : fmt::format("{}: the bulk paths add nothing measurable (this churn does not take them)",
                                 w.label()),
               "needs the default and no-bulk-paths runs", "n/a"};
  for (const auto &c : w.configs)
    if (c.key == config::kNoBulk && c.unavailable) {
      l.measured = *c.unavailable;
      return l;
    }
  auto above = w.slowdown_above(config::kDefault, config::kNoBulk);
  if (!above) return l;
  l.measured = fmt::format("default {:+.3f} above no bulk paths (median of the rounds' differences)", *above);
  const auto *base = w.find(config::kUntraced), *full = w.find(config::kDefault), *floor = w.find(config::kNull);
  if (full == nullptr || !full->cost || full->cost->ops == 0 || base == nullptr || base->summary().median <= 0) {
    l.verdict = takes_bulk_paths ? "shown" : "n/a";
    return l;
  }
  uint64_t runs = 0, ns = 0;
  for (const auto &p : full->cost->programs)
    if (is_bulk_program(p.name)) {
      runs += p.runs;
      ns += p.run_time_ns;
    }
  const double ops = static_cast<double>(full->cost->ops);
  const double bulk_ns_per_op = static_cast<double>(ns) / ops;
  const double op_ns = 1e9 * w.threads / base->summary().median;
  const double program_time = bulk_ns_per_op / op_ns;
  l.measured += fmt::format("; bulk programs {:.2f} runs, {:.0f} ns per op: program time {:+.3f}",
                            static_cast<double>(runs) / ops, bulk_ns_per_op, program_time);
  if (floor != nullptr && floor->cost && floor->cost->ops != 0) {
    double added = full->cost->program_ns_per_op() - floor->cost->program_ns_per_op();
    if (added > 0) l.measured += fmt::format(", {:.1f}% of full tracking's program time above the floor",
                                             100.0 * bulk_ns_per_op / added);
  }
  // a program time of 1% of one op is below what any throughput run here resolves
  l.verdict = takes_bulk_paths ? "shown" : program_time <= 0.01 ? "met" : "NOT met";
  return l;
}

std::string render_table(const WorkloadResult &w) {
  std::string out;
  if (w.ops_per_run != 0)
    out += fmt::format("{} churn ({} threads), {} runs of {} ops per configuration (smoke run: no timing value)\n",
                       w.label(), w.threads, w.repetitions, w.ops_per_run);
  else
    out += fmt::format("{} churn ({} threads), {} rounds of {:.1f} s per configuration, interleaved\n", w.label(),
                       w.threads, w.repetitions, w.seconds_per_run);
  out += fmt::format("{:<22} {:>11} {:>7} {:>9} {:>9} {:>11} {:>9}  {}\n", "configuration", "ops/s", "spread",
                     "slowdown", "vs floor", "events/s", "rec.miss", "losses / exactness");
  for (const auto &c : w.configs) {
    if (c.unavailable) {
      out += fmt::format("{:<22} n/a ({})\n", c.name, *c.unavailable);
      continue;
    }
    auto s = c.summary();
    std::string events =
        c.events && c.event_seconds > 0 ? thousands(static_cast<double>(*c.events) / c.event_seconds) : "-";
    std::string notes;
    if (c.foreign_programs != 0) notes = fmt::format("{} foreign BPF programs loaded; ", c.foreign_programs);
    if (!c.losses.empty()) notes += "lost: " + losses_text(c.losses);
    if (!c.exactness.empty()) {
      size_t exact = 0;
      std::string first_bad;
      for (const auto &e : c.exactness) {
        if (e.exact()) ++exact;
        else if (first_bad.empty()) first_bad = e.verdict();
      }
      notes += fmt::format("{}exact {}/{}", notes.empty() ? "" : "; ", exact, c.exactness.size());
      if (!first_bad.empty()) notes += " (" + first_bad + ")";
    }
    out += fmt::format("{:<22} {:>11} {:>6.1f}% {:>9} {:>9} {:>11} {:>9}  {}\n", c.name, thousands(s.median),
                       100 * s.spread(), ratio(w.slowdown(c.key)), ratio(w.vs_floor(c.key)), events,
                       c.recursion_misses, notes);
  }
  return out;
}

std::string render_costs(const WorkloadResult &w) {
  std::string out;
  const ConfigResult *untraced = w.find(config::kUntraced);
  double base_ns = untraced ? 1e9 * w.threads / untraced->summary().median : 0;
  for (const auto &c : w.configs) {
    if (!c.cost || c.cost->ops == 0) continue;
    const auto &k = *c.cost;
    double ops = static_cast<double>(k.ops);
    // time per op per thread, and what the configuration adds to it
    double op_ns = 1e9 * w.threads / c.summary().median;
    out += fmt::format("{} ({}): {:.0f} ops/s with statistics on; {:.2f} program runs/op, {:.0f} ns of program "
                       "time/op; {:+.0f} ns/op wall over untraced (throughput runs)\n",
                       c.name, c.command, k.ops_per_second(), static_cast<double>(k.runs()) / ops,
                       k.program_ns_per_op(), base_ns > 0 ? op_ns - base_ns : 0);
    for (const auto &p : k.programs) {
      if (p.runs == 0) continue;
      out += fmt::format("    {:<24} {:>12} runs/s {:>8.1f} ns/run {:>7.2f} runs/op {:>7.1f} ns/op\n", p.name,
                         thousands(static_cast<double>(p.runs) / k.seconds), p.ns_per_run(),
                         static_cast<double>(p.runs) / ops, static_cast<double>(p.run_time_ns) / ops);
    }
  }
  return out;
}

std::string render_budget(const std::vector<BudgetLine> &lines) {
  std::string out;
  for (const auto &l : lines) out += fmt::format("  [{:<7}] {}: {}\n", l.verdict, l.budget, l.measured);
  return out;
}

nlohmann::json to_json(const WorkloadResult &w) {
  nlohmann::json configs = nlohmann::json::array();
  for (const auto &c : w.configs) {
    nlohmann::json j = {{"key", c.key}, {"name", c.name}, {"command", c.command}};
    if (c.unavailable) {
      j["unavailable"] = *c.unavailable;
      configs.push_back(j);
      continue;
    }
    auto s = c.summary();
    j["ops_per_second"] = c.ops_per_second;
    j["median"] = s.median;
    j["min"] = s.min;
    j["max"] = s.max;
    j["spread"] = s.spread();
    if (auto r = w.slowdown(c.key)) j["slowdown"] = *r;
    if (auto r = w.vs_floor(c.key)) j["vs_floor"] = *r;
    j["ops"] = c.ops;
    j["seconds"] = c.seconds;
    if (c.events) {
      j["events"] = *c.events;
      j["events_per_second"] = c.event_seconds > 0 ? static_cast<double>(*c.events) / c.event_seconds : 0;
    }
    j["recursion_misses"] = c.recursion_misses;
    j["foreign_programs"] = c.foreign_programs;
    j["losses"] = c.losses;
    nlohmann::json ex = nlohmann::json::array();
    for (const auto &e : c.exactness) {
      nlohmann::json sites = nlohmann::json::array();
      for (const auto &s2 : e.sites)
        sites.push_back({{"tag", s2.tag},
                         {"pool", s2.pool},
                         {"allocs", s2.allocs},
                         {"diff_change", s2.diff_change},
                         {"own", s2.own}});
      ex.push_back({{"exact", e.exact()}, {"explained", e.explained()}, {"verdict", e.verdict()}, {"sites", sites}});
    }
    if (!c.exactness.empty()) j["exactness"] = ex;
    if (c.cost) {
      nlohmann::json progs = nlohmann::json::array();
      for (const auto &p : c.cost->programs)
        progs.push_back({{"name", p.name}, {"runs", p.runs}, {"run_time_ns", p.run_time_ns}, {"ns_per_run", p.ns_per_run()}});
      j["cost"] = {{"seconds", c.cost->seconds}, {"ops", c.cost->ops}, {"programs", progs}};
    }
    configs.push_back(j);
  }
  return {{"workload", w.workload},       {"threads", w.threads},         {"seconds_per_run", w.seconds_per_run},
          {"ops_per_run", w.ops_per_run}, {"repetitions", w.repetitions}, {"configurations", configs}};
}

nlohmann::json to_json(const std::vector<BudgetLine> &lines) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &l : lines) out.push_back({{"budget", l.budget}, {"measured", l.measured}, {"verdict", l.verdict}});
  return out;
}

}  // namespace pooltag::bench
