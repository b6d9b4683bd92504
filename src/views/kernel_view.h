// What the kernel offers and what pooltag does with it, rendered for
// `pooltag check` (everything) and `pooltag status` (the capabilities).
// Plain data in (kernel/features.h, kernel/plan.h hold no libbpf types).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kernel/features.h"
#include "kernel/plan.h"

namespace pooltag::views {

// One capability: a pool or a feature, on or off, and why.
struct Capability {
  std::string name;
  bool on = false;
  std::string detail;
};

// `enabled`, `bulk_paths`: what tagging runs with (status), or the plan's
// (check; bulk_paths nullopt).
std::vector<Capability> capabilities(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan,
                                     model::PoolSet enabled, std::optional<bool> bulk_paths = std::nullopt);

std::string capability_text(const std::vector<Capability> &caps);  // one line each, indented
nlohmann::json capability_json(const std::vector<Capability> &caps);

// Why the bulk paths are off, as the user reads it: the plan's reason, with
// enable's option named where the user left them out (kernel::kBulkDeclined).
std::string bulk_reason(const kernel::TaggingPlan &plan);

// What `enable` prints after it: one line per requested pool that is off,
// and per note of the plan; the kernel release where a reason says "this
// kernel".
std::vector<std::string> plan_messages(const kernel::TaggingPlan &plan, const std::string &release);

std::string check_text(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan);
nlohmann::json check_json(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan);

}  // namespace pooltag::views
