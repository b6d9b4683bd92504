#include "engine/control.h"

#include "kernel/features.h"

namespace pooltag::engine {

Result<kernel::EnableReport> enable(const std::string &pin_dir, const kernel::EnableOptions &options,
                                    kernel::SystemAccess &system, const std::string &kallsyms_path) {
  symbols::FileKallsymsSource kallsyms(kallsyms_path);
  kernel::LinuxKernelProbe probe;
  return kernel::enable(pin_dir, options, system, kallsyms, probe);
}

Status disable(const std::string &pin_dir, kernel::SystemAccess &system) { return kernel::disable(pin_dir, system); }

}  // namespace pooltag::engine
