// `pooltag export`'s metrics as plain data: what one scrape reports, built
// from a model snapshot grouped by tag, and the bounded, stable choice of
// which tags are exported by name. Pure: no kernel, no HTTP (unit-tested in
// tests/unit/export_metrics_test.cpp); exposition.h renders the families.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/snapshot.h"
#include "model/tag_table.h"
#include "views/kernel_view.h"

namespace pooltag::exporter {

enum class MetricType { Gauge, Counter, Info };

// A sample's value: counts stay integers (exact past 2^53), times and
// durations are doubles.
using Value = std::variant<int64_t, uint64_t, double>;

struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;  // name, value (unescaped)
  Value value = int64_t{0};
};

// One metric family. `name` is the family name: a counter's samples are
// name + "_total", an info metric's name + "_info" (OpenMetrics' rule, which
// the text format renderer follows too).
struct Family {
  std::string name;
  MetricType type = MetricType::Gauge;
  std::string unit;  // "bytes", "seconds" or "": the name ends with it
  std::string help;
  std::vector<Sample> samples;

  std::string sample_name() const;  // pooltag_allocations_total, pooltag_build_info, ...
};

// The tag under which tags not exported by name are summed.
inline constexpr const char *kOtherTag = "other";

// The tags of one scrape: those exported by name, and the rest summed per
// pool into one row tagged "other".
struct FoldedTags {
  std::vector<model::TagRow> named;  // by tag name
  model::TagRow other;               // tag "other": every row not named, summed
};

// Chooses the tags exported by name, scrape after scrape, so that series
// stay put and rate() works on them: the top N by outstanding bytes (all
// pools), plus every tag named before that still has outstanding bytes,
// up to N more (the largest first). A tag literally called "other" is
// always folded, so that it cannot collide with the sum.
class TagSelection {
 public:
  explicit TagSelection(size_t top) : top_(top) {}
  FoldedTags fold(const std::vector<model::TagRow> &rows);
  size_t top() const { return top_; }

 private:
  size_t top_;
  std::set<std::string> named_;  // the previous scrape's
};

struct BuildInfo {
  std::string version;         // "0.1.0"
  std::string libbpf_version;  // "1.1" (the one in use)
};

// What one scrape reports. Without tagging (enabled false) only build info,
// pooltag_enabled 0, the capabilities and the scrape's own figures are set.
struct ScrapeInput {
  BuildInfo build;
  bool enabled = false;
  const model::Snapshot *snapshot = nullptr;  // when enabled
  const FoldedTags *tags = nullptr;           // when enabled
  uint64_t site_capacity = 0;
  std::vector<views::Capability> capabilities;
  double collect_seconds = 0;  // reading the kernel and grouping, this scrape
};

std::vector<Family> metric_families(const ScrapeInput &input);

}  // namespace pooltag::exporter
