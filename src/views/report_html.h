// `pooltag report`: one self-contained HTML page of a recording — the
// kernel heap over time (/proc/meminfo), the top growing tags over time,
// the suspects table, and each suspect's recorded stacks. Works offline:
// uPlot and the data are inlined, and the page's Content-Security-Policy
// forbids any fetch. Every text from the recording (tag names, owners, tag
// file descriptions, stacks) is escaped.
#pragma once

#include <string>
#include <string_view>

#include "analysis/leaks.h"
#include "record/recording.h"

namespace pooltag::views {

struct ReportOptions {
  std::string source;           // the recording's path, shown in the header
  uint64_t generated_ns = 0;    // CLOCK_REALTIME
  size_t chart_tags = 8;        // tags drawn over time
  size_t stacks_per_tag = 5;
};

std::string render_report_html(const record::Recording &recording, const analysis::LeakReport &leaks,
                               const ReportOptions &options);

// Text safe inside HTML elements and quoted attributes; bytes that are not
// UTF-8 become U+FFFD.
std::string html_escape(std::string_view text);

}  // namespace pooltag::views
