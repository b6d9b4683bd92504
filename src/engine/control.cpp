#include "engine/control.h"

#include <unistd.h>

#include "kernel/features.h"

namespace pooltag::engine {

Result<kernel::EnableReport> enable(const std::string &pin_dir, const kernel::EnableOptions &options,
                                    kernel::SystemAccess &system, const std::string &kallsyms_path) {
  symbols::FileKallsymsSource kallsyms(kallsyms_path);
  kernel::LinuxKernelProbe probe;
  return kernel::enable(pin_dir, options, system, kallsyms, probe);
}

Status disable(const std::string &pin_dir, kernel::SystemAccess &system) { return kernel::disable(pin_dir, system); }

Result<std::string> enable_private(const std::string &pin_dir, std::string_view owner, kernel::SystemAccess &system,
                                   const std::string &kallsyms_path) {
  const std::string prefix = pin_dir + "-" + std::string(owner) + "-";
  kernel::remove_orphaned_pins(prefix);
  std::string dir = prefix + std::to_string(getpid());
  auto enabled = enable(dir, kernel::EnableOptions{}, system, kallsyms_path);
  if (!enabled) return enabled.error();
  return dir;
}

}  // namespace pooltag::engine
