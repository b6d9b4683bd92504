#include "kernel/system.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>

namespace pooltag::kernel {

namespace {
constexpr long kBpfFsMagic = 0xcafe4a11;
constexpr const char *kBpfFsRoot = "/sys/fs/bpf";

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace

bool LinuxSystem::is_root() const { return geteuid() == 0; }

bool LinuxSystem::has_btf() const { return access("/sys/kernel/btf/vmlinux", R_OK) == 0; }

Status LinuxSystem::ensure_bpffs(const std::string &dir) {
  // The pin directory must sit on a bpffs; find its nearest existing parent.
  std::string probe = dir;
  struct statfs fs {};
  while (!probe.empty()) {
    if (statfs(probe.c_str(), &fs) == 0) break;
    auto slash = probe.find_last_of('/');
    probe = slash == 0 || slash == std::string::npos ? "/" : probe.substr(0, slash);
  }
  if (static_cast<long>(fs.f_type) == kBpfFsMagic) return Ok{};
  if (probe != kBpfFsRoot && dir.rfind(std::string(kBpfFsRoot) + "/", 0) != 0)
    return Error{"pin directory " + dir + " is not on a BPF filesystem"};
  mkdir(kBpfFsRoot, 0700);
  if (mount("bpf", kBpfFsRoot, "bpf", 0, "mode=0700") != 0)
    return error_from_errno("cannot mount the BPF filesystem at /sys/fs/bpf");
  return Ok{};
}

uint64_t LinuxSystem::realtime_ns() const { return clock_ns(CLOCK_REALTIME); }

std::string default_pin_dir() {
  if (const char *env = std::getenv("POOLTAG_PIN_DIR"); env != nullptr && *env != '\0') return env;
  return "/sys/fs/bpf/pooltag";
}

}  // namespace pooltag::kernel
