// The capabilities check and status list: every pool and feature, on or off,
// and the reason where it is off.
#include "views/kernel_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace pooltag;
using ::testing::HasSubstr;

namespace {

kernel::KernelFeatures kernel_6_1() {
  kernel::KernelFeatures k;
  k.release = "6.1.0-57-amd64";
  k.btf = true;
  for (const auto &f : kernel::feature_table()) k.probes[f.feature] = {true, ""};
  auto tp = [&](const char *name, std::vector<std::string> params) { k.tracepoints[name] = {std::move(params)}; };
  tp("kmalloc", {"long unsigned int", "const void *", "size_t", "size_t", "gfp_t", "int"});
  tp("kmem_cache_alloc", {"long unsigned int", "const void *", "struct kmem_cache *", "gfp_t", "int"});
  tp("kfree", {"long unsigned int", "const void *"});
  tp("kmem_cache_free", {"long unsigned int", "const void *", "const struct kmem_cache *"});
  tp("percpu_alloc_percpu", {"long unsigned int", "bool", "bool", "size_t", "size_t", "void *", "int", "void *",
                             "size_t", "gfp_t"});
  tp("percpu_free_percpu", {"void *", "int", "void *"});
  tp("mm_page_alloc", {"struct page *", "unsigned int", "gfp_t", "int"});
  tp("mm_page_free", {"struct page *", "unsigned int"});
  return k;
}

const views::Capability &named(const std::vector<views::Capability> &caps, const std::string &name) {
  for (const auto &c : caps)
    if (c.name == name) return c;
  throw std::runtime_error("no capability " + name);
}

}  // namespace

TEST(KernelView, PoolsOffSayWhyAndPoolsNotAskedForSaySo) {
  auto k = kernel_6_1();
  auto plan = kernel::plan_tagging(k, model::PoolSet::defaults());
  auto caps = views::capabilities(k, plan, plan.enabled());
  EXPECT_TRUE(named(caps, "slab pool").on);
  EXPECT_FALSE(named(caps, "vmalloc pool").on);
  EXPECT_EQ(named(caps, "vmalloc pool").detail, "this kernel has no alloc_vmap_area tracepoint (Linux 6.2+)");
  EXPECT_FALSE(named(caps, "page pool").on);
  EXPECT_EQ(named(caps, "page pool").detail, "not asked for (--pools page)");
  EXPECT_TRUE(named(caps, "bucket live table").on);
  EXPECT_FALSE(named(caps, "exact bulk frees").on);
  std::string text = views::capability_text(caps);
  EXPECT_THAT(text, ::testing::ContainsRegex("vmalloc pool +off +this kernel has no alloc_vmap_area"));
}

TEST(KernelView, MissingFeaturesCarryTheKernelsReason) {
  auto k = kernel_6_1();
  k.probes[kernel::Feature::RingBuffer] = {false, "Invalid argument"};
  auto plan = kernel::plan_tagging(k, model::PoolSet::defaults());
  auto caps = views::capabilities(k, plan, plan.enabled());
  EXPECT_FALSE(named(caps, "hit events").on);
  EXPECT_EQ(named(caps, "hit events").detail, "no BPF ring buffer (Linux 5.8+): Invalid argument");
  auto j = views::capability_json(caps);
  bool found = false;
  for (const auto &c : j)
    if (c["name"] == "hit events") found = !c["on"].get<bool>() && c["detail"] == "no BPF ring buffer (Linux 5.8+): Invalid argument";
  EXPECT_TRUE(found) << j.dump();
}

TEST(KernelView, CheckNamesEachTracepointsProgramAndTheVerdict) {
  auto k = kernel_6_1();
  auto plan = kernel::plan_tagging(k, model::PoolSet::defaults());
  std::string text = views::check_text(k, plan);
  EXPECT_THAT(text, HasSubstr("kernel:          6.1.0-57-amd64"));
  EXPECT_THAT(text, ::testing::ContainsRegex("kmalloc +\\(long unsigned int, const void \\*, size_t, size_t, gfp_t, "
                                             "int\\) +-> pt_kmalloc"));
  EXPECT_THAT(text, ::testing::ContainsRegex("alloc_vmap_area +absent"));
  EXPECT_THAT(text, HasSubstr("tagging can work: pools slab,percpu"));
  auto j = views::check_json(k, plan);
  EXPECT_TRUE(j["can_tag"].get<bool>());
  EXPECT_EQ(j["tracepoints"]["kfree"]["program"], "pt_slab_free");
  EXPECT_FALSE(j["tracepoints"]["alloc_vmap_area"]["present"].get<bool>());
  EXPECT_EQ(j["live_table"], "buckets");
  k.tracepoints.erase("kfree");
  plan = kernel::plan_tagging(k, model::PoolSet::defaults());
  EXPECT_THAT(views::check_text(k, plan), HasSubstr("tagging cannot work: slab pool: this kernel has no kfree"));
  EXPECT_FALSE(views::check_json(k, plan)["can_tag"].get<bool>());
}

// The kernel layer says the bulk paths were left out on request; the views
// name enable's option for it, and say what a feature's use is with the
// option that uses it.
TEST(KernelView, BulkPathsLeftOutOnRequestNameEnablesOption) {
  auto k = kernel_6_1();
  auto plan = kernel::plan_tagging(k, model::PoolSet::defaults());
  plan.drop_bulk(kernel::kBulkDeclined);
  EXPECT_EQ(views::bulk_reason(plan), "turned off (enable --no-bulk-paths)");
  auto caps = views::capabilities(k, plan, plan.enabled(), false);
  EXPECT_EQ(named(caps, "exact bulk frees").detail.rfind("turned off (enable --no-bulk-paths): objects freed by ", 0),
            0u);
  auto lines = views::plan_messages(plan, k.release);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "bulk frees: turned off (enable --no-bulk-paths): objects freed by kmem_cache_free_bulk (kfree_bulk, "
            "kfree_rcu batches) are retired only when their address is allocated again, so their sites' Diff and "
            "Bytes are upper bounds (≤)");
  plan.drop_bulk("the kernel refused program pt_free_bulk: invalid access");
  EXPECT_EQ(views::bulk_reason(plan), "the kernel refused program pt_free_bulk: invalid access");
  EXPECT_EQ(views::check_json(k, plan)["features"]["raw_tp_test_run"]["use"],
            "the clock sample at enable and object dumps (find --dump)");
}
