// The recording on disk (record/store.h): what is appended is read back,
// unchanged tags carried forward, sessions kept apart, intervals thinned
// without changing what they say, and files that are not ours refused.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "../record/synthetic.h"
#include "analysis/leaks.h"
#include "record/store.h"

using namespace pooltag;

namespace {

constexpr uint64_t kSecond = 1000000000ull;

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("pooltag-store-test-" + std::to_string(getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string &name) const { return (path / name).string(); }
};

record::Sample sample(uint64_t t, uint64_t session, std::vector<std::pair<std::string, uint64_t>> tags) {
  record::Sample s;
  s.time_ns = t * kSecond;
  s.session = record::SessionKey{session, "caller", "", "/pins"};
  s.meminfo = record::Meminfo{t, 2 * t, 3, 4};
  for (auto &[tag, allocs] : tags)
    s.tags.push_back(record::TagValue{tag, model::Pool::Slab, "vmlinux", "desc", {allocs, 1, int64_t(allocs) * 64, 0}});
  return s;
}

uint64_t rows(const std::string &path) {
  sqlite3 *db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt *st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM counts", -1, &st, nullptr);
  sqlite3_step(st);
  uint64_t n = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

uint64_t file_size(const std::string &path) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  uint64_t wal = std::filesystem::file_size(path + "-wal", ec);
  return size + (ec ? 0 : wal);
}

}  // namespace

TEST(Store, AppendsAndReadsBackCarryingUnchangedTagsForward) {
  TempDir dir;
  auto path = dir.file("r.db");
  {
    auto store = record::Store::open_for_append(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->append(sample(10, 1, {{"a", 5}, {"b", 7}})));
    ASSERT_TRUE((*store)->append(sample(20, 1, {{"a", 6}, {"b", 7}})));  // b unchanged: no row
    ASSERT_TRUE((*store)->append(sample(30, 1, {{"a", 6}, {"b", 9}})));
  }
  EXPECT_EQ(rows(path), 4u);  // a 5, b 7, a 6, b 9
  {
    // a restarted recorder appends; its first interval writes every row
    auto store = record::Store::open_for_append(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->append(sample(40, 1, {{"a", 6}, {"b", 9}})));
  }
  EXPECT_EQ(rows(path), 6u);
  auto store = record::Store::open_read(path);
  ASSERT_TRUE(store) << store.error().message;
  auto rec = (*store)->load();
  ASSERT_TRUE(rec) << rec.error().message;
  ASSERT_EQ(rec->instants.size(), 4u);
  EXPECT_EQ(rec->instants[1].meminfo.sunreclaim, 40u);
  ASSERT_EQ(rec->sessions.size(), 1u);
  ASSERT_EQ(rec->series.size(), 2u);
  const auto &b = rec->series[1];
  EXPECT_EQ(b.tag, "b");
  EXPECT_EQ(b.description, "desc");
  ASSERT_EQ(b.points.size(), 4u);
  EXPECT_EQ(b.points[1].counts.allocs, 7u);  // carried forward
  EXPECT_EQ(b.points[2].counts.allocs, 9u);
  EXPECT_EQ(b.points[3].counts.bytes, 9 * 64);
}

TEST(Store, SessionsAreKeptApart) {
  TempDir dir;
  auto path = dir.file("r.db");
  auto store = record::Store::open_for_append(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->append(sample(10, 1, {{"a", 5}, {"gone", 3}})));
  record::Sample off;  // tagging disabled: meminfo only
  off.time_ns = 15 * kSecond;
  ASSERT_TRUE((*store)->append(off));
  ASSERT_TRUE((*store)->append(sample(20, 2, {{"a", 1}})));
  auto rec = (*store)->load();
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->sessions.size(), 2u);
  ASSERT_EQ(rec->instants.size(), 3u);
  EXPECT_EQ(rec->instants[1].session, -1);
  // "gone" is not carried into the second session
  for (const auto &s : rec->series)
    if (s.tag == "gone") {
      EXPECT_EQ(s.points.size(), 1u);
    }
}

TEST(Store, RefusesFilesThatAreNotRecordingsOfItsVersion) {
  TempDir dir;
  auto missing = record::Store::open_read(dir.file("missing.db"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));

  auto newer = dir.file("newer.db");
  ASSERT_TRUE(record::Store::open_for_append(newer));
  sqlite3 *db = nullptr;
  sqlite3_open(newer.c_str(), &db);
  sqlite3_exec(db, "PRAGMA user_version=2", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto refused = record::Store::open_read(newer);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("format 2 is newer"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(record::Store::open_for_append(newer)) << "nor appended to";

  auto other = dir.file("other.db");
  sqlite3_open(other.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto theirs = record::Store::open_for_append(other);
  ASSERT_FALSE(theirs);
  EXPECT_NE(theirs.error().message.find("not a pooltag recording"), std::string::npos) << theirs.error().message;
}

// What the recording fuzz target found (tests/fuzz/recording_corpus/regression-*):
// a damaged or edited recording is one error line, never a crash.
TEST(Store, AHostileRecordingIsOneErrorLine) {
  TempDir dir;
  auto edited = [&](const std::string &name, const char *sql) {
    auto path = dir.file(name);
    {
      auto store = record::Store::open_for_append(path);
      EXPECT_TRUE(store);
      for (uint64_t t = 1; t <= 3; ++t) EXPECT_TRUE((*store)->append(sample(t, 1, {{"a", t}})));
    }
    sqlite3 *db = nullptr;
    sqlite3_open(path.c_str(), &db);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
    return record::read_recording(path);
  };
  auto one_line = [](const Error &e) {
    EXPECT_EQ(e.exit_code, kExitError);
    for (char c : e.message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << e.message;
  };
  // an interval of a session the file does not have (it threw out_of_range)
  auto dangling = edited("dangling.db", "UPDATE samples SET session = 99 WHERE id = 2");
  ASSERT_FALSE(dangling);
  one_line(dangling.error());
  EXPECT_NE(dangling.error().message.find("interval 2 is of session 99"), std::string::npos) << dangling.error().message;
  // a table gone (a statement that did not prepare was stepped and reset)
  auto no_stacks = edited("no_stacks.db", "DROP TABLE stacks");
  ASSERT_FALSE(no_stacks);
  one_line(no_stacks.error());
  EXPECT_NE(no_stacks.error().message.find("no such table: stacks"), std::string::npos) << no_stacks.error().message;
  // SQLite's message quotes the file's schema, control characters and all
  auto schema = edited("schema.db", "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql = 'CREATE TABLE "
                                    "sessions(' || char(27) || '[31m' WHERE name = 'sessions'");
  ASSERT_FALSE(schema);
  one_line(schema.error());
  EXPECT_NE(schema.error().message.find("malformed database schema"), std::string::npos) << schema.error().message;
}

TEST(Store, ThinningKeepsTheLatestCountsOfEveryTag) {
  TempDir dir;
  auto path = dir.file("r.db");
  auto store = record::Store::open_for_append(path);
  ASSERT_TRUE(store);
  // a minute of 10 s intervals; "b" changes only in the third
  for (uint64_t i = 0; i < 6; ++i)
    ASSERT_TRUE((*store)->append(sample(600 + i * 10, 1, {{"a", 100 + i}, {"b", i >= 2 ? 50u : 40u}})));
  auto thinned = (*store)->thin(600 * kSecond + 86400 * kSecond * 2, {{86400 * kSecond, 60 * kSecond}});
  ASSERT_TRUE(thinned) << thinned.error().message;
  EXPECT_EQ(thinned->removed, 5u);
  EXPECT_EQ(thinned->kept, 1u);
  auto rec = (*store)->load();
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->instants.size(), 1u);
  EXPECT_EQ(rec->instants[0].time_ns, 650 * kSecond);
  for (const auto &s : rec->series) {
    ASSERT_EQ(s.points.size(), 1u) << s.tag;
    EXPECT_EQ(s.points[0].counts.allocs, s.tag == "a" ? 105u : 50u) << s.tag;
  }
}

// docs/leaks.md#size: 30 days at 10 s of 20 tags, every one changing every
// interval, thinned as `pooltag record` thins (10 s for a day, 1 min for a
// week, 10 min beyond), is at most this big; the same tag is the top
// suspect before and after.
constexpr uint64_t kThirtyDaysThinnedBytes = 12ull << 20;

TEST(Store, ThirtyDaysThinToTheDocumentedSize) {
  TempDir dir;
  auto path = dir.file("month.db");
  pooltag::testing::SyntheticRecording what;
  what.intervals = 30 * 8640;
  what.start_ns = 1700000000 * kSecond;
  what.sessions = 2;
  const uint64_t end_ns = what.start_ns + what.intervals * what.interval_ns;
  auto started = std::chrono::steady_clock::now();
  {
    auto store = record::Store::open_for_append(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(pooltag::testing::write_synthetic(**store, what));
  }
  auto wrote = std::chrono::steady_clock::now();
  const uint64_t before_bytes = file_size(path);
  auto top = [&](const std::string &when) {
    auto store = record::Store::open_read(path);
    EXPECT_TRUE(store);
    auto rec = (*store)->load();
    EXPECT_TRUE(rec);
    auto report = analysis::find_leaks(*rec);
    EXPECT_FALSE(report.suspects.empty()) << when;
    if (report.suspects.empty()) return std::string();
    EXPECT_NEAR(report.suspects[0].bytes_per_hour, pooltag::testing::kSyntheticLeakBytesPerHour,
                pooltag::testing::kSyntheticLeakBytesPerHour * 0.05)
        << when;
    EXPECT_NE(std::find_if(report.bounded.begin(), report.bounded.end(),
                           [](const auto &t) { return t.tag == "bounded_growth"; }),
              report.bounded.end())
        << when;
    return report.suspects[0].tag;
  };
  EXPECT_EQ(top("before thinning"), pooltag::testing::kSyntheticTopSuspect);
  {
    auto store = record::Store::open_for_append(path);
    ASSERT_TRUE(store);
    auto thinned = (*store)->thin(end_ns);
    ASSERT_TRUE(thinned) << thinned.error().message;
  }
  const uint64_t after_bytes = file_size(path);
  EXPECT_LE(after_bytes, kThirtyDaysThinnedBytes);
  EXPECT_EQ(top("after thinning"), pooltag::testing::kSyntheticTopSuspect);
  std::printf("30 days of 20 tags at 10 s: %.1f MB written in %.1f s, %.1f MB after thinning (%.2f MB/day "
              "at 10 s)\n",
              before_bytes / 1048576.0, std::chrono::duration<double>(wrote - started).count(),
              after_bytes / 1048576.0, before_bytes / 1048576.0 / 30);
}
