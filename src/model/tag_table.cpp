#include "model/tag_table.h"

#include <algorithm>
#include <map>

namespace pooltag::model {

Counts TagRow::total(std::optional<Pool> only) const {
  if (only) return pool(*only);
  Counts c;
  for (const auto &p : per_pool) c += p;
  return c;
}

std::optional<SortKey> parse_sort_key(std::string_view text) {
  if (text == "tag") return SortKey::Tag;
  if (text == "allocs") return SortKey::Allocs;
  if (text == "frees") return SortKey::Frees;
  if (text == "diff") return SortKey::Diff;
  if (text == "bytes") return SortKey::Bytes;
  return std::nullopt;
}

TagTable TagTable::build(const Snapshot &snapshot, const SiteTagger &tagger, const TableOptions &options) {
  std::map<std::string, TagRow> by_tag;
  for (const auto &s : snapshot.sites) {
    if (options.pool && s.site.pool != *options.pool) continue;
    if (s.counts.empty()) continue;
    TagInfo info = tagger.tag_of(s.site);
    if (!options.filter.matches(info.tag)) continue;
    auto [it, inserted] = by_tag.try_emplace(info.tag);
    TagRow &row = it->second;
    if (inserted) {
      row.tag = info.tag;
      row.owner = info.owner;
      row.description = info.description;
    } else if (row.owner != info.owner && !info.owner.empty()) {
      // Same tag name owned by several modules (static functions with one
      // name): say so rather than show one of them.
      if (row.owner.find(info.owner) == std::string::npos) row.owner += "," + info.owner;
    }
    row.per_pool[static_cast<size_t>(s.site.pool)] += s.counts;
    ++row.sites;
  }
  TagTable table;
  table.rows_.reserve(by_tag.size());
  for (auto &[_, row] : by_tag) table.rows_.push_back(std::move(row));
  table.sort(options.sort, options.pool, options.reverse);
  return table;
}

void TagTable::sort(SortKey key, std::optional<Pool> pool, bool reverse) {
  auto value = [&](const TagRow &r) -> int64_t {
    Counts c = r.total(pool);
    switch (key) {
      case SortKey::Allocs: return static_cast<int64_t>(c.allocs + c.untracked);
      case SortKey::Frees: return static_cast<int64_t>(c.frees);
      case SortKey::Diff: return c.diff();
      case SortKey::Bytes: return c.bytes();
      case SortKey::Tag: return 0;
    }
    return 0;
  };
  std::stable_sort(rows_.begin(), rows_.end(), [&](const TagRow &a, const TagRow &b) {
    if (key == SortKey::Tag) return reverse ? a.tag > b.tag : a.tag < b.tag;
    int64_t va = value(a), vb = value(b);
    if (va != vb) return reverse ? va < vb : va > vb;
    return a.tag < b.tag;  // stable, readable order among equals
  });
}

TagRow TagTable::totals() const {
  TagRow t;
  t.tag = "TOTAL";
  for (const auto &r : rows_) {
    for (size_t i = 0; i < kPoolCount; ++i) t.per_pool[i] += r.per_pool[i];
    t.sites += r.sites;
  }
  return t;
}

}  // namespace pooltag::model
