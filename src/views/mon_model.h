// The screen model of `pooltag mon` (PoolMon for Linux): rows per tag and
// pool with their change since the last refresh, sort, filters, pool and
// grouping switches, scrolling, the detail of a row, and the layout of all
// of it on a screen of any size. Plain C++ over the model: no curses, no
// kernel. mon_screen.cpp draws what render() returns and feeds keys back;
// the batch and JSON outputs print the same rows.
//
// Its files: mon_columns.h (rows, cells and column layout: pure functions),
// mon_model.cpp (snapshots, changes, sorting, the cursor), mon_keys.cpp
// (the key table, from which the help screen and the footer's hints are
// made), mon_render.cpp (the screen, --batch text, --json, the detail).
//
//   MonModel mon(source, meminfo, symbols, tag_file, options);
//   if (auto st = mon.refresh(); !st) ...;    // one snapshot, deltas
//   mon.set_viewport(80, 24);
//   mon.key('b');                             // sort by bytes
//   for (auto &line : mon.render()) draw(line.text, line.style);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/meminfo.h"
#include "model/snapshot.h"
#include "model/tag_table.h"
#include "model/tagging.h"
#include "views/mon_columns.h"

namespace pooltag::views {

// Sort keys of mon: PoolMon's, plus bytes per allocation.
enum class MonSort { Tag, Allocs, Frees, Diff, Bytes, PerAlloc };
std::optional<MonSort> parse_mon_sort(std::string_view text);  // tag allocs frees diff bytes per-alloc
std::string_view mon_sort_name(MonSort sort);
// The tag table's order for a mon sort (per-alloc: by bytes), for JSON and
// the table under the rows.
model::SortKey table_sort_key(MonSort sort);
// A refresh interval as the header and messages show it: "2s", "0.2s".
std::string interval_text(uint64_t ns);

// Keys that are not characters (curses' KEY_* are mapped to these).
enum MonKey : int {
  kKeyUp = 0x10000,
  kKeyDown,
  kKeyPageUp,
  kKeyPageDown,
  kKeyHome,
  kKeyEnd,
  kKeyEnter,
  kKeyEscape,
  kKeyBackspace,
};

// A line of the screen and how to draw it.
enum LineStyle : uint8_t {
  kStylePlain = 0,
  kStyleTitle = 1,     // header lines
  kStyleColumns = 2,   // the column titles: a bar
  kStyleSelected = 4,  // the cursor row
  kStyleChanged = 8,   // a row that changed at the last refresh (when highlighting is on)
  kStyleTotal = 16,    // the TOTAL row
  kStyleFooter = 32,   // key hints, prompt, messages
  kStyleWarning = 64,  // losses, errors, "not tracked"
};
struct ScreenLine {
  std::string text;
  uint8_t style = kStylePlain;
};

struct MonOptions {
  MonSort sort = MonSort::Bytes;
  bool by_change = false;  // sort by the change since the last refresh
  bool reverse = false;    // numbers: largest first; tag: A to Z; reverse flips
  std::optional<model::Pool> pool;  // nullopt: all pools
  std::string include;  // tag pattern; without * or ? it matches anywhere in the tag
  std::string exclude;
  model::Grouping grouping = model::Grouping::Caller;
  bool totals = false;
  bool highlight = true;
  uint64_t interval_ns = 2000000000ull;
  std::string banner;  // extra header text, e.g. that tagging is ephemeral
};
inline constexpr uint64_t kMinIntervalNs = 200000000ull;  // 0.2 s

// What Enter opens on a row. Until the find view (issue 3) exists: the
// tag's sites; set_detail() swaps in another view without touching the rest.
struct DetailRequest {
  const MonRow &row;
  const model::Snapshot &snapshot;
  const model::SiteTagger &tagger;
  const model::CodeSymbolizer &symbols;
  size_t width;
};
using DetailView = std::function<std::vector<std::string>(const DetailRequest &)>;
// The sites of the row's tag in its pool, largest Bytes first: code address
// as "function+0xoff [module]", pool, cache, counts.
std::vector<std::string> site_detail(const DetailRequest &request);

class MonModel {
 public:
  enum class Action { None, Redraw, Refresh, Quit };

  // `symbols` and `tags` (may be null) must outlive the model.
  MonModel(model::SnapshotSource &source, model::MemInfoSource &meminfo, const model::CodeSymbolizer &symbols,
           const model::TagFile *tags, MonOptions options);

  // Takes a snapshot and computes rows and their changes. On error the old
  // rows stay and the error is shown on the screen.
  Status refresh();

  // Handles one key (a character or a MonKey); says what the caller should do.
  Action key(int key);

  void set_viewport(size_t width, size_t height);
  // The whole screen for the viewport: header, column titles, visible rows,
  // totals, footer (or the help or the detail view).
  std::vector<ScreenLine> render() const;

  // Plain text report of every row for --batch: header, titles, rows, TOTAL,
  // losses; no footer, no selection.
  std::string render_report(size_t width) const;
  // One JSON document: `pooltag used --json`'s shape plus meminfo, interval
  // and the changes since the last refresh.
  nlohmann::json report_json() const;

  const std::vector<MonRow> &rows() const { return rows_; }
  MonRow totals() const;
  const MonOptions &options() const { return options_; }
  const model::Snapshot &snapshot() const { return current_; }
  size_t selected() const { return selected_; }
  size_t top() const { return top_; }
  bool help_shown() const { return mode_ == Mode::Help; }
  bool detail_shown() const { return mode_ == Mode::Detail; }
  bool prompting() const { return mode_ == Mode::IncludePrompt || mode_ == Mode::ExcludePrompt; }
  // Rows that fit on the screen below the header.
  size_t page_rows() const;
  // Lines above the table: the upper-bound note, then the losses ("Lost: ...").
  std::vector<std::string> warnings() const;

  void set_detail(DetailView view) { detail_view_ = std::move(view); }

  // One line of the key table of the table screen: the keys as the help
  // screen names them, the key codes key() takes for them, what they do
  // (given the key, for bindings of several keys), the help line, and the
  // footer's hint ("" for none). The help screen and the footer are made
  // from this table, so a key is defined once.
  struct KeyBinding {
    std::string_view names;
    std::vector<int> keys;
    Action (*action)(MonModel &mon, int key);
    std::string_view help;
    std::string_view hint;
  };
  static const std::vector<KeyBinding> &key_table();
  // The same for the detail view (the sites of a tag), under its own
  // heading on the help screen.
  static const std::vector<KeyBinding> &detail_key_table();

 private:
  enum class Mode { Table, IncludePrompt, ExcludePrompt, Help, Detail };

  void rebuild();  // rows from the current and previous snapshot
  void sort_rows();
  void select_key(size_t index);
  void keep_selection_visible();
  void set_sort(MonSort sort);
  const model::SiteTagger &tagger();
  std::vector<std::string> header_lines(size_t width) const;
  std::vector<ScreenLine> table_lines(size_t width, size_t first, size_t count, bool with_selection) const;
  std::vector<ColumnLayout> columns(size_t width) const;
  std::string footer() const;
  Action table_key(int key);
  Action prompt_key(int key);
  Action detail_key(int key);
  Action move_key(int key);
  Action change_interval(int key);
  std::vector<std::string> detail_lines() const;

  model::SnapshotSource &source_;
  model::MemInfoSource &meminfo_source_;
  const model::CodeSymbolizer &symbols_;
  const model::TagFile *tags_;
  MonOptions options_;
  std::map<model::Grouping, std::unique_ptr<model::SiteTagger>> taggers_;

  model::Snapshot current_, previous_;
  bool have_current_ = false, have_previous_ = false;
  model::MemInfo meminfo_;
  model::TagTable table_;  // the current snapshot with the filters, for JSON
  std::vector<MonRow> rows_;
  size_t refreshes_ = 0;
  std::string error_;    // last refresh error, shown in the footer
  std::string message_;  // transient: interval changed etc.

  Mode mode_ = Mode::Table;
  std::string input_;  // the prompt being typed
  size_t selected_ = 0, top_ = 0, detail_top_ = 0;
  std::string selected_tag_;
  model::Pool selected_pool_ = model::Pool::Slab;
  std::optional<MonRow> detail_row_;
  DetailView detail_view_ = site_detail;
  size_t width_ = 80, height_ = 24;
};

// The help screen: a line per binding of the key table, then what the
// columns mean.
std::vector<std::string> mon_help_lines();
// The footer's key hints, from the key table: "q:quit h:help t/a/f/d/b/m:sort ...".
std::string mon_key_hints();

}  // namespace pooltag::views
