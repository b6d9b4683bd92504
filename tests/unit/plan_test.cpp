// The load-time plan on the prototypes of every supported kernel, as read
// from their BTF (Debian's 5.10, 6.1, 6.12; 6.0's variant as RHEL 9 has
// it; this machine's 6.18).
#include "kernel/plan.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "kernel/features.h"
#include "views/kernel_view.h"

namespace pooltag::kernel {
namespace {

using model::Pool;
using Params = std::vector<std::string>;

const Params kKmalloc510 = {"long unsigned int", "const void *", "size_t", "size_t", "gfp_t"};
const Params kKmallocNode510 = {"long unsigned int", "const void *", "size_t", "size_t", "gfp_t", "int"};
const Params kKmalloc61 = {"long unsigned int", "const void *", "size_t", "size_t", "gfp_t", "int"};
const Params kKmalloc60 = {"long unsigned int", "const void *", "struct kmem_cache *", "size_t", "size_t", "gfp_t"};
const Params kCacheAlloc61 = {"long unsigned int", "const void *", "struct kmem_cache *", "gfp_t", "int"};
const Params kFree = {"long unsigned int", "const void *"};
const Params kCacheFree61 = {"long unsigned int", "const void *", "const struct kmem_cache *"};
const Params kPercpu510 = {"bool", "bool", "size_t", "size_t", "void *", "int", "void *"};
const Params kPercpu61 = {"long unsigned int", "bool", "bool", "size_t", "size_t", "void *", "int", "void *",
                          "size_t", "gfp_t"};
const Params kPercpuFree = {"void *", "int", "void *"};
const Params kVmap = {"long unsigned int", "long unsigned int", "long unsigned int", "long unsigned int",
                      "long unsigned int", "int"};
const Params kVmapFree = {"long unsigned int", "long unsigned int", "long unsigned int"};
const Params kPageAlloc = {"struct page *", "unsigned int", "gfp_t", "int"};
const Params kPageFree = {"struct page *", "unsigned int"};
// kernel functions (the bulk paths), as BTF has them on 5.10 .. 6.18
const FunctionPrototype kFreeBulk = {"void", {"struct kmem_cache *", "size_t", "void **"}};
const FunctionPrototype kAllocBulk = {"int", {"struct kmem_cache *", "gfp_t", "size_t", "void **"}};
const FunctionPrototype kRcuSheaf = {"bool", {"struct kmem_cache *", "void *"}};

KernelFeatures kernel(std::string release, std::map<std::string, Params> tracepoints, bool atomics = true) {
  KernelFeatures k;
  k.release = std::move(release);
  k.btf = true;
  for (auto &[name, params] : tracepoints) k.tracepoints[name] = TracepointPrototype{params};
  k.functions["kmem_cache_free_bulk"] = kFreeBulk;
  k.functions["kmem_cache_alloc_bulk"] = kAllocBulk;
  for (const auto &f : feature_table()) k.probes[f.feature] = Probe{true, ""};
  if (!atomics) {
    k.probes[Feature::Atomics] = Probe{false, "BPF_STX uses reserved fields"};
    k.probes[Feature::TaskBtf] = Probe{false, "unknown func bpf_get_current_task_btf#158"};
  }
  return k;
}

KernelFeatures debian_5_10() {
  return kernel("5.10.0-46-amd64",
                {{"kmalloc", kKmalloc510}, {"kmalloc_node", kKmallocNode510}, {"kmem_cache_alloc", kKmalloc510},
                 {"kmem_cache_alloc_node", kKmallocNode510}, {"kfree", kFree}, {"kmem_cache_free", kFree},
                 {"percpu_alloc_percpu", kPercpu510}, {"percpu_free_percpu", kPercpuFree},
                 {"mm_page_alloc", kPageAlloc}, {"mm_page_free", kPageFree}},
                false);
}

KernelFeatures rhel_6_0() {
  Params node = kKmalloc60;
  node.push_back("int");
  return kernel("6.0.0", {{"kmalloc", kKmalloc60}, {"kmalloc_node", node}, {"kmem_cache_alloc", kKmalloc60},
                          {"kmem_cache_alloc_node", node}, {"kfree", kFree}, {"kmem_cache_free", kFree},
                          {"percpu_alloc_percpu", kPercpu61}, {"percpu_free_percpu", kPercpuFree},
                          {"mm_page_alloc", kPageAlloc}, {"mm_page_free", kPageFree}});
}

KernelFeatures debian_6_1() {
  return kernel("6.1.0-57-amd64", {{"kmalloc", kKmalloc61}, {"kmem_cache_alloc", kCacheAlloc61}, {"kfree", kFree},
                                   {"kmem_cache_free", kCacheFree61}, {"percpu_alloc_percpu", kPercpu61},
                                   {"percpu_free_percpu", kPercpuFree}, {"mm_page_alloc", kPageAlloc},
                                   {"mm_page_free", kPageFree}});
}

KernelFeatures debian_6_12() {
  auto k = debian_6_1();
  k.release = "6.12.118+deb13-amd64";
  k.tracepoints["alloc_vmap_area"] = TracepointPrototype{kVmap};
  k.tracepoints["free_vmap_area_noflush"] = TracepointPrototype{kVmapFree};
  // 6.10+: memory allocation profiling renamed the allocation functions
  k.functions.erase("kmem_cache_alloc_bulk");
  k.functions["kmem_cache_alloc_bulk_noprof"] = kAllocBulk;
  return k;
}

// This machine's kernel: RCU sheaves, and fentry refused.
KernelFeatures firecracker_6_18() {
  auto k = debian_6_12();
  k.release = "6.18.44-fc-v657";
  k.functions["__kfree_rcu_sheaf"] = kRcuSheaf;
  k.probes[Feature::Fentry] = Probe{false, "BPF program load failed: Operation not permitted"};
  return k;
}

std::vector<std::string> bulk_attached(const TaggingPlan &plan) {
  std::vector<std::string> out;
  for (const auto &a : plan.bulk.attachments) out.push_back(a.target + "=" + a.program);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> attached(const TaggingPlan &plan, Pool pool) {
  std::vector<std::string> out;
  for (const auto &a : plan.pool(pool).attachments) out.push_back(a.target + "=" + a.program);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Plan, Debian12KernelHasNoVmallocTracepointsAndSaysSoInOneLine) {
  auto plan = plan_tagging(debian_6_1(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.fatal.empty()) << plan.fatal;
  EXPECT_FALSE(plan.hash_live_table);
  EXPECT_EQ(plan.enabled().to_string(), "slab,percpu");
  EXPECT_EQ(attached(plan, Pool::Slab),
            (std::vector<std::string>{"kfree=pt_slab_free", "kmalloc=pt_kmalloc", "kmem_cache_alloc=pt_cache_alloc",
                                      "kmem_cache_free=pt_slab_free"}));
  EXPECT_EQ(attached(plan, Pool::Percpu),
            (std::vector<std::string>{"percpu_alloc_percpu=pt_percpu_alloc", "percpu_free_percpu=pt_percpu_free"}));
  auto lines = views::plan_messages(plan, "6.1.0-57-amd64");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "vmalloc pool: this kernel (6.1.0-57-amd64) has no alloc_vmap_area tracepoint (Linux 6.2+); vmalloc "
            "allocations are not tagged");
}

TEST(Plan, Debian13KernelTagsEveryDefaultPool) {
  auto plan = plan_tagging(debian_6_12(), model::PoolSet::all());
  EXPECT_TRUE(plan.fatal.empty());
  EXPECT_EQ(plan.enabled().to_string(), "slab,percpu,vmalloc,page");
  EXPECT_TRUE(views::plan_messages(plan, "6.12").empty());
  EXPECT_EQ(attached(plan, Pool::Vmalloc), (std::vector<std::string>{"alloc_vmap_area=pt_vmap_alloc",
                                                                      "free_vmap_area_noflush=pt_vmap_free"}));
}

TEST(Plan, Debian11KernelUsesTheLegacyProgramsAndTheNodeTracepoints) {
  auto plan = plan_tagging(debian_5_10(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.fatal.empty()) << plan.fatal;
  EXPECT_TRUE(plan.hash_live_table);
  EXPECT_EQ(plan.enabled().to_string(), "slab,percpu");
  EXPECT_EQ(attached(plan, Pool::Slab),
            (std::vector<std::string>{"kfree=pt_slab_free_legacy", "kmalloc=pt_kmalloc_legacy",
                                      "kmalloc_node=pt_kmalloc_legacy", "kmem_cache_alloc=pt_cache_alloc_sized_legacy",
                                      "kmem_cache_alloc_node=pt_cache_alloc_sized_legacy",
                                      "kmem_cache_free=pt_slab_free_legacy"}));
  // percpu has no call site before 5.19: charged from the stack, and said
  EXPECT_EQ(attached(plan, Pool::Percpu),
            (std::vector<std::string>{"percpu_alloc_percpu=pt_percpu_alloc_stack_legacy",
                                      "percpu_free_percpu=pt_percpu_free_legacy"}));
  auto lines = views::plan_messages(plan, "5.10.0-46-amd64");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("percpu pool: percpu_alloc_percpu has no call_site"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("vmalloc pool: this kernel (5.10.0-46-amd64) has no alloc_vmap_area"), std::string::npos);
  EXPECT_NE(lines[2].find("live table: this kernel (5.10.0-46-amd64) has no BPF atomics"), std::string::npos);
}

TEST(Plan, BulkPathsGoOnTheFunctionsEachKernelHas) {
  auto plan = plan_tagging(debian_6_1(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.bulk.on);
  EXPECT_EQ(bulk_attached(plan), (std::vector<std::string>{"kmem_cache_alloc_bulk=pt_alloc_bulk",
                                                           "kmem_cache_free_bulk=pt_free_bulk"}));
  for (const auto &a : plan.bulk.attachments) EXPECT_TRUE(a.function);
  plan = plan_tagging(debian_6_12(), model::PoolSet::defaults());
  EXPECT_EQ(bulk_attached(plan), (std::vector<std::string>{"kmem_cache_alloc_bulk_noprof=pt_alloc_bulk",
                                                           "kmem_cache_free_bulk=pt_free_bulk"}));
  plan = plan_tagging(debian_5_10(), model::PoolSet::defaults());
  EXPECT_EQ(bulk_attached(plan), (std::vector<std::string>{"kmem_cache_alloc_bulk=pt_alloc_bulk_legacy",
                                                           "kmem_cache_free_bulk=pt_free_bulk_legacy"}));
  // 6.18 with fentry: kfree_rcu into RCU sheaves too
  auto k = firecracker_6_18();
  k.probes[Feature::Fentry] = Probe{true, ""};
  plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_EQ(bulk_attached(plan),
            (std::vector<std::string>{"__kfree_rcu_sheaf=pt_rcu_sheaf_free", "kmem_cache_alloc_bulk_noprof=pt_alloc_bulk",
                                      "kmem_cache_free_bulk=pt_free_bulk"}));
  EXPECT_TRUE(views::plan_messages(plan, k.release).empty());
}

TEST(Plan, WithoutFentryBulkFreesAreUpperBoundsAndSaySoInOneLine) {
  auto plan = plan_tagging(firecracker_6_18(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.fatal.empty());
  EXPECT_EQ(plan.enabled().to_string(), "slab,percpu,vmalloc");
  EXPECT_FALSE(plan.bulk.on);
  EXPECT_TRUE(plan.bulk.attachments.empty());
  auto lines = views::plan_messages(plan, "6.18.44-fc-v657");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "bulk frees: this kernel (6.18.44-fc-v657) refuses fentry programs (BPF program load failed: Operation "
            "not permitted): objects freed by kmem_cache_free_bulk (kfree_bulk, kfree_rcu batches) are retired only "
            "when their address is allocated again, so their sites' Diff and Bytes are upper bounds (≤)");
}

TEST(Plan, BulkPathsNeedTheFunctionsKnownPrototypes) {
  auto k = debian_6_1();
  k.functions["kmem_cache_free_bulk"] = FunctionPrototype{"void", {"struct kmem_cache *", "void **"}};
  auto plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_FALSE(plan.bulk.on);
  EXPECT_EQ(plan.bulk.reason,
            "kmem_cache_free_bulk has a prototype pooltag does not know: void (struct kmem_cache *, void **)");
  // no bulk allocation function: frees still exact, and said
  k = debian_6_1();
  k.functions.erase("kmem_cache_alloc_bulk");
  plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_TRUE(plan.bulk.on);
  ASSERT_EQ(plan.bulk.notes.size(), 1u);
  EXPECT_NE(views::plan_messages(plan, k.release).back().find("bulk allocations are not tagged"), std::string::npos);
}

TEST(Plan, DroppingTheBulkPathsKeepsTheSlabPool) {
  auto plan = plan_tagging(debian_6_12(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.is_bulk_program("pt_free_bulk"));
  EXPECT_FALSE(plan.is_bulk_program("pt_slab_free"));
  EXPECT_EQ(pool_of_program(plan, "pt_free_bulk"), std::nullopt);
  EXPECT_EQ(plan.attachments().size(), plan.pool(Pool::Slab).attachments.size() +
                                           plan.pool(Pool::Percpu).attachments.size() +
                                           plan.pool(Pool::Vmalloc).attachments.size() + 2);
  plan.drop_bulk("the kernel refused program pt_free_bulk: invalid access");
  EXPECT_FALSE(plan.bulk.on);
  EXPECT_TRUE(plan.bulk.attachments.empty());
  EXPECT_TRUE(plan.pool(Pool::Slab).on);
  EXPECT_TRUE(plan.fatal.empty());
  EXPECT_NE(views::plan_messages(plan, "6.12").front().find("bulk frees: the kernel refused program pt_free_bulk"),
            std::string::npos);
}

TEST(Plan, SiteCountersArePlainOnlyWhereRawTpNeverNestsAndNoFunctionProgramCounts) {
  // 6.18 here: raw_tp programs never nest, and fentry is refused
  EXPECT_TRUE(plan_tagging(firecracker_6_18(), model::PoolSet::defaults()).plain_site_counters());
  // 6.12 and 6.1: the bulk programs charge frees beside pt_slab_free
  auto plan = plan_tagging(debian_6_12(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.raw_tp_never_nests);
  EXPECT_FALSE(plan.plain_site_counters());
  // until the kernel refuses them (the loader asks again on every attempt)
  plan.drop_bulk("the kernel refused program pt_free_bulk: invalid access");
  EXPECT_TRUE(plan.plain_site_counters());
  plan = plan_tagging(debian_6_1(), model::PoolSet::defaults());
  plan.drop_bulk("left out on request");
  EXPECT_TRUE(plan.plain_site_counters());
  // 6.0 and 5.10: a program can run inside itself on one CPU
  for (const auto &k : {rhel_6_0(), debian_5_10()}) {
    plan = plan_tagging(k, model::PoolSet::defaults());
    plan.drop_bulk("left out on request");
    EXPECT_FALSE(plan.raw_tp_never_nests) << k.release;
    EXPECT_FALSE(plan.plain_site_counters()) << k.release;
  }
}

TEST(Plan, ReleaseAtLeastReadsMajorAndMinorOnly) {
  EXPECT_TRUE(release_at_least("6.1.0-57-amd64", 6, 1));
  EXPECT_TRUE(release_at_least("6.18.44-fc-v1045", 6, 1));
  EXPECT_TRUE(release_at_least("7.0", 6, 1));
  EXPECT_TRUE(release_at_least("6.10.3", 6, 9));
  EXPECT_FALSE(release_at_least("6.0.0", 6, 1));
  EXPECT_FALSE(release_at_least("5.19.17", 6, 1));
  EXPECT_FALSE(release_at_least("5.10.0-46-amd64", 6, 1));
  EXPECT_FALSE(release_at_least("", 6, 1));
  EXPECT_FALSE(release_at_least("6", 6, 1));
  EXPECT_FALSE(release_at_least("linux-6.1", 6, 1));
  EXPECT_FALSE(release_at_least("6.x", 6, 0));
}

TEST(Plan, KernelWithCachePointersInKmallocUsesTheSixZeroVariant) {
  auto plan = plan_tagging(rhel_6_0(), model::PoolSet::defaults());
  EXPECT_TRUE(plan.fatal.empty()) << plan.fatal;
  EXPECT_EQ(attached(plan, Pool::Slab),
            (std::vector<std::string>{"kfree=pt_slab_free", "kmalloc=pt_kmalloc_with_cache",
                                      "kmalloc_node=pt_kmalloc_with_cache", "kmem_cache_alloc=pt_cache_alloc",
                                      "kmem_cache_alloc_node=pt_cache_alloc", "kmem_cache_free=pt_slab_free"}));
}

TEST(Plan, AtomicsWithoutTaskBtfStillUseTheLegacyPrograms) {
  auto k = debian_5_10();
  k.probes[Feature::Atomics] = Probe{true, ""};  // 5.12..: atomics, not the task pointer (not a real kernel)
  EXPECT_TRUE(plan_tagging(k, model::PoolSet::defaults()).hash_live_table);
}

TEST(Plan, NoSlabTracepointIsFatalNoPageTracepointIsNot) {
  auto k = debian_6_1();
  k.tracepoints.erase("mm_page_alloc");
  auto plan = plan_tagging(k, model::PoolSet::all());
  EXPECT_TRUE(plan.fatal.empty());
  EXPECT_FALSE(plan.pool(Pool::Page).on);
  EXPECT_EQ(plan.pool(Pool::Page).reason, "this kernel has no mm_page_alloc tracepoint");
  k.tracepoints.erase("kfree");
  plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_EQ(plan.fatal, "slab pool: this kernel has no kfree or kmem_cache_free tracepoint");
  EXPECT_EQ(plan.enabled().mask, 0u) << "nothing is loaded when slab cannot be";
}

TEST(Plan, UnknownPrototypeIsNamedWithItsTypes) {
  auto k = debian_6_1();
  k.tracepoints["percpu_alloc_percpu"] = TracepointPrototype{{"int", "int"}};
  auto plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_FALSE(plan.pool(Pool::Percpu).on);
  EXPECT_EQ(plan.pool(Pool::Percpu).reason, "percpu_alloc_percpu has a prototype pooltag does not know: (int, int)");
  EXPECT_TRUE(plan.pool(Pool::Percpu).attachments.empty());
}

TEST(Plan, WithoutBtfOrTestRunNothingCanBeTagged) {
  auto k = debian_6_1();
  k.btf = false;
  EXPECT_NE(plan_tagging(k, model::PoolSet::defaults()).fatal.find("no BTF"), std::string::npos);
  k = debian_6_1();
  k.probes[Feature::TestRun] = Probe{false, "Invalid argument"};
  auto plan = plan_tagging(k, model::PoolSet::defaults());
  EXPECT_EQ(plan.fatal,
            "this kernel cannot run a raw_tp BPF program on request (BPF_PROG_TEST_RUN, Linux 5.10+): Invalid "
            "argument");
  EXPECT_EQ(plan.enabled().mask, 0u);
}

TEST(Plan, DroppingAPoolKeepsTheOthersAndSlabIsFatal) {
  auto plan = plan_tagging(debian_6_12(), model::PoolSet::defaults());
  plan.drop(Pool::Vmalloc, "the kernel refused program pt_vmap_alloc: invalid mem access");
  EXPECT_EQ(plan.enabled().to_string(), "slab,percpu");
  EXPECT_TRUE(plan.fatal.empty());
  EXPECT_EQ(pool_of_program(plan, "pt_percpu_free"), Pool::Percpu);
  EXPECT_EQ(pool_of_program(plan, "pt_dump"), std::nullopt);
  plan.drop(Pool::Slab, "refused");
  EXPECT_EQ(plan.fatal, "slab pool: refused");
}

// The fake probe answers what probe_kernel() asks, and nothing else.
class FakeProbe : public KernelProbe {
 public:
  std::string release() override { return "6.1.0-fake"; }
  bool load_btf(std::string &why) override {
    why = btf_ok ? "" : "cannot read the kernel's BTF";
    return btf_ok;
  }
  std::optional<TracepointPrototype> tracepoint(std::string_view name) override {
    asked.emplace_back(name);
    if (name == "kfree") return TracepointPrototype{kFree};
    return std::nullopt;
  }
  std::optional<FunctionPrototype> function(std::string_view name) override {
    asked.emplace_back(name);
    if (name == "kmem_cache_free_bulk") return kFreeBulk;
    return std::nullopt;
  }
  Probe probe(Feature f) override { return {f != Feature::Fentry, f == Feature::Fentry ? "EPERM" : ""}; }
  bool btf_ok = true;
  std::vector<std::string> asked;
};

TEST(Features, ProbeKernelAsksForEveryTracepointAndFeature) {
  FakeProbe fake;
  auto k = probe_kernel(fake);
  EXPECT_EQ(k.release, "6.1.0-fake");
  EXPECT_EQ(fake.asked.size(), tracepoint_names().size() + function_names().size());
  ASSERT_NE(k.function("kmem_cache_free_bulk"), nullptr);
  EXPECT_EQ(k.function("kmem_cache_free_bulk")->text(), "void (struct kmem_cache *, size_t, void **)");
  EXPECT_EQ(k.function("__kfree_rcu_sheaf"), nullptr);
  ASSERT_NE(k.tracepoint("kfree"), nullptr);
  EXPECT_EQ(k.tracepoint("kfree")->text(), "(long unsigned int, const void *)");
  EXPECT_EQ(k.tracepoint("kmalloc"), nullptr);
  EXPECT_EQ(k.probes.size(), feature_table().size());
  EXPECT_FALSE(k.has(Feature::Fentry));
  EXPECT_EQ(k.probe(Feature::Fentry).detail, "EPERM");
  fake.btf_ok = false;
  fake.asked.clear();
  k = probe_kernel(fake);
  EXPECT_FALSE(k.btf);
  EXPECT_TRUE(fake.asked.empty()) << "no tracepoints without BTF";
}

}  // namespace
}  // namespace pooltag::kernel
