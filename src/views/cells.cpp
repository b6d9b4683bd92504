#include "views/cells.h"

#include <fmt/format.h>

#include "common/units.h"
#include "views/used_view.h"

namespace pooltag::views {

namespace {

uint64_t magnitude(int64_t v) { return v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v); }

std::string signed_text(int64_t v, bool plus) {
  if (v < 0) return "-" + std::to_string(magnitude(v));
  return (plus ? "+" : "") + std::to_string(v);
}

// Counts scaled by 1000 ("12.3k", "450M"): format_bytes_short's sibling for
// things that are not bytes.
std::string count_short(uint64_t n) {
  static constexpr const char *kSuffix[] = {"", "k", "M", "G", "T", "P", "E"};
  double v = static_cast<double>(n);
  int i = 0;
  while (v >= 999.5 && i < 6) {
    v /= 1000;
    ++i;
  }
  if (i == 0) return std::to_string(n);
  return v < 9.95 ? fmt::format("{:.1f}{}", v, kSuffix[i]) : fmt::format("{:.0f}{}", v, kSuffix[i]);
}

std::string fit(int64_t value, size_t width, bool bytes, bool plus) {
  std::string exact = signed_text(value, plus);
  if (exact.size() <= width) return exact;
  std::string sign = value < 0 ? "-" : (plus ? "+" : "");
  std::string scaled = sign + (bytes ? format_bytes_short(magnitude(value)) : count_short(magnitude(value)));
  if (scaled.size() <= width) return scaled;
  return std::string(width, '#');  // never wider than the column
}

}  // namespace

std::string count_cell(int64_t value, size_t width) { return fit(value, width, false, false); }
std::string bytes_cell(int64_t value, size_t width) { return fit(value, width, true, false); }
std::string delta_cell(int64_t delta, size_t width, bool bytes) {
  return delta == 0 ? "" : fit(delta, width, bytes, true);
}

std::string type_cell(model::Pool pool, size_t width) {
  if (width >= 7) return std::string(model::pool_name(pool));
  static constexpr const char *kShort[] = {"slab", "pcpu", "vmal", "page"};
  return clip(kShort[static_cast<size_t>(pool)], width);
}

std::string bounded_cell(std::string (*cell)(int64_t, size_t), int64_t value, size_t width, bool upper_bound) {
  if (!upper_bound || width < 2) return cell(value, width);
  return bounded(cell(value, width - 1), true);
}

std::string align(std::string_view text, size_t width, bool left) {
  return left ? fmt::format("{:<{}}", text, width) : fmt::format("{:>{}}", text, width);
}

}  // namespace pooltag::views
