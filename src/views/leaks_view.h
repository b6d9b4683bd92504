// `pooltag leaks` and kd's !leaks: the ranking of analysis::find_leaks as a
// text table or JSON. Reads the analysis only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/leaks.h"

namespace pooltag::views {

struct LeaksViewOptions {
  size_t max_rows = 20;  // per table; 0 = all
  std::string source;    // "recording pooltag.db" or "watched 60s"
};

std::string render_leaks_text(const analysis::LeakReport &report, const LeaksViewOptions &options);
nlohmann::json leaks_json(const analysis::LeakReport &report);
nlohmann::json tag_trend_json(const analysis::TagTrend &trend);

// "+1.2M/h", "-3.0K/h", "0/h": a signed rate for narrow columns.
std::string format_rate(double per_hour, bool bytes);

}  // namespace pooltag::views
