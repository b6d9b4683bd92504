#include "views/stack_view.h"

#include <fmt/format.h>

#include "common/wildcard.h"

namespace pooltag::views {

namespace {

// Frames between the tracepoint and the program: noise to a reader.
bool is_tracing_glue(const std::string &frame) {
  for (const char *p : {"bpf_trace_run*", "__bpf_trace_*", "__traceiter_*", "bpf_prog_*", "0x*"})
    if (wildcard_match(p, frame)) return true;
  return false;
}

size_t first_shown(const std::vector<std::string> &frames) {
  size_t i = 0;
  while (i < frames.size() && is_tracing_glue(frames[i])) ++i;
  return i == frames.size() ? 0 : i;
}

}  // namespace

std::vector<std::string> stack_frames(const std::vector<uint64_t> &ips, const model::CodeSymbolizer &symbols) {
  std::vector<std::string> frames;
  frames.reserve(ips.size());
  for (uint64_t ip : ips) frames.push_back(symbols.describe(ip));
  return {frames.begin() + static_cast<std::ptrdiff_t>(first_shown(frames)), frames.end()};
}

std::string render_kb(const std::vector<uint64_t> &ips, const model::CodeSymbolizer &symbols,
                      const std::string &indent) {
  std::vector<std::string> frames;
  for (uint64_t ip : ips) frames.push_back(symbols.describe(ip));
  size_t start = first_shown(frames);
  std::string out = fmt::format("{} # RetAddr            Call Site\n", indent);
  for (size_t i = start; i < frames.size(); ++i)
    out += fmt::format("{}{:02x} {:016x}   {}\n", indent, i - start, ips[i], frames[i]);
  return out;
}

}  // namespace pooltag::views
