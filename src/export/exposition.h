// Metric families as the Prometheus text exposition format (0.0.4) or as
// OpenMetrics 1.0, chosen from a scraper's Accept header. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "export/metrics.h"

namespace pooltag::exporter {

enum class Format { Text, OpenMetrics };

// OpenMetrics when the Accept header lists application/openmetrics-text
// with a quality at least that of the text format (Prometheus asks so);
// the text format otherwise, and for no header.
Format negotiate(std::string_view accept);
std::string_view content_type(Format format);

std::string render(const std::vector<Family> &families, Format format);

// A label value as both formats quote it: \ " and newline escaped; bytes
// that are not UTF-8 become U+FFFD (Prometheus rejects such values).
std::string escape_label_value(std::string_view value);
// HELP text: \ and newline escaped (and " in OpenMetrics).
std::string escape_help(std::string_view help, Format format);

}  // namespace pooltag::exporter
