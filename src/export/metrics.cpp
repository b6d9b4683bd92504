#include "export/metrics.h"

#include <algorithm>
#include <fmt/format.h>

namespace pooltag::exporter {

std::string Family::sample_name() const {
  switch (type) {
    case MetricType::Counter: return name + "_total";
    case MetricType::Info: return name + "_info";
    case MetricType::Gauge: break;
  }
  return name;
}

namespace {

int64_t outstanding_bytes(const model::TagRow &row) { return row.total().bytes(); }

// Largest outstanding bytes first; the tag name orders equals, so that the
// choice does not depend on the order rows come in.
bool larger(const model::TagRow *a, const model::TagRow *b) {
  int64_t va = outstanding_bytes(*a), vb = outstanding_bytes(*b);
  if (va != vb) return va > vb;
  return a->tag < b->tag;
}

}  // namespace

FoldedTags TagSelection::fold(const std::vector<model::TagRow> &rows) {
  std::vector<const model::TagRow *> candidates;
  candidates.reserve(rows.size());
  for (const auto &r : rows)
    if (r.tag != kOtherTag) candidates.push_back(&r);
  std::sort(candidates.begin(), candidates.end(), larger);

  // The top N now, then the earlier names that still hold memory.
  std::set<std::string> named;
  size_t kept = 0;
  for (const auto *r : candidates) {
    if (named.size() < top_) {
      named.insert(r->tag);
    } else if (kept < top_ && named_.count(r->tag) != 0 && outstanding_bytes(*r) > 0) {
      named.insert(r->tag);
      ++kept;
    }
  }
  named_ = named;

  FoldedTags out;
  out.other.tag = kOtherTag;
  for (const auto &r : rows) {
    if (named.count(r.tag) != 0) {
      out.named.push_back(r);
      continue;
    }
    for (size_t p = 0; p < model::kPoolCount; ++p) out.other.per_pool[p] += r.per_pool[p];
    out.other.sites += r.sites;
  }
  std::sort(out.named.begin(), out.named.end(),
            [](const model::TagRow &a, const model::TagRow &b) { return a.tag < b.tag; });
  return out;
}

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

Family family(std::string name, MetricType type, std::string unit, std::string help) {
  Family f;
  f.name = std::move(name);
  f.type = type;
  f.unit = std::move(unit);
  f.help = std::move(help);
  return f;
}

Family single(std::string name, std::string unit, std::string help, Value value) {
  Family f = family(std::move(name), MetricType::Gauge, std::move(unit), std::move(help));
  f.samples.push_back({{}, value});
  return f;
}

// The per tag and pool families. A named tag has a series in each pool it
// has allocated from; "other" has one in every pool tagged, so that its
// series exist from the first scrape on.
std::vector<Family> tag_families(const FoldedTags &tags, model::PoolSet pools) {
  struct Column {
    Family family;
    Value (*value)(const model::Counts &);
  };
  std::vector<Column> columns;
  columns.push_back({family("pooltag_outstanding_bytes", MetricType::Gauge, "bytes",
                            "Bytes allocated while tagging was on and not freed yet, by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.bytes(); }});
  columns.push_back({family("pooltag_outstanding_allocations", MetricType::Gauge, "",
                            "Allocations made while tagging was on and not freed yet, by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.diff(); }});
  columns.push_back({family("pooltag_allocations", MetricType::Counter, "",
                            "Allocations counted since tagging was enabled, by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.allocs; }});
  columns.push_back({family("pooltag_frees", MetricType::Counter, "",
                            "Frees of counted allocations (implicit ones included), by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.frees; }});
  columns.push_back({family("pooltag_allocated_bytes", MetricType::Counter, "bytes",
                            "Bytes allocated since tagging was enabled, by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.alloc_bytes; }});
  columns.push_back({family("pooltag_freed_bytes", MetricType::Counter, "bytes",
                            "Bytes freed of counted allocations, by tag and pool"),
                     [](const model::Counts &c) -> Value { return c.free_bytes; }});
  columns.push_back({family("pooltag_implicit_frees", MetricType::Counter, "",
                            "Frees seen only when the address was allocated again (bulk and RCU-batched frees): "
                            "while non-zero, the tag's outstanding counts are upper bounds"),
                     [](const model::Counts &c) -> Value { return c.implicit_frees; }});

  auto add_row = [&](const model::TagRow &row, bool every_tagged_pool) {
    for (model::Pool p : model::kAllPools) {
      const model::Counts &c = row.pool(p);
      if (c.empty() && !(every_tagged_pool && pools.has(p))) continue;
      Labels labels = {{"tag", row.tag}, {"pool", std::string(model::pool_name(p))}};
      for (auto &col : columns) col.family.samples.push_back({labels, col.value(c)});
    }
  };
  for (const auto &row : tags.named) add_row(row, false);
  add_row(tags.other, true);

  std::vector<Family> out;
  for (auto &col : columns) out.push_back(std::move(col.family));
  return out;
}

Family loss_family(const model::Snapshot &s) {
  Family f = family("pooltag_losses", MetricType::Counter, "",
                    "Events that could not be counted exactly, by kind (see docs/engine.md, Losses)");
  const std::pair<const char *, uint64_t> kinds[] = {
      {"untracked", s.losses.untracked},
      {"table_busy", s.losses.table_busy},
      {"implicit_frees", s.losses.implicit_frees},
      {"site_overflow", s.losses.site_overflow},
      {"recursion_misses", s.losses.recursion_misses},
      {"stack_errors", s.losses.stack_errors},
      {"no_caller", s.losses.no_caller},
      {"stack_collisions", s.losses.stack_collisions},
      {"bulk_unseen", s.losses.bulk_unseen},
      {"stack_full", s.losses.stack_full},
      {"hit_drops", s.losses.hit_drops},
  };
  for (const auto &[kind, value] : kinds) f.samples.push_back({{{"kind", kind}}, value});
  return f;
}

}  // namespace

std::vector<Family> metric_families(const ScrapeInput &in) {
  std::vector<Family> out;
  Family build = family("pooltag_build", MetricType::Info, "",
                        "The pooltag that serves these metrics and the libbpf it runs with");
  build.samples.push_back({{{"version", in.build.version}, {"libbpf_version", in.build.libbpf_version}}, int64_t{1}});
  out.push_back(std::move(build));
  out.push_back(single("pooltag_enabled", "", "1 when pool tagging is enabled (pooltag enable), 0 when not",
                       int64_t{in.enabled ? 1 : 0}));

  Family caps = family("pooltag_capability_enabled", MetricType::Gauge, "",
                       "1 when this kernel and the tagging in place give the capability (pooltag status)");
  for (const auto &c : in.capabilities) caps.samples.push_back({{{"capability", c.name}}, int64_t{c.on ? 1 : 0}});
  out.push_back(std::move(caps));

  if (in.enabled && in.snapshot != nullptr && in.tags != nullptr) {
    const model::Snapshot &s = *in.snapshot;
    out.push_back(single("pooltag_enabled_timestamp_seconds", "seconds",
                         "When tagging was enabled, in seconds since the Unix epoch",
                         static_cast<double>(s.enabled_since_ns) / 1e9));
    out.push_back(single("pooltag_sample_interval", "",
                         "1: every allocation is counted; N: about one in N is, and counts are estimates",
                         uint64_t{s.sample_every}));
    out.push_back(single("pooltag_live_table_used_slots", "", "Live-table slots holding an outstanding allocation",
                         s.live_used));
    out.push_back(single("pooltag_live_table_slots", "", "Live-table slots (pooltag enable --max-live)",
                         s.live_capacity));
    out.push_back(single("pooltag_site_table_used_slots", "", "Allocation sites seen", uint64_t{s.sites.size()}));
    out.push_back(single("pooltag_site_table_slots", "", "Site-table slots", in.site_capacity));
    Family unmatched = family("pooltag_unmatched_frees", MetricType::Counter, "",
                              "Frees of allocations made before tagging was enabled (or untracked): ignored");
    unmatched.samples.push_back({{}, s.free_unmatched});
    out.push_back(std::move(unmatched));
    out.push_back(loss_family(s));
    out.push_back(single("pooltag_exported_tags", "", "Tags exported by name this scrape (the rest are tag=\"other\")",
                         uint64_t{in.tags->named.size()}));
    for (auto &f : tag_families(*in.tags, s.pools)) out.push_back(std::move(f));
  }
  out.push_back(single("pooltag_scrape_collect_duration_seconds", "seconds",
                       "Time this scrape took to read the kernel's tables and group them by tag", in.collect_seconds));
  return out;
}

}  // namespace pooltag::exporter
