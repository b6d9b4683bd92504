// `pooltag status`'s question for every front end: is tagging on, and how
// is it doing. The kernel's part of the answer; the views print it.
#pragma once

#include <string>

#include "common/result.h"
#include "kernel/features.h"
#include "kernel/plan.h"
#include "kernel/system.h"
#include "model/status.h"

namespace pooltag::engine {

// What this kernel offers and what tagging of `pools` would run with here.
struct KernelPlan {
  kernel::KernelFeatures features;
  kernel::TaggingPlan plan;
};
KernelPlan plan_for_this_kernel(model::PoolSet pools);

// The plan a running tagging carries out: `planned`, with the bulk paths
// off where its enable was asked to leave them out.
kernel::TaggingPlan running_plan(kernel::TaggingPlan planned, const model::Snapshot &snapshot);

// "1.5": the libbpf pooltag runs with.
std::string libbpf_version();

struct StatusReport {
  model::TaggingStatus status;
  kernel::KernelFeatures features;  // what this kernel can give
  kernel::TaggingPlan plan;         // what tagging runs with here
};

// Checks root, then reads the state pinned at `pin_dir`: kExitNotEnabled
// when there is none.
Result<StatusReport> tagging_status(const std::string &pin_dir, const kernel::SystemAccess &system);

}  // namespace pooltag::engine
