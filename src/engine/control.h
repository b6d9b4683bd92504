// Turning tagging on and off, for every front end: the kernel's enable and
// disable (kernel/control.h) on this machine's kallsyms and kernel probe.
#pragma once

#include <string>

#include "common/result.h"
#include "kernel/control.h"

namespace pooltag::engine {

Result<kernel::EnableReport> enable(const std::string &pin_dir, const kernel::EnableOptions &options,
                                    kernel::SystemAccess &system, const std::string &kallsyms_path);

Status disable(const std::string &pin_dir, kernel::SystemAccess &system);

}  // namespace pooltag::engine
