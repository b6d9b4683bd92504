#include "report.h"

#include <gtest/gtest.h>

namespace pooltag::bench {
namespace {

nlohmann::json used(int64_t eventfd_allocs, int64_t eventfd_diff, int64_t other_allocs = 10) {
  return {{"tags",
           {{{"tag", "do_eventfd"}, {"pool", "slab"}, {"allocs", eventfd_allocs}, {"diff", eventfd_diff}},
            {{"tag", "copy_process"}, {"pool", "slab"}, {"allocs", other_allocs}, {"diff", 3}}}},
          {"lost", {{"untracked", 0}, {"recursion_misses", 0}}}};
}

TEST(HandledEvents, EveryAllocationAndEveryFreeCountsOnce) {
  nlohmann::json doc = {
      {"free_unmatched", 7},
      {"tags",
       {{{"tag", "do_eventfd"}, {"allocs", 100}, {"frees", 90}, {"untracked", 5}, {"implicit_frees", 0}},
        // 3 of its frees were inferred when the address came back: no event
        {{"tag", "mas_alloc_nodes"}, {"allocs", 20}, {"frees", 10}, {"untracked", 0}, {"implicit_frees", 3}}}}};
  EXPECT_EQ(handled_events(doc), 7u + (100 + 5 + 90) + (20 + 10 - 3));
}

TEST(HandledEvents, ADocumentWithoutRowsHasOnlyItsUnmatchedFrees) {
  EXPECT_EQ(handled_events(nlohmann::json{{"free_unmatched", 4}}), 4u);
  EXPECT_EQ(handled_events(nlohmann::json::object()), 0u);
}

TEST(Exactness, ChurnSitesAreThoseThatGrewByAQuarterOfTheOps) {
  auto c = check_exactness(used(100, 5), used(1100, 5, 20), 900, 0, {"do_eventfd"});
  ASSERT_EQ(c.sites.size(), 1u);
  EXPECT_EQ(c.sites[0].tag, "do_eventfd");
  EXPECT_EQ(c.sites[0].allocs, 1000);
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.verdict(), "exact");
}

TEST(Exactness, ASiteNewInTheAfterSnapshotCounts) {
  nlohmann::json before = {{"tags", nlohmann::json::array()}};
  auto c = check_exactness(before, used(1000, 2), 900, 0, {});
  ASSERT_EQ(c.sites.size(), 1u);
  EXPECT_EQ(c.sites[0].diff_change, 2);
  EXPECT_FALSE(c.exact());
  EXPECT_FALSE(c.explained());
}

TEST(Exactness, DriftUpToTheRecursionMissesIsExplained) {
  auto c = check_exactness(used(0, 0), used(1000, 2), 900, 2, {});
  EXPECT_FALSE(c.exact());
  EXPECT_TRUE(c.explained());
  EXPECT_NE(c.verdict().find("recursion misses"), std::string::npos);
}

TEST(Exactness, ADiffBelowItsStartIsNeverExplained) {
  auto c = check_exactness(used(0, 5), used(1000, 3), 900, 100, {});
  EXPECT_FALSE(c.explained());
  EXPECT_NE(c.verdict().find("NOT exact"), std::string::npos);
}

TEST(Exactness, SharedSitesAreShownButNotJudgedWhenAnOwnSiteIsFound) {
  nlohmann::json before = {{"tags",
                            {{{"tag", "do_eventfd"}, {"pool", "slab"}, {"allocs", 0}, {"diff", 1}},
                             {{"tag", "alloc_empty_file"}, {"pool", "slab"}, {"allocs", 0}, {"diff", 50}}}}};
  nlohmann::json after = {{"tags",
                           {{{"tag", "do_eventfd"}, {"pool", "slab"}, {"allocs", 1000}, {"diff", 1}},
                            {{"tag", "alloc_empty_file"}, {"pool", "slab"}, {"allocs", 1040}, {"diff", 61}}}}};
  auto c = check_exactness(before, after, 900, 0, {"do_eventfd"});
  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.verdict(), "exact; shared sites, others' objects too: alloc_empty_file +11");
  // without an own site every churn site is judged
  EXPECT_FALSE(check_exactness(before, after, 900, 0, {}).exact());
}

TEST(Exactness, RecheckKeepsTheSitesOfTheFirstCheck) {
  auto first = check_exactness(used(0, 0), used(1000, 2), 900, 0, {"do_eventfd"});
  // later the churn site has settled, and another site grew a lot
  auto later = check_exactness(used(0, 0), used(1000, 0, 5000), 900, 0, {"do_eventfd"}, &first);
  ASSERT_EQ(later.sites.size(), 1u);
  EXPECT_TRUE(later.exact());
}

TEST(Exactness, SitesPooltagShowsAsUpperBoundsAreShownNotJudged) {
  nlohmann::json before = {{"tags",
                            {{{"tag", "mas_alloc_nodes"}, {"pool", "slab"}, {"allocs", 0}, {"diff", 0}},
                             {{"tag", "vm_area_alloc"}, {"pool", "slab"}, {"allocs", 0}, {"diff", 4}}}}};
  nlohmann::json after = {
      {"tags",
       {{{"tag", "mas_alloc_nodes"}, {"pool", "slab"}, {"allocs", 1000}, {"diff", 37}, {"upper_bound", true}},
        {{"tag", "vm_area_alloc"}, {"pool", "slab"}, {"allocs", 1000}, {"diff", 4}}}}};
  auto c = check_exactness(before, after, 900, 0, {});
  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_TRUE(c.exact());
  EXPECT_EQ(c.verdict(), "exact; shown as upper bounds (bulk frees unseen): mas_alloc_nodes +37");
  // the plain site drifting is judged as before
  after["tags"][1]["diff"] = 9;
  EXPECT_FALSE(check_exactness(before, after, 900, 0, {}).explained());
  // nothing but upper bounds: nothing to judge, and pooltag said why
  after["tags"][1]["upper_bound"] = true;
  auto bounds_only = check_exactness(before, after, 900, 0, {});
  EXPECT_FALSE(bounds_only.exact());
  EXPECT_TRUE(bounds_only.explained());
  EXPECT_EQ(bounds_only.verdict().rfind("no site to judge; shown as upper bounds", 0), 0u) << bounds_only.verdict();
}

TEST(Losses, DeltaPerCounter) {
  auto d = losses_delta(losses_of(used(0, 0)), {{"untracked", 4}, {"recursion_misses", 0}});
  EXPECT_EQ(d["untracked"], 4);
  EXPECT_EQ(d["recursion_misses"], 0);
}

ConfigResult measured(const std::string &key, std::vector<double> ops) {
  ConfigResult c(key, key);
  c.ops_per_second = std::move(ops);
  return c;
}

WorkloadResult workload() {
  WorkloadResult w;
  w.workload = "eventfd";
  w.threads = 2;
  w.repetitions = 3;
  w.configs = {measured(config::kUntraced, {400, 420, 410}), measured(config::kNull, {340, 350, 345}),
               measured(config::kDefault, {300, 310, 305}), measured(config::kSample64, {330, 335, 340})};
  return w;
}

TEST(Ratios, SlowdownAgainstUntracedAndTheFloor) {
  auto w = workload();
  EXPECT_DOUBLE_EQ(*w.slowdown(config::kDefault), 410.0 / 305);
  EXPECT_DOUBLE_EQ(*w.vs_floor(config::kDefault), 345.0 / 305);
  EXPECT_FALSE(w.slowdown(config::kBpftrace));
}

TEST(Ratios, AreTakenPerRoundSoThatDriftBetweenRoundsCancels) {
  WorkloadResult w;
  // the machine ran twice as fast after the first round; the default
  // configuration's third run was disturbed
  w.configs = {measured(config::kUntraced, {400, 800, 800}), measured(config::kNull, {380, 760, 760}),
               measured(config::kDefault, {360, 720, 400})};
  EXPECT_NEAR(*w.slowdown(config::kDefault), 400.0 / 360, 1e-12);  // the medians would say 800 / 400
  EXPECT_NEAR(*w.vs_floor(config::kDefault), 380.0 / 360, 1e-12);
  EXPECT_NEAR(*w.slowdown_above(config::kDefault, config::kNull), 400.0 / 360 - 400.0 / 380, 1e-12);
}

TEST(Ratios, ProgramTimeAboveTheFloorOverTheUntracedTimeOfAnOp) {
  auto w = workload();  // 2 threads, untraced median 410 ops/s: 4.878 ms per op and thread
  CostBreakdown floor{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 600000}}};  // 600 ns/op
  CostBreakdown full{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 1000600000}}};
  w.configs[1].cost = floor;
  w.configs[2].cost = full;
  EXPECT_NEAR(*w.program_time_above(config::kDefault, config::kNull), 1e6 / (1e9 * 2 / 410), 1e-9);
  EXPECT_FALSE(w.program_time_above(config::kSample64, config::kNull));  // no statistics pass
}

TEST(Ratios, ProgramTimePerRunAgainstWhatTheBudgetLeavesARun) {
  auto w = workload();  // 4.878 ms per op and thread untraced
  w.configs[1].cost = CostBreakdown{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 600000}}};
  w.configs[2].cost = CostBreakdown{1.0, 1000, {ProgramCost{"pt_kmalloc", 4000, 1000000000}, {"pt_slab_free", 5000, 600000}}};
  auto r = w.program_ns_per_run_above(config::kDefault, config::kNull, 0.10);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->above_ns, 1e6 / 9, 1e-6);  // 1 ms more per op, over 9 runs per op
  EXPECT_NEAR(r->allowed_ns, 0.10 * 1e9 * 2 / 410 / 9, 1e-6);
  EXPECT_FALSE(w.program_ns_per_run_above(config::kSample64, config::kNull, 0.10));
  auto line = evaluate_budget(w)[0].measured;
  EXPECT_NE(line.find("(+111111 ns per program run, where 0.10 allows 54201)"), std::string::npos) << line;
}

TEST(Ratios, FallBackToTheMediansWhenARoundIsMissing) {
  WorkloadResult w;
  w.configs = {measured(config::kUntraced, {400, 420, 410}), measured(config::kDefault, {300, 310})};
  EXPECT_DOUBLE_EQ(*w.slowdown(config::kDefault), 410.0 / 305);
}

TEST(Budget, JudgesEachLine) {
  auto w = workload();
  w.configs[2].exactness.push_back(ExactnessCheck{{{"do_eventfd", "slab", 1000, 0, true}}, 0});
  auto lines = evaluate_budget(w);
  ASSERT_EQ(lines.size(), 5u);
  // default 1.344x vs floor 1.188x: +0.156
  EXPECT_EQ(lines[0].verdict, "NOT met");
  EXPECT_EQ(lines[1].verdict, "n/a");  // no --stacks runs
  EXPECT_EQ(lines[2].verdict, "n/a");
  // sample 1.224x / 1.188x = 1.03
  EXPECT_EQ(lines[3].verdict, "met");
  EXPECT_EQ(lines[4].verdict, "met");
}

TEST(Budget, StacksForOneTagIsJudgedOnTheRoundsDifferenceWithTheProgramTimeBeside) {
  auto w = workload();  // default {300, 310, 305}
  w.configs.push_back(measured(config::kStacksOne, {296, 306, 301}));
  w.configs[2].cost = CostBreakdown{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 2000000}}};
  w.configs.back().cost = CostBreakdown{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 102000000}}};  // +100 us per 4.9 ms op
  auto lines = evaluate_budget(w);
  EXPECT_EQ(lines[2].verdict, "met");  // about +0.02
  EXPECT_NE(lines[2].measured.find("; program time +0.02"), std::string::npos) << lines[2].measured;
  w.configs.back().ops_per_second = {250, 260, 255};  // about +0.27
  EXPECT_EQ(evaluate_budget(w)[2].verdict, "NOT met");
}

// One thread, 200,000 untraced ops/s: 5,000 ns per op.
WorkloadResult one_thread(const std::string &name = "eventfd") {
  WorkloadResult w;
  w.workload = name;
  w.threads = 1;
  w.configs = {measured(config::kUntraced, {200000, 200000, 200000})};
  return w;
}

TEST(Budget, StacksForAllAgainstTheCalibratedMemleakWhenItIsNotRun) {
  auto w = one_thread();
  w.configs.push_back(measured(config::kStacksAll, {80000, 80000, 80000}));  // +7,500 ns/op
  auto lines = evaluate_budget(w);
  EXPECT_EQ(lines[1].budget, "eventfd x1: --stacks '*' at most half of BCC memleak's added time per op");
  EXPECT_EQ(lines[1].verdict, "met") << lines[1].measured;  // 7,500 <= 17,783 / 2
  EXPECT_NE(lines[1].measured.find("calibration"), std::string::npos);
  EXPECT_NE(lines[1].measured.find("0.42 of memleak's added time"), std::string::npos) << lines[1].measured;
  w.configs[1].ops_per_second = {70000, 70000, 70000};  // +9,286 ns/op
  EXPECT_EQ(evaluate_budget(w)[1].verdict, "NOT met");
  // the calibration is eventfd's: another workload needs memleak measured
  auto pipe = one_thread("pipe");
  pipe.configs.push_back(measured(config::kStacksAll, {80000, 80000, 80000}));
  EXPECT_EQ(evaluate_budget(pipe)[1].verdict, "n/a");
}

TEST(Budget, StacksForAllAgainstMemleakInTheSameRunPerRound) {
  auto w = one_thread("pipe");
  w.configs[0].ops_per_second = {200000, 100000, 200000};
  w.configs.push_back(measured(config::kStacksAll, {100000, 50000, 100000}));  // +5,000, +10,000, +5,000
  w.configs.push_back(measured(config::kMemleak, {50000, 25000, 50000}));      // +15,000, +30,000, +15,000
  EXPECT_DOUBLE_EQ(*w.added_ns_per_op(config::kStacksAll), 5000);
  auto lines = evaluate_budget(w);
  EXPECT_EQ(lines[1].verdict, "met") << lines[1].measured;
  EXPECT_NE(lines[1].measured.find("+5000 ns/op vs BCC memleak +15000 ns/op (same run): 0.33"), std::string::npos)
      << lines[1].measured;
}

TEST(Budget, FloorLineShowsTheIntervalOfTheMedianDifferenceAndWhetherItResolves) {
  auto w = one_thread();
  w.configs[0].ops_per_second = std::vector<double>(9, 200000);
  w.configs.push_back(measured(config::kNull, std::vector<double>(9, 180000)));
  // default: +0.10 .. +0.14 above the floor's 1.111x, round by round
  std::vector<double> full;
  for (double d : {0.10, 0.11, 0.12, 0.13, 0.14, 0.12, 0.12, 0.11, 0.13}) full.push_back(200000 / (200000.0 / 180000 + d));
  w.configs.push_back(measured(config::kDefault, full));
  auto l = evaluate_budget(w)[0];
  EXPECT_EQ(l.budget, "eventfd x1: full live tracking within 0.10 of the empty-program floor");
  EXPECT_EQ(l.verdict, "NOT met");
  EXPECT_NE(l.measured.find("+0.120 (median of the rounds' differences, 95% interval [+0.110, +0.130] over 9 rounds)"),
            std::string::npos)
      << l.measured;
  EXPECT_EQ(l.measured.find("not resolved"), std::string::npos) << l.measured;
  w.configs[2].ops_per_second[0] = 200000 / (200000.0 / 180000 + 0.30);  // one disturbed round widens it
  w.configs[2].ops_per_second[1] = 200000 / (200000.0 / 180000 + 0.01);
  w.configs[2].ops_per_second[2] = 200000 / (200000.0 / 180000 + 0.25);
  EXPECT_NE(evaluate_budget(w)[0].measured.find("not resolved"), std::string::npos);
}

TEST(Exactness, AChurnWithoutSitesOfItsOwnIsShownNotJudged) {
  auto c = check_exactness(used(0, 0), used(1000, 7), 900, 0, {});
  c.shown_only = true;
  EXPECT_FALSE(c.any_judged());
  EXPECT_EQ(c.verdict(), "shown, not judged (no site of its own): do_eventfd +7");
  auto w = workload();
  w.configs[2].exactness = {c};
  auto line = evaluate_budget(w)[4];
  EXPECT_EQ(line.verdict, "n/a");
  EXPECT_NE(line.measured.find("no site of its own"), std::string::npos) << line.measured;
}

TEST(BulkPaths, NamedByTheProgramsKernelNames) {
  for (const char *name : {"pt_free_bulk", "pt_free_bulk_le", "pt_alloc_bulk", "pt_alloc_bulk_l", "pt_rcu_sheaf_fr"})
    EXPECT_TRUE(is_bulk_program(name)) << name;
  EXPECT_FALSE(is_bulk_program("pt_slab_free"));
  EXPECT_FALSE(is_bulk_program("pt_kmalloc"));
}

TEST(BulkPaths, JudgedOnAChurnThatDoesNotTakeThemFromTheBulkProgramsOwnTime) {
  auto w = workload();  // untraced 410 ops/s on 2 threads: 4.878 ms per op and thread
  w.configs.push_back(measured(config::kNoBulk, {302, 311, 306}));
  CostBreakdown floor{1.0, 1000, {ProgramCost{"pt_kmalloc", 9000, 600000}}};
  CostBreakdown full{1.0, 1000,
                     {ProgramCost{"pt_kmalloc", 9000, 1000600000}, ProgramCost{"pt_free_bulk", 10, 40000}}};
  w.configs[1].cost = floor;
  w.configs[2].cost = full;
  auto l = bulk_paths_line(w, false);
  EXPECT_EQ(l.verdict, "met") << l.measured;
  EXPECT_NE(l.measured.find("bulk programs 0.01 runs, 40 ns per op: program time +0.000"), std::string::npos)
      << l.measured;
  EXPECT_NE(l.measured.find("0.0% of full tracking's program time above the floor"), std::string::npos) << l.measured;
  // 100 us per op of bulk program time is 2% of an op: measurable
  w.configs[2].cost->programs[1].run_time_ns = 100000000;
  EXPECT_EQ(bulk_paths_line(w, false).verdict, "NOT met");
  // a churn that takes them is shown, never judged
  EXPECT_EQ(bulk_paths_line(w, true).verdict, "shown");
}

TEST(BulkPaths, SayWhyWhenTheKernelHasNone) {
  auto w = workload();
  ConfigResult no_bulk(config::kNoBulk, "default, no bulk paths");
  no_bulk.unavailable = "no bulk paths to leave out: this kernel refuses fentry programs";
  w.configs.push_back(no_bulk);
  auto l = bulk_paths_line(w, true);
  EXPECT_EQ(l.verdict, "n/a");
  EXPECT_EQ(l.measured, "no bulk paths to leave out: this kernel refuses fentry programs");
}

TEST(Table, ShowsEveryConfigurationAndWhyOneIsMissing) {
  auto w = workload();
  ConfigResult missing(config::kMemleak, "BCC memleak");
  missing.unavailable = "Unable to find kernel headers";
  w.configs.push_back(missing);
  auto text = render_table(w);
  EXPECT_NE(text.find("untraced"), std::string::npos);
  EXPECT_NE(text.find("1.34x"), std::string::npos);
  EXPECT_NE(text.find("n/a (Unable to find kernel headers)"), std::string::npos);
  auto j = to_json(w);
  EXPECT_EQ(j["configurations"].size(), 5u);
  EXPECT_EQ(j["configurations"][4]["unavailable"], "Unable to find kernel headers");
}

TEST(Costs, NanosecondsPerRunAndPerOp) {
  auto w = workload();
  CostBreakdown k;
  k.seconds = 1;
  k.ops = 1000;
  k.programs = {{"pt_kmalloc", 2000, 100000}, {"pt_kfree", 2000, 60000}};
  w.configs[2].cost = k;
  EXPECT_EQ(k.runs(), 4000u);
  EXPECT_DOUBLE_EQ(k.programs[0].ns_per_run(), 50);
  auto text = render_costs(w);
  EXPECT_NE(text.find("pt_kmalloc"), std::string::npos);
  EXPECT_NE(text.find("160 ns of program time/op"), std::string::npos);
}

}  // namespace
}  // namespace pooltag::bench
