// pooltag hit: the seed's `ed nt!poolhittag` + `g` + `kb`. The hit tag is a
// variable in the kernel (the pinned `poolhittag` map); the kernel filters,
// takes the stack, and sends only matching events to user space.
#include <fmt/format.h>
#include <signal.h>
#include <time.h>

#include <atomic>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/reader.h"
#include "common/units.h"
#include "kernel/loader.h"
#include "views/hit_view.h"
#include "views/stack_view.h"

namespace pooltag::cli {

namespace {

std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted = true; }

struct HitArgs {
  std::string tag;
  TagArgs tags;
  bool clear = false;
  uint64_t count = 0;
  std::string duration;
  bool json = false;
  bool stop_task = false;
};

}  // namespace

Runner add_hit(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "hit", "Report every allocation and free of TAG as it happens, with its kernel stack (like setting "
             "nt!PoolHitTag and breaking on each hit). The hit tag stays set in the kernel until --clear");
  auto args = std::make_shared<HitArgs>();
  cmd->add_option("TAG", args->tag, "Tag or pattern (* ?) to break on; without it, watch the current hit tag");
  add_tag_options(cmd, args->tags);
  cmd->add_flag("--clear", args->clear, "Set the hit tag back to none (ed nt!poolhittag 0)");
  cmd->add_option("--count", args->count, "Stop after N events");
  cmd->add_option("--duration", args->duration, "Stop after this long (e.g. 10s, 5m)");
  cmd->add_flag("--json", args->json, "One JSON object per event");
  cmd->add_flag("--stop-task", args->stop_task,
                "Send SIGSTOP to the user task that caused each hit, so it can be inspected (gdb, "
                "/proc/PID/stack); it stays stopped until it gets SIGCONT");
  return [args, &ctx]() -> Result<int> {
    uint64_t duration_ns = 0;
    if (!args->duration.empty()) {
      auto d = parse_duration_ns(args->duration);
      if (!d) return d.error();
      duration_ns = *d;
    }
    auto session = open_session(ctx, args->tags, "hit");
    if (!session) return session.error();
    auto &r = **session;
    if (args->clear) {
      if (auto st = r.set_hit_tag({}, 0); !st) return st.error();
      fmt::print("hit tag cleared\n");
      return 0;
    }
    std::vector<std::string> patterns;
    if (!args->tag.empty()) {
      patterns.push_back(args->tag);
    } else {
      auto current = r.hit_tag();
      if (!current) return current.error();
      if (!current->active) return Error{"no hit tag is set: pooltag hit TAG sets one", kExitUsage};
      patterns.push_back(current->patterns);
    }
    uint32_t flags = args->stop_task ? PT_HIT_STOP_TASK : 0;
    uint64_t since = kernel::monotonic_now_ns();  // before the tag is set: no event of ours is skipped
    if (auto st = r.set_hit_tag(patterns, flags); !st) return st.error();

    Output output(args->json);
    // the drop counter alone: a snapshot would sum every site and scan the live table
    uint64_t events = 0;
    uint64_t drops_before = r.hit_drops();
    auto handle = [&](const model::HitEvent &ev, const model::Site &site) {
      if (args->count != 0 && events >= args->count) return;
      ++events;
      std::string tag = r.tagger().tag_of(site).tag;
      output.result([&] { return views::hit_json(ev, tag, site.pool, r.symbolizer()); },
                    [&] { return views::hit_line(ev, tag, site.pool) + "\n" + views::render_kb(ev.stack, r.symbolizer()); });
      std::fflush(stdout);
    };
    auto on_open = [&] {
      if (!args->json)
        fmt::print("breaking on tag '{}'{}; Ctrl-C to stop\n", patterns[0],
                   args->stop_task ? " (stopping each task that hits it)" : "");
      std::fflush(stdout);
    };

    g_interrupted = false;
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    uint64_t start = kernel::monotonic_now_ns();
    auto stop = [&] {
      return g_interrupted || (args->count != 0 && events >= args->count) ||
             (duration_ns != 0 && kernel::monotonic_now_ns() - start >= duration_ns);
    };
    bool opened = false;
    Status watched = r.watch_hits({patterns[0], since, stop, handle, on_open}, opened);
    if (!watched && !opened) {
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      return watched.error();
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    // The tag stays set, as PoolHitTag does; stopping tasks does not
    // outlive the command that asked for it.
    if (args->stop_task) (void)r.set_hit_tag(patterns, 0);
    uint64_t drops = r.hit_drops() - drops_before;
    output.note(fmt::format("{} events{}; hit tag '{}' stays set (pooltag hit --clear clears it)", events,
                            drops ? fmt::format(", {} lost: ring buffer full", drops) : "", patterns[0]));
    // a watch that broke after events came: the summary, then the error
    if (!watched) return watched.error();
    return 0;
  };
}

Runner add_stacks(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "stacks", "Choose the tags whose allocations record their kernel stack (for find and --by stack); "
                "without PATTERN, show the current choice");
  struct StacksArgs {
    std::vector<std::string> patterns;
    TagArgs tags;
    bool clear = false;
  };
  auto args = std::make_shared<StacksArgs>();
  cmd->add_option("PATTERN", args->patterns,
                  "Tags (* ?) to record stacks for; '*' records every allocation's stack (expensive: a stack "
                  "walk costs 1-2 us)");
  add_tag_options(cmd, args->tags);
  cmd->add_flag("--clear", args->clear, "Record no stacks (the hit tag's allocations still carry theirs)");
  return [args, &ctx]() -> Result<int> {
    auto session = open_session(ctx, args->tags, "stacks");
    if (!session) return session.error();
    auto &r = **session;
    if (args->patterns.empty() && !args->clear) {
      auto cur = r.stack_tags();
      if (!cur) return cur.error();
      fmt::print("{}\n", cur->active ? fmt::format("stacks recorded for: {}", cur->patterns) : "no stacks recorded");
      return 0;
    }
    // --clear selects nothing, whatever patterns came with it
    auto selection = r.set_stack_tags(args->clear ? std::vector<std::string>{} : args->patterns);
    if (!selection) return selection.error();
    if (args->clear)
      fmt::print("no stacks recorded\n");
    else
      fmt::print("stacks recorded for: {}{}\n", selection->text,
                 selection->all ? " (every allocation: expect a large slowdown)" : "");
    return 0;
  };
}

}  // namespace pooltag::cli
