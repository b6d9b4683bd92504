// A snapshot grouped by tag: the table every reader shows (used, mon, kd's
// !poolused). One row per tag with counts per pool type.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/wildcard.h"
#include "model/snapshot.h"
#include "model/tagging.h"

namespace pooltag::model {

struct TagRow {
  std::string tag;
  std::string owner;
  std::string description;
  std::array<Counts, kPoolCount> per_pool{};
  size_t sites = 0;

  const Counts &pool(Pool p) const { return per_pool[static_cast<size_t>(p)]; }
  // Sum over the given pools (all when none is given).
  Counts total(std::optional<Pool> only = std::nullopt) const;
};

enum class SortKey { Tag, Allocs, Frees, Diff, Bytes };
std::optional<SortKey> parse_sort_key(std::string_view text);

struct TableOptions {
  PatternFilter filter;             // on the tag name
  std::optional<Pool> pool;         // show and sort by this pool only
  SortKey sort = SortKey::Bytes;
  bool reverse = false;           // numeric keys: largest first; tag: A to Z; reverse flips
};

class TagTable {
 public:
  static TagTable build(const Snapshot &snapshot, const SiteTagger &tagger, const TableOptions &options);

  const std::vector<TagRow> &rows() const { return rows_; }
  TagRow totals() const;  // the TOTAL row over the rows shown

  void sort(SortKey key, std::optional<Pool> pool, bool reverse);

 private:
  std::vector<TagRow> rows_;
};

}  // namespace pooltag::model
