#include "views/mon_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "common/units.h"
#include "common/wildcard.h"
#include "views/used_view.h"

namespace pooltag::views {

using model::Counts;
using model::Pool;

// ---- sort keys -----------------------------------------------------------

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

int64_t MonRow::per_alloc() const {
  int64_t diff = counts.diff(), bytes = counts.bytes();
  return diff > 0 && bytes > 0 ? bytes / diff : 0;
}

// ---- cells ---------------------------------------------------------------

namespace {

uint64_t magnitude(int64_t v) { return v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v); }

std::string signed_text(int64_t v, bool plus) {
  if (v < 0) return "-" + std::to_string(magnitude(v));
  return (plus ? "+" : "") + std::to_string(v);
}

// Counts scaled by 1000 ("12.3k", "450M"): format_bytes_short's sibling for
// things that are not bytes.
std::string count_short(uint64_t n) {
  static constexpr const char *kSuffix[] = {"", "k", "M", "G", "T", "P", "E"};
  double v = static_cast<double>(n);
  int i = 0;
  while (v >= 999.5 && i < 6) {
    v /= 1000;
    ++i;
  }
  if (i == 0) return std::to_string(n);
  return v < 9.95 ? fmt::format("{:.1f}{}", v, kSuffix[i]) : fmt::format("{:.0f}{}", v, kSuffix[i]);
}

std::string fit(int64_t value, size_t width, bool bytes, bool plus) {
  std::string exact = signed_text(value, plus);
  if (exact.size() <= width) return exact;
  std::string sign = value < 0 ? "-" : (plus ? "+" : "");
  std::string scaled = sign + (bytes ? format_bytes_short(magnitude(value)) : count_short(magnitude(value)));
  if (scaled.size() <= width) return scaled;
  return std::string(width, '#');  // never wider than the column
}

}  // namespace

std::string count_cell(int64_t value, size_t width) { return fit(value, width, false, false); }
std::string bytes_cell(int64_t value, size_t width) { return fit(value, width, true, false); }
std::string delta_cell(int64_t delta, size_t width, bool bytes) {
  return delta == 0 ? "" : fit(delta, width, bytes, true);
}

std::string type_cell(Pool pool, size_t width) {
  if (width >= 7) return std::string(model::pool_name(pool));
  static constexpr const char *kShort[] = {"slab", "pcpu", "vmal", "page"};
  return clip(kShort[static_cast<size_t>(pool)], width);
}

// An upper bound keeps its mark (used_view.h) and gives up a column for it.
std::string bounded_cell(std::string (*cell)(int64_t, size_t), int64_t value, size_t width, bool upper_bound) {
  if (!upper_bound || width < 2) return cell(value, width);
  return bounded(cell(value, width - 1), true);
}

std::string cell(const MonRow &row, Column column, size_t width) {
  const Counts &c = row.counts;
  switch (column) {
    case Column::Tag: return clip(row.tag, width);
    case Column::Type: return row.total ? "" : type_cell(row.pool, width);
    case Column::Allocs: return count_cell(static_cast<int64_t>(c.allocs), width);
    case Column::AllocsDelta: return delta_cell(row.d_allocs, width, false);
    case Column::Frees: return count_cell(static_cast<int64_t>(c.frees), width);
    case Column::FreesDelta: return delta_cell(row.d_frees, width, false);
    case Column::Diff: return bounded_cell(count_cell, c.diff(), width, c.upper_bound());
    case Column::Bytes: return bounded_cell(bytes_cell, c.bytes(), width, c.upper_bound());
    case Column::BytesDelta: return delta_cell(row.d_bytes, width, true);
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

// ---- layout --------------------------------------------------------------

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

// ---- help ----------------------------------------------------------------

std::vector<std::string> mon_help_lines() {
  return {
      "pooltag mon keys (docs/mon.md)",
      "",
      "  t a f d b m   sort by Tag, Allocs, Frees, Diff, Bytes, bytes per alloc (again: reverse)",
      "  ( )           sort by value or by the change since the last refresh",
      "  p             pool type: all, slab, percpu, vmalloc, page",
      "  /  \\          include / exclude tags matching a pattern (* ?; plain text matches anywhere)",
      "  Esc           clear both patterns",
      "  c             group by caller, module or cache",
      "  e             totals row on/off",
      "  l             highlight changed rows on/off",
      "  Up Down PgUp PgDn Home End   move",
      "  Enter         the sites of the selected tag",
      "  + -           refresh less or more often (0.2 s to 60 s); space refreshes now",
      "  h ?           this help",
      "  q             quit",
      "",
      "Columns: Allocs, Frees since tagging began; Diff = Allocs - Frees (outstanding);",
      "Bytes outstanding; (chg) = change since the last refresh; PerAlloc = Bytes / Diff;",
      "Owner = module, or the tag file's owner and description.",
      "",
      "Press any key to return.",
  };
}

// ---- the model -----------------------------------------------------------

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

model::SortKey used_sort_key(MonSort s) {
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

int64_t sort_value(const MonRow &r, MonSort s, bool change) {
  switch (s) {
    case MonSort::Tag: return 0;
    case MonSort::Allocs: return change ? r.d_allocs : static_cast<int64_t>(r.counts.allocs);
    case MonSort::Frees: return change ? r.d_frees : static_cast<int64_t>(r.counts.frees);
    case MonSort::Diff: return change ? r.d_diff() : r.counts.diff();
    case MonSort::Bytes: return change ? r.d_bytes : r.counts.bytes();
    case MonSort::PerAlloc: return change ? r.d_per_alloc : r.per_alloc();
  }
  return 0;
}

std::string seconds(uint64_t ns) { return fmt::format("{:g}s", static_cast<double>(ns) / 1e9); }

}  // namespace

void MonModel::rebuild() {
  if (!have_current_) return;
  const model::SiteTagger &tg = tagger();
  model::TableOptions topts{make_filter(options_.include, options_.exclude), options_.pool,
                            used_sort_key(options_.sort), options_.reverse};
  table_ = model::TagTable::build(current_, tg, topts);

  std::map<std::pair<std::string, Pool>, Counts> before;
  if (have_previous_) {
    auto prev = model::TagTable::build(previous_, tg, topts);
    for (const auto &r : prev.rows())
      for (Pool p : model::kAllPools)
        if (!r.pool(p).empty()) before[{r.tag, p}] = r.pool(p);
  }
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
      if (have_previous_) {
        // A tag absent before is all change (zero counts before).
        auto it = before.find({r.tag, p});
        MonRow b;
        if (it != before.end()) b.counts = it->second;
        m.d_allocs = static_cast<int64_t>(c.allocs - b.counts.allocs);
        m.d_frees = static_cast<int64_t>(c.frees - b.counts.frees);
        m.d_bytes = c.bytes() - b.counts.bytes();
        m.d_per_alloc = m.per_alloc() - b.per_alloc();
      }
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
  table_.sort(used_sort_key(options_.sort), options_.pool, options_.reverse);
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
    t.d_allocs += r.d_allocs;
    t.d_frees += r.d_frees;
    t.d_bytes += r.d_bytes;
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

// ---- keys ----------------------------------------------------------------

MonModel::Action MonModel::key(int k) {
  message_.clear();
  switch (mode_) {
    case Mode::IncludePrompt:
    case Mode::ExcludePrompt: return prompt_key(k);
    case Mode::Help:
      mode_ = Mode::Table;
      return Action::Redraw;
    case Mode::Detail:
      switch (k) {
        case kKeyEscape: case kKeyEnter: case kKeyBackspace: case 'q': case '\n': case '\r':
          mode_ = Mode::Table;
          detail_row_.reset();
          return Action::Redraw;
        case kKeyUp: if (detail_top_ > 0) --detail_top_; return Action::Redraw;
        case kKeyDown: ++detail_top_; return Action::Redraw;
        case kKeyPageUp: detail_top_ -= std::min(detail_top_, page_rows()); return Action::Redraw;
        case kKeyPageDown: detail_top_ += page_rows(); return Action::Redraw;
        case kKeyHome: detail_top_ = 0; return Action::Redraw;
        case ' ': return Action::Refresh;
        default: return Action::None;
      }
    case Mode::Table: return table_key(k);
  }
  return Action::None;
}

MonModel::Action MonModel::table_key(int k) {
  static constexpr uint64_t kSteps[] = {200000000ull,  500000000ull,  1000000000ull,  2000000000ull, 3000000000ull,
                                        5000000000ull, 10000000000ull, 30000000000ull, 60000000000ull};
  size_t page = std::max<size_t>(page_rows(), 1);
  switch (k) {
    case 'q': case 'Q': return Action::Quit;
    case 't': set_sort(MonSort::Tag); return Action::Redraw;
    case 'a': set_sort(MonSort::Allocs); return Action::Redraw;
    case 'f': set_sort(MonSort::Frees); return Action::Redraw;
    case 'd': set_sort(MonSort::Diff); return Action::Redraw;
    case 'b': set_sort(MonSort::Bytes); return Action::Redraw;
    case 'm': set_sort(MonSort::PerAlloc); return Action::Redraw;
    case '(': case ')':
      options_.by_change = !options_.by_change;
      sort_rows();
      return Action::Redraw;
    case 'p':
      if (!options_.pool) options_.pool = Pool::Slab;
      else if (*options_.pool == Pool::Page) options_.pool.reset();
      else options_.pool = static_cast<Pool>(static_cast<int>(*options_.pool) + 1);
      rebuild();
      return Action::Redraw;
    case 'e': options_.totals = !options_.totals; keep_selection_visible(); return Action::Redraw;
    case 'l': options_.highlight = !options_.highlight; return Action::Redraw;
    case 'c':
      options_.grouping = options_.grouping == model::Grouping::Caller   ? model::Grouping::Module
                          : options_.grouping == model::Grouping::Module ? model::Grouping::Cache
                                                                          : model::Grouping::Caller;
      rebuild();
      return Action::Redraw;
    case '/': mode_ = Mode::IncludePrompt; input_ = options_.include; return Action::Redraw;
    case '\\': mode_ = Mode::ExcludePrompt; input_ = options_.exclude; return Action::Redraw;
    case kKeyEscape:
      options_.include.clear();
      options_.exclude.clear();
      rebuild();
      return Action::Redraw;
    case kKeyUp: if (selected_ > 0) select_key(selected_ - 1); return Action::Redraw;
    case kKeyDown: select_key(selected_ + 1); return Action::Redraw;
    case kKeyPageUp: select_key(selected_ > page ? selected_ - page : 0); return Action::Redraw;
    case kKeyPageDown: select_key(selected_ + page); return Action::Redraw;
    case kKeyHome: select_key(0); return Action::Redraw;
    case kKeyEnd: select_key(rows_.empty() ? 0 : rows_.size() - 1); return Action::Redraw;
    case kKeyEnter: case '\n': case '\r':
      if (rows_.empty()) return Action::None;
      detail_row_ = rows_[selected_];
      detail_top_ = 0;
      mode_ = Mode::Detail;
      return Action::Redraw;
    case 'h': case '?': mode_ = Mode::Help; return Action::Redraw;
    case '+': case '=': {
      for (uint64_t s : kSteps)
        if (s > options_.interval_ns) { options_.interval_ns = s; break; }
      message_ = "refresh every " + seconds(options_.interval_ns);
      return Action::Redraw;
    }
    case '-': {
      uint64_t next = kMinIntervalNs;
      for (uint64_t s : kSteps)
        if (s < options_.interval_ns) next = s;
      options_.interval_ns = next;
      message_ = "refresh every " + seconds(options_.interval_ns);
      return Action::Redraw;
    }
    case ' ': return Action::Refresh;
    default: return Action::None;
  }
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

// ---- rendering -----------------------------------------------------------

std::vector<ColumnLayout> MonModel::columns(size_t width) const {
  size_t longest = 0;
  for (const auto &r : rows_) longest = std::max(longest, r.tag.size());
  return layout_columns(width, longest);
}

std::string MonModel::row_text(const MonRow &row, const std::vector<ColumnLayout> &cols) const {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ' ';
    std::string text = cell(row, cols[i].column, cols[i].width);
    if (spec(cols[i].column).left)
      out += fmt::format("{:<{}}", text, cols[i].width);
    else
      out += fmt::format("{:>{}}", text, cols[i].width);
  }
  return out;
}

namespace {

std::string titles_text(const std::vector<ColumnLayout> &cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ' ';
    std::string_view t = column_title(cols[i].column, cols[i].width);
    if (spec(cols[i].column).left)
      out += fmt::format("{:<{}}", t, cols[i].width);
    else
      out += fmt::format("{:>{}}", t, cols[i].width);
  }
  return out;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::vector<std::string> MonModel::header_lines(size_t width) const {
  std::vector<std::string> out;
  std::string title = "pooltag mon  ";
  if (have_current_) {
    const auto &s = current_;
    uint64_t age = s.taken_at_ns > s.enabled_since_ns ? s.taken_at_ns - s.enabled_since_ns : 0;
    title += fmt::format("tagging on {}{}  by {}  every {}  pools {}", format_duration_ns(age),
                         options_.banner.empty() ? "" : " " + options_.banner, model::grouping_name(options_.grouping),
                         seconds(options_.interval_ns), s.pools.to_string());
  } else {
    title += "waiting for the first snapshot";
  }
  out.push_back(title);

  std::string mem;
  auto add = [&](const char *name, const std::optional<uint64_t> &v) {
    if (!v) return;
    if (!mem.empty()) mem += "  ";
    mem += fmt::format("{} {}", name, format_bytes_short(*v));
  };
  add("Slab", meminfo_.slab);
  add("SUnreclaim", meminfo_.sunreclaim);
  add("Percpu", meminfo_.percpu);
  add("VmallocUsed", meminfo_.vmalloc_used);
  add("MemAvailable", meminfo_.mem_available);
  out.push_back(mem.empty() ? "/proc/meminfo unavailable" : mem);

  std::string sort = fmt::format("Sort {} by {}, {}", mon_sort_name(options_.sort),
                                 options_.by_change ? "change" : "value",
                                 options_.sort == MonSort::Tag ? (options_.reverse ? "Z-A" : "A-Z")
                                                               : (options_.reverse ? "smallest first" : "largest first"));
  std::string pool = options_.pool ? std::string(model::pool_name(*options_.pool)) : "all";
  if (options_.pool && have_current_ && !current_.pools.has(*options_.pool)) pool += " (not tracked)";
  std::string filter;
  if (!options_.include.empty()) filter += " +" + options_.include;
  if (!options_.exclude.empty()) filter += " -" + options_.exclude;
  out.push_back(fmt::format("{}  Pool {}  Filter{}", sort, pool, filter.empty() ? " none" : filter));
  for (auto &l : out) l = clip(l, width);
  return out;
}

std::string MonModel::footer() const {
  if (mode_ == Mode::IncludePrompt) return "Include tags matching (* ?, Enter applies, Esc cancels): " + input_ + "_";
  if (mode_ == Mode::ExcludePrompt) return "Exclude tags matching (* ?, Enter applies, Esc cancels): " + input_ + "_";
  if (!error_.empty()) return "error: " + error_;
  if (!message_.empty()) return message_;
  if (mode_ == Mode::Detail) return "Esc/Enter back  Up/Down scroll  space refresh";
  return "q:quit h:help t/a/f/d/b/m:sort (:by change p:pool /:filter c:group Enter:sites";
}

std::vector<std::string> MonModel::warnings() const {
  std::vector<std::string> out;
  size_t bounded_rows = 0;
  for (const auto &r : rows_) bounded_rows += r.counts.upper_bound();
  if (bounded_rows) out.push_back(upper_bound_note(bounded_rows, current_.bulk_paths));
  for (const auto &l : loss_lines(current_.losses)) out.push_back("Lost: " + l);
  return out;
}

size_t MonModel::page_rows() const {
  size_t losses = std::min<size_t>(warnings().size(), 2);
  size_t fixed = header_lines(width_).size() + losses + 1 /* titles */ + 1 /* footer */ + (options_.totals ? 1 : 0);
  return height_ > fixed ? height_ - fixed : 0;
}

std::vector<ScreenLine> MonModel::table_lines(size_t width, size_t first, size_t count, bool with_selection) const {
  auto cols = columns(width);
  std::vector<ScreenLine> out;
  out.push_back({titles_text(cols), kStyleColumns});
  for (size_t i = first; i < rows_.size() && i < first + count; ++i) {
    uint8_t style = kStylePlain;
    if (with_selection && i == selected_) style |= kStyleSelected;
    if (options_.highlight && rows_[i].changed()) style |= kStyleChanged;
    out.push_back({row_text(rows_[i], cols), style});
  }
  return out;
}

std::vector<std::string> MonModel::detail_lines() const {
  if (!detail_row_ || !have_current_) return {};
  const model::SiteTagger *tg = nullptr;
  if (auto it = taggers_.find(options_.grouping); it != taggers_.end()) tg = it->second.get();
  if (tg == nullptr) return {};
  return detail_view_(DetailRequest{*detail_row_, current_, *tg, symbols_, width_});
}

std::vector<ScreenLine> MonModel::render() const {
  std::vector<ScreenLine> out;
  const size_t width = width_, height = height_;
  auto pad_to = [&](size_t n) {
    while (out.size() < n) out.push_back({});
  };
  if (mode_ == Mode::Help) {
    for (const auto &l : mon_help_lines()) out.push_back({clip(l, width), kStylePlain});
  } else if (mode_ == Mode::Detail) {
    for (const auto &l : header_lines(width)) out.push_back({l, kStyleTitle});
    const MonRow &r = *detail_row_;
    out.push_back({clip(fmt::format("{} in {}: Diff {}, Bytes {}", r.tag, model::pool_name(r.pool), r.counts.diff(),
                                    r.counts.bytes()),
                        width),
                   kStyleColumns});
    auto lines = detail_lines();
    size_t room = height > out.size() + 1 ? height - out.size() - 1 : 0;
    size_t first = std::min(detail_top_, lines.empty() ? 0 : lines.size() - 1);
    for (size_t i = first; i < lines.size() && i < first + room; ++i) out.push_back({clip(lines[i], width)});
  } else {
    for (const auto &l : header_lines(width)) out.push_back({l, kStyleTitle});
    auto losses = warnings();
    for (size_t i = 0; i < losses.size() && i < 2; ++i) {
      std::string text = i == 1 && losses.size() > 2 ? fmt::format("... and {} more lines: pooltag status lists the "
                                                                    "losses",
                                                                    losses.size() - 1)
                                                      : losses[i];
      out.push_back({clip(text, width), kStyleWarning});
    }
    size_t page = page_rows();
    for (auto &l : table_lines(width, top_, page, true)) out.push_back({clip(l.text, width), l.style});
    if (rows_.empty() && have_current_)
      out.push_back({clip(options_.include.empty() && options_.exclude.empty() && !options_.pool
                              ? "no tagged allocations yet"
                              : "no tag matches the pool and filter (Esc clears the filter, p the pool)",
                          width),
                     kStyleWarning});
    if (options_.totals) {
      pad_to(height - 2);
      out.resize(height - 2);
      out.push_back({clip(row_text(totals(), columns(width)), width), kStyleTotal});
    }
  }
  if (out.size() > height - 1) out.resize(height - 1);
  pad_to(height - 1);
  uint8_t fstyle = !error_.empty() ? kStyleWarning : kStyleFooter;
  out.push_back({clip(mode_ == Mode::Help ? "" : footer(), width), fstyle});
  for (auto &l : out) l.text = rtrim(std::move(l.text));  // the screen pads bars itself
  return out;
}

std::string MonModel::render_report(size_t width) const {
  std::string out;
  auto headers = header_lines(width);
  for (const auto &l : headers) out += rtrim(l) + "\n";
  for (const auto &l : warnings()) out += l + "\n";
  auto cols = columns(width);
  out += rtrim(titles_text(cols)) + "\n";
  for (const auto &r : rows_) out += rtrim(row_text(r, cols)) + "\n";
  out += rtrim(row_text(totals(), cols)) + "\n";
  return out;
}

nlohmann::json MonModel::report_json() const {
  UsedViewOptions vopts;
  vopts.pools = options_.pool ? model::PoolSet{1u << static_cast<int>(*options_.pool)} : current_.pools;
  vopts.sort = used_sort_key(options_.sort);
  vopts.sort_pool = options_.pool;
  vopts.grouping = std::string(model::grouping_name(options_.grouping));
  nlohmann::json doc = used_json(table_, current_, vopts);
  nlohmann::json mem = nlohmann::json::object();
  auto add = [&](const char *name, const std::optional<uint64_t> &v) {
    if (v) mem[name] = *v;
  };
  add("slab", meminfo_.slab);
  add("sunreclaim", meminfo_.sunreclaim);
  add("percpu", meminfo_.percpu);
  add("vmalloc_used", meminfo_.vmalloc_used);
  add("mem_available", meminfo_.mem_available);
  nlohmann::json changes = nlohmann::json::array();
  for (const auto &r : rows_)
    if (r.changed())
      changes.push_back({{"tag", r.tag},
                         {"pool", model::pool_name(r.pool)},
                         {"allocs", r.d_allocs},
                         {"frees", r.d_frees},
                         {"diff", r.d_diff()},
                         {"bytes", r.d_bytes}});
  doc["meminfo_bytes"] = mem;
  doc["changes"] = changes;
  doc["refresh"] = refreshes_;
  doc["interval_s"] = static_cast<double>(options_.interval_ns) / 1e9;
  return doc;
}

// ---- Enter: the sites of a tag -------------------------------------------

std::vector<std::string> site_detail(const DetailRequest &req) {
  struct Line {
    std::string site;
    const model::SiteSample *sample;
  };
  std::vector<Line> sites;
  for (const auto &s : req.snapshot.sites) {
    if (s.site.pool != req.row.pool || s.counts.empty()) continue;
    if (req.tagger.tag_of(s.site).tag != req.row.tag) continue;
    sites.push_back({s.site.code_address ? req.symbols.describe(s.site.code_address) : "<unknown>", &s});
  }
  std::stable_sort(sites.begin(), sites.end(), [](const Line &a, const Line &b) {
    if (a.sample->counts.bytes() != b.sample->counts.bytes())
      return a.sample->counts.bytes() > b.sample->counts.bytes();
    return a.site < b.site;
  });
  size_t site_w = 24;
  for (const auto &l : sites) site_w = std::max(site_w, l.site.size());
  site_w = std::min<size_t>(site_w, req.width > 80 ? req.width - 56 : 24);
  std::vector<std::string> out;
  out.push_back(fmt::format("{} site{} of {} ({}), tags by {}", sites.size(), sites.size() == 1 ? "" : "s",
                            req.row.tag, model::pool_name(req.row.pool), model::grouping_name(req.tagger.grouping())));
  out.push_back(fmt::format("{:<{}} {:<7} {:<14} {:>8} {:>8} {:>8} {:>10}", "Site", site_w, "Pool", "Cache", "Allocs",
                            "Frees", "Diff", "Bytes"));
  for (const auto &l : sites) {
    const Counts &c = l.sample->counts;
    out.push_back(fmt::format("{:<{}} {:<7} {:<14} {:>8} {:>8} {:>8} {:>10}", clip(l.site, site_w), site_w,
                              model::pool_name(l.sample->site.pool), clip(l.sample->site.cache, 14),
                              count_cell(static_cast<int64_t>(c.allocs), 8), count_cell(static_cast<int64_t>(c.frees), 8),
                              count_cell(c.diff(), 8), bytes_cell(c.bytes(), 10)));
  }
  return out;
}

}  // namespace pooltag::views
