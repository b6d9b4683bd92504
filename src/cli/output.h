// The one output layer: how a command's result and its failure reach the
// reader. Commands make data; the views render it as text or as a JSON
// document; this prints it (Output). Under --json standard output carries
// only JSON, one document a line, the failure included (a JSON error
// object), so a script that parses stdout always gets JSON; otherwise text,
// and a failure is one line on standard error. Commands return their errors
// (Result); main hands them here.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace pooltag::cli {

// A JSON document as pooltag prints it: one line; bytes that are not UTF-8
// (a task's name, a message quoting a file) replaced, never an exception.
std::string json_line(const nlohmann::json &document);

// What a command prints, in the mode its --json chose.
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  bool json() const { return json_; }
  // The command's result: under --json the document `json` makes, else the
  // text `text` makes (only the one asked for is made).
  void result(const std::function<nlohmann::json()> &json, const std::function<std::string()> &text) const;
  // One document of a stream (hit's events, mon's refreshes), a line each.
  void document(const nlohmann::json &document) const;
  void text(std::string_view text) const;
  // A line about the run rather than its result (hit's summary): standard
  // output, or standard error under --json, where stdout is JSON only.
  void note(std::string_view line) const;

 private:
  bool json_ = false;
};

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
