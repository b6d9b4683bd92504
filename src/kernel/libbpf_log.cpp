#include "kernel/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <vector>

namespace pooltag::kernel {

namespace {

std::mutex g_mutex;
std::string g_output;
bool g_verbose = false;

int capture(enum libbpf_print_level level, const char *format, va_list args) {
  if (level == LIBBPF_DEBUG && !g_verbose) return 0;
  va_list copy;
  va_copy(copy, args);
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, format, copy);
  va_end(copy);
  std::string text;
  if (n >= static_cast<int>(sizeof buf)) {
    // a verifier log arrives as one long message
    std::vector<char> big(static_cast<size_t>(n) + 1);
    vsnprintf(big.data(), big.size(), format, args);
    text.assign(big.data(), static_cast<size_t>(n));
  } else if (n > 0) {
    text.assign(buf, static_cast<size_t>(n));
  }
  std::lock_guard lock(g_mutex);
  g_output += text;
  if (g_verbose) fputs(text.c_str(), stderr);
  return 0;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Lines of a verifier log that summarise rather than explain.
bool is_summary(std::string_view line) {
  for (std::string_view p : {"processed ", "verification time", "stack depth", "max_states_per_insn", "peak_states",
                             "mark_precise", "Validating ", "Func#", "func#", "-- "})
    if (starts_with(line, p)) return true;
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

void capture_libbpf_output(bool verbose) {
  g_verbose = verbose;
  libbpf_set_print(capture);
}

std::string take_libbpf_output() {
  std::lock_guard lock(g_mutex);
  std::string out;
  out.swap(g_output);
  return out;
}

LoadFailure load_failure(std::string_view output) {
  LoadFailure f;
  auto lines = lines_of(output);
  // libbpf: "libbpf: prog 'NAME': BPF program load failed: REASON", then the
  // verifier log between BEGIN/END PROG LOAD LOG, then "failed to load".
  size_t failed_at = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    auto line = lines[i];
    auto p = line.find("prog '");
    if (p == std::string_view::npos) continue;
    if (line.find("failed to load") == std::string_view::npos && line.find("load failed") == std::string_view::npos)
      continue;
    auto q = line.find('\'', p + 6);
    if (q == std::string_view::npos) continue;
    f.program = std::string(line.substr(p + 6, q - p - 6));
    failed_at = i;
    break;
  }
  if (f.program.empty()) return f;
  // the log of that program: the nearest END before the failure line
  size_t end = failed_at, begin = failed_at;
  for (size_t i = failed_at; i-- > 0;) {
    if (lines[i].find("failed to load") != std::string_view::npos) break;  // an earlier program's
    if (lines[i].find("-- END PROG LOAD LOG --") != std::string_view::npos) end = i;
    if (lines[i].find("-- BEGIN PROG LOAD LOG --") != std::string_view::npos) {
      begin = i;
      break;
    }
  }
  for (size_t i = end; begin < end && i-- > begin + 1;) {
    if (is_summary(lines[i])) continue;
    f.reason = std::string(lines[i]);
    return f;
  }
  // no verifier log (refused before verification, or by libbpf itself):
  // libbpf's own line about the program, e.g. "BPF program load failed:
  // Operation not permitted" or "failed to find kernel BTF type ID of 'x'"
  const std::string tag = "prog '" + f.program + "': ";
  for (size_t i = failed_at + 1; i-- > 0;) {
    auto line = lines[i];
    auto p = line.find(tag);
    if (p == std::string_view::npos) continue;
    auto text = line.substr(p + tag.size());
    if (starts_with(text, "failed to load") || starts_with(text, "-- ")) continue;
    f.reason = std::string(text);
    return f;
  }
  return f;
}

}  // namespace pooltag::kernel
