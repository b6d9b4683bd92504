#include "kernel/system.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/text.h"

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

std::vector<std::string> LinuxSystem::missing_capabilities() const {
  // capget directly: libcap is not worth a dependency for three bits
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, data) != 0) return {};  // cannot tell: let the kernel say
  auto has = [&](int cap) { return (data[cap / 32].effective & (1u << (cap % 32))) != 0; };
  constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;
  if (has(kCapSysAdmin)) return {};
  // a kernel that predates CAP_BPF (5.8) knows only CAP_SYS_ADMIN
  int last_cap = 0;
  std::ifstream("/proc/sys/kernel/cap_last_cap") >> last_cap;
  if (last_cap < kCapBpf) return {"CAP_SYS_ADMIN"};
  std::vector<std::string> missing;
  if (!has(kCapBpf)) missing.push_back("CAP_BPF");
  if (!has(kCapPerfmon)) missing.push_back("CAP_PERFMON");
  return missing;
}

std::string default_pin_dir() {
  if (const char *env = std::getenv("POOLTAG_PIN_DIR"); env != nullptr && *env != '\0') return env;
  return "/sys/fs/bpf/pooltag";
}

Result<model::MemInfo> FileMemInfoSource::read() {
  auto text = read_text_file(path_);
  if (!text) return text.error();
  return model::parse_meminfo(*text);
}

}  // namespace pooltag::kernel
