#include "export/exposition.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace pooltag::exporter {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The length of the UTF-8 sequence at s[i], 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, surrogate
  return n;
}

std::string escape(std::string_view value, bool quote) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    size_t n = utf8_length(value, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    char c = value[i];
    if (n == 1 && c == '\\')
      out += "\\\\";
    else if (n == 1 && c == '\n')
      out += "\\n";
    else if (n == 1 && c == '"' && quote)
      out += "\\\"";
    else
      out.append(value.substr(i, n));
    i += n;
  }
  return out;
}

std::string type_name(MetricType type, Format format) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Info: return format == Format::OpenMetrics ? "info" : "gauge";
    case MetricType::Gauge: break;
  }
  return "gauge";
}

std::string value_text(const Value &v) {
  return std::visit([](auto x) { return fmt::format("{}", x); }, v);
}

}  // namespace

Format negotiate(std::string_view accept) {
  double openmetrics = 0, text = 0;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    size_t semi = range.find(';');
    std::string_view type = trim(range.substr(0, semi));
    double q = 1;
    while (semi != std::string_view::npos) {
      range = range.substr(semi + 1);
      semi = range.find(';');
      std::string_view param = trim(range.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        q = std::strtod(std::string(param.substr(2)).c_str(), nullptr);
    }
    if (iequals(type, "application/openmetrics-text"))
      openmetrics = std::max(openmetrics, q);
    else if (iequals(type, "text/plain") || iequals(type, "text/*") || iequals(type, "*/*"))
      text = std::max(text, q);
  }
  return openmetrics > 0 && openmetrics >= text ? Format::OpenMetrics : Format::Text;
}

std::string_view content_type(Format format) {
  return format == Format::OpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                       : "text/plain; version=0.0.4; charset=utf-8";
}

std::string escape_label_value(std::string_view value) { return escape(value, true); }

std::string escape_help(std::string_view help, Format format) { return escape(help, format == Format::OpenMetrics); }

std::string render(const std::vector<Family> &families, Format format) {
  std::string out;
  for (const auto &f : families) {
    // The text format names a family by its samples (..._total); OpenMetrics
    // by the family (the _total and _info are the samples' suffixes).
    std::string name = format == Format::OpenMetrics ? f.name : f.sample_name();
    out += fmt::format("# HELP {} {}\n", name, escape_help(f.help, format));
    out += fmt::format("# TYPE {} {}\n", name, type_name(f.type, format));
    if (format == Format::OpenMetrics && !f.unit.empty()) out += fmt::format("# UNIT {} {}\n", name, f.unit);
    std::string sample = f.sample_name();
    for (const auto &s : f.samples) {
      out += sample;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i)
          out += fmt::format("{}{}=\"{}\"", i ? "," : "", s.labels[i].first, escape_label_value(s.labels[i].second));
        out += '}';
      }
      out += ' ';
      out += value_text(s.value);
      out += '\n';
    }
  }
  if (format == Format::OpenMetrics) out += "# EOF\n";
  return out;
}

}  // namespace pooltag::exporter
