// The kernel's own totals from /proc/meminfo: what `mon` shows above its
// table and what `record` keeps beside the tags. One parser for both; the
// file is read through MemInfoSource (kernel/system.h reads the real one),
// so views and tests never open it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace pooltag::model {

// In bytes; a field the kernel does not print (an older kernel has no
// Percpu) stays empty.
struct MemInfo {
  std::optional<uint64_t> slab, sunreclaim, percpu, vmalloc_used, mem_available;
};

// Parses /proc/meminfo's text ("Slab:  123456 kB"): "kB" is 1024 bytes, a
// value without a unit is taken as it is; lines it does not know are skipped.
MemInfo parse_meminfo(std::string_view text);

class MemInfoSource {
 public:
  virtual ~MemInfoSource() = default;
  virtual Result<MemInfo> read() = 0;
};

}  // namespace pooltag::model
