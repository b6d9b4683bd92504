// pooltag hit: the seed's `ed nt!poolhittag` + `g` + `kb`. The hit tag is a
// variable in the kernel (the pinned `poolhittag` map); the kernel filters,
// takes the stack, and sends only matching events to user space.
#include <fmt/format.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kd_shared.h"
#include "cli/reader.h"
#include "common/units.h"
#include "kernel/hit_stream.h"
#include "kernel/loader.h"
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

// Sets (or clears, with an empty selection) the hit tag and marks the sites.
Status set_hit_tag(const Reader &reader, const std::vector<std::string> &patterns, uint32_t flags) {
  kernel::TagSelection selection;
  if (!patterns.empty()) {
    auto s = reader.selection(patterns);
    if (!s) return s.error();
    selection = std::move(*s);
  }
  auto current = reader.state().read_selector(kernel::PinnedState::Selector::HitTag);
  if (!current) return current.error();
  pt_tag_selector sel = *current;
  kernel::fill_selector(selection, flags, sel);
  if (auto st = reader.state().write_selector(kernel::PinnedState::Selector::HitTag, sel); !st) return st;
  auto marked = reader.state().mark_sites(PT_SITE_HIT, [&](const model::SiteSample &site) {
    for (const auto &p : patterns)
      if (reader.matches(site, p, std::nullopt)) return true;
    return false;
  });
  if (!marked) return marked.error();
  return Ok{};
}

std::string hit_line(const model::HitEvent &ev, const std::string &tag, model::Pool pool) {
  const char *kind = ev.kind == model::HitEvent::Kind::Alloc ? "alloc" : "free";
  return fmt::format("{} {} [{}] address 0x{:x} size {} by {} ({}/{}){}", kind, tag, model::pool_name(pool),
                     ev.address, ev.size, ev.comm, ev.pid, ev.tid, ev.stopped ? ", task stopped" : "");
}

Status watch_hits(const Reader &r, const std::string &pattern, uint64_t since, const std::function<bool()> &stop,
                  const HitHandler &handle, const std::function<void()> &on_open, bool &opened) {
  opened = false;
  auto snapshot = r.state().snapshot();
  if (!snapshot) return snapshot.error();
  std::map<uint32_t, model::SiteSample> sites;
  for (const auto &s : snapshot->sites) sites[s.id] = s;
  auto on_event = [&](const model::HitEvent &ev) {
    auto it = sites.find(ev.site);
    if (it == sites.end()) {  // a site born after the snapshot
      auto again = r.state().snapshot();
      if (again)
        for (const auto &s : again->sites) sites[s.id] = s;
      it = sites.find(ev.site);
    }
    handle(ev, it != sites.end() ? it->second.site : model::Site{});
  };
  auto stream = kernel::HitStream::open(r.state(), since, on_event);
  if (!stream) return stream.error();
  opened = true;
  if (on_open) on_open();
  uint64_t last_mark = kernel::monotonic_now_ns();
  while (!stop()) {
    auto n = (*stream)->poll(100);
    if (!n) return n.error();
    // sites born meanwhile whose tag the kernel cannot tell by address
    // (--by cache) are marked here
    if (kernel::monotonic_now_ns() - last_mark > 500000000ull) {
      last_mark = kernel::monotonic_now_ns();
      // a disabled tagging sends no more hits: say so rather than wait
      if (auto st = r.state().still_pinned(); !st) return st.error();
      (void)r.state().mark_sites(PT_SITE_HIT,
                                 [&](const model::SiteSample &site) { return r.matches(site, pattern, std::nullopt); });
    }
  }
  return Ok{};
}

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
    auto reader = Reader::open(ctx, args->tags, "hit");
    if (!reader) return reader.error();
    auto &r = **reader;
    if (args->clear) {
      if (auto st = set_hit_tag(r, {}, 0); !st) return st.error();
      fmt::print("hit tag cleared\n");
      return 0;
    }
    std::vector<std::string> patterns;
    if (!args->tag.empty()) {
      patterns.push_back(args->tag);
    } else {
      auto current = r.state().read_selector(kernel::PinnedState::Selector::HitTag);
      if (!current) return current.error();
      if (!current->active) return Error{"no hit tag is set: pooltag hit TAG sets one", kExitUsage};
      patterns.push_back(current->tag);
    }
    uint32_t flags = args->stop_task ? PT_HIT_STOP_TASK : 0;
    uint64_t since = kernel::monotonic_now_ns();  // before the tag is set: no event of ours is skipped
    if (auto st = set_hit_tag(r, patterns, flags); !st) return st.error();

    // the drop counter alone: a snapshot would sum every site and scan the live table
    uint64_t events = 0;
    uint64_t drops_before = r.state().counters().v[PT_CNT_HIT_DROPS];
    auto handle = [&](const model::HitEvent &ev, const model::Site &site) {
      if (args->count != 0 && events >= args->count) return;
      ++events;
      std::string tag = r.tagger().tag_of(site).tag;
      const char *kind = ev.kind == model::HitEvent::Kind::Alloc ? "alloc" : "free";
      if (args->json) {
        nlohmann::json j = {{"event", kind},          {"tag", tag},         {"pool", model::pool_name(site.pool)},
                            {"address", ev.address},  {"size", ev.size},    {"pid", ev.pid},
                            {"tid", ev.tid},          {"comm", ev.comm},    {"time_ns", ev.time_ns},
                            {"stopped", ev.stopped},  {"stack", views::stack_frames(ev.stack, r.symbolizer())}};
        fmt::print("{}\n", j.dump());
      } else {
        fmt::print("{}\n", hit_line(ev, tag, site.pool));
        fmt::print("{}", views::render_kb(ev.stack, r.symbolizer()));
      }
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
    Status watched = watch_hits(r, patterns[0], since, stop, handle, on_open, opened);
    if (!watched && !opened) {
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      return watched.error();
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    // The tag stays set, as PoolHitTag does; stopping tasks does not
    // outlive the command that asked for it.
    if (args->stop_task) (void)set_hit_tag(r, patterns, 0);
    uint64_t drops = r.state().counters().v[PT_CNT_HIT_DROPS] - drops_before;
    std::FILE *summary = args->json ? stderr : stdout;
    fmt::print(summary, "{} events{}; hit tag '{}' stays set (pooltag hit --clear clears it)\n", events,
               drops ? fmt::format(", {} lost: ring buffer full", drops) : "", patterns[0]);
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
    auto reader = Reader::open(ctx, args->tags, "stacks");
    if (!reader) return reader.error();
    auto &r = **reader;
    using Sel = kernel::PinnedState::Selector;
    if (args->patterns.empty() && !args->clear) {
      auto cur = r.state().read_selector(Sel::StackTags);
      if (!cur) return cur.error();
      fmt::print("{}\n", cur->active ? fmt::format("stacks recorded for: {}", cur->tag) : "no stacks recorded");
      return 0;
    }
    kernel::TagSelection selection;
    if (!args->clear) {
      auto s = r.selection(args->patterns);
      if (!s) return s.error();
      selection = std::move(*s);
    }
    auto cur = r.state().read_selector(Sel::StackTags);
    if (!cur) return cur.error();
    pt_tag_selector sel = *cur;
    kernel::fill_selector(selection, 0, sel);
    if (auto st = r.state().write_selector(Sel::StackTags, sel); !st) return st.error();
    auto marked = r.state().mark_sites(PT_SITE_STACKS, [&](const model::SiteSample &site) {
      if (selection.all) return true;
      for (const auto &p : args->patterns)
        if (r.matches(site, p, std::nullopt)) return true;
      return false;
    });
    if (!marked) return marked.error();
    if (args->clear)
      fmt::print("no stacks recorded\n");
    else
      fmt::print("stacks recorded for: {}{}\n", selection.text,
                 selection.all ? " (every allocation: expect a large slowdown)" : "");
    return 0;
  };
}

}  // namespace pooltag::cli
