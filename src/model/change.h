// What the counts did between two snapshots: mon's change columns ((chg),
// sorting by change, highlighting) and its JSON `changes`. Plain data over
// two tag tables; the reader that takes the snapshots keeps the older one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "model/snapshot.h"
#include "model/tag_table.h"

namespace pooltag::model {

// Bytes per outstanding allocation, Bytes / Diff, as PoolMon: the size of
// what is outstanding; 0 when nothing is.
int64_t per_alloc(const Counts &counts);

// The change of one tag's counts in one pool.
struct CountsChange {
  int64_t allocs = 0, frees = 0, bytes = 0;
  int64_t per_alloc = 0;  // the change of per_alloc()

  int64_t diff() const { return allocs - frees; }
  bool any() const { return allocs != 0 || frees != 0 || bytes != 0; }
};
CountsChange change_between(const Counts &before, const Counts &now);

// The counts of every tag and pool of an earlier table, to measure later
// rows against. Built from nothing (the first snapshot), it measures no
// change at all; built from a table, a tag absent from it is all change
// (zero counts before).
class TableChanges {
 public:
  TableChanges() = default;
  explicit TableChanges(const TagTable &before);

  CountsChange of(const std::string &tag, Pool pool, const Counts &now) const;

 private:
  bool have_before_ = false;
  std::map<std::pair<std::string, Pool>, Counts> before_;
};

}  // namespace pooltag::model
