// The one place that decides how a command's failure reaches its reader:
// under --json a JSON error object on standard output, so a script that
// parses stdout always gets JSON; otherwise one line on standard error.
// Commands return their errors (Result); main hands them here.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "common/result.h"

namespace pooltag::cli {

// {"error": {"message": "...", "code": N}}, N the exit code (common/result.h).
std::string error_json(const Error &error);

// What a failure prints and where: `json` picks the JSON object on stdout.
struct FailureOutput {
  std::FILE *stream;
  std::string text;  // ends in a newline
};
FailureOutput render_failure(const Error &error, bool json);

// Prints the failure as render_failure says and returns its exit code.
int report_failure(const Error &error, bool json);

// A problem that does not change the outcome (cleanup that failed after the
// command did its job): one line on stderr whatever the output mode.
void print_warning(const Error &error);

// Whether the command line asks for JSON: a "--json" argument before "--".
// main uses it when the command line itself is wrong, before any
// subcommand has parsed its own --json flag.
bool json_requested(int argc, const char *const *argv);

// The width a table fits its text to (`used`): the terminal's when
// standard output is one, else $COLUMNS when it is a positive number, else
// 0: no limit, so a pipe or a file gets the whole table as it is.
size_t output_width();
// The choice itself: `terminal_columns` is the terminal's width (0: not a
// terminal), `columns_env` $COLUMNS (null: unset).
size_t output_width(size_t terminal_columns, const char *columns_env);

}  // namespace pooltag::cli
