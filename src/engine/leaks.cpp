#include "engine/leaks.h"

#include <time.h>

#include <algorithm>
#include <cerrno>

#include "common/units.h"
#include "record/store.h"

namespace pooltag::engine {

Result<record::Recording> watch(IntervalSampler &sampler, uint64_t duration_ns, uint64_t interval_ns,
                                const std::function<bool()> &stop,
                                const std::function<void(uint64_t elapsed_ns)> &progress) {
  record::RecordingBuilder builder;
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const uint64_t intervals = duration_ns / interval_ns;
  for (uint64_t i = 0; i <= intervals; ++i) {
    if (i > 0) {
      // absolute deadlines: the intervals do not drift by the sampling time
      uint64_t at = static_cast<uint64_t>(start.tv_nsec) + i * interval_ns;
      timespec deadline{start.tv_sec + static_cast<time_t>(at / 1000000000ull), static_cast<long>(at % 1000000000ull)};
      while (!stop() && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
      }
      if (stop()) break;
    }
    auto sample = sampler.take();
    if (!sample) return sample.error();
    builder.add(*sample);
    progress(i * interval_ns);
  }
  return builder.take();
}

Result<LeakRanking> rank_leaks(const LeaksQuery &query, IntervalSampler *sampler, const std::function<bool()> &stop,
                               const std::function<void(uint64_t elapsed_ns)> &progress) {
  LeakRanking ranking;
  record::Recording recording;
  if (query.watch_ns == 0) {
    auto read = record::read_recording(query.db);
    if (!read) return read.error();
    recording = std::move(*read);
    ranking.source = "recording " + query.db;
  } else {
    if (sampler == nullptr) throw FatalError("rank_leaks: a watch without a sampler");
    auto watched = watch(*sampler, query.watch_ns, query.interval_ns, stop, progress);
    if (!watched) return watched.error();
    recording = std::move(*watched);
    if (recording.sessions.empty()) return Error{"tagging is not enabled (run pooltag enable)", kExitNotEnabled};
    ranking.source = "watched " + format_duration_ns(query.watch_ns);
  }
  analysis::LeakOptions options = query.options;
  if (query.watch_ns != 0 && !query.min_duration_given)
    options.min_duration_ns = std::min(options.min_duration_ns, query.watch_ns / 2);
  ranking.report = analysis::find_leaks(recording, options);
  return ranking;
}

}  // namespace pooltag::engine
