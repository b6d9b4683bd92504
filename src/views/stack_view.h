// Kernel stacks as the seed's `kb` shows them: one frame a line,
// "symbol+0xoff [module]", innermost first, the tracing glue between the
// tracepoint and pooltag's program left out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/tagging.h"

namespace pooltag::views {

// Frames to show: drops the leading frames of the tracing machinery.
std::vector<std::string> stack_frames(const std::vector<uint64_t> &ips, const model::CodeSymbolizer &symbols);

// "  # RetAddr           Call Site" table rows, as WinDbg's kb.
std::string render_kb(const std::vector<uint64_t> &ips, const model::CodeSymbolizer &symbols,
                      const std::string &indent = "  ");

}  // namespace pooltag::views
