// `pooltag record`: appends an interval of per-tag counts and /proc/meminfo
// to a recording (docs/leaks.md) every --interval, until --duration or a
// signal. Parses, then hands over to the sampler (cli/recording_source.h)
// and the store (record/store.h).
#include <fmt/format.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/recording_source.h"
#include "common/units.h"
#include "kernel/control.h"
#include "record/store.h"

namespace pooltag::cli {

namespace {

struct RecordArgs {
  std::string output;
  std::string interval = "10s";
  std::string duration;
  TagArgs tags;
};

constexpr uint64_t kMinIntervalNs = 100000000ull;  // 100 ms: a snapshot takes a few
constexpr uint64_t kThinEveryNs = 3600ull * 1000000000ull;

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// "pooltag record: pooltag.db: 42 intervals, 1.2M, tagging on (do_eventfd ...)": on a terminal only.
void progress(const std::string &path, uint64_t intervals, bool tagging_on) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  uint64_t wal = std::filesystem::file_size(path + "-wal", ec);
  fmt::print(stderr, "\r\033[Kpooltag record: {}: {} intervals, {}{}", path, format_count(intervals),
             format_bytes_short(size + (ec ? 0 : wal)), tagging_on ? "" : ", tagging off (waiting for enable)");
}

Result<int> run_record(const RecordArgs &args, Context &ctx) {
  auto interval = parse_duration_ns(args.interval);
  if (!interval) return interval.error();
  if (*interval < kMinIntervalNs) return Error{"--interval: at least 100ms", kExitUsage};
  uint64_t duration = 0;
  if (!args.duration.empty()) {
    auto d = parse_duration_ns(args.duration);
    if (!d) return d.error();
    duration = *d;
  }
  if (!model::parse_grouping(args.tags.by))
    return Error{fmt::format("unknown grouping '{}' (caller, module, cache, stack)", args.tags.by), kExitUsage};
  if (auto st = kernel::require_root(*ctx.system, "record"); !st) return st.error();

  const std::string path = args.output.empty() ? default_recording_path() : args.output;
  if (args.output.empty() && path.find('/') != std::string::npos) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  auto sampler = LiveSampler::create(ctx, args.tags);
  if (!sampler) return sampler.error();
  auto store = record::Store::open_for_append(path);
  if (!store) return store.error();

  // SIGINT and SIGTERM end the recording between intervals; a kill loses at
  // most the interval being written.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &signals, nullptr);

  const bool terminal = isatty(STDERR_FILENO);
  const uint64_t start = monotonic_ns();
  uint64_t last_thin = 0, taken = 0;
  auto recorded = (*store)->sample_count();
  if (!recorded) return recorded.error();
  for (uint64_t i = 0;; ++i) {
    auto sample = (*sampler)->take();
    if (!sample) return sample.error();
    if (auto st = (*store)->append(*sample); !st) return st.error();
    ++taken;
    if (i == 0 || monotonic_ns() - last_thin >= kThinEveryNs) {
      auto thinned = (*store)->thin(sample->time_ns);
      if (!thinned) return thinned.error();
      last_thin = monotonic_ns();
    }
    if (terminal) progress(path, *recorded + taken, sample->session.has_value());
    if (duration != 0 && (i + 1) * *interval > duration) break;
    const uint64_t next = start + (i + 1) * *interval, now = monotonic_ns();
    if (next > now) {
      timespec wait{static_cast<time_t>((next - now) / 1000000000ull), static_cast<long>((next - now) % 1000000000ull)};
      if (sigtimedwait(&signals, nullptr, &wait) > 0) break;
    } else {
      timespec zero{};
      if (sigtimedwait(&signals, nullptr, &zero) > 0) break;
    }
  }
  if (terminal) fmt::print(stderr, "\n");
  return kExitOk;
}

}  // namespace

Runner add_record(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "record", "Append the tags' counts and /proc/meminfo to a recording (SQLite) every --interval, for pooltag "
                "leaks and pooltag report; see docs/leaks.md");
  auto args = std::make_shared<RecordArgs>();
  cmd->add_option("-o,--output", args->output,
                  "The recording to append to (default /var/lib/pooltag/pooltag.db when installed, else "
                  "./pooltag.db); created when missing");
  cmd->add_option("--interval", args->interval, "Time between two intervals (at least 100ms)")->capture_default_str();
  cmd->add_option("--duration", args->duration, "Stop after this long (default: until SIGINT or SIGTERM)");
  cmd->add_option("--by", args->tags.by,
                  "Tag by caller (function), module, cache (slab cache name), or stack (caller#STACKID)")
      ->capture_default_str();
  cmd->add_option("--tags", args->tags.tags_file, "Tag file (pooltag.txt format: TAG - OWNER - Description)");
  return [args, &ctx]() { return run_record(*args, ctx); };
}

}  // namespace pooltag::cli
