// What every subcommand shares: where the pinned state is, where symbols
// come from, and the system access (real or, in tests, fake).
#pragma once

#include <memory>
#include <string>

#include "kernel/system.h"
#include "symbols/kallsyms.h"

namespace pooltag::cli {

struct Context {
  std::string pin_dir;
  std::string kallsyms_path = "/proc/kallsyms";
  kernel::SystemAccess *system = nullptr;
};

}  // namespace pooltag::cli
