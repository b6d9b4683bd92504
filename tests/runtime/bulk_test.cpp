// The bulk paths (docs/engine.md#bulk-frees): objects freed through
// kmem_cache_free_bulk fire no per-object tracepoint. Where the kernel
// allows fentry (pooltag check's "exact bulk frees"), pooltag's programs on
// the functions free them exactly; elsewhere the sites they retire by
// address reuse are shown as upper bounds. Both halves run on every kernel
// of the matrix, each where its kernel puts it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "harness.h"

namespace pooltag::testing {
namespace {

bool exact_bulk_frees() {
  for (const auto &c : kernel_check()["capabilities"])
    if (c["name"] == "exact bulk frees") return c["on"].get<bool>();
  ADD_FAILURE() << "pooltag check --json lists no \"exact bulk frees\" capability";
  return false;
}

// The maple tree's allocating functions (lib/maple_tree.c) and the VMAs it
// indexes, whatever this kernel inlined.
const std::vector<std::string> kMapleNodeTags = {"mas_*", "mt_*", "mtree_*"};
const std::vector<std::string> kMapleTags = {"mas_*", "mt_*", "mtree_*", "vm_area_*"};

// Growth of a few objects can be other processes' (a fork elsewhere); the
// churn's unseen frees are thousands.
constexpr int64_t kNoise = 64;

struct Sum {
  int64_t allocs = 0, diff = 0;
  std::vector<std::string> plain_growth;  // tags that grew beyond kNoise, shown as a plain number
};

Sum sum_tags(const nlohmann::json &used, const nlohmann::json &before) {
  Sum s;
  for (const auto &t : used["tags"]) {
    if (t["pool"] != "slab") continue;
    std::string tag = t["tag"].get<std::string>();
    auto b = counts_of(before, tag, "slab");
    int64_t grew = t["diff"].get<int64_t>() - b.diff;
    s.allocs += t["allocs"].get<int64_t>() - b.allocs;
    s.diff += grew;
    if (grew > kNoise && !t.value("upper_bound", false)) s.plain_growth.push_back(tag);
  }
  return s;
}

// Replaces a socket's IP options n times (each old copy goes to kfree_rcu).
void more_ip_options(int n) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(s, 0);
  const unsigned char nops[4] = {1, 1, 1, 0};
  for (int i = 0; i < n; ++i) ASSERT_EQ(setsockopt(s, IPPROTO_IP, IP_OPTIONS, nops, sizeof(nops)), 0);
  close(s);
}

uint64_t lost(const nlohmann::json &used, const char *kind) { return used["lost"][kind].get<uint64_t>(); }

// Runs a test program through its protocol: `between` after "ready".
void run_program(const std::vector<std::string> &argv, const std::function<void()> &between = [] {}) {
  Program p(argv);
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line(60000).rfind("ready", 0), 0u) << argv[0] << " did not finish";
  between();
  p.send_line();
  ASSERT_EQ(p.read_line(), "closed");
  EXPECT_EQ(p.wait(), 0);
}

// --no-bulk-paths leaves the bulk programs out where the kernel would have
// them, and status says it was the user's choice; where the kernel has none
// the kernel's reason stays.
TEST_F(RootOnly, NoBulkPathsLeavesThemOutAndStatusSaysWhy) {
  const bool kernel_has_them = exact_bulk_frees();
  const std::string dir = test_pin_dir() + "-nobulk";
  (void)run_pooltag_at(dir, {"disable"});
  auto enabled = run_pooltag_at(dir, {"enable", "--no-bulk-paths"});
  ASSERT_EQ(enabled.exit_code, 0) << enabled.err;
  if (kernel_has_them)
    EXPECT_NE(enabled.out.find("bulk frees: turned off (enable --no-bulk-paths)"), std::string::npos) << enabled.out;
  auto status = run_pooltag_at(dir, {"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto doc = nlohmann::json::parse(status.out);
  EXPECT_FALSE(doc["bulk_paths"]["on"].get<bool>());
  for (const auto &p : doc["programs"])
    EXPECT_EQ(p["program"].get<std::string>().find("bulk"), std::string::npos) << p.dump();
  std::string detail;
  for (const auto &c : doc["capabilities"]) {
    if (c["name"] == "exact bulk frees") detail = c.value("detail", "");
  }
  if (kernel_has_them) {
    EXPECT_EQ(detail.rfind("turned off (enable --no-bulk-paths)", 0), 0u) << detail;
  } else {
    EXPECT_EQ(detail.find("--no-bulk-paths"), std::string::npos) << detail;
  }
  EXPECT_EQ(run_pooltag_at(dir, {"disable"}).exit_code, 0);
}

TEST_F(EnabledTagging, MapUnmapChurnLeavesNoFalseLeakInTheMapleTree) {
  const int rounds = 200;
  auto before = used_json(kMapleTags);
  auto before_nodes = used_json(kMapleNodeTags);
  run_program({program_path("churn_maple"), std::to_string(rounds)});
  if (exact_bulk_frees()) {
    // every object the churn allocated is freed again, some after an RCU
    // grace period: the maple tags' Diff comes back to where it was, but for
    // frees the kernel itself skipped (program recursion, counted)
    nlohmann::json after;
    Sum s;
    uint64_t missed = 0;
    bool settled = eventually(
        [&] {
          after = used_json(kMapleTags);
          s = sum_tags(after, before);
          missed = lost(after, "recursion_misses") - lost(before, "recursion_misses") + lost(after, "bulk_unseen") -
                   lost(before, "bulk_unseen");
          return s.diff <= static_cast<int64_t>(missed);
        },
        20000);
    EXPECT_TRUE(settled) << "maple-tree tags still " << s.diff << " up after the churn, " << missed
                         << " frees missed by the kernel\n"
                         << after.dump(1);
    EXPECT_GT(s.allocs, rounds * 100) << "the churn did not go through the maple tree";
    auto status = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
    EXPECT_TRUE(status["bulk_paths"]["on"].get<bool>());
    // the maple tree (6.1+; 5.10 keeps VMAs in an rbtree) frees in bulk
    if (kernel_struct_size("maple_node") > 0) {
      EXPECT_GT(status["bulk_paths"]["frees"].get<uint64_t>(), 0u) << "no object went through kmem_cache_free_bulk";
    }
  } else {
    // no program sees those frees: the maple tags that grew are marked as
    // bounds (a site is marked from the first address it sees reused; the
    // VMAs that 6.18 frees through RCU sheaves may show plain until then,
    // docs/engine.md#bulk-frees)
    auto after = used_json(kMapleNodeTags);
    Sum s = sum_tags(after, before_nodes);
    EXPECT_GT(s.allocs, rounds * 100) << "the churn did not go through the maple tree";
    EXPECT_TRUE(s.plain_growth.empty()) << "tags grew but are shown as exact: " << ::testing::PrintToString(s.plain_growth);
    EXPECT_GT(lost(after, "implicit_frees"), lost(before, "implicit_frees"));
    // and the text view says so, once
    auto text = run_pooltag({"used", "mas_*", "mt_*", "mtree_*"});
    if (s.diff > 0) {
      EXPECT_NE(text.out.find("≤"), std::string::npos) << text.out;
      EXPECT_NE(text.out.find("upper bound"), std::string::npos) << text.out;
    }
  }
}

TEST_F(EnabledTagging, BulkFreedObjectsAreNotOutstandingBesideARealLeak) {
  const int sets = 10000, leak = 100;
  // ip_options_get allocates each socket's IP options (kzalloc); the
  // replaced copy goes through kfree_rcu and, in a batch, kfree_bulk
  const std::string options_tag = first_kernel_function({"ip_options_get", "ip_options_get_alloc"});
  ASSERT_FALSE(options_tag.empty()) << "neither ip_options_get nor ip_options_get_alloc in this kernel";
  auto before = used_json({options_tag, "do_eventfd"});
  run_program({program_path("bulk_free_ipopts"), std::to_string(sets), std::to_string(leak)}, [&] {
    auto during = used_json({options_tag, "do_eventfd"});
    auto b = counts_of(before, "do_eventfd", "slab"), d = counts_of(during, "do_eventfd", "slab");
    EXPECT_EQ(d.diff - b.diff, leak) << "the real leak is exact";
    EXPECT_EQ(d.allocs - b.allocs, leak);
    auto o = counts_of(during, options_tag, "slab"), ob = counts_of(before, options_tag, "slab");
    EXPECT_GE(o.allocs - ob.allocs, sets);
    if (exact_bulk_frees()) {
      // kfree_rcu batches drain after a grace period and a few jiffies
      nlohmann::json now;
      bool drained = eventually(
          [&] {
            now = used_json({options_tag});
            return counts_of(now, options_tag, "slab").diff - ob.diff <= 0;
          },
          20000);
      EXPECT_TRUE(drained) << options_tag << " still outstanding after the kfree_rcu batches:\n" << now.dump(1);
    } else {
      // Unseen frees, known only when an address comes back: right after
      // the calls the kfree_rcu batches have not drained (the objects are
      // still allocated), and once they have, the next allocations from
      // the same cache reuse them. More IP options from this process make
      // those next allocations; then the grown tag must be a bound.
      nlohmann::json now;
      bool marked = eventually(
          [&] {
            more_ip_options(1000);
            now = used_json({options_tag});
            for (const auto &t : now["tags"])
              if (t["tag"] == options_tag && t["pool"] == "slab")
                return t["diff"].get<int64_t>() - ob.diff <= kNoise || t["upper_bound"].get<bool>();
            return false;
          },
          20000);
      EXPECT_TRUE(marked) << "freed in bulk, unseen, yet shown exact:\n" << now.dump(1);
    }
  });
  auto after = used_json({"do_eventfd"});
  EXPECT_EQ(counts_of(after, "do_eventfd", "slab").diff, counts_of(before, "do_eventfd", "slab").diff);
}

}  // namespace
}  // namespace pooltag::testing
