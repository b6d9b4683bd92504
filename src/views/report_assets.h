// The charting library pooltag report inlines: uPlot (MIT licence), taken
// from npm into the build tree at build time and compiled into the binary
// (cmake/EmbedFile.cmake), so a report draws with no network.
#pragma once

#include <string_view>

namespace pooltag::views {

std::string_view uplot_js();
std::string_view uplot_css();
std::string_view uplot_version();
std::string_view uplot_license();  // its LICENSE file, the MIT notice

}  // namespace pooltag::views
