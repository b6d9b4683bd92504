// pooltag status: is tagging on, since when, its table fill, loss counters
// and programs (engine/status.h), as text or JSON (views/status_view.h).
#include "cli/commands.h"
#include "cli/output.h"
#include "engine/status.h"
#include "views/kernel_view.h"
#include "views/status_view.h"

namespace pooltag::cli {

Runner add_status(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand("status", "Show whether pool tagging is on, since when, its table fill, loss "
                                           "counters and attached programs");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON object");
  return [json, &ctx]() -> Result<int> {
    Output output(*json);
    auto report = engine::tagging_status(ctx.pin_dir, *ctx.system);
    if (!report) {
      // "not enabled" is status's answer, not its failure
      if (report.error().exit_code != kExitNotEnabled) return report.error();
      output.result([&] { return views::not_enabled_json(ctx.pin_dir); }, [] { return views::not_enabled_text(); });
      return static_cast<int>(kExitNotEnabled);
    }
    const auto &s = report->status;
    auto capabilities = views::capabilities(report->features, report->plan, s.pools, s.bulk_paths);
    output.result([&] { return views::status_json(s, capabilities); },
                  [&] { return views::status_text(s, capabilities); });
    return 0;
  };
}

}  // namespace pooltag::cli
