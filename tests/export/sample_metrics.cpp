// Prints one scrape's metrics, built by the exporter's own code from a
// made-up snapshot whose tag names need escaping (quotes, backslashes,
// newlines, bytes that are not UTF-8), in the format given as argv[1]
// ("text" or "openmetrics"). check_metrics.sh pipes it into promtool.
#include <fmt/format.h>

#include <cstring>

#include "export/exposition.h"
#include "export/metrics.h"

using namespace pooltag;

int main(int argc, char **argv) {
  auto format = argc > 1 && std::strcmp(argv[1], "openmetrics") == 0 ? exporter::Format::OpenMetrics
                                                                     : exporter::Format::Text;
  model::Snapshot snap;
  snap.pools = model::PoolSet::defaults();
  snap.enabled_since_ns = 1700000000123456789ull;
  snap.live_used = 5000;
  snap.live_capacity = 1u << 20;
  snap.sites.resize(4);
  std::vector<model::TagRow> rows;
  const char *tags[] = {"do_eventfd", "say \"hi\"", "back\\slash", "two\nlines", "bad\xFF utf8", "<unknown>"};
  uint64_t n = 1;
  for (const char *tag : tags) {
    model::TagRow r;
    r.tag = tag;
    auto &c = r.per_pool[static_cast<size_t>(n % 2 ? model::Pool::Slab : model::Pool::Percpu)];
    c.allocs = 1000 * n;
    c.frees = 10 * n;
    c.alloc_bytes = 64 * c.allocs;
    c.free_bytes = 64 * c.frees;
    rows.push_back(r);
    ++n;
  }
  exporter::TagSelection selection(5);  // do_eventfd, the smallest, goes into other
  auto folded = selection.fold(rows);
  exporter::ScrapeInput in;
  in.build = {"0.1.0", "1.1"};
  in.enabled = true;
  in.snapshot = &snap;
  in.tags = &folded;
  in.site_capacity = 16384;
  in.capabilities = {{"slab pool", true, ""}, {"object dumps (find --dump)", false, ""}};
  in.collect_seconds = 0.0123;
  fmt::print("{}", exporter::render(exporter::metric_families(in), format));
  return 0;
}
