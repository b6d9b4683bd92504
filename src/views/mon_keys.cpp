// The keys of `pooltag mon`: tables of {keys, action, help, hint}, one for
// the table screen and one for the detail view (Enter), from which the help
// screen and the footer are made; the prompts take typed text.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "views/mon_model.h"

namespace pooltag::views {

using model::Pool;

namespace {

using Action = MonModel::Action;

constexpr std::pair<int, MonSort> kSortKeys[] = {{'t', MonSort::Tag},  {'a', MonSort::Allocs},
                                                  {'f', MonSort::Frees}, {'d', MonSort::Diff},
                                                  {'b', MonSort::Bytes}, {'m', MonSort::PerAlloc}};

// The refresh intervals + and - step through.
constexpr uint64_t kSteps[] = {200000000ull,  500000000ull,  1000000000ull,  2000000000ull, 3000000000ull,
                               5000000000ull, 10000000000ull, 30000000000ull, 60000000000ull};

}  // namespace

// In the order of the help screen and the footer (quit and help first: the
// footer is cut at the screen's width). The lambdas act with MonModel's own
// access: the table is the model's, written where its keys are explained.
const std::vector<MonModel::KeyBinding> &MonModel::key_table() {
  static const std::vector<KeyBinding> table = {
      {"q", {'q', 'Q'}, [](MonModel &, int) { return Action::Quit; }, "quit", "q:quit"},
      {"h ?", {'h', '?'},
       [](MonModel &m, int) {
         m.mode_ = Mode::Help;
         return Action::Redraw;
       },
       "this help", "h:help"},
      {"t a f d b m", {'t', 'a', 'f', 'd', 'b', 'm'},
       [](MonModel &m, int k) {
         for (auto [key, sort] : kSortKeys)
           if (key == k) m.set_sort(sort);
         return Action::Redraw;
       },
       "sort by Tag, Allocs, Frees, Diff, Bytes, bytes per alloc (again: reverse)", "t/a/f/d/b/m:sort"},
      {"( )", {'(', ')'},
       [](MonModel &m, int) {
         m.options_.by_change = !m.options_.by_change;
         m.sort_rows();
         return Action::Redraw;
       },
       "sort by value or by the change since the last refresh", "(:by change"},
      {"p", {'p'},
       [](MonModel &m, int) {
         auto &pool = m.options_.pool;
         if (!pool) pool = Pool::Slab;
         else if (*pool == Pool::Page) pool.reset();
         else pool = static_cast<Pool>(static_cast<int>(*pool) + 1);
         m.rebuild();
         return Action::Redraw;
       },
       "pool type: all, slab, percpu, vmalloc, page", "p:pool"},
      {"/  \\", {'/', '\\'},
       [](MonModel &m, int k) {
         m.mode_ = k == '/' ? Mode::IncludePrompt : Mode::ExcludePrompt;
         m.input_ = k == '/' ? m.options_.include : m.options_.exclude;
         return Action::Redraw;
       },
       "include / exclude tags matching a pattern (* ?; plain text matches anywhere)", "/:filter"},
      {"Esc", {kKeyEscape},
       [](MonModel &m, int) {
         m.options_.include.clear();
         m.options_.exclude.clear();
         m.rebuild();
         return Action::Redraw;
       },
       "clear both patterns", ""},
      {"c", {'c'},
       [](MonModel &m, int) {
         auto &g = m.options_.grouping;
         g = g == model::Grouping::Caller ? model::Grouping::Module
             : g == model::Grouping::Module ? model::Grouping::Cache
                                            : model::Grouping::Caller;
         m.rebuild();
         return Action::Redraw;
       },
       "group by caller, module or cache", "c:group"},
      {"e", {'e'},
       [](MonModel &m, int) {
         m.options_.totals = !m.options_.totals;
         m.keep_selection_visible();
         return Action::Redraw;
       },
       "totals row on/off", ""},
      {"l", {'l'},
       [](MonModel &m, int) {
         m.options_.highlight = !m.options_.highlight;
         return Action::Redraw;
       },
       "highlight changed rows on/off", ""},
      {"Up Down PgUp PgDn Home End", {kKeyUp, kKeyDown, kKeyPageUp, kKeyPageDown, kKeyHome, kKeyEnd},
       [](MonModel &m, int k) { return m.move_key(k); }, "move", ""},
      {"Enter", {kKeyEnter, '\n', '\r'},
       [](MonModel &m, int) {
         if (m.rows_.empty()) return Action::None;
         m.detail_row_ = m.rows_[m.selected_];
         m.detail_top_ = 0;
         m.mode_ = Mode::Detail;
         return Action::Redraw;
       },
       "the sites of the selected tag", "Enter:sites"},
      {"+ - space", {'+', '=', '-', ' '},
       [](MonModel &m, int k) { return k == ' ' ? Action::Refresh : m.change_interval(k); },
       "refresh less or more often (0.2 s to 60 s); space refreshes now", ""},
  };
  return table;
}

// The sites view's keys: back to the table, scrolling, refresh.
const std::vector<MonModel::KeyBinding> &MonModel::detail_key_table() {
  static const std::vector<KeyBinding> table = {
      {"Esc Enter q", {kKeyEscape, kKeyEnter, kKeyBackspace, 'q', '\n', '\r'},
       [](MonModel &m, int) {
         m.mode_ = Mode::Table;
         m.detail_row_.reset();
         return Action::Redraw;
       },
       "back to the table", ""},
      {"Up Down PgUp PgDn Home", {kKeyUp, kKeyDown, kKeyPageUp, kKeyPageDown, kKeyHome},
       [](MonModel &m, int k) {
         size_t &top = m.detail_top_;
         if (k == kKeyUp && top > 0) --top;
         if (k == kKeyDown) ++top;
         if (k == kKeyPageUp) top -= std::min(top, m.page_rows());
         if (k == kKeyPageDown) top += m.page_rows();
         if (k == kKeyHome) top = 0;
         return Action::Redraw;
       },
       "scroll the sites", ""},
      {"space", {' '}, [](MonModel &, int) { return Action::Refresh; }, "refresh now", ""},
  };
  return table;
}

namespace {

void add_binding_lines(const std::vector<MonModel::KeyBinding> &table, std::vector<std::string> &out) {
  for (const auto &b : table)
    out.push_back(b.names.size() < 14 ? fmt::format("  {:<14}{}", b.names, b.help)
                                      : fmt::format("  {}   {}", b.names, b.help));
}

// The detail view's bindings on as few lines as fit 80 columns: "keys
// help" items joined by "; ", a line broken only between items, so that
// the help screen still fits 80x24.
void add_compact_lines(std::string_view heading, const std::vector<MonModel::KeyBinding> &table,
                       std::vector<std::string> &out) {
  constexpr size_t kWidth = 78;
  std::string line(heading);
  bool first = true;
  for (const auto &b : table) {
    std::string item = fmt::format("{} {}", b.names, b.help);
    if (!first && line.size() + 2 + item.size() > kWidth) {
      out.push_back(line + ";");
      line = "    " + item;
    } else {
      line += (first ? "" : "; ") + item;
    }
    first = false;
  }
  out.push_back(line);
}

MonModel::Action run_binding(const std::vector<MonModel::KeyBinding> &table, MonModel &mon, int k) {
  for (const auto &b : table)
    if (std::find(b.keys.begin(), b.keys.end(), k) != b.keys.end()) return b.action(mon, k);
  return MonModel::Action::None;
}

}  // namespace

std::vector<std::string> mon_help_lines() {
  std::vector<std::string> out = {"pooltag mon keys (docs/mon.md)", ""};
  add_binding_lines(MonModel::key_table(), out);
  add_compact_lines("  In a tag's sites (Enter): ", MonModel::detail_key_table(), out);
  for (std::string_view l : {"", "Columns: Allocs, Frees since tagging began; Diff = Allocs - Frees (outstanding);",
                             "Bytes outstanding; (chg) = change since the last refresh; PerAlloc = Bytes / Diff;",
                             "Owner = module, or the tag file's owner and description.", "",
                             "Press any key to return."})
    out.emplace_back(l);
  return out;
}

std::string mon_key_hints() {
  std::string out;
  for (const auto &b : MonModel::key_table())
    if (!b.hint.empty()) out += (out.empty() ? "" : " ") + std::string(b.hint);
  return out;
}

MonModel::Action MonModel::key(int k) {
  message_.clear();
  switch (mode_) {
    case Mode::IncludePrompt:
    case Mode::ExcludePrompt: return prompt_key(k);
    case Mode::Help:
      mode_ = Mode::Table;
      return Action::Redraw;
    case Mode::Detail: return detail_key(k);
    case Mode::Table: return table_key(k);
  }
  return Action::None;
}

MonModel::Action MonModel::table_key(int k) { return run_binding(key_table(), *this, k); }

MonModel::Action MonModel::detail_key(int k) { return run_binding(detail_key_table(), *this, k); }

MonModel::Action MonModel::move_key(int k) {
  size_t page = std::max<size_t>(page_rows(), 1);
  switch (k) {
    case kKeyUp: if (selected_ > 0) select_key(selected_ - 1); break;
    case kKeyDown: select_key(selected_ + 1); break;
    case kKeyPageUp: select_key(selected_ > page ? selected_ - page : 0); break;
    case kKeyPageDown: select_key(selected_ + page); break;
    case kKeyHome: select_key(0); break;
    case kKeyEnd: select_key(rows_.empty() ? 0 : rows_.size() - 1); break;
    default: return Action::None;
  }
  return Action::Redraw;
}

MonModel::Action MonModel::change_interval(int k) {
  if (k == '-') {
    uint64_t next = kMinIntervalNs;
    for (uint64_t s : kSteps)
      if (s < options_.interval_ns) next = s;
    options_.interval_ns = next;
  } else {
    for (uint64_t s : kSteps)
      if (s > options_.interval_ns) {
        options_.interval_ns = s;
        break;
      }
  }
  message_ = "refresh every " + interval_text(options_.interval_ns);
  return Action::Redraw;
}

MonModel::Action MonModel::prompt_key(int k) {
  if (k == kKeyEscape) {
    mode_ = Mode::Table;
    return Action::Redraw;
  }
  if (k == kKeyEnter || k == '\n' || k == '\r') {
    (mode_ == Mode::IncludePrompt ? options_.include : options_.exclude) = input_;
    mode_ = Mode::Table;
    rebuild();
    return Action::Redraw;
  }
  if (k == kKeyBackspace) {
    if (!input_.empty()) input_.pop_back();
    return Action::Redraw;
  }
  if (k >= 0x20 && k < 0x7f && input_.size() < 64) {
    input_.push_back(static_cast<char>(k));
    return Action::Redraw;
  }
  return Action::None;
}

}  // namespace pooltag::views
