#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "engine/status.h"
#include "kernel/control.h"
#include "views/kernel_view.h"

namespace pooltag::cli {

Runner add_check(CLI::App &app, Context &ctx) {
  auto *cmd = app.add_subcommand(
      "check", "Without enabling anything: the kernel release, BTF, each allocation tracepoint's prototype, each BPF "
               "feature, and what pooltag will do on this kernel (exit 0 when tagging can work)");
  struct Args {
    bool json = false;
    std::string pools = "slab,percpu,vmalloc";
  };
  auto args = std::make_shared<Args>();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_option("--pools", args->pools, "Pool types to plan for, as enable takes them")->capture_default_str();
  return [args, &ctx]() -> Result<int> {
    if (auto st = kernel::require_root(*ctx.system, "check"); !st) return st.error();
    auto pools = model::parse_pool_list(args->pools);
    if (!pools) return pools.error();
    auto kernel = engine::plan_for_this_kernel(*pools);
    const auto &features = kernel.features;
    const auto &plan = kernel.plan;
    Output(args->json).result([&] { return views::check_json(features, plan); },
                              [&] { return views::check_text(features, plan); });
    return plan.fatal.empty() ? 0 : static_cast<int>(kExitError);
  };
}

}  // namespace pooltag::cli
