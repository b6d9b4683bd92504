// pooltag find (!poolfind) and pooltag pool (!pool): the outstanding
// allocations of the live table, found by tag or by address.
#include <fmt/format.h>

#include <charconv>
#include <map>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/reader.h"
#include "common/units.h"
#include "views/find_view.h"
#include "views/stack_view.h"

namespace pooltag::cli {

namespace {

// Stack frames by id, read and symbolized once per id.
views::FrameSource memoized_frames(const engine::Session &session) {
  auto cache = std::make_shared<std::map<int32_t, std::vector<std::string>>>();
  return [&session, cache](int32_t id) {
    auto it = cache->find(id);
    if (it == cache->end())
      it = cache->emplace(id, views::stack_frames(session.stack(id), session.symbolizer())).first;
    return it->second;
  };
}

}  // namespace

Runner add_find(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "find", "The outstanding allocations of TAG (like !poolfind): grouped by stack, largest first, or listed "
              "with --list, with hex dumps of their first bytes");
  struct FindArgs {
    std::string tag;
    std::string pool;
    TagArgs tags;
    bool list = false;
    std::string older_than;
    bool json = false;
    uint32_t dump = 0;
  };
  auto args = std::make_shared<FindArgs>();
  cmd->add_option("TAG", args->tag, "Tag or pattern (* ?)")->required();
  cmd->add_option("POOL", args->pool, "Only this pool type: slab, percpu, vmalloc or page");
  add_tag_options(cmd, args->tags);
  cmd->add_flag("--list", args->list, "List every allocation (address, size, age, pid, comm)");
  cmd->add_option("--older-than", args->older_than, "Only allocations older than this (e.g. 30s, 5m)");
  cmd->add_flag("--json", args->json, "Print {\"groups\":[...], \"allocations\":[...]}");
  cmd->add_option("--dump", args->dump,
                  "Hex dump the first N bytes of each listed object (read from kernel memory by BPF; implies "
                  "--list; kmemleak shows 32)")
      ->expected(0, 1)
      ->default_str("32");
  return [args, cmd, &ctx]() -> Result<int> {
    auto pool_or = parse_pool_option(args->pool);
    if (!pool_or) return pool_or.error();
    std::optional<model::Pool> pool = *pool_or;
    uint64_t older_than = 0;
    if (!args->older_than.empty()) {
      auto d = parse_duration_ns(args->older_than);
      if (!d) return d.error();
      older_than = *d;
    }
    bool dumping = cmd->count("--dump") > 0;
    uint32_t dump_bytes = dumping ? (args->dump == 0 ? 32 : args->dump) : 0;
    if (dump_bytes > PT_MAX_DUMP_BYTES)
      return Error{fmt::format("--dump {} is too large (at most {})", dump_bytes, PT_MAX_DUMP_BYTES),
                          kExitUsage};
    auto session = open_session(ctx, args->tags, "find");
    if (!session) return session.error();
    auto &r = **session;
    auto found = r.find(args->tag, pool, older_than);
    if (!found) return found.error();
    const auto &wanted = found->sites;
    auto &allocations = found->allocations;

    std::map<uint64_t, std::vector<uint8_t>> dumps;
    if (dumping && !allocations.empty()) {
      std::vector<uint64_t> addresses;
      for (const auto &a : allocations) addresses.push_back(a.address);
      auto d = r.dump(addresses, dump_bytes);
      if (!d) return d.error();
      dumps = std::move(*d);
      // objects freed while they were read are not shown
      std::erase_if(allocations, [&](const auto &a) { return dumps.count(a.address) == 0; });
    }
    auto frames = memoized_frames(r);
    auto groups = views::group_by_stack(allocations, frames);
    views::FindViewOptions opts;
    opts.tag = args->tag;
    opts.list = args->list || dumping;
    for (const auto &[id, site] : wanted) opts.upper_bound |= site.counts.upper_bound();
    opts.stack_reuse = found->stack_reuse;
    opts.dumps = dumping ? &dumps : nullptr;
    opts.describe_site = [&](uint32_t site) -> std::pair<std::string, std::string> {
      auto it = wanted.find(site);
      if (it == wanted.end()) return {"", ""};
      return {r.tagger().tag_of(it->second.site).tag, std::string(model::pool_name(it->second.site.pool))};
    };
    Output(args->json).result([&] { return views::find_json(groups, allocations, opts, frames); },
                              [&] { return views::render_find_text(groups, allocations, opts, frames); });
    return 0;
  };
}

Runner add_pool(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "pool", "Which tracked allocation contains ADDRESS (like !pool): start, size, tag, pool, age, stack");
  struct PoolArgs {
    std::string address;
    TagArgs tags;
  };
  auto args = std::make_shared<PoolArgs>();
  cmd->add_option("ADDRESS", args->address, "Kernel address in hex")->required();
  add_tag_options(cmd, args->tags);
  return [args, &ctx]() -> Result<int> {
    auto address = parse_address(args->address);
    if (!address) return address.error();
    auto session = open_session(ctx, args->tags, "pool");
    if (!session) return session.error();
    auto &r = **session;
    auto owner = r.owner_of(*address);
    if (!owner) return owner.error();
    Output(false).text(views::render_address_owner(*address, *owner, r.symbolizer()));
    return owner->has_value() ? 0 : static_cast<int>(kExitError);
  };
}

}  // namespace pooltag::cli
