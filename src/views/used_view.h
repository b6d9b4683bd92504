// `pooltag used`'s view: a tag table as text (columns per pool type, a
// TOTAL row, the loss counters), fitted to a width, or as JSON. Reads the
// model only. (kd's !poolused keeps WinDbg's layout: kd_view.h.)
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "model/tag_table.h"

namespace pooltag::views {

struct UsedViewOptions {
  // Pools to show: JSON shows all of them; the text those of them with
  // any count (every one when none has any, or when `wide`).
  model::PoolSet pools;
  model::SortKey sort = model::SortKey::Bytes;
  std::optional<model::Pool> sort_pool;
  std::string grouping = "caller";
  size_t max_rows = 0;                // 0 = all
  bool show_owner = true;
  // Text: the columns to fit in (the terminal's). The Allocs and Frees
  // columns go first, then tags and numbers narrow (numbers scaled when
  // they do not fit), then the Owner column goes; the prose under the
  // table is wrapped. 0 = no limit: every column, numbers exact.
  size_t width = 0;
  bool wide = false;  // text: every pool and column, numbers exact, whatever the width
};

// "Sorting by Bytes (slab)" etc.
std::string sort_description(model::SortKey key, std::optional<model::Pool> pool);

std::string render_used_text(const model::TagTable &table, const model::Snapshot &snapshot,
                             const UsedViewOptions &options);

nlohmann::json used_json(const model::TagTable &table, const model::Snapshot &snapshot,
                         const UsedViewOptions &options);

// One line per non-zero loss counter, each saying what it means.
std::vector<std::string> loss_lines(const model::Losses &losses);

// Diff and Bytes of counts that are upper bounds (model::Counts::upper_bound)
// carry this mark: "≤7,930"; JSON says "upper_bound": true.
inline constexpr std::string_view kUpperBoundMark = "\u2264";
std::string bounded(const std::string &number, bool upper_bound);
// The one line under a table whose rows include upper bounds.
// bulk_paths: whether the bulk programs ran (nullopt: not known, as in a recording)
std::string upper_bound_note(size_t rows, std::optional<bool> bulk_paths);
nlohmann::json losses_json(const model::Losses &losses);
// Said wherever stacks are shown: how many were reused rather than walked,
// and what the checks found (model::StackReuse). Empty when none was reused.
std::string stack_reuse_line(const model::StackReuse &reuse);
nlohmann::json stack_reuse_json(const model::StackReuse &reuse);

// Clips a tag to `width` columns, marking the cut with '~'.
std::string clip(std::string_view text, size_t width);

}  // namespace pooltag::views
