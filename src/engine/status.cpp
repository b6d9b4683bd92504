#include "engine/status.h"

#include "kernel/control.h"
#include "kernel/loader.h"
#include "kernel/pinned_state.h"

namespace pooltag::engine {

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
  kernel::LinuxKernelProbe probe;
  report.features = kernel::probe_kernel(probe);
  s.kernel_release = report.features.release;
  report.plan = kernel::plan_tagging(report.features, model::PoolSet::all());
  if (st.flags & PT_STATE_BULK_DECLINED) report.plan.drop_bulk(kernel::kBulkDeclined);
  return report;
}

}  // namespace pooltag::engine
