// The table of `pooltag mon`: its rows (a tag in one pool, with its change
// since the last refresh), its columns, and how they are laid out on a
// screen of any width. Pure functions of plain data: the model
// (mon_model.h) fills the rows, the screen draws the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/change.h"
#include "model/snapshot.h"
#include "views/cells.h"

namespace pooltag::views {

// One row: a tag in one pool type.
struct MonRow {
  std::string tag;
  std::string owner;
  std::string description;
  model::Pool pool = model::Pool::Slab;
  model::Counts counts;
  model::CountsChange change;  // since the previous refresh (none on the first one)
  bool total = false;          // the TOTAL row

  int64_t per_alloc() const { return model::per_alloc(counts); }
  bool changed() const { return change.any(); }
};

// Columns, in display order.
enum class Column { Tag, Type, Allocs, AllocsDelta, Frees, FreesDelta, Diff, Bytes, BytesDelta, PerAlloc, Owner };
inline constexpr size_t kColumnCount = 11;
std::string_view column_title(Column c, size_t width);

struct ColumnLayout {
  Column column;
  size_t width;
};
// The columns that fit in `width` and their widths. `longest_tag` lets the
// Tag column take what the tags need (up to 32) when there is room.
std::vector<ColumnLayout> layout_columns(size_t width, size_t longest_tag);

// The text of a row's cell, never wider than `width`.
std::string cell(const MonRow &row, Column column, size_t width);

// A row, or the column titles, laid out: cells aligned in their columns,
// one space between them.
std::string row_text(const MonRow &row, const std::vector<ColumnLayout> &columns);
std::string titles_text(const std::vector<ColumnLayout> &columns);

}  // namespace pooltag::views
