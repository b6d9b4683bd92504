// The subcommands. Each registers its options on the CLI11 app and returns
// the function that runs it; running returns an exit code (see
// common/result.h) after printing any error as one line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/context.h"

namespace pooltag::cli {

using Runner = std::function<int()>;

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

// Prints "pooltag: <message>" to stderr and returns the error's exit code.
int report(const Error &error);

}  // namespace pooltag::cli
