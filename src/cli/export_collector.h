// What `pooltag export` does on each scrape: opens the pinned state afresh
// (tagging may have been enabled, disabled or re-enabled since the last
// one), groups its sites by tag, folds them to the exported set and renders
// the metrics. Kernel symbols, the tag file and the kernel's capabilities
// are read once, at start.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.h"
#include "cli/reader.h"
#include "common/wildcard.h"
#include "export/http_server.h"
#include "engine/status.h"
#include "export/metrics.h"

namespace pooltag::cli {

struct ExportSettings {
  size_t top = 100;
  TagArgs tags;
  std::vector<std::string> patterns;
  std::vector<std::string> exclude;
};

class ExportCollector {
 public:
  static Result<std::unique_ptr<ExportCollector>> create(const Context &ctx, const ExportSettings &settings);

  // One scrape; safe from several threads (they take turns: the tag
  // selection carries from one scrape to the next).
  exporter::HttpReply scrape(std::string_view accept);

 private:
  ExportCollector(std::string pin_dir, size_t top) : pin_dir_(std::move(pin_dir)), selection_(top) {}
  // The metrics of the state pinned now; an error other than "not enabled"
  // fails the scrape.
  Result<std::vector<exporter::Family>> collect();

  std::mutex mutex_;
  std::string pin_dir_;
  std::shared_ptr<const Tagging> tagging_;
  PatternFilter filter_;
  exporter::TagSelection selection_;
  exporter::BuildInfo build_;
  engine::KernelPlan kernel_;  // probed once: it does not change
  int last_enabled_ = -1;  // for one log line per change: -1 unknown, 0 off, 1 on
};

}  // namespace pooltag::cli
