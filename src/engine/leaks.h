// The leak ranking every front end shows (`pooltag leaks`, kd's !leaks):
// tags ranked by sustained growth (analysis/leaks.h) over a recording on
// disk, or over intervals watched live from a sampler the front end gives.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "analysis/leaks.h"
#include "common/result.h"
#include "record/recording.h"

namespace pooltag::engine {

// Where live intervals come from: record's sampler over the pinned state
// (cli/recording_source.h), or a fake.
class IntervalSampler {
 public:
  virtual ~IntervalSampler() = default;
  virtual Result<record::Sample> take() = 0;
};

// Samples every `interval_ns` for `duration_ns` (the first at once, the
// last at the end), in memory. `stop` is asked between intervals;
// `progress(elapsed)` after each one.
Result<record::Recording> watch(IntervalSampler &sampler, uint64_t duration_ns, uint64_t interval_ns,
                                const std::function<bool()> &stop,
                                const std::function<void(uint64_t elapsed_ns)> &progress);

// The ranking of the recording at `db` (watch_ns 0), or of `watch_ns` of
// live intervals every `interval_ns`.
struct LeaksQuery {
  std::string db;
  uint64_t watch_ns = 0;
  uint64_t interval_ns = 1000000000ull;
  analysis::LeakOptions options;
  bool min_duration_given = false;  // else a watch judges tags seen for half of it, up to the default
};
struct LeakRanking {
  analysis::LeakReport report;
  std::string source;  // "recording pooltag.db", "watched 1m": for the views
};
// A watch takes its intervals from `sampler` (which it needs then) and is
// kExitNotEnabled when no interval had tagging on; stopped early by `stop`,
// it ranks what it watched.
Result<LeakRanking> rank_leaks(const LeaksQuery &query, IntervalSampler *sampler, const std::function<bool()> &stop,
                               const std::function<void(uint64_t elapsed_ns)> &progress);

}  // namespace pooltag::engine
