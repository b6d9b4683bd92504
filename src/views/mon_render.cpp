// What `pooltag mon` shows: the screen (header, warnings, table, totals,
// footer; or the help or a row's detail), the --batch text and the --json
// document, from the model's rows.
#include <fmt/format.h>

#include <algorithm>

#include "common/text.h"
#include "common/units.h"
#include "model/tag_sites.h"
#include "views/mon_model.h"
#include "views/used_view.h"

namespace pooltag::views {

using model::Counts;

std::vector<ColumnLayout> MonModel::columns(size_t width) const {
  size_t longest = 0;
  for (const auto &r : rows_) longest = std::max(longest, r.tag.size());
  return layout_columns(width, longest);
}

std::vector<std::string> MonModel::header_lines(size_t width) const {
  std::vector<std::string> out;
  std::string title = "pooltag mon  ";
  if (have_current_) {
    const auto &s = current_;
    uint64_t age = s.taken_at_ns > s.enabled_since_ns ? s.taken_at_ns - s.enabled_since_ns : 0;
    title += fmt::format("tagging on {}{}  by {}  every {}  pools {}", format_duration_ns(age),
                         options_.banner.empty() ? "" : " " + options_.banner, model::grouping_name(options_.grouping),
                         interval_text(options_.interval_ns), s.pools.to_string());
  } else {
    title += "waiting for the first snapshot";
  }
  out.push_back(title);

  std::string mem;
  auto add = [&](const char *name, const std::optional<uint64_t> &v) {
    if (!v) return;
    if (!mem.empty()) mem += "  ";
    mem += fmt::format("{} {}", name, format_bytes_short(*v));
  };
  add("Slab", meminfo_.slab);
  add("SUnreclaim", meminfo_.sunreclaim);
  add("Percpu", meminfo_.percpu);
  add("VmallocUsed", meminfo_.vmalloc_used);
  add("MemAvailable", meminfo_.mem_available);
  out.push_back(mem.empty() ? "/proc/meminfo unavailable" : mem);

  std::string sort = fmt::format("Sort {} by {}, {}", mon_sort_name(options_.sort),
                                 options_.by_change ? "change" : "value",
                                 options_.sort == MonSort::Tag ? (options_.reverse ? "Z-A" : "A-Z")
                                                               : (options_.reverse ? "smallest first" : "largest first"));
  std::string pool = options_.pool ? std::string(model::pool_name(*options_.pool)) : "all";
  if (options_.pool && have_current_ && !current_.pools.has(*options_.pool)) pool += " (not tracked)";
  std::string filter;
  if (!options_.include.empty()) filter += " +" + options_.include;
  if (!options_.exclude.empty()) filter += " -" + options_.exclude;
  out.push_back(fmt::format("{}  Pool {}  Filter{}", sort, pool, filter.empty() ? " none" : filter));
  for (auto &l : out) l = clip(l, width);
  return out;
}

std::string MonModel::footer() const {
  if (mode_ == Mode::IncludePrompt) return "Include tags matching (* ?, Enter applies, Esc cancels): " + input_ + "_";
  if (mode_ == Mode::ExcludePrompt) return "Exclude tags matching (* ?, Enter applies, Esc cancels): " + input_ + "_";
  if (!error_.empty()) return "error: " + error_;
  if (!message_.empty()) return message_;
  if (mode_ == Mode::Detail) return "Esc/Enter back  Up/Down scroll  space refresh";
  return mon_key_hints();
}

std::vector<std::string> MonModel::warnings() const {
  std::vector<std::string> out;
  size_t bounded_rows = 0;
  for (const auto &r : rows_) bounded_rows += r.counts.upper_bound();
  if (bounded_rows) out.push_back(upper_bound_note(bounded_rows, current_.bulk_paths));
  for (const auto &l : loss_lines(current_.losses)) out.push_back("Lost: " + l);
  return out;
}

size_t MonModel::page_rows() const {
  size_t losses = std::min<size_t>(warnings().size(), 2);
  size_t fixed = header_lines(width_).size() + losses + 1 /* titles */ + 1 /* footer */ + (options_.totals ? 1 : 0);
  return height_ > fixed ? height_ - fixed : 0;
}

std::vector<ScreenLine> MonModel::table_lines(size_t width, size_t first, size_t count, bool with_selection) const {
  auto cols = columns(width);
  std::vector<ScreenLine> out;
  out.push_back({titles_text(cols), kStyleColumns});
  for (size_t i = first; i < rows_.size() && i < first + count; ++i) {
    uint8_t style = kStylePlain;
    if (with_selection && i == selected_) style |= kStyleSelected;
    if (options_.highlight && rows_[i].changed()) style |= kStyleChanged;
    out.push_back({row_text(rows_[i], cols), style});
  }
  return out;
}

std::vector<std::string> MonModel::detail_lines() const {
  if (!detail_row_ || !have_current_) return {};
  const model::SiteTagger *tg = nullptr;
  if (auto it = taggers_.find(options_.grouping); it != taggers_.end()) tg = it->second.get();
  if (tg == nullptr) return {};
  return detail_view_(DetailRequest{*detail_row_, current_, *tg, symbols_, width_});
}

std::vector<ScreenLine> MonModel::render() const {
  std::vector<ScreenLine> out;
  const size_t width = width_, height = height_;
  auto pad_to = [&](size_t n) {
    while (out.size() < n) out.push_back({});
  };
  if (mode_ == Mode::Help) {
    for (const auto &l : mon_help_lines()) out.push_back({clip(l, width), kStylePlain});
  } else if (mode_ == Mode::Detail) {
    for (const auto &l : header_lines(width)) out.push_back({l, kStyleTitle});
    const MonRow &r = *detail_row_;
    out.push_back({clip(fmt::format("{} in {}: Diff {}, Bytes {}", r.tag, model::pool_name(r.pool), r.counts.diff(),
                                    r.counts.bytes()),
                        width),
                   kStyleColumns});
    auto lines = detail_lines();
    size_t room = height > out.size() + 1 ? height - out.size() - 1 : 0;
    size_t first = std::min(detail_top_, lines.empty() ? 0 : lines.size() - 1);
    for (size_t i = first; i < lines.size() && i < first + room; ++i) out.push_back({clip(lines[i], width)});
  } else {
    for (const auto &l : header_lines(width)) out.push_back({l, kStyleTitle});
    auto losses = warnings();
    for (size_t i = 0; i < losses.size() && i < 2; ++i) {
      std::string text = i == 1 && losses.size() > 2 ? fmt::format("... and {} more lines: pooltag status lists the "
                                                                    "losses",
                                                                    losses.size() - 1)
                                                      : losses[i];
      out.push_back({clip(text, width), kStyleWarning});
    }
    size_t page = page_rows();
    for (auto &l : table_lines(width, top_, page, true)) out.push_back({clip(l.text, width), l.style});
    if (rows_.empty() && have_current_)
      out.push_back({clip(options_.include.empty() && options_.exclude.empty() && !options_.pool
                              ? "no tagged allocations yet"
                              : "no tag matches the pool and filter (Esc clears the filter, p the pool)",
                          width),
                     kStyleWarning});
    if (options_.totals) {
      pad_to(height - 2);
      out.resize(height - 2);
      out.push_back({clip(row_text(totals(), columns(width)), width), kStyleTotal});
    }
  }
  if (out.size() > height - 1) out.resize(height - 1);
  pad_to(height - 1);
  uint8_t fstyle = !error_.empty() ? kStyleWarning : kStyleFooter;
  out.push_back({clip(mode_ == Mode::Help ? "" : footer(), width), fstyle});
  for (auto &l : out) l.text = rtrim(std::move(l.text));  // the screen pads bars itself
  return out;
}

std::string MonModel::render_report(size_t width) const {
  std::string out;
  auto headers = header_lines(width);
  for (const auto &l : headers) out += rtrim(l) + "\n";
  for (const auto &l : warnings()) out += l + "\n";
  auto cols = columns(width);
  out += rtrim(titles_text(cols)) + "\n";
  for (const auto &r : rows_) out += rtrim(row_text(r, cols)) + "\n";
  out += rtrim(row_text(totals(), cols)) + "\n";
  return out;
}

nlohmann::json MonModel::report_json() const {
  UsedViewOptions vopts;
  vopts.pools = options_.pool ? model::PoolSet{1u << static_cast<int>(*options_.pool)} : current_.pools;
  vopts.sort = table_sort_key(options_.sort);
  vopts.sort_pool = options_.pool;
  vopts.grouping = std::string(model::grouping_name(options_.grouping));
  nlohmann::json doc = used_json(table_, current_, vopts);
  nlohmann::json mem = nlohmann::json::object();
  auto add = [&](const char *name, const std::optional<uint64_t> &v) {
    if (v) mem[name] = *v;
  };
  add("slab", meminfo_.slab);
  add("sunreclaim", meminfo_.sunreclaim);
  add("percpu", meminfo_.percpu);
  add("vmalloc_used", meminfo_.vmalloc_used);
  add("mem_available", meminfo_.mem_available);
  nlohmann::json changes = nlohmann::json::array();
  for (const auto &r : rows_)
    if (r.changed())
      changes.push_back({{"tag", r.tag},
                         {"pool", model::pool_name(r.pool)},
                         {"allocs", r.change.allocs},
                         {"frees", r.change.frees},
                         {"diff", r.change.diff()},
                         {"bytes", r.change.bytes}});
  doc["meminfo_bytes"] = mem;
  doc["changes"] = changes;
  doc["refresh"] = refreshes_;
  doc["interval_s"] = static_cast<double>(options_.interval_ns) / 1e9;
  return doc;
}

// ---- Enter: the sites of a tag -------------------------------------------

std::vector<std::string> site_detail(const DetailRequest &req) {
  auto by_tag = model::sites_by_tag(req.snapshot, req.tagger, req.symbols,
                                    [&](const std::string &tag, const model::SiteSample &s) {
                                      return s.site.pool == req.row.pool && tag == req.row.tag;
                                    });
  const std::vector<model::TagSite> &sites = by_tag[req.row.tag];
  size_t site_w = 24;
  for (const auto &l : sites) site_w = std::max(site_w, l.where.size());
  site_w = std::min<size_t>(site_w, req.width > 80 ? req.width - 56 : 24);
  std::vector<std::string> out;
  out.push_back(fmt::format("{} site{} of {} ({}), tags by {}", sites.size(), sites.size() == 1 ? "" : "s",
                            req.row.tag, model::pool_name(req.row.pool), model::grouping_name(req.tagger.grouping())));
  out.push_back(fmt::format("{:<{}} {:<7} {:<14} {:>8} {:>8} {:>8} {:>10}", "Site", site_w, "Pool", "Cache", "Allocs",
                            "Frees", "Diff", "Bytes"));
  for (const auto &l : sites) {
    const Counts &c = l.sample->counts;
    out.push_back(fmt::format("{:<{}} {:<7} {:<14} {:>8} {:>8} {:>8} {:>10}", clip(l.where, site_w), site_w,
                              model::pool_name(l.sample->site.pool), clip(l.sample->site.cache, 14),
                              count_cell(static_cast<int64_t>(c.allocs), 8), count_cell(static_cast<int64_t>(c.frees), 8),
                              count_cell(c.diff(), 8), bytes_cell(c.bytes(), 10)));
  }
  return out;
}


}  // namespace pooltag::views
