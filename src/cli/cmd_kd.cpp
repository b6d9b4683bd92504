// pooltag kd: the seed's walkthrough typed as written, at a `kd> ` prompt.
// A front end: every command calls the engine session the subcommands use
// (engine/session.h: the tag table, the hit tag and its event stream, find,
// the owner of an address; !leaks through cli/kd_shared.h); what is kd's own
// is the command language (kd_parse.h) and WinDbg's layouts (views/kd_view.h).
#include <editline/readline.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <variant>

#include "cli/commands.h"
#include "cli/kd_parse.h"
#include "cli/kd_shared.h"
#include "cli/reader.h"
#include "cli/recording_source.h"
#include "common/units.h"
#include "common/wildcard.h"
#include "kernel/loader.h"
#include "model/tag_sites.h"
#include "model/tag_table.h"
#include "views/find_view.h"
#include "views/hit_view.h"
#include "views/kd_view.h"
#include "views/leaks_view.h"
#include "views/stack_view.h"
#include "views/used_view.h"

namespace pooltag::cli {

static_assert(kd::kHitTagBytes == PT_TAG_LEN, "db shows pt_tag_selector.tag");

namespace {

volatile std::sig_atomic_t g_break_in = 0;  // Ctrl-C: stop the running command
void on_break_in(int) { g_break_in = 1; }

// db's address column: the offset of the tag field in the pinned
// poolhittag map's value (struct pt_tag_selector). BPF map values have no
// address user space may know, and the offset is the same on every run.
constexpr uint64_t kHitTagOffset = offsetof(pt_tag_selector, tag);

class KdSession {
 public:
  KdSession(Context &ctx, TagArgs tags) : ctx_(ctx), tags_(std::move(tags)) {}

  Status open() {
    auto session = open_session(ctx_, tags_, "kd");
    if (!session) return session.error();
    session_ = std::move(*session);
    return Ok{};
  }

  bool quitting() const { return quit_; }

  Status run(const kd::Command &command) {
    return std::visit([this](const auto &c) { return execute(c); }, command);
  }

 private:
  const engine::Session &r() const { return *session_; }

  Status execute(const kd::Reload &) {
    if (auto st = open(); !st) return st;
    const auto &syms = r().tagging().symbols();
    fmt::print("Loading Kernel Symbols: {} functions, vmlinux and {} modules\n", syms.all().size(),
               syms.module_count());
    if (const auto *tags = r().tagging().tag_file())
      fmt::print("Loading tag file {}: {} tags\n", tags_.tags_file, tags->entries().size());
    return Ok{};
  }

  Status execute(const kd::PoolUsed &c) {
    std::vector<std::string> include;
    if (!c.tag.empty()) include.push_back(c.tag);
    PatternFilter filter(include, {});
    bool by_bytes = (c.flags & (kd::kPoolUsedSortSlab | kd::kPoolUsedSortAll)) != 0;
    model::SortKey key = by_bytes ? model::SortKey::Bytes : model::SortKey::Tag;
    auto tagged = r().tagged_snapshot(model::TableOptions{filter, std::nullopt, key, false});
    if (!tagged) return tagged.error();
    auto &table = tagged->table;
    const auto &snapshot = tagged->snapshot;
    std::optional<model::Pool> sort_pool;
    if (c.flags & kd::kPoolUsedSortSlab) {
      sort_pool = model::Pool::Slab;
      table.sort(key, sort_pool, false);
    }
    std::map<std::string, std::vector<views::KdSiteRow>> sites;
    views::PoolUsedOptions opts;
    opts.sorting = views::sort_description(key, sort_pool);
    opts.pools = snapshot.pools;
    opts.verbose = (c.flags & kd::kPoolUsedVerbose) != 0;
    if (opts.verbose) {
      auto wanted = [&](const std::string &tag, const model::SiteSample &) { return filter.matches(tag); };
      for (const auto &[tag, tag_sites] : model::sites_by_tag(snapshot, r().tagger(), r().symbolizer(), wanted))
        for (const auto &s : tag_sites) {
          const model::Site &site = s.sample->site;
          std::string where = site.cache.empty() ? s.where : s.where + " " + site.cache;
          sites[tag].push_back({where, site.pool, s.sample->counts});
        }
      opts.sites = &sites;
    }
    fmt::print("{}", views::render_poolused(table, snapshot, opts));
    return Ok{};
  }

  Status execute(const kd::EditHitTag &c) {
    std::vector<std::string> patterns;
    if (!c.tag.empty()) patterns.push_back(c.tag);
    return r().set_hit_tag(patterns, 0);
  }

  Status execute(const kd::Display &c) {
    auto sel = r().state().read_selector(engine::Selector::HitTag);
    if (!sel) return sel.error();
    std::vector<uint8_t> bytes(sel->tag, sel->tag + c.count * c.unit);
    if (c.unit == 1) {
      fmt::print("{}", views::hex_dump(bytes, kHitTagOffset, ""));
      return Ok{};
    }
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 4) {
      if (i % 16 == 0) out += fmt::format("{}{:016x} ", i ? "\n" : "", kHitTagOffset + i);
      uint32_t v = 0;
      for (size_t k = 0; k < 4; ++k) v |= static_cast<uint32_t>(bytes[i + k]) << (8 * k);
      out += fmt::format(" {:08x}", v);
    }
    fmt::print("{}\n", out);
    return Ok{};
  }

  Status execute(const kd::Go &) {
    auto sel = r().hit_tag();
    if (!sel) return sel.error();
    if (!sel->active)
      return Error{"nt!poolhittag is 0: set a tag first (ed nt!poolhittag do_eventfd)", kExitUsage};
    const std::string &pattern = sel->patterns;
    std::optional<model::HitEvent> hit;
    model::Site site;
    auto handle = [&](const model::HitEvent &ev, const model::Site &s) {
      if (hit) return;  // the first one breaks; the rest of the batch is let go
      hit = ev;
      site = s;
    };
    auto on_open = [&] {
      fmt::print("Waiting for a hit of nt!poolhittag '{}' (Ctrl-C breaks in)\n", pattern);
      std::fflush(stdout);
    };
    bool opened = false;
    auto st = r().watch_hits(
        {pattern, kernel::monotonic_now_ns(), [&] { return hit.has_value() || g_break_in != 0; }, handle, on_open},
        opened);
    if (!st) return st;
    if (!hit) {
      fmt::print("Break-in: no hit of '{}' yet\n", pattern);
      return Ok{};
    }
    last_hit_ = std::move(*hit);
    fmt::print("Break on pool hit: {}\n", views::hit_line(*last_hit_, r().tagger().tag_of(site).tag, site.pool));
    auto frames = views::stack_frames(last_hit_->stack, r().symbolizer());
    if (!frames.empty()) fmt::print("{}:\n", frames.front());
    return Ok{};
  }

  Status execute(const kd::Backtrace &c) {
    if (!last_hit_) return Error{"no hit yet: g runs until the next hit of nt!poolhittag", kExitUsage};
    std::string text = views::render_kb(last_hit_->stack, r().symbolizer());
    if (c.frames != 0) {  // the header and the first n frames
      size_t pos = 0;
      for (uint64_t lines = 0; lines <= c.frames && pos != std::string::npos; ++lines) {
        pos = text.find('\n', pos);
        if (pos != std::string::npos) ++pos;
      }
      if (pos != std::string::npos) text.resize(pos);
    }
    fmt::print("{}", text);
    return Ok{};
  }

  Status execute(const kd::PoolFind &c) {
    const std::optional<model::Pool> &pool = c.pool;
    auto found = r().find(c.tag, pool, 0);
    if (!found) return found.error();
    std::string where = pool ? fmt::format("pool {}", model::pool_name(*pool)) : "every pool";
    auto describe = [&](uint32_t id) -> std::pair<std::string, std::string> {
      auto it = found->sites.find(id);
      if (it == found->sites.end()) return {"", ""};
      return {r().tagger().tag_of(it->second.site).tag, std::string(model::pool_name(it->second.site.pool))};
    };
    fmt::print("{}", views::render_poolfind(c.tag, where, found->allocations, describe));
    return Ok{};
  }

  Status execute(const kd::PoolAt &c) {
    auto owner = r().owner_of(c.address);
    if (!owner) return owner.error();
    fmt::print("{}", views::render_address_owner(c.address, *owner, r().symbolizer()));
    return Ok{};
  }

  Status execute(const kd::Leaks &c) {
    engine::LeaksQuery query;
    query.db = default_recording_path();
    if (!c.duration.empty()) {
      auto d = parse_duration_ns(c.duration);
      if (!d) return d.error();
      query.watch_ns = *d;
      if (query.watch_ns < 3 * query.interval_ns) return Error{"!leaks: watch at least 3s", kExitUsage};
      fmt::print("Watching for {} (Ctrl-C breaks in)\n", format_duration_ns(query.watch_ns));
      std::fflush(stdout);
    }
    auto ranking = rank_leaks(ctx_, query, tags_, [] { return g_break_in != 0; });
    if (!ranking) return ranking.error();
    fmt::print("{}", views::render_leaks_text(ranking->report, views::LeaksViewOptions{20, ranking->source}));
    return Ok{};
  }

  Status execute(const kd::Nothing &) { return Ok{}; }
  Status execute(const kd::Quit &) {
    quit_ = true;
    return Ok{};
  }
  Status execute(const kd::Help &) {
    fmt::print("{}", kd::help_text());
    return Ok{};
  }

  Context &ctx_;
  TagArgs tags_;
  std::unique_ptr<engine::Session> session_;
  std::optional<model::HitEvent> last_hit_;
  bool quit_ = false;
};

// Runs the commands of one line; `echo` prints each after a prompt, as a
// transcript. Errors go to stderr, one line each; returns the exit code of
// the last one that failed (0 if none did).
int run_line(KdSession &session, std::string_view line, bool echo) {
  int rc = 0;
  for (const auto &text : kd::split_commands(line)) {
    if (session.quitting() || g_break_in) break;
    if (echo) fmt::print("kd> {}\n", text);
    std::fflush(stdout);
    auto command = kd::parse_command(text);
    Status st = command ? session.run(*command) : Status(command.error());
    std::fflush(stdout);
    if (!st) {
      fmt::print(stderr, "{}\n", kd::printable(st.error().message));
      std::fflush(stderr);
      rc = st.error().exit_code;
    }
  }
  return rc;
}

// libedit's input: a read that Ctrl-C interrupts ends the line (EOF), so
// readline() returns at once and the prompt starts again; libedit's own
// signal handling (rl_catch_signals) is off.
int read_key(FILE *) {
  for (;;) {
    // a Ctrl-C that came after the prompt was printed but before this read
    // began interrupted nothing: it still ends the line
    if (g_break_in) return EOF;
    unsigned char c = 0;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR && !g_break_in) continue;
    return EOF;
  }
}

std::string history_path() {
  const char *home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.pooltag_kd_history" : std::string();
}

int interactive(KdSession &session) {
  fmt::print("pooltag kd: the kernel debugger's pool commands (? lists them, q or Ctrl-D quits)\n");
  std::string history = history_path();
  rl_catch_signals = 0;
  rl_getc_function = read_key;
  using_history();
  if (!history.empty()) read_history(history.c_str());
  int rc = 0;
  while (!session.quitting()) {
    g_break_in = 0;
    char *raw = readline("kd> ");
    if (g_break_in) {  // Ctrl-C at the prompt: the line is dropped, a new prompt
      std::free(raw);
      fmt::print("\n");
      continue;
    }
    if (raw == nullptr) {  // Ctrl-D
      fmt::print("\n");
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    rc = run_line(session, line, false);
    if (g_break_in) fmt::print("\n");
  }
  if (!history.empty()) write_history(history.c_str());
  return rc;
}

// Commands from a pipe or a file, a line at a time; Ctrl-C ends them.
int scripted(KdSession &session, std::istream &in) {
  int rc = 0;
  std::string line;
  while (!session.quitting() && !g_break_in && std::getline(in, line)) {
    int r = run_line(session, line, true);
    if (r != 0) rc = r;
  }
  return rc;
}

}  // namespace

Runner add_kd(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "kd", "A kd> prompt taking the kernel debugger's commands of the leak walkthrough: .reload, !poolused, "
            "ed/db nt!poolhittag, g, kb, !poolfind, !pool");
  struct KdArgs {
    std::string commands;
    std::string input;
    TagArgs tags;
  };
  auto args = std::make_shared<KdArgs>();
  cmd->add_option("-c,--commands", args->commands,
                  "Run these commands (separated by ;) and exit, like kd -c");
  cmd->add_option("-i,--input", args->input, "Run the commands of this file, one or more a line, and exit");
  add_tag_options(cmd, args->tags);
  return [args, &ctx]() -> Result<int> {
    std::ifstream file;
    if (!args->input.empty()) {
      file.open(args->input);
      if (!file) return error_from_errno("cannot read " + args->input);
    }
    KdSession session(ctx, args->tags);
    if (auto st = session.open(); !st) return st.error();

    // Ctrl-C stops the running command (g) rather than kd.
    struct sigaction sa {};
    sa.sa_handler = on_break_in;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a waiting read returns
    struct sigaction old {};
    sigaction(SIGINT, &sa, &old);

    int rc = 0;
    if (!args->commands.empty()) {
      rc = run_line(session, args->commands, true);
    }
    if (!args->input.empty() && !session.quitting() && !g_break_in) {
      int r = scripted(session, file);
      if (r != 0) rc = r;
    }
    bool prompt = args->commands.empty() && args->input.empty() && isatty(STDIN_FILENO);
    if (args->commands.empty() && args->input.empty())
      rc = prompt ? interactive(session) : scripted(session, std::cin);
    if (!prompt && g_break_in) rc = 128 + SIGINT;  // Ctrl-C ended the script
    sigaction(SIGINT, &old, nullptr);
    return rc;
  };
}

}  // namespace pooltag::cli
