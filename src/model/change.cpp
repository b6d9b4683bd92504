#include "model/change.h"

namespace pooltag::model {

int64_t per_alloc(const Counts &c) {
  int64_t diff = c.diff(), bytes = c.bytes();
  return diff > 0 && bytes > 0 ? bytes / diff : 0;
}

CountsChange change_between(const Counts &before, const Counts &now) {
  CountsChange d;
  d.allocs = static_cast<int64_t>(now.allocs - before.allocs);
  d.frees = static_cast<int64_t>(now.frees - before.frees);
  d.bytes = now.bytes() - before.bytes();
  d.per_alloc = per_alloc(now) - per_alloc(before);
  return d;
}

TableChanges::TableChanges(const TagTable &before) : have_before_(true) {
  for (const auto &r : before.rows())
    for (Pool p : kAllPools)
      if (!r.pool(p).empty()) before_[{r.tag, p}] = r.pool(p);
}

CountsChange TableChanges::of(const std::string &tag, Pool pool, const Counts &now) const {
  if (!have_before_) return {};
  auto it = before_.find({tag, pool});
  return change_between(it != before_.end() ? it->second : Counts{}, now);
}

}  // namespace pooltag::model
