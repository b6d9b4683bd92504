// What `pooltag kd` shares with `pooltag leaks`: the ranking, so that
// `kd> !leaks` and `pooltag leaks` run the same code. Implemented in
// cmd_leaks.cpp. (The hit tag, hit stream, find and pool lookup that kd
// shares with hit, find and pool are the engine's: engine/session.h.)
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "analysis/leaks.h"
#include "cli/reader.h"
#include "common/result.h"

namespace pooltag::cli {

// The leak ranking of a recording (watch_ns 0: the file at `db`), or of
// `watch_ns` of live intervals every `interval_ns` (stopped early when
// `stop` says so). `source` says which, for the views.
struct LeaksQuery {
  std::string db;
  uint64_t watch_ns = 0;
  uint64_t interval_ns = 1000000000ull;
  analysis::LeakOptions options;
  bool min_duration_given = false;  // else a watch judges tags seen for half of it, up to the default
  TagArgs tags;
};
struct LeakRanking {
  analysis::LeakReport report;
  std::string source;
};
Result<LeakRanking> rank_leaks(Context &ctx, const LeaksQuery &query, const std::function<bool()> &stop);

}  // namespace pooltag::cli
