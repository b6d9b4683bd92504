// What `pooltag record` keeps and `pooltag leaks` and `report` read
// (docs/leaks.md): plain data, no SQLite. A Sample is one interval as it was
// taken; a Recording is many of them, as series per tag and pool, the way
// the analysis and the report read them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "model/meminfo.h"
#include "model/snapshot.h"
#include "model/tag_table.h"

namespace pooltag::record {

// The kernel's own totals from /proc/meminfo (model/meminfo.h), in bytes,
// as a recording keeps them: a field the kernel lacks is 0.
struct Meminfo {
  uint64_t slab = 0;
  uint64_t sunreclaim = 0;
  uint64_t percpu = 0;
  uint64_t vmalloc_used = 0;
  static Meminfo of(const model::MemInfo &m) {
    return {m.slab.value_or(0), m.sunreclaim.value_or(0), m.percpu.value_or(0), m.vmalloc_used.value_or(0)};
  }
};

// A tagging session: one `pooltag enable`, read with one grouping. Counts
// of two sessions start from different zeros: nothing subtracts them.
struct SessionKey {
  uint64_t enabled_since_ns = 0;  // CLOCK_REALTIME of the enable
  std::string grouping;           // caller, module, cache, stack
  std::string tag_file;           // --tags, "" for none
  std::string pin_dir;
  auto tie() const { return std::tie(enabled_since_ns, grouping, tag_file, pin_dir); }
  bool operator==(const SessionKey &o) const { return tie() == o.tie(); }
  bool operator<(const SessionKey &o) const { return tie() < o.tie(); }
};

// A tag's counts in one pool since enable, as one interval records them.
struct TagCounts {
  uint64_t allocs = 0;
  uint64_t frees = 0;
  int64_t bytes = 0;            // outstanding
  uint64_t implicit_frees = 0;  // non-zero: diff and bytes are upper bounds
  int64_t diff() const { return static_cast<int64_t>(allocs - frees); }
  bool upper_bound() const { return implicit_frees != 0; }
  bool operator==(const TagCounts &o) const {
    return allocs == o.allocs && frees == o.frees && bytes == o.bytes && implicit_frees == o.implicit_frees;
  }
};

// One tag in one pool at one instant.
struct TagValue {
  std::string tag;
  model::Pool pool = model::Pool::Slab;
  std::string owner;
  std::string description;
  TagCounts counts;
};

// A recorded allocation stack (enable --stacks / pooltag stacks) and what
// it holds outstanding.
struct StackValue {
  int32_t stack_id = -1;
  std::string tag;
  std::string frames;  // one "symbol+0xoff [module]" a line, innermost first
  uint64_t allocs = 0;
  uint64_t frees = 0;
  int64_t bytes = 0;
};

struct Sample {
  uint64_t time_ns = 0;  // CLOCK_REALTIME
  Meminfo meminfo;
  std::optional<SessionKey> session;  // none: tagging was off
  std::vector<TagValue> tags;
  std::vector<StackValue> stacks;
};

// A snapshot's tag table as the values one sample records: a row per tag
// and pool with any count.
std::vector<TagValue> tag_values(const model::TagTable &table);

struct Recording {
  struct Instant {
    uint64_t time_ns = 0;
    int session = -1;  // index in sessions; -1: tagging was off
    Meminfo meminfo;
  };
  struct Point {
    uint32_t instant = 0;  // index in instants
    TagCounts counts;
  };
  struct Series {
    std::string tag;
    model::Pool pool = model::Pool::Slab;
    std::string owner;
    std::string description;
    std::vector<Point> points;  // instant order
  };
  struct Stack {
    int session = -1;
    StackValue value;
  };

  std::vector<SessionKey> sessions;
  std::vector<Instant> instants;  // time order
  std::vector<Series> series;
  std::vector<Stack> stacks;      // the latest counts of each recorded stack
  uint64_t samples_recorded = 0;  // intervals in the recording (instants may be fewer: see max_instants)
};

// Builds a Recording in memory from samples as they are taken
// (`leaks --watch`, tests).
class RecordingBuilder {
 public:
  void add(const Sample &sample);
  const Recording &recording() const { return recording_; }
  Recording take() { return std::move(recording_); }

 private:
  Recording recording_;
  std::map<SessionKey, int> sessions_;
  std::map<std::pair<std::string, model::Pool>, size_t> series_;
  std::map<std::pair<int, int32_t>, size_t> stacks_;
};

}  // namespace pooltag::record
