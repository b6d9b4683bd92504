#include "cli/output.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace pooltag::cli {

std::string error_json(const Error &error) {
  // replace, not throw: a message may carry bytes from a file or the kernel
  // that are not UTF-8
  return nlohmann::json{{"error", {{"message", error.message}, {"code", error.exit_code}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

FailureOutput render_failure(const Error &error, bool json) {
  if (json) return {stdout, error_json(error) + "\n"};
  // one line, whatever the message carries
  std::string line = error.message;
  for (char &c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return {stderr, fmt::format("pooltag: {}\n", line)};
}

int report_failure(const Error &error, bool json) {
  auto out = render_failure(error, json);
  std::fflush(stdout);  // after whatever the command printed before failing
  std::fputs(out.text.c_str(), out.stream);
  std::fflush(out.stream);
  return error.exit_code;
}

void print_warning(const Error &error) { fmt::print(stderr, "pooltag: {}\n", error.message); }

bool json_requested(int argc, const char *const *argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--json") return true;
  }
  return false;
}

}  // namespace pooltag::cli
