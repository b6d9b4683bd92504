#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/units.h"
#include "kernel/control.h"
#include "kernel/features.h"
#include "kernel/plan.h"
#include "kernel/loader.h"
#include "kernel/pinned_state.h"
#include "views/kernel_view.h"
#include "views/used_view.h"

namespace pooltag::cli {

Runner add_status(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand("status", "Show whether pool tagging is on, since when, its table fill, loss "
                                           "counters and attached programs");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object");
  return [json, &ctx]() -> Result<int> {
    if (auto st = kernel::require_root(*ctx.system, "status"); !st) return st.error();
    auto state = kernel::PinnedState::open(ctx.pin_dir);
    if (!state) {
      if (state.error().exit_code == kExitNotEnabled) {
        if (*json)
          fmt::print("{}\n", nlohmann::json{{"enabled", false}, {"pin_dir", ctx.pin_dir}}.dump());
        else
          fmt::print("pool tagging is not enabled ('pooltag enable' starts it)\n");
        return static_cast<int>(kExitNotEnabled);
      }
      return state.error();
    }
    const auto &ps = **state;
    const pt_state &st = ps.state();
    auto snap = ps.snapshot();
    if (!snap) return snap.error();
    auto programs = ps.programs();
    auto hit = ps.read_selector(kernel::PinnedState::Selector::HitTag);
    auto stack_tags = ps.read_selector(kernel::PinnedState::Selector::StackTags);
    std::string hit_tag = hit && hit->active ? std::string(hit->tag) : "";
    std::string stacks = stack_tags && stack_tags->active ? std::string(stack_tags->tag) : "";
    uint64_t capacity = static_cast<uint64_t>(st.live_buckets) * PT_BUCKET_SLOTS;
    uint64_t used = snap->live_used;
    size_t sites = snap->sites.size();
    uint64_t now = ctx.system->realtime_ns();
    uint64_t age = now > st.enabled_realtime_ns ? now - st.enabled_realtime_ns : 0;
    auto geometry = kernel::TableGeometry::of(st);
    // what this kernel can give, and what this tagging runs with
    kernel::LinuxKernelProbe probe;
    auto features = kernel::probe_kernel(probe);
    auto plan = kernel::plan_tagging(features, model::PoolSet::all());
    if (st.flags & PT_STATE_BULK_DECLINED) plan.drop_bulk(kernel::kBulkDeclined);
    auto capabilities =
        views::capabilities(features, plan, model::PoolSet{st.pools_mask}, (st.flags & PT_STATE_BULK_PATHS) != 0);

    if (*json) {
      nlohmann::json progs = nlohmann::json::array();
      for (const auto &p : programs)
        progs.push_back({{"name", p.name},
                         {"program", p.program},
                         {"id", p.id},
                         {"recursion_misses", p.recursion_misses}});
      nlohmann::json out = {{"enabled", true},
                            {"pin_dir", ctx.pin_dir},
                            {"enabled_since_ns", st.enabled_realtime_ns},
                            {"enabled_for_ns", age},
                            {"pools", model::PoolSet{st.pools_mask}.to_string()},
                            {"sample_every", st.sample_every},
                            {"null_programs", (st.flags & PT_STATE_NULL_PROGRAMS) != 0},
                            {"live", {{"used", used}, {"capacity", capacity}, {"max_live", st.max_live}}},
                            {"sites", {{"used", sites}, {"capacity", st.max_sites}}},
                            {"kernel_memory_bytes", geometry.kernel_bytes()},
                            {"lost", views::losses_json(snap->losses)},
                            {"hit_tag", hit_tag.empty() ? nlohmann::json(nullptr) : nlohmann::json(hit_tag)},
                            {"stacks", stacks.empty() ? nlohmann::json(nullptr) : nlohmann::json(stacks)},
                            {"free_unmatched", snap->free_unmatched},
                            {"bulk_paths",
                             {{"on", (st.flags & PT_STATE_BULK_PATHS) != 0},
                              {"frees", snap->bulk_frees},
                              {"allocs", snap->bulk_allocs},
                              {"rcu_sheaf_frees", snap->rcu_sheaf_frees}}},
                            {"kernel", features.release},
                            {"live_table", geometry.hash_live_table ? "hash" : "buckets"},
                            {"capabilities", views::capability_json(capabilities)},
                            {"programs", progs}};
      fmt::print("{}\n", out.dump());
      return 0;
    }
    time_t t = static_cast<time_t>(st.enabled_realtime_ns / 1000000000ull);
    char since[64];
    std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    fmt::print("pool tagging:    enabled since {} ({})\n", since, format_duration_ns(age));
    fmt::print("pools:           {}\n", model::PoolSet{st.pools_mask}.to_string());
    if (st.sample_every > 1)
      fmt::print("sampling:        about 1 in {} allocations (counts are estimates)\n", st.sample_every);
    if (st.flags & PT_STATE_NULL_PROGRAMS) fmt::print("null programs:   nothing is counted (benchmark floor)\n");
    fmt::print("live table:      {} of {} slots ({:.1f}%)\n", format_count(used), format_count(capacity),
               capacity ? 100.0 * static_cast<double>(used) / static_cast<double>(capacity) : 0.0);
    fmt::print("sites:           {} of {}\n", format_count(sites), format_count(st.max_sites));
    fmt::print("hit tag:         {}\n", hit_tag.empty() ? "none" : hit_tag);
    fmt::print("stacks for:      {}\n", stacks.empty() ? "none (the hit tag's allocations only)" : stacks);
    fmt::print("kernel memory:   {}\n", format_bytes_short(geometry.kernel_bytes()));
    fmt::print("pinned at:       {}\n", ctx.pin_dir);
    fmt::print("unmatched frees: {} (allocated before enable or untracked: ignored)\n",
               format_count(snap->free_unmatched));
    if (st.flags & PT_STATE_BULK_PATHS)
      fmt::print("bulk paths:      {} objects freed in bulk, {} allocated in bulk, {} kfree_rcu'd into RCU sheaves\n",
                 format_count(snap->bulk_frees), format_count(snap->bulk_allocs), format_count(snap->rcu_sheaf_frees));
    auto losses = views::loss_lines(snap->losses);
    fmt::print("losses:          {}\n", losses.empty() ? "none" : "");
    for (const auto &l : losses) fmt::print("  {}\n", l);
    fmt::print("kernel:          {}\n", features.release);
    fmt::print("capabilities:\n{}", views::capability_text(capabilities));
    fmt::print("programs:        on {} tracepoints and functions\n", programs.size());
    for (const auto &p : programs)
      fmt::print("  {:<28} {:<16} id {:<6} recursion misses {}\n", p.name, p.program, p.id, p.recursion_misses);
    return 0;
  };
}

}  // namespace pooltag::cli
