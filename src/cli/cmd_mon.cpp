// `pooltag mon`: PoolMon for Linux. This file only wires the engine's snapshot source,
// symbols and /proc/meminfo to the view (views/mon_model.h), and owns the
// lifetime of --ephemeral tagging.
#include <dirent.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "engine/control.h"
#include "engine/snapshot_source.h"
#include "kernel/control.h"
#include "kernel/system.h"
#include "symbols/code_symbolizer.h"
#include "views/mon_model.h"
#include "views/mon_screen.h"

namespace pooltag::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop_signal(int) { g_stop = 1; }

// SIGINT, SIGTERM and SIGHUP end mon through its loops (which then clean up
// the terminal and any ephemeral tagging) instead of killing it.
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a sleep or a key read returns early
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

struct MonArgs {
  double delay = 2.0;
  bool batch = false;
  bool json = false;
  size_t count = 0;
  bool ephemeral = false;
  std::string sort = "bytes";
  bool change = false;
  bool reverse = false;
  std::string pool;
  std::string by = "caller";
  std::string tags_file;
  std::string include;
  std::string exclude;
  bool totals = false;
};

// Sites are listed with the offset of the return address in its function.
class SiteSymbolizer : public symbols::KernelCodeSymbolizer {
 public:
  explicit SiteSymbolizer(const symbols::KernelSymbols &symbols) : KernelCodeSymbolizer(symbols), symbols_(symbols) {}
  std::string describe(uint64_t return_address) const override {
    auto r = symbols_.resolve_caller(return_address);
    if (!r) return fmt::format("0x{:x}", return_address);
    return fmt::format("{}+0x{:x} [{}]", r->symbol->name, r->offset + 1, r->module_name());
  }

 private:
  const symbols::KernelSymbols &symbols_;
};

// Disables the ephemeral tagging when mon ends, however it ends short of
// SIGKILL.
class EphemeralTagging {
 public:
  EphemeralTagging(std::string dir, kernel::SystemAccess &system) : dir_(std::move(dir)), system_(system) {}
  ~EphemeralTagging() {
    if (auto st = engine::disable(dir_, system_); !st) print_warning(st.error());
  }
  EphemeralTagging(const EphemeralTagging &) = delete;
  EphemeralTagging &operator=(const EphemeralTagging &) = delete;

 private:
  std::string dir_;
  kernel::SystemAccess &system_;
};

// Sleeps `ns`, returning early when a stop signal arrives.
void interruptible_sleep(uint64_t ns) {
  auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  while (g_stop == 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(end - std::chrono::steady_clock::now(),
                                                                   std::chrono::milliseconds(50)));
}

constexpr size_t kBatchWidth = 160;

Result<views::MonOptions> mon_options(const MonArgs &args) {
  views::MonOptions o;
  if (!std::isfinite(args.delay) || args.delay < 0.2)
    return Error{fmt::format("-d {}: the refresh interval is at least 0.2 seconds", args.delay), kExitUsage};
  o.interval_ns = static_cast<uint64_t>(args.delay * 1e9);
  auto sort = views::parse_mon_sort(args.sort);
  if (!sort)
    return Error{fmt::format("unknown sort key '{}' (tag, allocs, frees, diff, bytes, per-alloc)", args.sort),
                 kExitUsage};
  o.sort = *sort;
  o.by_change = args.change;
  o.reverse = args.reverse;
  if (!args.pool.empty() && args.pool != "all") {
    o.pool = model::parse_pool(args.pool);
    if (!o.pool)
      return Error{fmt::format("unknown pool type '{}' (all, slab, percpu, vmalloc, page)", args.pool), kExitUsage};
  }
  auto grouping = model::parse_grouping(args.by);
  if (!grouping) return Error{fmt::format("unknown grouping '{}' (caller, module, cache)", args.by), kExitUsage};
  o.grouping = *grouping;
  for (const std::string *p : {&args.include, &args.exclude})
    for (char c : *p)
      if (static_cast<unsigned char>(c) < 0x20) return Error{fmt::format("bad tag pattern '{}'", *p), kExitUsage};
  o.include = args.include;
  o.exclude = args.exclude;
  o.totals = args.totals;
  if (args.count != 0 && !args.batch && !args.json)
    return Error{"-n COUNT goes with --batch or --json", kExitUsage};
  if (args.batch && args.json) return Error{"--batch and --json exclude each other", kExitUsage};
  if (args.ephemeral) o.banner = "EPHEMERAL (until mon exits)";
  return o;
}

Result<int> run_mon(const MonArgs &args, Context &ctx) {
  auto options = mon_options(args);
  if (!options) return options.error();
  std::optional<model::TagFile> tags;
  if (!args.tags_file.empty()) {
    auto loaded = model::TagFile::load(args.tags_file);
    if (!loaded) return loaded.error();
    tags = std::move(*loaded);
  }
  if (auto st = kernel::require_root(*ctx.system, "mon"); !st) return st.error();

  g_stop = 0;
  install_stop_handlers();
  std::string pin_dir = ctx.pin_dir;
  std::optional<EphemeralTagging> ephemeral;
  symbols::FileKallsymsSource kallsyms(ctx.kallsyms_path);
  if (args.ephemeral) {
    auto dir = engine::enable_private(ctx.pin_dir, "mon", *ctx.system, ctx.kallsyms_path);
    if (!dir) return dir.error();
    pin_dir = *dir;
    ephemeral.emplace(pin_dir, *ctx.system);
  }
  auto source = engine::PinnedSnapshotSource::open(pin_dir);
  if (!source) {
    if (source.error().exit_code == kExitNotEnabled)
      return Error{"pool tagging is not enabled: 'pooltag enable' starts it, or 'pooltag mon --ephemeral' "
                          "tags only while mon runs",
                          kExitNotEnabled};
    return source.error();
  }
  auto syms = symbols::KernelSymbols::load(kallsyms);
  if (!syms) return syms.error();
  SiteSymbolizer symbolizer(*syms);
  kernel::FileMemInfoSource meminfo;
  views::MonModel mon(**source, meminfo, symbolizer, tags ? &*tags : nullptr, *options);

  if (!args.batch && !args.json) {
    if (auto st = views::run_mon_screen(mon, g_stop); !st) return st.error();
    return kExitOk;
  }
  for (size_t i = 0; g_stop == 0 && (args.count == 0 || i < args.count); ++i) {
    if (i != 0) interruptible_sleep(options->interval_ns);
    if (g_stop != 0) break;
    if (auto st = mon.refresh(); !st) return st.error();
    Output(args.json).result([&] { return mon.report_json(); },
                             [&] { return (i == 0 ? "" : "\n") + mon.render_report(kBatchWidth); });
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Runner add_mon(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "mon", "Live view of the tagged kernel heap (like PoolMon): one row per tag and pool type with Allocs, Frees, "
             "Diff, Bytes and their change since the last refresh. Keys: h in the view, or docs/mon.md");
  auto args = std::make_shared<MonArgs>();
  cmd->add_option("-d,--delay", args->delay, "Seconds between refreshes, at least 0.2 (+ and - change it live)")
      ->capture_default_str();
  cmd->add_flag("-b,--batch", args->batch,
                "Print plain-text snapshots (no escape codes) instead of the screen: for logs and pipes");
  cmd->add_flag("--json", args->json,
                "Print one JSON document per refresh: pooltag used --json's fields plus meminfo_bytes and changes");
  cmd->add_option("-n,--count", args->count, "With --batch or --json: stop after COUNT refreshes (default: until "
                                             "interrupted)");
  cmd->add_flag("--ephemeral", args->ephemeral,
                "Tag only while mon runs, in a private pin directory removed on exit (counts start at zero)");
  cmd->add_option("-s,--sort", args->sort, "Sort by tag, allocs, frees, diff, bytes or per-alloc")
      ->capture_default_str();
  cmd->add_flag("--change", args->change, "Sort by the change since the last refresh instead of the value");
  cmd->add_flag("-r,--reverse", args->reverse, "Reverse the sort order");
  cmd->add_option("--pool", args->pool, "Show one pool type: slab, percpu, vmalloc or page (default all)");
  cmd->add_option("--by", args->by, "Tag by caller (function), module, or cache (c switches it live)")
      ->capture_default_str();
  cmd->add_option("--tags", args->tags_file, "Tag file (pooltag.txt format: TAG - OWNER - Description)");
  cmd->add_option("--include", args->include,
                  "Show only tags matching this pattern (* ?; plain text matches anywhere; / in the view)");
  cmd->add_option("--exclude", args->exclude, "Hide tags matching this pattern (\\ in the view)");
  cmd->add_flag("-e,--totals", args->totals, "Show the totals row (e toggles it; --batch always prints it)");
  return [args, &ctx]() { return run_mon(*args, ctx); };
}

}  // namespace pooltag::cli
