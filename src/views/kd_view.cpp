#include "views/kd_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/units.h"
#include "views/used_view.h"

namespace pooltag::views {

namespace {

constexpr size_t kNum = 9;
constexpr size_t kUsed = 12;

std::string cells(const model::Counts &c, bool verbose) {
  std::string diff = bounded(std::to_string(c.diff()), c.upper_bound());
  std::string used = bounded(std::to_string(c.bytes()), c.upper_bound());
  if (verbose)
    return fmt::format(" {:>{}} {:>{}} {:>{}} {:>{}}", c.allocs, kNum, c.frees, kNum, diff, kNum, used, kUsed);
  return fmt::format(" {:>{}} {:>{}}", diff, kNum, used, kUsed);
}

size_t pool_width(bool verbose) { return verbose ? 3 * (kNum + 1) + kUsed + 1 : kNum + 1 + kUsed + 1; }

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string render_poolused(const model::TagTable &table, const model::Snapshot &snapshot,
                            const PoolUsedOptions &options) {
  std::vector<model::Pool> pools;
  for (auto p : model::kAllPools)
    if (options.pools.has(p)) pools.push_back(p);
  size_t tag_width = 6;
  for (const auto &r : table.rows()) tag_width = std::max(tag_width, r.tag.size());
  tag_width = std::min<size_t>(tag_width, 32);

  std::string out = options.sorting + "\n\nPool Used:\n";
  std::string line(tag_width, ' ');
  for (auto p : pools) {
    std::string name(model::pool_name(p));
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    size_t w = pool_width(options.verbose);
    size_t pad = w > name.size() ? (w - name.size()) / 2 : 0;
    line += fmt::format("{:<{}}", std::string(pad, ' ') + name, w);
  }
  out += rstrip(line) + "\n";
  line = fmt::format("{:<{}}", "Tag", tag_width);
  for (size_t i = 0; i < pools.size(); ++i)
    line += options.verbose ? fmt::format(" {:>{}} {:>{}} {:>{}} {:>{}}", "Allocs", kNum, "Frees", kNum, "Diff", kNum,
                                          "Used", kUsed)
                            : fmt::format(" {:>{}} {:>{}}", "Allocs", kNum, "Used", kUsed);
  out += line + "\n";

  auto row = [&](const model::TagRow &r) {
    std::string l = fmt::format("{:<{}}", clip(r.tag, tag_width), tag_width);
    for (auto p : pools) l += cells(r.pool(p), options.verbose);
    std::string owner = r.owner;
    if (!r.description.empty()) owner += (owner.empty() ? "" : " - ") + r.description;
    if (!owner.empty()) l += "  " + owner;
    return rstrip(l) + "\n";
  };
  size_t bounded_rows = 0;
  for (const auto &r : table.rows()) {
    out += row(r);
    bounded_rows += r.total().upper_bound();
    if (!options.verbose || options.sites == nullptr) continue;
    auto it = options.sites->find(r.tag);
    if (it == options.sites->end()) continue;
    for (const auto &s : it->second) {
      std::string l = fmt::format("{:<{}}", "", tag_width);
      for (auto p : pools) l += cells(p == s.pool ? s.counts : model::Counts{}, true);
      out += rstrip(l + "  " + s.where) + "\n";
    }
  }
  out += row(table.totals());
  if (bounded_rows) out += upper_bound_note(bounded_rows, snapshot.bulk_paths) + "\n";
  if (snapshot.estimated())
    out += fmt::format("Estimates: about 1 in {} allocations tracked, counts scaled by {}\n", snapshot.sample_every,
                       snapshot.sample_every);
  for (const auto &l : loss_lines(snapshot.losses)) out += l + "\n";
  return out;
}

std::string render_poolfind(const std::string &tag, const std::string &where,
                            std::vector<model::LiveAllocation> allocations,
                            const std::function<std::pair<std::string, std::string>(uint32_t site)> &describe_site) {
  std::sort(allocations.begin(), allocations.end(), [](const auto &a, const auto &b) { return a.address < b.address; });
  uint64_t bytes = 0;
  for (const auto &a : allocations) bytes += a.size;
  std::string out = fmt::format("Searching {} for Tag: {} ({} outstanding allocations, {} bytes)\n\n", where, tag,
                                allocations.size(), bytes);
  for (const auto &a : allocations) {
    auto [t, pool] = describe_site ? describe_site(a.site) : std::pair<std::string, std::string>{};
    out += fmt::format("*{:016x} size: {:>8} (Allocated) {} [{}] age {} by {} ({})\n", a.address, a.size, t, pool,
                       format_duration_ns(a.age_ns), a.comm, a.pid);
  }
  return out;
}

}  // namespace pooltag::views
