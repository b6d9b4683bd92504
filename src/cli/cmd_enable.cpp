#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "cli/commands.h"
#include "common/units.h"
#include "engine/control.h"
#include "views/kernel_view.h"

namespace pooltag::cli {

Runner add_enable(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "enable", "Start pool tagging: load the programs on the allocation tracepoints and pin them, so that tagging "
                "stays on after this command exits (like GFlags' pool tagging flag)");
  struct Args {
    std::string max_live = "1M";
    std::string max_sites = "16K";
    std::string pools = "slab,percpu,vmalloc";
    uint32_t sample = 1;
    bool null_programs = false;
    bool no_bulk_paths = false;
    bool no_stack_reuse = false;
    uint32_t stack_check = PT_DEFAULT_STACK_CHECK_EVERY;
    std::vector<std::string> stacks;
    uint32_t stack_depth = 32;
    std::string stack_entries = "16K";
    std::string hit_buffer = "1M";
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--max-live", args->max_live,
                  "Live allocations the table has room for (K/M suffixes; 1.3 slots each, so that holding "
                  "that many leaves under 1% untracked). Allocations that find no slot are counted as untracked")
      ->capture_default_str();
  cmd->add_option("--max-sites", args->max_sites, "Distinct allocation sites the site table has room for")
      ->capture_default_str();
  cmd->add_option("--pools", args->pools,
                  "Pool types to track: slab, percpu, vmalloc, page, or all. page tracks every page allocation "
                  "(user memory too) and costs a stack walk each")
      ->capture_default_str();
  cmd->add_option("--sample", args->sample,
                  "Track about 1 in N allocations, chosen by address so an allocation and its free are both in or "
                  "both out; counts are scaled by N and shown as estimates")
      ->capture_default_str();
  cmd->add_option("--stacks", args->stacks,
                  "Record the kernel stack of each allocation of the tags (by caller) matching this pattern; "
                  "repeatable; '*' takes every allocation's stack (expensive). Change later with 'pooltag stacks'");
  cmd->add_option("--stack-depth", args->stack_depth, "Frames kept per recorded stack (4 .. 127)")
      ->capture_default_str();
  cmd->add_option("--stack-entries", args->stack_entries,
                  "Distinct stacks the stack table holds; stacks beyond it are counted as lost")
      ->capture_default_str();
  cmd->add_flag("--no-stack-reuse", args->no_stack_reuse,
                "Walk the kernel stack of every allocation that records one. By default an allocation whose stack "
                "holds the same return addresses as an earlier one (up to the system call entry) reuses that "
                "stack, and one reused stack in --stack-check is walked again and compared");
  cmd->add_option("--stack-check", args->stack_check,
                  "Walk one reused stack in N again and count the ones that differ (1 checks every one; rounded "
                  "up to a power of two)")
      ->capture_default_str();
  cmd->add_option("--hit-buffer", args->hit_buffer, "Bytes of the ring buffer that carries hit events")
      ->capture_default_str();
  cmd->add_flag("--no-bulk-paths", args->no_bulk_paths,
                "Leave out the programs on the bulk paths (kmem_cache_free_bulk, kmem_cache_alloc_bulk, RCU "
                "sheaves), which cost a walk of each bulk call's objects: objects freed in bulk are then retired only "
                "when their address is allocated again, and their sites' counts are upper bounds (≤)");
  // The benchmark floor (bench/): programs attached that return at once.
  cmd->add_flag("--null", args->null_programs)->group("");
  return [args, &ctx]() -> Result<int> {
    auto pools = model::parse_pool_list(args->pools);
    if (!pools) return pools.error();
    auto max_live = parse_size(args->max_live);
    if (!max_live) return max_live.error();
    auto max_sites = parse_size(args->max_sites);
    if (!max_sites) return max_sites.error();
    if (*max_sites > UINT32_MAX) return Error{"--max-sites is too large", kExitUsage};
    auto stack_entries = parse_size(args->stack_entries);
    if (!stack_entries) return stack_entries.error();
    auto hit_buffer = parse_size(args->hit_buffer);
    if (!hit_buffer) return hit_buffer.error();
    if (*stack_entries > UINT32_MAX || *hit_buffer > UINT32_MAX)
      return Error{"--stack-entries or --hit-buffer is too large", kExitUsage};
    // the kernel layer checks these too, without knowing the flags' names
    const std::pair<const char *, std::pair<const kernel::TableLimit &, uint64_t>> sizes[] = {
        {"--max-live", {kernel::kLiveLimit, *max_live}},
        {"--sample", {kernel::kSampleLimit, args->sample}},
        {"--max-sites", {kernel::kSitesLimit, *max_sites}},
        {"--stack-depth", {kernel::kStackDepthLimit, args->stack_depth}},
        {"--stack-entries", {kernel::kStackEntriesLimit, *stack_entries}},
        {"--hit-buffer", {kernel::kHitBufferLimit, *hit_buffer}},
        {"--stack-check", {kernel::kStackCheckLimit, args->stack_check}}};
    for (const auto &[flag, size] : sizes)
      if (!size.first.contains(size.second))
        return Error{fmt::format("{} {} is out of range ({})", flag, size.second, size.first.shown), kExitUsage};
    if (auto rows = kernel::site_counter_rows(static_cast<uint32_t>(*max_sites)); !rows.fit())
      return Error{fmt::format("--max-sites {} times {} possible CPUs is more site counters than one map holds",
                               rows.sites, rows.cpus),
                   kExitUsage};
    kernel::EnableOptions options;
    options.pools = *pools;
    options.max_live = *max_live;
    options.max_sites = static_cast<uint32_t>(*max_sites);
    options.sample_every = args->sample;
    options.null_programs = args->null_programs;
    options.bulk_paths = !args->no_bulk_paths;
    options.stack_patterns = args->stacks;
    options.stack_depth = args->stack_depth;
    options.stack_entries = static_cast<uint32_t>(*stack_entries);
    options.stack_reuse = !args->no_stack_reuse;
    options.stack_check_every = args->stack_check;
    options.hit_buffer_bytes = static_cast<uint32_t>(*hit_buffer);
    auto report_or = engine::enable(ctx.pin_dir, options, *ctx.system, ctx.kallsyms_path);
    if (!report_or) return report_or.error();
    const auto &r = *report_or;
    fmt::print("pool tagging enabled: pools {}, programs on {} tracepoints{}, room for {} live allocations and {} "
               "sites ({} of kernel memory), pinned at {}\n",
               r.plan.enabled().to_string(), r.tracepoints - r.plan.bulk.attachments.size(),
               r.plan.bulk.on ? fmt::format(" and {} bulk-path functions", r.plan.bulk.attachments.size()) : "",
               format_count(options.max_live),
               format_count(r.geometry.max_sites), format_bytes_short(r.geometry.kernel_bytes()), ctx.pin_dir);
    // what this kernel cannot give, one line each (pooltag check tells all)
    for (const auto &line : views::plan_messages(r.plan, r.release)) fmt::print("{}\n", line);
    if (args->sample > 1)
      fmt::print("sampling about 1 in {} allocations: counts are estimates\n", args->sample);
    if (args->null_programs) fmt::print("null programs: nothing is counted (benchmark floor)\n");
    if (!args->stacks.empty())
      fmt::print("stacks recorded for: {}{}\n", fmt::join(args->stacks, " "),
                 std::find(args->stacks.begin(), args->stacks.end(), "*") != args->stacks.end()
                     ? (r.geometry.stack_reuse_entries > 0 ? " (every allocation: a stack walk per call path)"
                                                           : " (every allocation: a stack walk each, expect a large "
                                                             "slowdown)")
                     : "");
    if (!r.stack_reuse_off.empty()) fmt::print("stack reuse: off: {}: every stack is walked\n", r.stack_reuse_off);
    return 0;
  };
}

Runner add_disable(CLI::App &app, Context &ctx) {
  app.add_subcommand("disable", "Stop pool tagging: detach the programs and remove the pinned state and counts");
  return [&ctx]() -> Result<int> {
    if (auto st = engine::disable(ctx.pin_dir, *ctx.system); !st) return st.error();
    fmt::print("pool tagging disabled\n");
    return 0;
  };
}

}  // namespace pooltag::cli
