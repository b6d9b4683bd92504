#include "record/store.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <functional>
#include <optional>
#include <unordered_map>

#include "common/text.h"

namespace pooltag::record {

namespace {

// 'pool' in ASCII: marks the file as pooltag's (PRAGMA application_id).
constexpr int kApplicationId = 0x706f6f6c;

constexpr const char *kSchema = R"(
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  enabled_since_ns INTEGER NOT NULL,
  grouping TEXT NOT NULL,
  tag_file TEXT NOT NULL,
  pin_dir TEXT NOT NULL,
  UNIQUE(enabled_since_ns, grouping, tag_file, pin_dir));
CREATE TABLE samples(
  id INTEGER PRIMARY KEY,
  session INTEGER REFERENCES sessions(id),
  time_ns INTEGER NOT NULL,
  resolution_s INTEGER NOT NULL DEFAULT 0,
  slab INTEGER NOT NULL, sunreclaim INTEGER NOT NULL, percpu INTEGER NOT NULL, vmalloc_used INTEGER NOT NULL);
CREATE INDEX samples_by_time ON samples(time_ns);
CREATE TABLE series(
  id INTEGER PRIMARY KEY,
  tag TEXT NOT NULL,
  pool INTEGER NOT NULL,
  owner TEXT NOT NULL,
  description TEXT NOT NULL,
  UNIQUE(tag, pool));
CREATE TABLE counts(
  sample INTEGER NOT NULL,
  series INTEGER NOT NULL,
  allocs INTEGER NOT NULL,
  frees INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  implicit_frees INTEGER NOT NULL,
  PRIMARY KEY(sample, series)) WITHOUT ROWID;
CREATE TABLE stacks(
  session INTEGER NOT NULL,
  stack_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  frames TEXT NOT NULL,
  allocs INTEGER NOT NULL,
  frees INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY(session, stack_id));
)";

}  // namespace

// A prepared statement, reset after each use. One that did not prepare (a
// table or column the file lacks) fails each step; the database's error
// says why.
class Store::Statement {
 public:
  Statement(sqlite3 *db, const char *sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return stmt_ != nullptr; }
  Statement &bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement &bind(int i, const std::string &v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement &bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) const {
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }
  void reset() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3 *db_;
  sqlite3_stmt *stmt_ = nullptr;
};

namespace {

// Resets a statement however the function using it returns.
struct Resetting {
  explicit Resetting(auto &s) : reset([&s] { s.reset(); }) {}
  ~Resetting() { reset(); }
  std::function<void()> reset;
};

}  // namespace

std::vector<ThinTier> default_thinning() {
  constexpr uint64_t s = 1000000000ull;
  return {{86400 * s, 60 * s}, {7 * 86400 * s, 600 * s}};
}

Store::Store(sqlite3 *db, std::string path) : db_(db), path_(std::move(path)) {}

Store::~Store() {
  statements_.clear();
  sqlite3_close_v2(db_);
}

Error Store::error(const std::string &what) const {
  int code = sqlite3_errcode(db_);
  // SQLite's message may quote the file's own schema: one line, no escapes
  std::string message = printable(sqlite3_errmsg(db_));
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    return Error{fmt::format("{}: not a pooltag recording, or a damaged one ({})", path_, message)};
  return Error{fmt::format("{}: {}: {}", path_, what, message)};
}

Store::Statement &Store::prepared(const char *sql) const {
  auto &slot = statements_[sql];
  if (!slot) slot = std::make_unique<Statement>(db_, sql);
  return *slot;
}

Status Store::exec(const std::string &sql) const {
  char *message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    sqlite3_free(message);
    return error("cannot run '" + sql.substr(0, sql.find_first_of("(\n")) + "'");
  }
  return Ok{};
}

// A pooltag recording of a version this pooltag reads.
Status Store::check_format() const {
  auto &version = prepared("PRAGMA user_version");
  Resetting r1(version);
  if (version.step() != SQLITE_ROW) return error("cannot read the format version");
  int64_t v = version.integer(0);
  auto &app = prepared("PRAGMA application_id");
  Resetting r2(app);
  if (app.step() != SQLITE_ROW) return error("cannot read the application id");
  if (app.integer(0) != kApplicationId) return Error{fmt::format("{}: not a pooltag recording", path_)};
  if (v > kFormatVersion)
    return Error{fmt::format("{}: recording format {} is newer than this pooltag's ({}): read it with a newer "
                             "pooltag",
                             path_, v, kFormatVersion)};
  if (v < 1) return Error{fmt::format("{}: not a pooltag recording (format version {})", path_, v)};
  return Ok{};
}

Result<std::unique_ptr<Store>> Store::open_for_append(const std::string &path) {
  sqlite3 *db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<Store> store(new Store(db, path));
  if (rc != SQLITE_OK) return store->error("cannot open the recording");
  sqlite3_busy_timeout(db, 5000);
  auto &tables = store->prepared("SELECT count(*) FROM sqlite_schema");
  int64_t existing = 0;
  {
    Resetting r(tables);
    if (tables.step() != SQLITE_ROW) return store->error("cannot read the recording");
    existing = tables.integer(0);
  }
  if (existing == 0) {
    // A new file (or an empty one): the layout, then the marks that make it ours.
    if (auto st = store->exec("PRAGMA journal_mode=WAL"); !st) return st.error();
    if (auto st = store->exec(std::string("BEGIN;") + kSchema +
                              fmt::format("PRAGMA application_id={}; PRAGMA user_version={}; COMMIT;",
                                          kApplicationId, kFormatVersion));
        !st)
      return st.error();
  } else if (auto st = store->check_format(); !st) {
    return st.error();
  }
  // WAL: readers go on while this writes, and a kill loses no committed
  // interval. NORMAL: a commit is not synced to disk (only checkpoints are),
  // so an interval costs no fsync; a power loss may take the last few.
  if (auto st = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=4194304");
      !st)
    return st.error();
  return store;
}

Result<std::unique_ptr<Store>> Store::open_read(const std::string &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return error_from_errno("cannot open recording " + path);
  if (!S_ISREG(st.st_mode)) return Error{fmt::format("{}: not a pooltag recording (not a regular file)", path)};
  sqlite3 *db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<Store> store(new Store(db, path));
  if (rc != SQLITE_OK) return store->error("cannot open the recording");
  sqlite3_busy_timeout(db, 5000);
  if (auto s = store->check_format(); !s) return s.error();
  return store;
}

Result<int64_t> Store::session_id(const SessionKey &key) {
  if (auto it = session_ids_.find(key); it != session_ids_.end()) return it->second;
  auto &find = prepared(
      "SELECT id FROM sessions WHERE enabled_since_ns=?1 AND grouping=?2 AND tag_file=?3 AND pin_dir=?4");
  auto bind_key = [&](Statement &s) {
    s.bind(1, static_cast<int64_t>(key.enabled_since_ns)).bind(2, key.grouping).bind(3, key.tag_file).bind(4, key.pin_dir);
  };
  {
    Resetting r(find);
    bind_key(find);
    int rc = find.step();
    if (rc == SQLITE_ROW) return session_ids_[key] = find.integer(0);
    if (rc != SQLITE_DONE) return error("cannot read the sessions");
  }
  auto &insert = prepared("INSERT INTO sessions(enabled_since_ns, grouping, tag_file, pin_dir) VALUES(?1,?2,?3,?4)");
  Resetting r(insert);
  bind_key(insert);
  if (insert.step() != SQLITE_DONE) return error("cannot add a session");
  return session_ids_[key] = sqlite3_last_insert_rowid(db_);
}

Result<int64_t> Store::series_id(const TagValue &value) {
  auto key = std::make_pair(value.tag, value.pool);
  if (auto it = series_ids_.find(key); it != series_ids_.end()) return it->second;
  auto &find = prepared("SELECT id, owner, description FROM series WHERE tag=?1 AND pool=?2");
  int64_t id = -1;
  {
    Resetting r(find);
    find.bind(1, value.tag).bind(2, static_cast<int64_t>(value.pool));
    int rc = find.step();
    if (rc == SQLITE_ROW) {
      id = find.integer(0);
      if (find.text(1) != value.owner || find.text(2) != value.description) {
        // the tag file changed between sessions: the newest names win
        auto &update = prepared("UPDATE series SET owner=?2, description=?3 WHERE id=?1");
        Resetting u(update);
        if (update.bind(1, id).bind(2, value.owner).bind(3, value.description).step() != SQLITE_DONE)
          return error("cannot update a tag");
      }
    } else if (rc != SQLITE_DONE) {
      return error("cannot read the tags");
    }
  }
  if (id < 0) {
    auto &insert = prepared("INSERT INTO series(tag, pool, owner, description) VALUES(?1,?2,?3,?4)");
    Resetting r(insert);
    insert.bind(1, value.tag).bind(2, static_cast<int64_t>(value.pool)).bind(3, value.owner).bind(4, value.description);
    if (insert.step() != SQLITE_DONE) return error("cannot add a tag");
    id = sqlite3_last_insert_rowid(db_);
  }
  return series_ids_[key] = id;
}

Status Store::begin() {
  if (auto st = exec("BEGIN"); !st) return st;
  in_batch_ = true;
  return Ok{};
}

Status Store::commit() {
  in_batch_ = false;
  return exec("COMMIT");
}

Status Store::append(const Sample &sample) {
  if (auto st = exec("SAVEPOINT interval"); !st) return st;
  auto written = [&]() -> Status {
    int64_t session = -1;
    if (sample.session) {
      auto id = session_id(*sample.session);
      if (!id) return id.error();
      session = *id;
    }
    if (session != last_session_) {
      last_written_.clear();
      last_session_ = session;
    }
    auto &insert = prepared(
        "INSERT INTO samples(session, time_ns, slab, sunreclaim, percpu, vmalloc_used) VALUES(?1,?2,?3,?4,?5,?6)");
    {
      Resetting r(insert);
      if (session >= 0)
        insert.bind(1, session);
      else
        insert.bind_null(1);
      const Meminfo &m = sample.meminfo;
      insert.bind(2, static_cast<int64_t>(sample.time_ns)).bind(3, static_cast<int64_t>(m.slab));
      insert.bind(4, static_cast<int64_t>(m.sunreclaim)).bind(5, static_cast<int64_t>(m.percpu));
      insert.bind(6, static_cast<int64_t>(m.vmalloc_used));
      if (insert.step() != SQLITE_DONE) return error("cannot add an interval");
    }
    int64_t sample_id = sqlite3_last_insert_rowid(db_);
    auto &row = prepared(
        "INSERT INTO counts(sample, series, allocs, frees, bytes, implicit_frees) VALUES(?1,?2,?3,?4,?5,?6)");
    for (const auto &v : sample.tags) {
      auto series = series_id(v);
      if (!series) return series.error();
      auto last = last_written_.find(*series);
      if (last != last_written_.end() && last->second == v.counts) continue;
      Resetting r(row);
      row.bind(1, sample_id).bind(2, *series).bind(3, static_cast<int64_t>(v.counts.allocs));
      row.bind(4, static_cast<int64_t>(v.counts.frees)).bind(5, v.counts.bytes);
      row.bind(6, static_cast<int64_t>(v.counts.implicit_frees));
      if (row.step() != SQLITE_DONE) return error("cannot add a tag's counts");
      last_written_[*series] = v.counts;
    }
    auto &stack = prepared(
        "INSERT INTO stacks(session, stack_id, tag, frames, allocs, frees, bytes) VALUES(?1,?2,?3,?4,?5,?6,?7) "
        "ON CONFLICT(session, stack_id) DO UPDATE SET tag=excluded.tag, frames=excluded.frames, "
        "allocs=excluded.allocs, frees=excluded.frees, bytes=excluded.bytes");
    for (const auto &s : sample.stacks) {
      if (session < 0) break;
      Resetting r(stack);
      stack.bind(1, session).bind(2, s.stack_id).bind(3, s.tag).bind(4, s.frames);
      stack.bind(5, static_cast<int64_t>(s.allocs)).bind(6, static_cast<int64_t>(s.frees)).bind(7, s.bytes);
      if (stack.step() != SQLITE_DONE) return error("cannot add a stack");
    }
    return Ok{};
  }();
  if (!written) {
    // nothing of this interval stays; the next one writes every row again
    (void)exec("ROLLBACK TO interval; RELEASE interval");
    last_written_.clear();
    return written;
  }
  return exec("RELEASE interval");
}

Result<uint64_t> Store::sample_count() const {
  auto &count = prepared("SELECT count(*) FROM samples");
  Resetting r(count);
  if (count.step() != SQLITE_ROW) return error("cannot count the intervals");
  return static_cast<uint64_t>(count.integer(0));
}

Result<Recording> Store::load(size_t max_instants) const {
  Recording rec;
  std::unordered_map<int64_t, int> session_index;
  auto &sessions = prepared("SELECT id, enabled_since_ns, grouping, tag_file, pin_dir FROM sessions ORDER BY id");
  {
    Resetting r(sessions);
    int rc;
    while ((rc = sessions.step()) == SQLITE_ROW) {
      session_index[sessions.integer(0)] = static_cast<int>(rec.sessions.size());
      rec.sessions.push_back(SessionKey{static_cast<uint64_t>(sessions.integer(1)), sessions.text(2), sessions.text(3),
                                        sessions.text(4)});
    }
    if (rc != SQLITE_DONE) return error("cannot read the sessions");
  }

  struct Row {
    int64_t id;
    Recording::Instant instant;
  };
  std::vector<Row> samples;
  auto &read = prepared(
      "SELECT id, session, time_ns, slab, sunreclaim, percpu, vmalloc_used FROM samples ORDER BY id");
  {
    Resetting r(read);
    int rc;
    while ((rc = read.step()) == SQLITE_ROW) {
      Recording::Instant in;
      if (!read.null(1)) {
        // nothing enforces the reference: a damaged or edited file may name none
        auto session = session_index.find(read.integer(1));
        if (session == session_index.end())
          return Error{fmt::format("{}: a damaged recording: interval {} is of session {}, which it does not have",
                                   path_, read.integer(0), read.integer(1))};
        in.session = session->second;
      }
      in.time_ns = static_cast<uint64_t>(read.integer(2));
      in.meminfo = Meminfo{static_cast<uint64_t>(read.integer(3)), static_cast<uint64_t>(read.integer(4)),
                           static_cast<uint64_t>(read.integer(5)), static_cast<uint64_t>(read.integer(6))};
      samples.push_back(Row{read.integer(0), in});
    }
    if (rc != SQLITE_DONE) return error("cannot read the intervals");
  }
  rec.samples_recorded = samples.size();
  if (samples.empty()) return rec;

  // Which intervals become instants: the last of each of max_instants
  // equal spans of time, and the first and last of every session.
  const size_t n = samples.size();
  const uint64_t t0 = samples.front().instant.time_ns, t1 = samples.back().instant.time_ns;
  const uint64_t width = max_instants == 0 || n <= max_instants ? 0 : std::max<uint64_t>(1, (t1 - t0) / max_instants);
  auto bucket = [&](size_t i) { return width ? (samples[i].instant.time_ns - t0) / width : i; };
  std::vector<bool> keep(n);
  for (size_t i = 0; i < n; ++i) {
    int s = samples[i].instant.session;
    keep[i] = i == 0 || i + 1 == n || s != samples[i - 1].instant.session || s != samples[i + 1].instant.session ||
              bucket(i) != bucket(i + 1);
  }

  std::unordered_map<int64_t, size_t> series_index;
  auto &series = prepared("SELECT id, tag, pool, owner, description FROM series ORDER BY id");
  {
    Resetting r(series);
    int rc;
    while ((rc = series.step()) == SQLITE_ROW) {
      int64_t pool = series.integer(2);
      if (pool < 0 || pool >= static_cast<int64_t>(model::kPoolCount)) continue;
      series_index[series.integer(0)] = rec.series.size();
      rec.series.push_back(Recording::Series{series.text(1), static_cast<model::Pool>(pool), series.text(3),
                                             series.text(4), {}});
    }
    if (rc != SQLITE_DONE) return error("cannot read the tags");
  }

  // Rows come in interval order; each tag's counts carry forward until it
  // changes, within one session.
  std::vector<std::optional<TagCounts>> current(rec.series.size());
  auto &counts = prepared(
      "SELECT sample, series, allocs, frees, bytes, implicit_frees FROM counts ORDER BY sample, series");
  Resetting rc_reset(counts);
  int rc = counts.step();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && samples[i].instant.session != samples[i - 1].instant.session)
      std::fill(current.begin(), current.end(), std::nullopt);
    while (rc == SQLITE_ROW && counts.integer(0) <= samples[i].id) {
      if (counts.integer(0) == samples[i].id) {
        auto it = series_index.find(counts.integer(1));
        if (it != series_index.end())
          current[it->second] = TagCounts{static_cast<uint64_t>(counts.integer(2)),
                                          static_cast<uint64_t>(counts.integer(3)), counts.integer(4),
                                          static_cast<uint64_t>(counts.integer(5))};
      }
      rc = counts.step();
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error("cannot read the counts");
    if (!keep[i]) continue;
    auto instant = static_cast<uint32_t>(rec.instants.size());
    rec.instants.push_back(samples[i].instant);
    if (samples[i].instant.session < 0) continue;
    for (size_t s = 0; s < current.size(); ++s)
      if (current[s]) rec.series[s].points.push_back(Recording::Point{instant, *current[s]});
  }

  auto &stacks = prepared("SELECT session, stack_id, tag, frames, allocs, frees, bytes FROM stacks");
  Resetting rs(stacks);
  while ((rc = stacks.step()) == SQLITE_ROW) {
    auto it = session_index.find(stacks.integer(0));
    if (it == session_index.end()) continue;
    rec.stacks.push_back(Recording::Stack{
        it->second, StackValue{static_cast<int32_t>(stacks.integer(1)), stacks.text(2), stacks.text(3),
                               static_cast<uint64_t>(stacks.integer(4)), static_cast<uint64_t>(stacks.integer(5)),
                               stacks.integer(6)}});
  }
  if (rc != SQLITE_DONE) return error("cannot read the stacks");
  return rec;
}

Result<ThinResult> Store::thin(uint64_t now_ns, const std::vector<ThinTier> &tiers) {
  ThinResult result;
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st.error();
  auto thinned = [&]() -> Status {
    auto &old = prepared(
        "SELECT id, IFNULL(session, -1), time_ns, resolution_s FROM samples WHERE time_ns < ?1 AND resolution_s <= ?2 "
        "ORDER BY id");
    // An interval merged away gives its rows to the one kept, unless that
    // one has its own (a later count of the same tag).
    auto &merge = prepared(
        "INSERT OR IGNORE INTO counts(sample, series, allocs, frees, bytes, implicit_frees) "
        "SELECT ?1, series, allocs, frees, bytes, implicit_frees FROM counts WHERE sample=?2");
    auto &drop_rows = prepared("DELETE FROM counts WHERE sample=?1");
    auto &drop = prepared("DELETE FROM samples WHERE id=?1");
    auto &mark = prepared("UPDATE samples SET resolution_s=?2 WHERE id=?1");
    for (const auto &tier : tiers) {
      if (now_ns <= tier.age_ns) continue;
      const int64_t every_s = static_cast<int64_t>(tier.every_ns / 1000000000ull);
      struct Old {
        int64_t id, session;
        uint64_t bucket;
        int64_t resolution_s;
      };
      std::vector<Old> rows;
      {
        Resetting r(old);
        old.bind(1, static_cast<int64_t>(now_ns - tier.age_ns)).bind(2, every_s);
        int rc;
        while ((rc = old.step()) == SQLITE_ROW)
          rows.push_back(Old{old.integer(0), old.integer(1), static_cast<uint64_t>(old.integer(2)) / tier.every_ns,
                             old.integer(3)});
        if (rc != SQLITE_DONE) return error("cannot read the intervals to thin");
      }
      for (size_t end = rows.size(); end > 0;) {
        // [begin, end): one session's intervals in one bucket; the last is kept
        size_t begin = end - 1;
        while (begin > 0 && rows[begin - 1].session == rows[end - 1].session &&
               rows[begin - 1].bucket == rows[end - 1].bucket)
          --begin;
        const int64_t keeper = rows[end - 1].id;
        if (begin + 1 == end && rows[begin].resolution_s == every_s) {  // thinned before: nothing to do
          end = begin;
          continue;
        }
        for (size_t i = end - 1; i-- > begin;) {
          for (auto *s : {&merge, &drop_rows, &drop}) {
            Resetting r(*s);
            if (s == &merge) s->bind(1, keeper).bind(2, rows[i].id);
            else s->bind(1, rows[i].id);
            if (s->step() != SQLITE_DONE) return error("cannot thin the intervals");
          }
          ++result.removed;
        }
        Resetting r(mark);
        if (mark.bind(1, keeper).bind(2, every_s).step() != SQLITE_DONE) return error("cannot thin the intervals");
        ++result.kept;
        end = begin;
      }
    }
    return Ok{};
  }();
  if (!thinned) {
    (void)exec("ROLLBACK");
    return thinned.error();
  }
  if (auto st = exec("COMMIT"); !st) return st.error();
  // The freed pages go back to the file system; a reader in a transaction
  // makes VACUUM busy, and the next thinning tries again.
  if (result.removed > 0 && exec("VACUUM"))
    (void)exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return result;
}

Result<Recording> read_recording(const std::string &path, size_t max_instants) {
  auto store = Store::open_read(path);
  if (!store) return store.error();
  auto recording = (*store)->load(max_instants);
  if (!recording) return recording.error();
  if (recording->samples_recorded == 0)
    return Error{fmt::format("{}: the recording is empty: pooltag record has not finished an interval", path)};
  return recording;
}

}  // namespace pooltag::record
