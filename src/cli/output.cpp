#include "cli/output.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include <nlohmann/json.hpp>
#include <string_view>

namespace pooltag::cli {

std::string json_line(const nlohmann::json &document) {
  // replace, not throw: a message or a task's name may carry bytes from a
  // file or the kernel that are not UTF-8
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Output::result(const std::function<nlohmann::json()> &json, const std::function<std::string()> &text) const {
  if (json_)
    document(json());
  else
    this->text(text());
}

void Output::document(const nlohmann::json &doc) const { fmt::print("{}\n", json_line(doc)); }

void Output::text(std::string_view text) const { fmt::print("{}", text); }

void Output::note(std::string_view line) const { fmt::print(json_ ? stderr : stdout, "{}\n", line); }

std::string error_json(const Error &error) {
  return json_line(nlohmann::json{{"error", {{"message", error.message}, {"code", error.exit_code}}}});
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

size_t output_width(size_t terminal_columns, const char *columns_env) {
  if (terminal_columns != 0) return terminal_columns;
  if (columns_env == nullptr) return 0;
  size_t n = 0;
  std::string_view s(columns_env);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && end == s.data() + s.size() ? n : 0;
}

size_t output_width() {
  winsize ws{};
  size_t terminal = isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
  return output_width(terminal, std::getenv("COLUMNS"));
}

}  // namespace pooltag::cli
