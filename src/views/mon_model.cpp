#include "views/mon_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/wildcard.h"
#include "model/change.h"

namespace pooltag::views {

using model::Counts;
using model::Pool;

std::optional<MonSort> parse_mon_sort(std::string_view text) {
  for (MonSort s : {MonSort::Tag, MonSort::Allocs, MonSort::Frees, MonSort::Diff, MonSort::Bytes, MonSort::PerAlloc})
    if (mon_sort_name(s) == text) return s;
  return std::nullopt;
}

std::string_view mon_sort_name(MonSort sort) {
  switch (sort) {
    case MonSort::Tag: return "tag";
    case MonSort::Allocs: return "allocs";
    case MonSort::Frees: return "frees";
    case MonSort::Diff: return "diff";
    case MonSort::Bytes: return "bytes";
    case MonSort::PerAlloc: return "per-alloc";
  }
  return "?";
}

model::SortKey table_sort_key(MonSort s) {
  switch (s) {
    case MonSort::Tag: return model::SortKey::Tag;
    case MonSort::Allocs: return model::SortKey::Allocs;
    case MonSort::Frees: return model::SortKey::Frees;
    case MonSort::Diff: return model::SortKey::Diff;
    case MonSort::Bytes:
    case MonSort::PerAlloc: return model::SortKey::Bytes;
  }
  return model::SortKey::Bytes;
}

std::string interval_text(uint64_t ns) { return fmt::format("{:g}s", static_cast<double>(ns) / 1e9); }

MonModel::MonModel(model::SnapshotSource &source, model::MemInfoSource &meminfo, const model::CodeSymbolizer &symbols,
                   const model::TagFile *tags, MonOptions options)
    : source_(source), meminfo_source_(meminfo), symbols_(symbols), tags_(tags), options_(std::move(options)) {}

const model::SiteTagger &MonModel::tagger() {
  auto &t = taggers_[options_.grouping];
  if (!t) t = std::make_unique<model::SiteTagger>(symbols_, options_.grouping, tags_);
  return *t;
}

Status MonModel::refresh() {
  auto snap = source_.snapshot();
  if (!snap) {
    error_ = snap.error().message;
    return snap.error();
  }
  error_.clear();
  if (have_current_) {
    previous_ = std::move(current_);
    have_previous_ = true;
  }
  current_ = std::move(*snap);
  have_current_ = true;
  if (auto mi = meminfo_source_.read()) meminfo_ = *mi;  // the header shows what it can
  ++refreshes_;
  rebuild();
  return Ok{};
}

namespace {

PatternFilter make_filter(const std::string &include, const std::string &exclude) {
  auto glob = [](const std::string &p) { return has_wildcard(p) ? p : "*" + p + "*"; };
  std::vector<std::string> inc, exc;
  if (!include.empty()) inc.push_back(glob(include));
  if (!exclude.empty()) exc.push_back(glob(exclude));
  return PatternFilter(std::move(inc), std::move(exc));
}

int64_t sort_value(const MonRow &r, MonSort s, bool change) {
  switch (s) {
    case MonSort::Tag: return 0;
    case MonSort::Allocs: return change ? r.change.allocs : static_cast<int64_t>(r.counts.allocs);
    case MonSort::Frees: return change ? r.change.frees : static_cast<int64_t>(r.counts.frees);
    case MonSort::Diff: return change ? r.change.diff() : r.counts.diff();
    case MonSort::Bytes: return change ? r.change.bytes : r.counts.bytes();
    case MonSort::PerAlloc: return change ? r.change.per_alloc : r.per_alloc();
  }
  return 0;
}

}  // namespace

void MonModel::rebuild() {
  if (!have_current_) return;
  const model::SiteTagger &tg = tagger();
  model::TableOptions topts{make_filter(options_.include, options_.exclude), options_.pool,
                            table_sort_key(options_.sort), options_.reverse};
  table_ = model::TagTable::build(current_, tg, topts);

  // Both snapshots are tagged alike, so the changes stay right when the
  // grouping or the filter changes.
  model::TableChanges changes =
      have_previous_ ? model::TableChanges(model::TagTable::build(previous_, tg, topts)) : model::TableChanges();
  rows_.clear();
  for (const auto &r : table_.rows()) {
    for (Pool p : model::kAllPools) {
      if (options_.pool && p != *options_.pool) continue;
      const Counts &c = r.pool(p);
      if (c.empty()) continue;
      MonRow m;
      m.tag = r.tag;
      m.owner = r.owner;
      m.description = r.description;
      m.pool = p;
      m.counts = c;
      m.change = changes.of(r.tag, p, c);
      rows_.push_back(std::move(m));
    }
  }
  sort_rows();
  if (mode_ == Mode::Detail && detail_row_) {
    for (const auto &r : rows_)
      if (r.tag == detail_row_->tag && r.pool == detail_row_->pool) detail_row_ = r;
  }
}

void MonModel::sort_rows() {
  const MonSort key = options_.sort;
  const bool change = options_.by_change, reverse = options_.reverse;
  std::stable_sort(rows_.begin(), rows_.end(), [&](const MonRow &a, const MonRow &b) {
    if (key != MonSort::Tag) {
      int64_t va = sort_value(a, key, change), vb = sort_value(b, key, change);
      if (va != vb) return reverse ? va < vb : va > vb;
    } else if (a.tag != b.tag) {
      return reverse ? a.tag > b.tag : a.tag < b.tag;
    }
    if (a.tag != b.tag) return a.tag < b.tag;  // stable, readable order among equals
    return a.pool < b.pool;
  });
  table_.sort(table_sort_key(options_.sort), options_.pool, options_.reverse);
  // The cursor stays on its row when the order changes.
  size_t index = selected_;
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].tag == selected_tag_ && rows_[i].pool == selected_pool_) index = i;
  select_key(index);
}

MonRow MonModel::totals() const {
  MonRow t;
  t.tag = "TOTAL";
  t.total = true;
  for (const auto &r : rows_) {
    t.counts += r.counts;
    t.change.allocs += r.change.allocs;
    t.change.frees += r.change.frees;
    t.change.bytes += r.change.bytes;
  }
  return t;
}

void MonModel::select_key(size_t index) {
  if (rows_.empty()) {
    selected_ = top_ = 0;
    return;
  }
  selected_ = std::min(index, rows_.size() - 1);
  selected_tag_ = rows_[selected_].tag;
  selected_pool_ = rows_[selected_].pool;
  keep_selection_visible();
}

void MonModel::keep_selection_visible() {
  size_t page = std::max<size_t>(page_rows(), 1);
  if (selected_ < top_) top_ = selected_;
  if (selected_ >= top_ + page) top_ = selected_ - page + 1;
  size_t max_top = rows_.size() > page ? rows_.size() - page : 0;
  top_ = std::min(top_, max_top);
}

void MonModel::set_viewport(size_t width, size_t height) {
  width_ = std::max<size_t>(width, 20);
  height_ = std::max<size_t>(height, 5);
  keep_selection_visible();
}

void MonModel::set_sort(MonSort sort) {
  if (options_.sort == sort) {
    options_.reverse = !options_.reverse;
  } else {
    options_.sort = sort;
    options_.reverse = false;
  }
  sort_rows();
}


}  // namespace pooltag::views
