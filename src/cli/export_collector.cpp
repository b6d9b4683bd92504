#include "cli/export_collector.h"

#include <fmt/format.h>

#include <malloc.h>

#include <chrono>

#include "export/exposition.h"
#include "model/tag_table.h"
#include "views/kernel_view.h"

namespace pooltag::cli {

Result<std::unique_ptr<ExportCollector>> ExportCollector::create(const Context &ctx, const ExportSettings &settings) {
  // Scrapes run on the server's threads; one malloc arena for all of them
  // instead of one each keeps the resident size to what is in use.
  mallopt(M_ARENA_MAX, 1);
  std::unique_ptr<ExportCollector> c(new ExportCollector(ctx.pin_dir, settings.top));
  auto tagging = Tagging::load(settings.tags, ctx.kallsyms_path);
  if (!tagging) return tagging.error();
  c->tagging_ = std::move(*tagging);
  c->filter_ = PatternFilter(settings.patterns, settings.exclude);
  c->build_ = {POOLTAG_PROJECT_VERSION, engine::libbpf_version()};
  // what this kernel can give: probed once, it does not change
  c->kernel_ = engine::plan_for_this_kernel(model::PoolSet::all());
  // The probes' copy of the kernel's BTF and kallsyms' parse buffers are
  // freed by now; hand their pages back, or a long-running exporter keeps
  // them resident (about 25 MB).
  malloc_trim(0);
  return c;
}

Result<std::vector<exporter::Family>> ExportCollector::collect() {
  const auto started = std::chrono::steady_clock::now();
  exporter::ScrapeInput in;
  in.build = build_;
  model::PoolSet tagged{0};
  bool bulk_paths = false;
  model::Snapshot snapshot;
  exporter::FoldedTags tags;
  auto session = engine::Session::attach(pin_dir_, tagging_);
  if (!session && session.error().exit_code != kExitNotEnabled) return session.error();
  if (session) {
    auto tagged_snapshot =
        (*session)->tagged_snapshot(model::TableOptions{filter_, std::nullopt, model::SortKey::Bytes, false});
    if (!tagged_snapshot) return tagged_snapshot.error();
    snapshot = std::move(tagged_snapshot->snapshot);
    tags = selection_.fold(tagged_snapshot->table.rows());
    in.enabled = true;
    in.snapshot = &snapshot;
    in.tags = &tags;
    in.site_capacity = snapshot.site_capacity;
    tagged = snapshot.pools;
    bulk_paths = snapshot.bulk_paths;
  }
  if (static_cast<int>(in.enabled) != last_enabled_) {
    fmt::print(stderr, "pooltag export: tagging is {} ({})\n", in.enabled ? "enabled" : "not enabled", pin_dir_);
    last_enabled_ = in.enabled;
  }
  in.capabilities = views::capabilities(kernel_.features, engine::running_plan(kernel_.plan, snapshot), tagged,
                                        bulk_paths);
  in.collect_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return exporter::metric_families(in);
}

exporter::HttpReply ExportCollector::scrape(std::string_view accept) {
  auto families = [&] {
    std::lock_guard lock(mutex_);
    auto f = collect();
    // the snapshot's pages go back now, not whenever the allocator likes
    malloc_trim(0);
    return f;
  }();
  if (!families) {
    fmt::print(stderr, "pooltag export: scrape failed: {}\n", families.error().message);
    return {500, "text/plain; charset=utf-8", "pooltag: " + families.error().message + "\n"};
  }
  auto format = exporter::negotiate(accept);
  return {200, std::string(exporter::content_type(format)), exporter::render(*families, format)};
}

}  // namespace pooltag::cli
