// The subcommands. Each registers its options on the CLI11 app and returns
// the function that runs it. Running gives the exit code of a command that
// did its job (0; `status` answers "not enabled" with 3), or the Error that
// stopped it: main prints that through the one output layer (cli/output.h),
// as JSON under --json, so no command prints its own errors.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/context.h"

namespace pooltag::cli {

using Runner = std::function<Result<int>()>;

Runner add_enable(CLI::App &app, Context &ctx);
Runner add_disable(CLI::App &app, Context &ctx);
Runner add_status(CLI::App &app, Context &ctx);
Runner add_used(CLI::App &app, Context &ctx);
Runner add_mon(CLI::App &app, Context &ctx);
Runner add_hit(CLI::App &app, Context &ctx);
Runner add_stacks(CLI::App &app, Context &ctx);
Runner add_find(CLI::App &app, Context &ctx);
Runner add_pool(CLI::App &app, Context &ctx);
Runner add_kd(CLI::App &app, Context &ctx);
Runner add_check(CLI::App &app, Context &ctx);
Runner add_export(CLI::App &app, Context &ctx);
Runner add_record(CLI::App &app, Context &ctx);
Runner add_leaks(CLI::App &app, Context &ctx);
Runner add_report(CLI::App &app, Context &ctx);

}  // namespace pooltag::cli
