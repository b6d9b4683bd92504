#include "engine/status.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "kernel/control.h"
#include "kernel/loader.h"
#include "kernel/pinned_state.h"

namespace pooltag::engine {

KernelPlan plan_for_this_kernel(model::PoolSet pools) {
  kernel::LinuxKernelProbe probe;
  KernelPlan out;
  out.features = kernel::probe_kernel(probe);
  out.plan = kernel::plan_tagging(out.features, pools);
  return out;
}

kernel::TaggingPlan running_plan(kernel::TaggingPlan planned, const model::Snapshot &snapshot) {
  if (snapshot.bulk_left_out) planned.drop_bulk(kernel::kBulkDeclined);
  return planned;
}

std::string libbpf_version() { return fmt::format("{}.{}", libbpf_major_version(), libbpf_minor_version()); }

Result<StatusReport> tagging_status(const std::string &pin_dir, const kernel::SystemAccess &system) {
  if (auto st = kernel::require_root(system, "status"); !st) return st.error();
  auto opened = kernel::PinnedState::open(pin_dir);
  if (!opened) return opened.error();
  const kernel::PinnedState &ps = **opened;
  const pt_state &st = ps.state();
  auto snap = ps.snapshot();
  if (!snap) return snap.error();
  StatusReport report;
  model::TaggingStatus &s = report.status;
  s.pin_dir = pin_dir;
  s.enabled_since_ns = st.enabled_realtime_ns;
  uint64_t now = system.realtime_ns();
  s.enabled_for_ns = now > st.enabled_realtime_ns ? now - st.enabled_realtime_ns : 0;
  s.pools = model::PoolSet{st.pools_mask};
  s.sample_every = st.sample_every;
  s.null_programs = (st.flags & PT_STATE_NULL_PROGRAMS) != 0;
  s.live_used = snap->live_used;
  s.live_capacity = static_cast<uint64_t>(st.live_buckets) * PT_BUCKET_SLOTS;
  s.max_live = st.max_live;
  s.sites_used = snap->sites.size();
  s.max_sites = st.max_sites;
  auto geometry = kernel::TableGeometry::of(st);
  s.kernel_memory_bytes = geometry.kernel_bytes();
  s.hash_live_table = geometry.hash_live_table;
  s.plain_site_counters = (st.flags & PT_STATE_PLAIN_SITE_COUNTERS) != 0;
  s.losses = snap->losses;
  auto hit = ps.read_selector(kernel::PinnedState::Selector::HitTag);
  auto stack_tags = ps.read_selector(kernel::PinnedState::Selector::StackTags);
  s.hit_tag = hit && hit->active ? std::string(hit->tag) : "";
  s.stacks = stack_tags && stack_tags->active ? std::string(stack_tags->tag) : "";
  s.free_unmatched = snap->free_unmatched;
  s.bulk_paths = (st.flags & PT_STATE_BULK_PATHS) != 0;
  s.bulk_frees = snap->bulk_frees;
  s.bulk_allocs = snap->bulk_allocs;
  s.rcu_sheaf_frees = snap->rcu_sheaf_frees;
  for (const auto &p : ps.programs()) s.programs.push_back({p.name, p.program, p.id, p.recursion_misses});
  auto kernel = plan_for_this_kernel(model::PoolSet::all());
  report.features = std::move(kernel.features);
  s.kernel_release = report.features.release;
  report.plan = running_plan(std::move(kernel.plan), *snap);
  return report;
}

}  // namespace pooltag::engine
