// What `pooltag kd` shares with the hit, find and pool subcommands: their
// bodies as functions of an open Reader, so that `kd> g` and `pooltag hit`,
// `kd> !poolfind` and `pooltag find`, `kd> !pool` and `pooltag pool` run the
// same code, and so do `kd> !leaks` and `pooltag leaks`. Implemented in
// cmd_hit.cpp, cmd_find.cpp and cmd_leaks.cpp.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/leaks.h"
#include "cli/reader.h"
#include "common/result.h"
#include "model/snapshot.h"

namespace pooltag::cli {

// Sets (or clears, with no patterns) the hit tag and marks the sites.
Status set_hit_tag(const Reader &reader, const std::vector<std::string> &patterns, uint32_t flags);

// "alloc TAG [pool] address 0x... size N by COMM (PID/TID)": one hit event.
std::string hit_line(const model::HitEvent &event, const std::string &tag, model::Pool pool);

// Delivers the hit events newer than `since_ns`, each with its site, until
// `stop()` says so (checked every 100 ms); sites born meanwhile that match
// `pattern` are marked every half second. `on_open` runs once the event
// stream is open. An error before it opened leaves `opened` false.
using HitHandler = std::function<void(const model::HitEvent &, const model::Site &)>;
Status watch_hits(const Reader &reader, const std::string &pattern, uint64_t since_ns,
                  const std::function<bool()> &stop, const HitHandler &handle, const std::function<void()> &on_open,
                  bool &opened);

// The outstanding allocations of the sites whose tag matches `tag` (and
// pool), older than `older_than_ns`, oldest first.
struct FoundAllocations {
  std::map<uint32_t, model::SiteSample> sites;  // the matching sites, by id
  std::vector<model::LiveAllocation> allocations;
};
Result<FoundAllocations> find_allocations(const Reader &reader, const std::string &tag,
                                          std::optional<model::Pool> pool, uint64_t older_than_ns);

// !pool: prints the tracked allocation containing `address` to `out`;
// false (after saying so) when none does.
Result<bool> print_pool(const Reader &reader, uint64_t address, std::FILE *out);

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
