// `pooltag export`: a Prometheus exporter. Parses the options and hands
// over to the collector (cli/export_collector.h) and the HTTP server
// (export/http_server.h); docs/export.md has the metrics.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/export_collector.h"
#include "export/http_server.h"
#include "kernel/control.h"

namespace pooltag::cli {

namespace {

struct ExportArgs {
  std::string listen = exporter::kDefaultListen;
  ExportSettings settings;
};

Result<int> run_export(const ExportArgs &args, Context &ctx) {
  // usage errors first, then privilege, then the port
  auto address = exporter::parse_listen_address(args.listen);
  if (!address) return address.error();
  if (args.settings.top == 0) return Error{"--top 0: at least one tag is exported by name", kExitUsage};
  for (const auto *list : {&args.settings.patterns, &args.settings.exclude})
    for (const auto &p : *list)
      if (auto st = check_tag_pattern(p); !st) return st.error();
  if (args.settings.tags.by == "stack")
    return Error{"--by stack is not exported: a series per stack is unbounded (caller, module, cache)",
                        kExitUsage};
  if (!model::parse_grouping(args.settings.tags.by))
    return Error{fmt::format("unknown grouping '{}' (caller, module, cache)", args.settings.tags.by),
                        kExitUsage};
  if (auto st = kernel::require_root(*ctx.system, "export"); !st) return st.error();

  auto collector = ExportCollector::create(ctx, args.settings);
  if (!collector) return collector.error();
  auto server = exporter::MetricsServer::bind(
      *address, [c = collector->get()](std::string_view accept) { return c->scrape(accept); });
  if (!server) return server.error();
  exporter::ListenAddress bound = *address;
  bound.port = (*server)->port();
  if (!bound.loopback())
    fmt::print(stderr, "pooltag export: {} is not a loopback address: other hosts can read these metrics\n",
               bound.text());
  fmt::print("pooltag export: serving http://{}/metrics\n", bound.text());
  std::fflush(stdout);
  if (auto st = exporter::serve_until_signal(**server); !st) return st.error();
  return kExitOk;
}

}  // namespace

Runner add_export(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "export", "Serve the tag counts as Prometheus metrics on /metrics (text format, or OpenMetrics when asked); "
                "see docs/export.md");
  auto args = std::make_shared<ExportArgs>();
  auto &s = args->settings;
  cmd->add_option("PATTERN", s.patterns, "Export only tags matching these patterns (* and ? wildcards)");
  cmd->add_option("--exclude", s.exclude, "Leave out tags matching this pattern (repeatable)");
  cmd->add_option("--listen", args->listen,
                  "ADDRESS:PORT to serve on ([::1]:PORT for IPv6; port 0 picks one); loopback unless you say "
                  "otherwise")
      ->capture_default_str();
  cmd->add_option("--top", s.top,
                  "Tags exported by name: the N largest by outstanding bytes (and earlier ones still holding "
                  "memory); the rest are summed into tag=\"other\"")
      ->capture_default_str();
  add_tag_options(cmd, s.tags);
  return [args, &ctx]() { return run_export(*args, ctx); };
}

}  // namespace pooltag::cli
