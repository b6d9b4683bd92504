// `pooltag leaks`: ranks tags by sustained growth (analysis/leaks.h) from a
// recording (--db) or from intervals watched live (--watch), and prints the
// ranking (views/leaks_view.h).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>

#include "cli/commands.h"
#include "cli/kd_shared.h"
#include "cli/output.h"
#include "cli/recording_source.h"
#include "common/units.h"
#include "kernel/control.h"
#include "views/leaks_view.h"

namespace pooltag::cli {

Result<engine::LeakRanking> rank_leaks(Context &ctx, const engine::LeaksQuery &query, const TagArgs &tags,
                                       const std::function<bool()> &stop) {
  if (query.watch_ns == 0) return engine::rank_leaks(query, nullptr, stop, [](uint64_t) {});
  if (auto st = kernel::require_root(*ctx.system, "leaks --watch"); !st) return st.error();
  auto sampler = LiveSampler::create(ctx, tags);
  if (!sampler) return sampler.error();
  const bool terminal = isatty(STDERR_FILENO);
  auto progress = [&](uint64_t elapsed) {
    if (terminal)
      fmt::print(stderr, "\r\033[Kpooltag leaks: watching, {} of {}", format_duration_ns(elapsed),
                 format_duration_ns(query.watch_ns));
  };
  auto ranking = engine::rank_leaks(query, sampler->get(), stop, progress);
  if (terminal) fmt::print(stderr, "\r\033[K");
  return ranking;
}

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

struct LeaksArgs {
  std::string db;
  std::string watch;
  std::string interval = "1s";
  std::string min_duration;
  size_t top = 20;
  bool json = false;
  TagArgs tags;
};

Result<int> run_leaks(const LeaksArgs &args, Context &ctx) {
  // checked here, not by CLI11: its "Excludes:" note would break the help's columns
  if (!args.db.empty() && !args.watch.empty())
    return Error{"--db and --watch: one source at a time", kExitUsage};
  engine::LeaksQuery query;
  query.db = args.db.empty() ? default_recording_path() : args.db;
  query.min_duration_given = !args.min_duration.empty();
  for (auto [text, out] : {std::pair{&args.watch, &query.watch_ns}, std::pair{&args.interval, &query.interval_ns},
                           std::pair{&args.min_duration, &query.options.min_duration_ns}}) {
    if (text->empty()) continue;
    auto d = parse_duration_ns(*text);
    if (!d) return d.error();
    *out = *d;
  }
  if (!args.watch.empty() && query.watch_ns < 3 * query.interval_ns)
    return Error{"--watch: at least three --interval", kExitUsage};
  if (query.interval_ns < 100000000ull) return Error{"--interval: at least 100ms", kExitUsage};
  if (!model::parse_grouping(args.tags.by))
    return Error{fmt::format("unknown grouping '{}' (caller, module, cache, stack)", args.tags.by), kExitUsage};

  // Ctrl-C ends a watch early; what was watched is still ranked.
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  auto ranking = rank_leaks(ctx, query, args.tags, [] { return g_stop != 0; });
  if (!ranking) return ranking.error();
  Output(args.json).result(
      [&] { return views::leaks_json(ranking->report); },
      [&] { return views::render_leaks_text(ranking->report, views::LeaksViewOptions{args.top, ranking->source}); });
  return kExitOk;
}

}  // namespace

Runner add_leaks(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "leaks", "Rank tags by sustained growth (Theil-Sen slope, Mann-Kendall test) from a recording or a live "
               "watch: growing, stopped, noise; see docs/leaks.md");
  auto args = std::make_shared<LeaksArgs>();
  cmd->add_option("--db", args->db,
                             "The recording to read (default /var/lib/pooltag/pooltag.db when installed, else "
                             "./pooltag.db)");
  cmd->add_option("--watch", args->watch,
                  "Watch the live counts this long instead of reading a recording, in memory (not with --db)");
  cmd->add_option("--interval", args->interval, "With --watch: time between two intervals")->capture_default_str();
  cmd->add_option("--min-duration", args->min_duration,
                  "Judge only tags seen for at least this long (default 30s; with --watch at most half of it)");
  cmd->add_option("-n,--top", args->top, "Rows per table (0: all)")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON: suspects, upper bounds and noise, each tag with its estimates");
  cmd->add_option("--by", args->tags.by, "With --watch: tag by caller, module, cache or stack")->capture_default_str();
  cmd->add_option("--tags", args->tags.tags_file, "With --watch: tag file (pooltag.txt format)");
  return [args, &ctx]() { return run_leaks(*args, ctx); };
}

}  // namespace pooltag::cli
