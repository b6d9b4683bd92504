#include "views/used_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "common/text.h"
#include "common/units.h"
#include "views/cells.h"

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
  if (auto reuse = stack_reuse_line(l.stack_reuse); !reuse.empty()) out.push_back(reuse);
  return out;
}

std::string stack_reuse_line(const model::StackReuse &r) {
  if (r.reused == 0) return {};
  return fmt::format("{} stacks reused, not walked: their kernel stacks held the return addresses of an earlier "
                     "allocation's up to the entry frame; {} of them walked again to check, {} differed",
                     format_count(r.reused), format_count(r.checked), format_count(r.differed));
}

nlohmann::json stack_reuse_json(const model::StackReuse &r) {
  return {{"reused", r.reused},   {"walked", r.walked},     {"unreusable", r.unreusable},
          {"checked", r.checked}, {"differed", r.differed}, {"check_every", r.check_every}};
}

nlohmann::json losses_json(const model::Losses &l) {
  return {{"untracked", l.untracked},           {"table_busy", l.table_busy},
          {"implicit_frees", l.implicit_frees},
          {"site_overflow", l.site_overflow},   {"recursion_misses", l.recursion_misses},
          {"stack_errors", l.stack_errors},     {"no_caller", l.no_caller},
          {"stack_collisions", l.stack_collisions}, {"stack_full", l.stack_full},
          {"hit_drops", l.hit_drops},           {"bulk_unseen", l.bulk_unseen},
          {"stack_reuse", stack_reuse_json(l.stack_reuse)}};
}

namespace {

// A pool's columns: Allocs Frees Diff Bytes (or only Diff Bytes), then two
// spaces before the next pool.
struct UsedLayout {
  std::vector<Pool> pools;
  size_t tag = 6;
  bool allocs_frees = true;
  size_t count = 9, bytes = 11;
  bool fitted = false;      // cells scale numbers that do not fit their column
  size_t owner = SIZE_MAX;  // the Owner column's width, 0 for none

  size_t pool_width() const { return (allocs_frees ? 2 * (count + 1) : 0) + count + 1 + bytes + 2; }
  size_t table_width() const { return tag + 1 + pools.size() * pool_width(); }
};

// The narrowest Owner column worth showing.
constexpr size_t kMinOwner = 8;

// The pools of the table: those of options.pools with any count (all of
// them when --wide, or when none has any), in model order.
std::vector<Pool> shown_pools(const model::TagTable &table, const UsedViewOptions &options) {
  std::vector<Pool> tracked, with_data;
  model::TagRow total = table.totals();
  for (Pool p : model::kAllPools) {
    if (!options.pools.has(p)) continue;
    tracked.push_back(p);
    if (!total.pool(p).empty()) with_data.push_back(p);
  }
  return options.wide || with_data.empty() ? tracked : with_data;
}

// Fits the table in options.width: first the Allocs and Frees columns go
// (Diff and Bytes are what shows a leak), then the tag narrows to 16, then
// the numbers narrow to 7 (scaled when they do not fit), then the tag to 8.
// The Owner column takes what is left, or goes.
UsedLayout layout_used(const model::TagTable &table, const UsedViewOptions &options) {
  UsedLayout l;
  l.pools = shown_pools(table, options);
  for (const auto &r : table.rows()) l.tag = std::max(l.tag, r.tag.size());
  l.tag = std::min<size_t>(l.tag, 32);
  if (!options.show_owner) l.owner = 0;
  if (options.wide || options.width == 0) return l;
  l.fitted = true;
  const size_t w = options.width;
  if (l.table_width() > w) l.allocs_frees = false;
  if (l.table_width() > w) l.tag = std::min<size_t>(l.tag, 16);
  if (l.table_width() > w) l.count = l.bytes = 7;
  while (l.table_width() > w && l.tag > 8) --l.tag;
  if (l.owner != 0) {
    size_t left = w > l.table_width() ? w - l.table_width() : 0;
    l.owner = left >= kMinOwner ? left : 0;
  }
  return l;
}

std::string number(int64_t value, size_t width, bool bytes, bool upper_bound, bool fitted) {
  if (fitted) return bounded_cell(bytes ? bytes_cell : count_cell, value, width, upper_bound);
  return bounded(std::to_string(value), upper_bound);  // exact, as wide as it is
}

std::string pool_cells(const Counts &c, const UsedLayout &l) {
  std::string out;
  if (l.allocs_frees)
    out += align(number(static_cast<int64_t>(c.allocs), l.count, false, false, l.fitted), l.count, false) + " " +
           align(number(static_cast<int64_t>(c.frees), l.count, false, false, l.fitted), l.count, false) + " ";
  out += align(number(c.diff(), l.count, false, c.upper_bound(), l.fitted), l.count, false) + " ";
  out += align(number(c.bytes(), l.bytes, true, c.upper_bound(), l.fitted), l.bytes, false) + "  ";
  return out;
}

std::string pool_titles(const UsedLayout &l) {
  std::string out;
  if (l.allocs_frees) out += align("Allocs", l.count, false) + " " + align("Frees", l.count, false) + " ";
  return out + align("Diff", l.count, false) + " " + align("Bytes", l.bytes, false) + "  ";
}

// Prose under the table, wrapped at spaces to `width` (0: one line); the
// first line starts with `first`, the others with `rest`.
std::string wrap(std::string_view text, size_t width, std::string_view first, std::string_view rest) {
  if (width == 0) return std::string(first) + std::string(text) + "\n";
  std::string out, line(first);
  bool empty = true;
  for (std::string_view words = text; !words.empty();) {
    size_t end = std::min(words.find(' '), words.size());
    std::string_view word = words.substr(0, end);
    words.remove_prefix(std::min(end + 1, words.size()));
    if (!empty && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = rest;
      empty = true;
    }
    if (!empty) line += ' ';
    line += word;
    empty = false;
  }
  return out + line + "\n";
}

}  // namespace

std::string render_used_text(const model::TagTable &table, const model::Snapshot &snapshot,
                             const UsedViewOptions &options) {
  const UsedLayout l = layout_used(table, options);
  const size_t width = l.fitted ? options.width : 0;

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
  std::string line = fmt::format("{:<{}} ", "", l.tag);
  for (Pool p : l.pools) {
    std::string name(model::pool_name(p));
    name[0] = static_cast<char>(std::toupper(name[0]));
    size_t pad = l.pool_width() > name.size() ? (l.pool_width() - name.size()) / 2 : 0;
    line += fmt::format("{:<{}}", std::string(pad, ' ') + name, l.pool_width());
  }
  out += (l.fitted ? rtrim(line) : line) + "\n";
  line = fmt::format("{:<{}} ", "Tag", l.tag);
  for (size_t i = 0; i < l.pools.size(); ++i) line += pool_titles(l);
  if (l.owner != 0) line += "Owner";
  out += line + "\n";

  auto owner_of = [&](const model::TagRow &r) {
    std::string owner = r.owner;
    if (!r.description.empty()) owner += (owner.empty() ? "" : " - ") + r.description;
    return l.owner == SIZE_MAX ? owner : clip(owner, l.owner);
  };
  size_t shown = 0, bounded_rows = 0;
  for (const auto &r : table.rows()) {
    if (options.max_rows != 0 && shown++ >= options.max_rows) break;
    line = fmt::format("{:<{}} ", clip(r.tag, l.tag), l.tag);
    bool any_bound = false;
    for (Pool p : l.pools) {
      line += pool_cells(r.pool(p), l);
      any_bound |= r.pool(p).upper_bound();
    }
    bounded_rows += any_bound;
    if (l.owner != 0) line += owner_of(r);
    out += rtrim(std::move(line)) + "\n";
  }
  model::TagRow total = table.totals();
  line = fmt::format("{:<{}} ", "TOTAL", l.tag);
  for (Pool p : l.pools) line += pool_cells(total.pool(p), l);
  out += rtrim(std::move(line)) + "\n";
  if (bounded_rows) out += "\n" + wrap(upper_bound_note(bounded_rows, snapshot.bulk_paths), width, "", "  ");

  auto losses = loss_lines(snapshot.losses);
  if (!losses.empty()) {
    out += "\nLosses (see docs/engine.md#losses):\n";
    for (const auto &loss : losses) out += wrap(loss, width, "  ", "    ");
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
