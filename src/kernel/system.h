// Every access the kernel layer makes to the running system goes through
// SystemAccess, so unit tests can fake privilege, mounts and clocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/meminfo.h"

namespace pooltag::kernel {

class SystemAccess {
 public:
  virtual ~SystemAccess() = default;
  virtual bool is_root() const = 0;
  virtual bool has_btf() const = 0;
  // Makes sure a BPF filesystem is mounted at or above `dir`'s mount point
  // (mounting one at /sys/fs/bpf when none is).
  virtual Status ensure_bpffs(const std::string &dir) = 0;
  virtual uint64_t realtime_ns() const = 0;
  // The capabilities BPF tracing needs that this process lacks in its
  // effective set, by name ("CAP_BPF", "CAP_PERFMON"): none when it has
  // both, or CAP_SYS_ADMIN (which covers both, and is what kernels before
  // 5.8 ask for). A fake that does not say lacks none.
  virtual std::vector<std::string> missing_capabilities() const { return {}; }
};

class LinuxSystem : public SystemAccess {
 public:
  bool is_root() const override;
  bool has_btf() const override;
  Status ensure_bpffs(const std::string &dir) override;
  uint64_t realtime_ns() const override;
  std::vector<std::string> missing_capabilities() const override;
};

// Reads /proc/meminfo (or another file in its format).
class FileMemInfoSource : public model::MemInfoSource {
 public:
  explicit FileMemInfoSource(std::string path = "/proc/meminfo") : path_(std::move(path)) {}
  Result<model::MemInfo> read() override;

 private:
  std::string path_;
};

// The pin directory: --pin-dir, else $POOLTAG_PIN_DIR, else /sys/fs/bpf/pooltag.
std::string default_pin_dir();

}  // namespace pooltag::kernel
