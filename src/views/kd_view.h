// kd's layouts of the model, as WinDbg prints them: !poolused (the seed's
// "Sorting by ... / Pool Used:" table) and !poolfind (one line per
// allocation). Reads the model only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/snapshot.h"
#include "model/tag_table.h"

namespace pooltag::views {

// One allocation site under its tag in verbose !poolused.
struct KdSiteRow {
  std::string where;  // "do_eventfd+0x5a [vmlinux] kmalloc-64"
  model::Pool pool = model::Pool::Slab;
  model::Counts counts;
};

struct PoolUsedOptions {
  std::string sorting;   // first line: "Sorting by Bytes Consumed (all pools)"
  model::PoolSet pools;  // pool columns
  // 0x1: per pool Allocs, Frees, Diff, Used and a row per site. Otherwise
  // per pool Allocs and Used, Allocs counting the allocations outstanding
  // (the Diff), as WinDbg's short table does.
  bool verbose = false;
  const std::map<std::string, std::vector<KdSiteRow>> *sites = nullptr;  // by tag, for verbose
};

std::string render_poolused(const model::TagTable &table, const model::Snapshot &snapshot,
                            const PoolUsedOptions &options);

// !poolfind: a header line, then "*ADDRESS size: N (Allocated) TAG [pool] ..."
// per allocation, in address order.
std::string render_poolfind(const std::string &tag, const std::string &where,
                            std::vector<model::LiveAllocation> allocations,
                            const std::function<std::pair<std::string, std::string>(uint32_t site)> &describe_site);

}  // namespace pooltag::views
