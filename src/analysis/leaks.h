// Which tag is leaking: every tag of a recording ranked by sustained growth
// of its outstanding bytes (docs/leaks.md#estimators). Reads a Recording;
// no SQLite, no kernel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.h"
#include "record/recording.h"

namespace pooltag::analysis {

enum class Trend {
  Growing,  // a significant rising trend that goes on to the end
  Stopped,  // rose significantly, then flat for the last third
  Noise,    // no significant rise: flat, falling, or up and down
};
std::string_view trend_name(Trend t);

struct LeakOptions {
  uint64_t min_duration_ns = 30ull * 1000000000ull;  // shorter tags are not judged
  double alpha = 0.01;  // Mann–Kendall p-value below which a rise is significant
};

struct TagTrend {
  std::string tag;
  std::string owner;
  std::string description;
  std::vector<model::Pool> pools;
  Trend trend = Trend::Noise;
  bool upper_bound = false;      // counts are upper bounds (bulk frees): never a top suspect
  double bytes_per_hour = 0;     // Theil–Sen slope of outstanding bytes
  double objects_per_hour = 0;   // of outstanding allocations (Diff)
  double recent_bytes_per_hour = 0;  // the slope over the last third of its time
  double p_value = 1;            // Mann–Kendall, one-sided: "no rise"
  double fraction_growing = 0;   // share of the time its bytes rose
  double noise_bytes = 0;        // median absolute deviation of its bytes around the trend line
  double projection_bytes_per_day = 0;  // what it grows by in a day at its recent pace
  uint64_t first_seen_ns = 0;    // its first instant in the recording
  uint64_t last_ns = 0;
  int64_t bytes = 0;             // outstanding at its last instant
  int64_t objects = 0;
  int64_t growth_bytes = 0;      // last minus first, within its last session
  size_t points = 0;
};

struct LeakReport {
  std::vector<TagTrend> suspects;  // growing, then stopped; exact counts only; ranked
  std::vector<TagTrend> bounded;   // growing or stopped, but upper bounds: shown apart
  std::vector<TagTrend> noise;     // judged, and not rising
  size_t too_short = 0;            // tags seen for less than min_duration
  uint64_t from_ns = 0, to_ns = 0;
  uint64_t samples = 0;            // intervals recorded
  size_t instants = 0;             // intervals analysed
  size_t sessions = 0;
};

LeakReport find_leaks(const record::Recording &recording, const LeakOptions &options = {});

}  // namespace pooltag::analysis
