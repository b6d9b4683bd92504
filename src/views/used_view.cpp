#include "views/used_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "common/units.h"

namespace pooltag::views {

using model::Counts;
using model::Pool;

std::string clip(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  if (width == 0) return "";
  return std::string(text.substr(0, width - 1)) + "~";
}

std::string sort_description(model::SortKey key, std::optional<model::Pool> pool) {
  std::string what;
  switch (key) {
    case model::SortKey::Tag: return "Sorting by Tag";
    case model::SortKey::Allocs: what = "Allocs"; break;
    case model::SortKey::Frees: what = "Frees"; break;
    case model::SortKey::Diff: what = "Diff (outstanding allocations)"; break;
    case model::SortKey::Bytes: what = "Bytes Consumed"; break;
  }
  return fmt::format("Sorting by {} ({})", what, pool ? std::string(model::pool_name(*pool)) : "all pools");
}

namespace {

std::string local_time(uint64_t realtime_ns) {
  time_t t = static_cast<time_t>(realtime_ns / 1000000000ull);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

constexpr size_t kNumWidth = 9;
constexpr size_t kBytesWidth = 11;
constexpr size_t kPoolWidth = 3 * (kNumWidth + 1) + kBytesWidth + 2;

std::string pool_cells(const Counts &c) {
  return fmt::format("{:>{}} {:>{}} {:>{}} {:>{}}  ", c.allocs, kNumWidth, c.frees, kNumWidth,
                     bounded(std::to_string(c.diff()), c.upper_bound()), kNumWidth,
                     bounded(std::to_string(c.bytes()), c.upper_bound()), kBytesWidth);
}

}  // namespace

std::string bounded(const std::string &number, bool upper_bound) {
  return upper_bound ? std::string(kUpperBoundMark) + number : number;
}

std::string upper_bound_note(size_t rows, std::optional<bool> bulk_paths) {
  const char *why = !bulk_paths ? "some frees were never seen (bulk free paths, or events the kernel skipped)"
                    : *bulk_paths ? "some frees were never seen (events the kernel skipped: recursion misses)"
                                  : "objects freed in bulk or in RCU batches fire no event on this kernel";
  return fmt::format("{} {} {} upper bounds: {}, so some outstanding ones may be freed (docs/engine.md#bulk-frees)",
                     kUpperBoundMark, rows, rows == 1 ? "row's Diff and Bytes are" : "rows' Diff and Bytes are", why);
}

std::vector<std::string> loss_lines(const model::Losses &l) {
  std::vector<std::string> out;
  if (l.untracked)
    out.push_back(fmt::format("{} allocations untracked: live table full (enable with a larger --max-live)",
                              format_count(l.untracked)));
  if (l.table_busy)
    out.push_back(fmt::format("{} allocations untracked: the hash live table was busy (an update interrupted on the "
                              "same CPU; kernels without BPF atomics)",
                              format_count(l.table_busy)));
  if (l.implicit_frees)
    out.push_back(fmt::format("{} frees without an event (bulk free paths, or events the kernel skipped), counted "
                              "when the address was reused",
                              format_count(l.implicit_frees)));
  if (l.site_overflow)
    out.push_back(fmt::format("{} allocations charged to <unknown>: site table full (enable with a larger --max-sites)",
                              format_count(l.site_overflow)));
  if (l.recursion_misses)
    out.push_back(fmt::format("{} events missed by the kernel (program recursion misses)",
                              format_count(l.recursion_misses)));
  if (l.stack_errors)
    out.push_back(fmt::format("{} stack walks failed: allocations charged to <unknown>", format_count(l.stack_errors)));
  if (l.stack_collisions)
    out.push_back(fmt::format("{} stacks not recorded: their hash bucket holds another stack (enable with a larger "
                              "--stack-entries)",
                              format_count(l.stack_collisions)));
  if (l.stack_full)
    out.push_back(fmt::format("{} stacks not recorded: stack table full (enable with a larger --stack-entries)",
                              format_count(l.stack_full)));
  if (l.hit_drops)
    out.push_back(fmt::format("{} hit events lost: ring buffer full (enable with a larger --hit-buffer)",
                              format_count(l.hit_drops)));
  if (l.no_caller)
    out.push_back(fmt::format("{} stacks had no frame outside the allocator: charged to <unknown>",
                              format_count(l.no_caller)));
  if (l.bulk_unseen)
    out.push_back(fmt::format("{} objects of bulk calls not walked (too many in one call, or unreadable): their "
                              "frees or allocations not seen",
                              format_count(l.bulk_unseen)));
  return out;
}

nlohmann::json losses_json(const model::Losses &l) {
  return {{"untracked", l.untracked},           {"table_busy", l.table_busy},
          {"implicit_frees", l.implicit_frees},
          {"site_overflow", l.site_overflow},   {"recursion_misses", l.recursion_misses},
          {"stack_errors", l.stack_errors},     {"no_caller", l.no_caller},
          {"stack_collisions", l.stack_collisions}, {"stack_full", l.stack_full},
          {"hit_drops", l.hit_drops},           {"bulk_unseen", l.bulk_unseen}};
}

std::string render_used_text(const model::TagTable &table, const model::Snapshot &snapshot,
                             const UsedViewOptions &options) {
  std::vector<Pool> pools;
  for (Pool p : model::kAllPools)
    if (options.pools.has(p)) pools.push_back(p);

  size_t tag_width = 6;
  for (const auto &r : table.rows()) tag_width = std::max(tag_width, r.tag.size());
  tag_width = std::min<size_t>(tag_width, 32);

  std::string out;
  if (snapshot.enabled_since_ns != 0) {
    uint64_t age = snapshot.taken_at_ns > snapshot.enabled_since_ns ? snapshot.taken_at_ns - snapshot.enabled_since_ns : 0;
    out += fmt::format("Pool tagging on since {} ({}), tags by {}\n", local_time(snapshot.enabled_since_ns),
                       format_duration_ns(age), options.grouping);
  }
  if (snapshot.estimated())
    out += fmt::format("Estimates: about 1 in {} allocations tracked, counts scaled by {}\n", snapshot.sample_every,
                       snapshot.sample_every);
  out += sort_description(options.sort, options.sort_pool) + "\n\n";
  out += "Pool Used:\n";
  std::string line = fmt::format("{:<{}} ", "", tag_width);
  for (Pool p : pools) {
    std::string name(model::pool_name(p));
    name[0] = static_cast<char>(std::toupper(name[0]));
    size_t pad = kPoolWidth > name.size() ? (kPoolWidth - name.size()) / 2 : 0;
    line += fmt::format("{:<{}}", std::string(pad, ' ') + name, kPoolWidth);
  }
  out += line + "\n";
  line = fmt::format("{:<{}} ", "Tag", tag_width);
  for (size_t i = 0; i < pools.size(); ++i)
    line += fmt::format("{:>{}} {:>{}} {:>{}} {:>{}}  ", "Allocs", kNumWidth, "Frees", kNumWidth, "Diff", kNumWidth,
                        "Bytes", kBytesWidth);
  if (options.show_owner) line += "Owner";
  out += line + "\n";

  size_t shown = 0, bounded_rows = 0;
  for (const auto &r : table.rows()) {
    if (options.max_rows != 0 && shown++ >= options.max_rows) break;
    line = fmt::format("{:<{}} ", clip(r.tag, tag_width), tag_width);
    bool any_bound = false;
    for (Pool p : pools) {
      line += pool_cells(r.pool(p));
      any_bound |= r.pool(p).upper_bound();
    }
    bounded_rows += any_bound;
    if (options.show_owner) {
      std::string owner = r.owner;
      if (!r.description.empty()) owner += (owner.empty() ? "" : " - ") + r.description;
      line += owner;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  model::TagRow total = table.totals();
  line = fmt::format("{:<{}} ", "TOTAL", tag_width);
  for (Pool p : pools) line += pool_cells(total.pool(p));
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line + "\n";
  if (bounded_rows) out += "\n" + upper_bound_note(bounded_rows, snapshot.bulk_paths) + "\n";

  auto losses = loss_lines(snapshot.losses);
  if (!losses.empty()) {
    out += "\nLosses (see docs/engine.md#losses):\n";
    for (const auto &l : losses) out += "  " + l + "\n";
  }
  return out;
}

nlohmann::json used_json(const model::TagTable &table, const model::Snapshot &snapshot,
                         const UsedViewOptions &options) {
  nlohmann::json tags = nlohmann::json::array();
  size_t shown = 0;
  for (const auto &r : table.rows()) {
    if (options.max_rows != 0 && shown++ >= options.max_rows) break;
    for (Pool p : model::kAllPools) {
      const Counts &c = r.pool(p);
      if (!options.pools.has(p) || c.empty()) continue;
      tags.push_back({{"tag", r.tag},
                      {"pool", model::pool_name(p)},
                      {"allocs", c.allocs},
                      {"frees", c.frees},
                      {"diff", c.diff()},
                      {"bytes", c.bytes()},
                      {"alloc_bytes", c.alloc_bytes},
                      {"untracked", c.untracked},
                      {"implicit_frees", c.implicit_frees},
                      {"upper_bound", c.upper_bound()},
                      {"owner", r.owner},
                      {"description", r.description}});
    }
  }
  nlohmann::json totals = nlohmann::json::object();
  model::TagRow total = table.totals();
  for (Pool p : model::kAllPools) {
    if (!options.pools.has(p)) continue;
    const Counts &c = total.pool(p);
    totals[std::string(model::pool_name(p))] = {{"allocs", c.allocs},
                                                {"frees", c.frees},
                                                {"diff", c.diff()},
                                                {"bytes", c.bytes()},
                                                {"upper_bound", c.upper_bound()}};
  }
  return {{"enabled_since_ns", snapshot.enabled_since_ns},
          {"taken_at_ns", snapshot.taken_at_ns},
          {"grouping", options.grouping},
          {"pools", snapshot.pools.to_string()},
          {"sample_every", snapshot.sample_every},
          {"estimated", snapshot.estimated()},
          {"tags", tags},
          {"totals", totals},
          {"lost", losses_json(snapshot.losses)},
          {"free_unmatched", snapshot.free_unmatched},
          {"live", {{"used", snapshot.live_used}, {"capacity", snapshot.live_capacity}}}};
}

}  // namespace pooltag::views
