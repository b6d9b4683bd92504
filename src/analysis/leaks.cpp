#include "analysis/leaks.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/trend.h"
#include "common/units.h"

namespace pooltag::analysis {

std::string_view trend_name(Trend t) {
  switch (t) {
    case Trend::Growing: return "growing";
    case Trend::Stopped: return "stopped";
    case Trend::Noise: return "noise";
  }
  return "?";
}

namespace {

constexpr double kNsPerHour = 3600e9;
// The last third of a tag's time tells growing from stopped: still rising
// significantly, or at least at half the overall pace, is growing.
constexpr double kTailShare = 1.0 / 3;
constexpr double kTailAlpha = 0.05;
constexpr double kTailPace = 0.5;
// A rise must predict at least this many times the series' median absolute
// deviation around its trend line.
constexpr double kSignalToNoise = 4;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  return v[mid];
}

double median_absolute_deviation(std::vector<double> values) {
  if (values.empty()) return 0;
  double m = median(values);
  for (auto &v : values) v = std::fabs(v - m);
  return median(values);
}

// A tag over all its pools: summed counts per instant.
struct TagSeries {
  TagTrend trend;
  std::map<uint32_t, record::TagCounts> at;  // by instant
};

std::vector<Point> points_of(const TagSeries &s, const record::Recording &rec, bool bytes, double t0) {
  std::vector<Point> out;
  out.reserve(s.at.size());
  for (const auto &[instant, c] : s.at) {
    const auto &in = rec.instants[instant];
    out.push_back(Point{(static_cast<double>(in.time_ns) - t0) / kNsPerHour,
                        static_cast<double>(bytes ? c.bytes : c.diff()), in.session});
  }
  return out;
}

void judge(TagSeries &s, const record::Recording &rec, const LeakOptions &options) {
  TagTrend &t = s.trend;
  const double t0 = static_cast<double>(rec.instants[s.at.begin()->first].time_ns);
  auto bytes = points_of(s, rec, true, t0);
  auto objects = points_of(s, rec, false, t0);
  t.points = bytes.size();
  auto [low, high] = std::minmax_element(bytes.begin(), bytes.end(), [](auto &a, auto &b) { return a.y < b.y; });
  if (low->y == high->y) return;  // flat: noise, and the estimators would say so slowly
  t.bytes_per_hour = theil_sen_slope(bytes).value_or(0);
  t.objects_per_hour = theil_sen_slope(objects).value_or(0);
  auto mk = mann_kendall(bytes);
  t.p_value = mk.p_rising;
  t.fraction_growing = fraction_rising(bytes);
  // growth within the last session: the first and last of it
  const int last_session = bytes.back().block;
  auto first_of_last = std::find_if(bytes.begin(), bytes.end(), [&](const Point &p) { return p.block == last_session; });
  t.growth_bytes = saturate_i64(bytes.back().y - first_of_last->y);

  // The recent part: the last third of the time of its last session.
  const double session_span = bytes.back().t - first_of_last->t;
  const double tail_from = bytes.back().t - session_span * kTailShare;
  auto tail_begin = std::find_if(first_of_last, bytes.end(), [&](const Point &p) { return p.t >= tail_from; });
  std::span<const Point> tail(&*tail_begin, static_cast<size_t>(bytes.end() - tail_begin));
  t.recent_bytes_per_hour = theil_sen_slope(tail).value_or(t.bytes_per_hour);
  double tail_p = mann_kendall(tail).p_rising;

  // Mann–Kendall assumes independent points; a cache wandering up and down
  // (a random walk) is not, and shows "significant" trends. So a rise must
  // also stand out of the series' own noise: the growth the slope predicts
  // over the time seen, against the spread of the points around that line.
  // Each session has its own zero: its residuals are taken about its own median.
  std::vector<double> residuals;
  for (size_t begin = 0; begin < bytes.size();) {
    size_t end = begin;
    std::vector<double> block;
    while (end < bytes.size() && bytes[end].block == bytes[begin].block) {
      block.push_back(bytes[end].y - t.bytes_per_hour * bytes[end].t);
      ++end;
    }
    double m = median(block);
    for (double r : block) residuals.push_back(r - m);
    begin = end;
  }
  t.noise_bytes = median_absolute_deviation(residuals);
  const double predicted = t.bytes_per_hour * (bytes.back().t - bytes.front().t);

  bool rose = t.bytes_per_hour > 0 && t.p_value < options.alpha && t.growth_bytes > 0 &&
              predicted > kSignalToNoise * t.noise_bytes;
  if (!rose) {
    t.trend = Trend::Noise;
  } else if (tail.size() >= 3 && tail_p >= kTailAlpha && t.recent_bytes_per_hour < kTailPace * t.bytes_per_hour) {
    t.trend = Trend::Stopped;
  } else {
    t.trend = Trend::Growing;
  }
  t.projection_bytes_per_day = 24 * (t.trend == Trend::Growing ? t.bytes_per_hour : std::max(0.0, t.recent_bytes_per_hour));
}

}  // namespace

LeakReport find_leaks(const record::Recording &rec, const LeakOptions &options) {
  LeakReport report;
  report.samples = rec.samples_recorded;
  report.instants = rec.instants.size();
  report.sessions = rec.sessions.size();
  if (!rec.instants.empty()) {
    report.from_ns = rec.instants.front().time_ns;
    report.to_ns = rec.instants.back().time_ns;
  }
  std::map<std::string, TagSeries> tags;
  for (const auto &series : rec.series) {
    if (series.points.empty()) continue;
    TagSeries &s = tags[series.tag];
    s.trend.tag = series.tag;
    s.trend.owner = series.owner;
    s.trend.description = series.description;
    s.trend.pools.push_back(series.pool);
    for (const auto &p : series.points) {
      record::TagCounts &c = s.at[p.instant];
      c.allocs += p.counts.allocs;
      c.frees += p.counts.frees;
      c.bytes = add_saturating(c.bytes, p.counts.bytes);
      c.implicit_frees += p.counts.implicit_frees;
    }
  }
  for (auto &[name, s] : tags) {
    TagTrend &t = s.trend;
    const auto &first = rec.instants[s.at.begin()->first];
    const auto &last = *s.at.rbegin();
    t.first_seen_ns = first.time_ns;
    t.last_ns = rec.instants[last.first].time_ns;
    t.bytes = last.second.bytes;
    t.objects = last.second.diff();
    // bulk frees seen at any time leave the rest of the session's counts upper bounds
    t.upper_bound = last.second.upper_bound();
    if (t.last_ns - t.first_seen_ns < options.min_duration_ns || s.at.size() < 3) {
      ++report.too_short;
      continue;
    }
    judge(s, rec, options);
    if (t.trend == Trend::Noise)
      report.noise.push_back(std::move(t));
    else if (t.upper_bound)
      report.bounded.push_back(std::move(t));
    else
      report.suspects.push_back(std::move(t));
  }
  // Growing first, by pace; then stopped, by how much they hold.
  auto ranked = [](const TagTrend &a, const TagTrend &b) {
    if (a.trend != b.trend) return a.trend < b.trend;
    if (a.trend == Trend::Growing) return a.bytes_per_hour > b.bytes_per_hour;
    return a.growth_bytes > b.growth_bytes;
  };
  std::sort(report.suspects.begin(), report.suspects.end(), ranked);
  std::sort(report.bounded.begin(), report.bounded.end(), ranked);
  std::sort(report.noise.begin(), report.noise.end(),
            [](const TagTrend &a, const TagTrend &b) { return a.bytes_per_hour > b.bytes_per_hour; });
  return report;
}

}  // namespace pooltag::analysis
