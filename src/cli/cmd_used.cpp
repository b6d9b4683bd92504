#include <fmt/format.h>

#include <fstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/reader.h"
#include "common/wildcard.h"
#include "engine/session.h"
#include "model/accounting.h"
#include "model/tag_table.h"
#include "views/used_view.h"

namespace pooltag::cli {

namespace {

struct UsedArgs {
  std::vector<std::string> patterns;
  std::vector<std::string> exclude;
  std::string sort = "bytes";
  std::string pool;
  std::string by = "caller";
  std::string tags_file;
  std::string replay_file;
  size_t top = 0;
  bool reverse = false;
  bool json = false;
  bool wide = false;
};

// The tag table of the kernel's tagging, or of a recorded event stream
// (--replay: no root, no kernel).
Result<engine::TaggedSnapshot> tagged_snapshot(const UsedArgs &args, Context &ctx,
                                               const model::TableOptions &options) {
  TagArgs tagging{args.by, args.tags_file};
  if (args.replay_file.empty()) {
    auto session = open_session(ctx, tagging, "used");
    if (!session) return session.error();
    return (*session)->tagged_snapshot(options, args.by == "stack");
  }
  std::ifstream in(args.replay_file);
  if (!in) return error_from_errno("cannot read " + args.replay_file);
  model::LiveAccounting accounting;
  if (auto st = model::replay_events(in, accounting); !st) return st.error();
  auto tags = Tagging::load(tagging, ctx.kallsyms_path);
  if (!tags) return tags.error();
  return engine::tag_snapshot(accounting.snapshot(), **tags, options);
}

}  // namespace

Runner add_used(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "used", "Snapshot of the tagged kernel heap, one row per tag with Allocs, Frees, Diff and Bytes per pool "
              "type (like WinDbg !poolused)");
  auto args = std::make_shared<UsedArgs>();
  cmd->add_option("PATTERN", args->patterns, "Show only tags matching these patterns (* and ? wildcards)");
  cmd->add_option("--exclude", args->exclude, "Hide tags matching this pattern (repeatable)");
  cmd->add_option("--sort", args->sort, "Sort by tag, allocs, frees, diff or bytes (largest first)")
      ->capture_default_str();
  cmd->add_option("--pool", args->pool, "Show and sort by one pool type: slab, percpu, vmalloc or page");
  cmd->add_option("--by", args->by,
                  "Tag by caller (function), module, cache (slab cache name), or stack: the caller split by "
                  "allocation stack (caller#STACKID) where stacks are recorded (see pooltag stacks)")
      ->capture_default_str();
  cmd->add_option("--tags", args->tags_file, "Tag file (pooltag.txt format: TAG - OWNER - Description)");
  cmd->add_option("-n,--top", args->top, "Show only the first N tags");
  cmd->add_flag("-r,--reverse", args->reverse, "Reverse the sort order");
  cmd->add_flag("--wide", args->wide,
                "Every tracked pool and every column, numbers exact, however wide: by default the table fits the "
                "terminal (or $COLUMNS) and leaves out pools without counts");
  cmd->add_flag("--json", args->json, "Print JSON: one object per tag and pool, the totals and the loss counters");
  cmd->add_option("--replay", args->replay_file,
                  "Read a recorded event stream instead of the kernel (see docs/replay.md)");
  return [args, &ctx]() -> Result<int> {
    for (const auto &p : args->patterns)
      if (auto st = check_tag_pattern(p); !st) return st.error();
    for (const auto &p : args->exclude)
      if (auto st = check_tag_pattern(p); !st) return st.error();
    auto sort = model::parse_sort_key(args->sort);
    if (!sort) return Error{fmt::format("unknown sort key '{}' (tag, allocs, frees, diff, bytes)", args->sort),
                                   kExitUsage};
    auto pool_or = parse_pool_option(args->pool);
    if (!pool_or) return pool_or.error();
    std::optional<model::Pool> pool = *pool_or;
    auto grouping = engine::parse_grouping_option(args->by);
    if (!grouping) return grouping.error();

    model::TableOptions topts{PatternFilter(args->patterns, args->exclude), pool, *sort, args->reverse};
    auto tagged = tagged_snapshot(*args, ctx, topts);
    if (!tagged) return tagged.error();
    const auto &table = tagged->table;
    const auto &snapshot = tagged->snapshot;

    views::UsedViewOptions vopts;
    vopts.pools = snapshot.pools;
    if (pool) vopts.pools = model::PoolSet{1u << static_cast<int>(*pool)};
    vopts.sort = *sort;
    vopts.sort_pool = pool;
    vopts.grouping = std::string(model::grouping_name(*grouping));
    vopts.max_rows = args->top;
    vopts.wide = args->wide;
    vopts.width = output_width();
    Output(args->json).result([&] { return views::used_json(table, snapshot, vopts); },
                              [&] { return views::render_used_text(table, snapshot, vopts); });
    return 0;
  };
}

}  // namespace pooltag::cli
