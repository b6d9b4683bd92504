// Turning tagging on and off, for every front end: the kernel's enable and
// disable (kernel/control.h) on this machine's kallsyms and kernel probe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "kernel/control.h"

namespace pooltag::engine {

Result<kernel::EnableReport> enable(const std::string &pin_dir, const kernel::EnableOptions &options,
                                    kernel::SystemAccess &system, const std::string &kallsyms_path);

Status disable(const std::string &pin_dir, kernel::SystemAccess &system);

// Enables a tagging that lives only as long as this process (mon
// --ephemeral) in a private pin directory, <pin_dir>-<owner>-<pid> (bpffs
// refuses dots in names, hence dashes), with the default options; returns
// that directory, which the caller disables when it ends. Those directories
// whose process is gone (a SIGKILL leaves its tagging on) are removed first.
Result<std::string> enable_private(const std::string &pin_dir, std::string_view owner, kernel::SystemAccess &system,
                                   const std::string &kallsyms_path);

}  // namespace pooltag::engine
