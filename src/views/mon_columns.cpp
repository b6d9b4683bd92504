#include "views/mon_columns.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "views/used_view.h"

namespace pooltag::views {

using model::Counts;

std::string cell(const MonRow &row, Column column, size_t width) {
  const Counts &c = row.counts;
  switch (column) {
    case Column::Tag: return clip(row.tag, width);
    case Column::Type: return row.total ? "" : type_cell(row.pool, width);
    case Column::Allocs: return count_cell(static_cast<int64_t>(c.allocs), width);
    case Column::AllocsDelta: return delta_cell(row.change.allocs, width, false);
    case Column::Frees: return count_cell(static_cast<int64_t>(c.frees), width);
    case Column::FreesDelta: return delta_cell(row.change.frees, width, false);
    case Column::Diff: return bounded_cell(count_cell, c.diff(), width, c.upper_bound());
    case Column::Bytes: return bounded_cell(bytes_cell, c.bytes(), width, c.upper_bound());
    case Column::BytesDelta: return delta_cell(row.change.bytes, width, true);
    case Column::PerAlloc: return row.total ? "" : bytes_cell(row.per_alloc(), width);
    case Column::Owner: {
      std::string owner = row.owner;
      if (!row.description.empty()) owner += (owner.empty() ? "" : " - ") + row.description;
      return clip(owner, width);
    }
  }
  return "";
}

std::string_view column_title(Column c, size_t width) {
  switch (c) {
    case Column::Tag: return "Tag";
    case Column::Type: return "Type";
    case Column::Allocs: return "Allocs";
    case Column::AllocsDelta: return "(chg)";
    case Column::Frees: return "Frees";
    case Column::FreesDelta: return "(chg)";
    case Column::Diff: return "Diff";
    case Column::Bytes: return "Bytes";
    case Column::BytesDelta: return "(chg)";
    case Column::PerAlloc: return width >= 8 ? "PerAlloc" : "Per";
    case Column::Owner: return "Owner";
  }
  return "";
}

namespace {

struct ColumnSpec {
  Column column;
  size_t min, pref;
  bool left;
};

// min: narrowest useful; pref: what the numbers of a busy machine need.
constexpr std::array<ColumnSpec, kColumnCount> kSpecs = {{
    {Column::Tag, 8, 32, true},
    {Column::Type, 4, 7, true},
    {Column::Allocs, 7, 10, false},
    {Column::AllocsDelta, 6, 8, false},
    {Column::Frees, 7, 10, false},
    {Column::FreesDelta, 6, 8, false},
    {Column::Diff, 7, 9, false},
    {Column::Bytes, 7, 12, false},
    {Column::BytesDelta, 7, 10, false},
    {Column::PerAlloc, 8, 9, false},
    {Column::Owner, 8, 8, true},
}};

// Dropped first when the screen is narrow: the least needed to find a leak.
constexpr Column kDropOrder[] = {Column::FreesDelta, Column::Owner,      Column::PerAlloc, Column::AllocsDelta,
                                 Column::Frees,      Column::BytesDelta, Column::Allocs};
// Extra width goes to these, in this order, up to their preferred width.
constexpr Column kGrowOrder[] = {Column::Diff,        Column::Bytes,      Column::Allocs,
                                 Column::Frees,       Column::AllocsDelta, Column::FreesDelta,
                                 Column::BytesDelta,  Column::PerAlloc};

const ColumnSpec &spec(Column c) { return kSpecs[static_cast<size_t>(c)]; }

}  // namespace

std::vector<ColumnLayout> layout_columns(size_t width, size_t longest_tag) {
  std::array<size_t, kColumnCount> w{};
  std::array<bool, kColumnCount> shown{};
  for (const auto &s : kSpecs) {
    w[static_cast<size_t>(s.column)] = s.min;
    shown[static_cast<size_t>(s.column)] = true;
  }
  size_t tag_pref = std::clamp<size_t>(longest_tag, spec(Column::Tag).min, spec(Column::Tag).pref);
  size_t &tag = w[static_cast<size_t>(Column::Tag)];
  tag = std::min<size_t>(tag_pref, 16);
  auto total = [&] {
    size_t sum = 0, n = 0;
    for (size_t i = 0; i < kColumnCount; ++i)
      if (shown[i]) sum += w[i], ++n;
    return sum + (n ? n - 1 : 0);
  };
  for (Column c : kDropOrder) {
    if (total() <= width) break;
    shown[static_cast<size_t>(c)] = false;
  }
  while (total() > width && tag > spec(Column::Tag).min) --tag;

  size_t left = width > total() ? width - total() : 0;
  auto grow = [&](Column c, size_t to) {
    size_t &x = w[static_cast<size_t>(c)];
    if (!shown[static_cast<size_t>(c)] || x >= to) return;
    size_t add = std::min(left, to - x);
    x += add;
    left -= add;
  };
  grow(Column::Tag, tag_pref);
  if (left >= 3) grow(Column::Type, 7);
  for (Column c : kGrowOrder) grow(c, spec(c).pref);
  if (shown[static_cast<size_t>(Column::Owner)]) grow(Column::Owner, SIZE_MAX);

  std::vector<ColumnLayout> out;
  for (const auto &s : kSpecs)
    if (shown[static_cast<size_t>(s.column)]) out.push_back({s.column, w[static_cast<size_t>(s.column)]});
  return out;
}

std::string row_text(const MonRow &row, const std::vector<ColumnLayout> &cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ' ';
    out += align(cell(row, cols[i].column, cols[i].width), cols[i].width, spec(cols[i].column).left);
  }
  return out;
}

std::string titles_text(const std::vector<ColumnLayout> &cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ' ';
    out += align(column_title(cols[i].column, cols[i].width), cols[i].width, spec(cols[i].column).left);
  }
  return out;
}

}  // namespace pooltag::views
