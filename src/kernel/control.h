// The state-changing operations: enable and disable. Each is all or
// nothing: enable publishes its pins with one rename, so a reader sees
// either no state or a complete one.
#pragma once

#include <string>

#include "common/result.h"
#include "kernel/features.h"
#include "kernel/loader.h"
#include "kernel/system.h"
#include "symbols/kallsyms.h"

namespace pooltag::kernel {

struct EnableReport {
  TableGeometry geometry;
  size_t tracepoints = 0;  // with a program attached
  size_t allocator_ranges = 0;
  TaggingPlan plan;  // as carried out: pools the kernel refused are off, with the reason
  std::string release;
  std::string stack_reuse_off;  // why stacks are walked every time, when reuse was asked for
};

Result<EnableReport> enable(const std::string &pin_dir, const EnableOptions &options, SystemAccess &system,
                            const symbols::KallsymsSource &kallsyms, KernelProbe &kernel);

Status disable(const std::string &pin_dir, SystemAccess &system);

// Removes the pin directories named <prefix><pid> whose process is gone:
// what a command killed by SIGKILL left attached (enable's staging
// directory, mon --ephemeral's private tagging).
void remove_orphaned_pins(const std::string &prefix);

// Checks shared by every command that touches pinned state.
Status require_root(const SystemAccess &system, std::string_view command);

}  // namespace pooltag::kernel
