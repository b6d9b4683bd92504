#include "kernel/control.h"

#include <dirent.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "kernel/attribution.h"
#include "kernel/fault_injection.h"
#include "kernel/pinned_state.h"
#include "kernel/selector.h"
#include "pooltag.h"

namespace pooltag::kernel {

namespace {

// bpffs refuses dots in names, hence a dash.
std::string staging_prefix(const std::string &pin_dir) { return pin_dir + "-staging-"; }

// An enable that was killed between pinning and publishing leaves a staging
// directory whose pinned links still hold programs attached.
void remove_stale_staging(const std::string &pin_dir) { remove_orphaned_pins(staging_prefix(pin_dir)); }

}  // namespace

void remove_orphaned_pins(const std::string &prefix) {
  auto slash = prefix.find_last_of('/');
  std::string parent = slash == std::string::npos ? "." : prefix.substr(0, slash);
  std::string base = prefix.substr(slash == std::string::npos ? 0 : slash + 1);
  DIR *d = opendir(parent.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind(base, 0) != 0) continue;
    int pid = std::atoi(name.c_str() + base.size());
    if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) continue;
    stale.push_back(parent + "/" + name);
  }
  closedir(d);
  for (const auto &dir : stale) (void)remove_pins_and_wait(dir);
}

Status require_root(const SystemAccess &system, std::string_view command) {
  if (!system.is_root())
    return Error{fmt::format("pooltag {} needs root (BPF programs and their pinned state are root only)", command)};
  // root without them (a container, capsh --drop): the kernel would refuse
  // with a bare EPERM, so name what is missing
  if (auto missing = system.missing_capabilities(); !missing.empty())
    return Error{fmt::format("pooltag {} needs {} (missing from this root's effective capabilities)", command,
                             fmt::join(missing, " and "))};
  return Ok{};
}

Result<EnableReport> enable(const std::string &pin_dir, const EnableOptions &options, SystemAccess &system,
                            const symbols::KallsymsSource &kallsyms, KernelProbe &kernel) {
  if (auto st = require_root(system, "enable"); !st) return st.error();
  auto geometry = TableGeometry::from(options);  // usage errors before any system change
  if (!geometry) return geometry.error();
  if (!system.has_btf())
    return Error{"this kernel has no BTF (/sys/kernel/btf/vmlinux): pooltag needs CONFIG_DEBUG_INFO_BTF"};
  auto features = probe_kernel(kernel);
  auto plan = plan_tagging(features, options.pools);
  if (!plan.fatal.empty()) return Error{plan.fatal};
  if (!options.bulk_paths && plan.bulk.on) plan.drop_bulk(kBulkDeclined);
  if (auto st = system.ensure_bpffs(pin_dir); !st) return st.error();
  remove_stale_staging(pin_dir);
  if (pins_exist(pin_dir)) {
    auto state = PinnedState::open(pin_dir);
    std::string since;
    if (state) {
      time_t t = static_cast<time_t>((*state)->state().enabled_realtime_ns / 1000000000ull);
      char buf[64];
      std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
      since = fmt::format(" since {} (pools {})", buf, model::PoolSet{(*state)->state().pools_mask}.to_string());
    }
    return Error{fmt::format("pool tagging is already enabled{}; run 'pooltag disable' first to change its settings",
                             since)};
  }

  auto symbols = symbols::KernelSymbols::load(kallsyms);
  if (!symbols) return symbols.error();
  auto ranges = allocator_ranges(*symbols, allocator_function_patterns(), PT_MAX_ALLOCATOR_RANGES - 16);
  if (!ranges) return ranges.error();

  EnableOptions resolved = options;
  if (!options.stack_patterns.empty()) {
    auto stacks = select_call_sites(*symbols, options.stack_patterns, model::Grouping::Caller, nullptr);
    if (!stacks) return stacks.error();
    resolved.stacks = std::move(*stacks);
  }
  auto reuse = stack_reuse_ranges(*symbols, PT_STACK_ENTRY_RANGES);
  // their programs have no bpf_get_current_task_btf(), which reuse needs
  if (plan.hash_live_table && reuse.off.empty())
    reuse.off = "the programs of kernels without BPF atomics (before 5.12) walk every stack";
  auto loader = TaggingLoader::load(resolved, std::move(plan), *ranges, reuse, system.realtime_ns());
  if (!loader) return loader.error();
  kill_point(kKillAfterLoad);
  if (auto st = (*loader)->attach(); !st) return st.error();
  kill_point(kKillAfterAttach);

  std::string staging = staging_prefix(pin_dir) + std::to_string(getpid());
  if (auto st = (*loader)->pin(staging); !st) return st.error();
  kill_point(kKillBeforePublish);
  if (rename(staging.c_str(), pin_dir.c_str()) != 0) {
    int err = errno;
    (void)remove_pins(staging);
    if (err == ENOTEMPTY || err == EEXIST) return Error{"pool tagging was enabled meanwhile by another command"};
    return error_from_errno("cannot publish the pinned state at " + pin_dir, err);
  }
  return EnableReport{(*loader)->geometry(), (*loader)->attached_tracepoints(), ranges->size(), (*loader)->plan(),
                      features.release, options.stack_reuse ? reuse.off : std::string{}};
}

Status disable(const std::string &pin_dir, SystemAccess &system) {
  if (auto st = require_root(system, "disable"); !st) return st.error();
  remove_stale_staging(pin_dir);
  return remove_pins_and_wait(pin_dir);
}

}  // namespace pooltag::kernel
