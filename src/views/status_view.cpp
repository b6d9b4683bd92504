#include "views/status_view.h"

#include <fmt/format.h>

#include <ctime>

#include "common/units.h"
#include "views/used_view.h"

namespace pooltag::views {

namespace {

nlohmann::json name_or_null(const std::string &name) {
  return name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name);
}

}  // namespace

nlohmann::json status_json(const model::TaggingStatus &s, const std::vector<Capability> &capabilities) {
  nlohmann::json progs = nlohmann::json::array();
  for (const auto &p : s.programs)
    progs.push_back({{"name", p.name}, {"program", p.program}, {"id", p.id}, {"recursion_misses", p.recursion_misses}});
  return {{"enabled", true},
          {"pin_dir", s.pin_dir},
          {"enabled_since_ns", s.enabled_since_ns},
          {"enabled_for_ns", s.enabled_for_ns},
          {"pools", s.pools.to_string()},
          {"sample_every", s.sample_every},
          {"null_programs", s.null_programs},
          {"live", {{"used", s.live_used}, {"capacity", s.live_capacity}, {"max_live", s.max_live}}},
          {"sites", {{"used", s.sites_used}, {"capacity", s.max_sites}}},
          {"kernel_memory_bytes", s.kernel_memory_bytes},
          {"lost", losses_json(s.losses)},
          {"hit_tag", name_or_null(s.hit_tag)},
          {"stacks", name_or_null(s.stacks)},
          {"free_unmatched", s.free_unmatched},
          {"bulk_paths",
           {{"on", s.bulk_paths},
            {"frees", s.bulk_frees},
            {"allocs", s.bulk_allocs},
            {"rcu_sheaf_frees", s.rcu_sheaf_frees}}},
          {"kernel", s.kernel_release},
          {"live_table", s.hash_live_table ? "hash" : "buckets"},
          {"site_counters", s.plain_site_counters ? "plain" : "locked"},
          {"capabilities", capability_json(capabilities)},
          {"programs", progs}};
}

std::string status_text(const model::TaggingStatus &s, const std::vector<Capability> &capabilities) {
  time_t t = static_cast<time_t>(s.enabled_since_ns / 1000000000ull);
  char since[64];
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  std::string out;
  auto line = [&out](std::string text) { out += text + "\n"; };
  line(fmt::format("pool tagging:    enabled since {} ({})", since, format_duration_ns(s.enabled_for_ns)));
  line(fmt::format("pools:           {}", s.pools.to_string()));
  if (s.sample_every > 1)
    line(fmt::format("sampling:        about 1 in {} allocations (counts are estimates)", s.sample_every));
  if (s.null_programs) line("null programs:   nothing is counted (benchmark floor)");
  line(fmt::format("live table:      {} of {} slots ({:.1f}%)", format_count(s.live_used), format_count(s.live_capacity),
                   s.live_capacity ? 100.0 * static_cast<double>(s.live_used) / static_cast<double>(s.live_capacity)
                                   : 0.0));
  line(fmt::format("sites:           {} of {}", format_count(s.sites_used), format_count(s.max_sites)));
  line(fmt::format("hit tag:         {}", s.hit_tag.empty() ? "none" : s.hit_tag));
  line(fmt::format("stacks for:      {}", s.stacks.empty() ? "none (the hit tag's allocations only)" : s.stacks));
  line(fmt::format("kernel memory:   {}", format_bytes_short(s.kernel_memory_bytes)));
  line(fmt::format("pinned at:       {}", s.pin_dir));
  line(fmt::format("unmatched frees: {} (allocated before enable or untracked: ignored)",
                   format_count(s.free_unmatched)));
  if (s.bulk_paths)
    line(fmt::format("bulk paths:      {} objects freed in bulk, {} allocated in bulk, {} kfree_rcu'd into RCU sheaves",
                     format_count(s.bulk_frees), format_count(s.bulk_allocs), format_count(s.rcu_sheaf_frees)));
  auto losses = loss_lines(s.losses);
  line(fmt::format("losses:          {}", losses.empty() ? "none" : ""));
  for (const auto &l : losses) line("  " + l);
  line(fmt::format("kernel:          {}", s.kernel_release));
  line(s.plain_site_counters ? "site counters:   plain adds (one writer each: this kernel never nests a program, no "
                               "bulk programs)"
                             : "site counters:   locked adds");
  out += fmt::format("capabilities:\n{}", capability_text(capabilities));
  line(fmt::format("programs:        on {} tracepoints and functions", s.programs.size()));
  for (const auto &p : s.programs)
    line(fmt::format("  {:<28} {:<16} id {:<6} recursion misses {}", p.name, p.program, p.id, p.recursion_misses));
  return out;
}

std::string not_enabled_text() { return "pool tagging is not enabled ('pooltag enable' starts it)\n"; }

nlohmann::json not_enabled_json(const std::string &pin_dir) { return {{"enabled", false}, {"pin_dir", pin_dir}}; }

}  // namespace pooltag::views
