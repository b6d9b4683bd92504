// The recording on disk: an SQLite database (docs/leaks.md#the-database).
// WAL journal: each interval is one transaction, so a recorder killed at
// any point leaves every interval it finished and nothing half-written, and
// readers (leaks, report) read while it writes. A row is written only when
// a tag's counts changed since the session's previous interval; readers
// carry the last one forward. Old intervals are thinned (thin()).
//
// Errors are values, one line each, naming the file; reading never creates
// or changes the file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "record/recording.h"

struct sqlite3;

namespace pooltag::record {

// The version of the database layout this pooltag writes and reads
// (PRAGMA user_version). A file of a newer version is refused, not guessed at.
inline constexpr int kFormatVersion = 1;

// How resolution falls with age: intervals older than `age_ns` keep one per
// `every_ns` (the latest of each). Tiers in increasing age.
struct ThinTier {
  uint64_t age_ns;
  uint64_t every_ns;
};
// 10 s (as recorded) for a day, one a minute for a week, one per 10 minutes beyond.
std::vector<ThinTier> default_thinning();

struct ThinResult {
  uint64_t removed = 0;  // intervals merged into a later one
  uint64_t kept = 0;     // intervals that absorbed them
};

class Store {
 public:
  // Opens the recording to append, creating it (and its directory's file)
  // when it does not exist.
  static Result<std::unique_ptr<Store>> open_for_append(const std::string &path);
  // Opens an existing recording read-only: a missing file, one that is not
  // a pooltag recording, or one of a newer format is an error.
  static Result<std::unique_ptr<Store>> open_read(const std::string &path);
  ~Store();
  Store(const Store &) = delete;
  Store &operator=(const Store &) = delete;

  // Appends one interval in one transaction (or inside begin()/commit()).
  Status append(const Sample &sample);
  // Groups many appends in one transaction (synthetic recordings, tests).
  Status begin();
  Status commit();

  // Reads the recording, at most `max_instants` instants of it (evenly in
  // time, each session's first and last always kept): the analysis reads
  // hundreds of points, not a month of 10 s intervals.
  Result<Recording> load(size_t max_instants = 480) const;
  Result<uint64_t> sample_count() const;

  // Merges intervals older than each tier's age into one per its spacing
  // (now_ns: CLOCK_REALTIME), then compacts the file when it may (no
  // reader in a transaction).
  Result<ThinResult> thin(uint64_t now_ns, const std::vector<ThinTier> &tiers = default_thinning());

  const std::string &path() const { return path_; }

 private:
  Store(sqlite3 *db, std::string path);
  class Statement;
  Statement &prepared(const char *sql) const;
  Status exec(const std::string &sql) const;
  Error error(const std::string &what) const;
  Status check_format() const;
  Result<int64_t> session_id(const SessionKey &key);
  Result<int64_t> series_id(const TagValue &value);

  sqlite3 *db_;
  std::string path_;
  bool in_batch_ = false;
  // What was last written per series in the current session: an unchanged
  // tag writes no row. Empty after open, so a restarted recorder's first
  // interval writes every row.
  int64_t last_session_ = -1;
  std::map<int64_t, TagCounts> last_written_;
  std::map<std::pair<std::string, model::Pool>, int64_t> series_ids_;
  std::map<SessionKey, int64_t> session_ids_;
  mutable std::map<const char *, std::unique_ptr<Statement>> statements_;  // by the literal's address
};

// Reads a recording for the analysis (leaks, report, kd's !leaks): an
// error (one line, exit 1) when it is missing, not a pooltag recording,
// damaged, of a newer format, or has no interval. Never changes the file.
// Fuzzed with hostile files (tests/fuzz/recording_fuzz.cpp).
Result<Recording> read_recording(const std::string &path, size_t max_instants = 480);

}  // namespace pooltag::record
