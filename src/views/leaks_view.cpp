#include "views/leaks_view.h"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "common/units.h"
#include "views/used_view.h"

namespace pooltag::views {

using analysis::TagTrend;

std::string format_rate(double per_hour, bool bytes) {
  double magnitude = std::fabs(per_hour);
  std::string sign = per_hour < 0 ? "-" : per_hour > 0 ? "+" : "";
  std::string number;
  if (bytes)
    number = format_bytes_short(saturate_u64(magnitude));
  else if (magnitude >= 1e6)
    number = fmt::format("{:.1f}M", magnitude / 1e6);
  else if (magnitude >= 1e4)
    number = fmt::format("{:.1f}K", magnitude / 1e3);
  else
    number = fmt::format("{:.0f}", magnitude);
  return sign + number + "/h";
}

namespace {

std::string clock_time(uint64_t realtime_ns) { return format_local_time(realtime_ns, "%m-%d %H:%M:%S"); }

std::string p_text(double p) { return p < 1e-4 ? "<1e-4" : fmt::format("{:.4f}", p); }

std::string table(const std::vector<TagTrend> &rows, size_t max_rows, bool upper_bounds) {
  size_t tag_width = 6;
  for (const auto &r : rows) tag_width = std::max(tag_width, r.tag.size());
  tag_width = std::min<size_t>(tag_width, 32);
  std::string out = fmt::format("{:<{}} {:<8} {:>10} {:>10} {:>7} {:>6} {:>11} {:>10} {:<14} {}\n", "Tag", tag_width,
                                "Trend", "Bytes/h", "Objects/h", "p", "Rising", "Bytes", "Per day", "First seen",
                                "Owner");
  size_t shown = 0;
  for (const auto &r : rows) {
    if (max_rows != 0 && shown++ >= max_rows) {
      out += fmt::format("... {} more\n", rows.size() - max_rows);
      break;
    }
    std::string owner = r.owner;
    if (!r.description.empty()) owner += (owner.empty() ? "" : " - ") + r.description;
    std::string line = fmt::format(
        "{:<{}} {:<8} {:>10} {:>10} {:>7} {:>5.0f}% {:>11} {:>10} {:<14} {}", clip(r.tag, tag_width), tag_width,
        trend_name(r.trend), format_rate(r.bytes_per_hour, true), format_rate(r.objects_per_hour, false),
        p_text(r.p_value), 100 * r.fraction_growing, bounded(format_count(static_cast<uint64_t>(std::max<int64_t>(0, r.bytes))), upper_bounds),
        format_bytes_short(saturate_u64(r.projection_bytes_per_day)), clock_time(r.first_seen_ns),
        owner);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string render_leaks_text(const analysis::LeakReport &report, const LeaksViewOptions &options) {
  std::string out;
  const uint64_t span = report.to_ns > report.from_ns ? report.to_ns - report.from_ns : 0;
  out += fmt::format("Tags by sustained growth of outstanding bytes: {}, {} over {} ({} intervals",
                     options.source, clock_time(report.from_ns), format_duration_ns(span), report.samples);
  if (report.instants != report.samples) out += fmt::format(", {} analysed", report.instants);
  out += fmt::format(", {} tagging session{})\n\n", report.sessions, report.sessions == 1 ? "" : "s");
  if (report.suspects.empty())
    out += "No tag grew steadily.\n";
  else
    out += "Suspects:\n" + table(report.suspects, options.max_rows, false);
  if (!report.bounded.empty()) {
    out += fmt::format("\nUpper bounds, not suspects: {}\n", upper_bound_note(report.bounded.size(), std::nullopt));
    out += table(report.bounded, options.max_rows, true);
  }
  out += fmt::format("\n{} tags flat or noise", report.noise.size());
  if (report.too_short) out += fmt::format(", {} seen too briefly to judge (--min-duration)", report.too_short);
  out += "\n";
  return out;
}

nlohmann::json tag_trend_json(const TagTrend &t) {
  nlohmann::json pools = nlohmann::json::array();
  for (auto p : t.pools) pools.push_back(model::pool_name(p));
  return {{"tag", t.tag},
          {"owner", t.owner},
          {"description", t.description},
          {"pools", pools},
          {"trend", trend_name(t.trend)},
          {"upper_bound", t.upper_bound},
          {"bytes_per_hour", t.bytes_per_hour},
          {"objects_per_hour", t.objects_per_hour},
          {"recent_bytes_per_hour", t.recent_bytes_per_hour},
          {"p_value", t.p_value},
          {"fraction_growing", t.fraction_growing},
          {"noise_bytes", t.noise_bytes},
          {"projection_bytes_per_day", t.projection_bytes_per_day},
          {"first_seen_ns", t.first_seen_ns},
          {"last_ns", t.last_ns},
          {"bytes", t.bytes},
          {"objects", t.objects},
          {"growth_bytes", t.growth_bytes},
          {"points", t.points}};
}

nlohmann::json leaks_json(const analysis::LeakReport &report) {
  auto list = [](const std::vector<TagTrend> &rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &r : rows) out.push_back(tag_trend_json(r));
    return out;
  };
  return {{"from_ns", report.from_ns},   {"to_ns", report.to_ns},
          {"samples", report.samples},   {"instants", report.instants},
          {"sessions", report.sessions}, {"suspects", list(report.suspects)},
          {"upper_bound", list(report.bounded)}, {"noise", list(report.noise)},
          {"too_short", report.too_short}};
}

}  // namespace pooltag::views
