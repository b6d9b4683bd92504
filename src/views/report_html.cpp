#include "views/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "common/units.h"
#include "views/leaks_view.h"
#include "views/report_assets.h"

namespace pooltag::views {

namespace {

// The length of the UTF-8 sequence starting at s[i], 0 when there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  return n;
}

std::string local_time(uint64_t realtime_ns) { return format_local_time(realtime_ns); }

// JSON that may stand inside <script>: no "</script>", no "<!--".
std::string script_json(const nlohmann::json &j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

// The tags drawn over time: suspects first, then upper bounds; with
// neither, the largest tags, so the chart still shows what is there.
std::vector<std::string> chart_tags(const analysis::LeakReport &leaks, size_t limit) {
  std::vector<std::string> out;
  for (const auto *list : {&leaks.suspects, &leaks.bounded})
    for (const auto &t : *list)
      if (out.size() < limit) out.push_back(t.tag);
  if (out.empty()) {
    auto noise = leaks.noise;
    std::sort(noise.begin(), noise.end(), [](const auto &a, const auto &b) { return a.bytes > b.bytes; });
    for (const auto &t : noise)
      if (out.size() < limit) out.push_back(t.tag);
  }
  return out;
}

nlohmann::json chart_data(const record::Recording &rec, const std::vector<std::string> &tags) {
  nlohmann::json times = nlohmann::json::array();
  for (const auto &in : rec.instants) times.push_back(static_cast<double>(in.time_ns) / 1e9);
  auto meminfo = [&](uint64_t record::Meminfo::*field) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto &in : rec.instants) values.push_back(in.meminfo.*field);
    return values;
  };
  nlohmann::json heap = {{"labels", {"Slab", "SUnreclaim", "Percpu", "VmallocUsed"}},
                         {"values",
                          {meminfo(&record::Meminfo::slab), meminfo(&record::Meminfo::sunreclaim),
                           meminfo(&record::Meminfo::percpu), meminfo(&record::Meminfo::vmalloc_used)}}};
  nlohmann::json values = nlohmann::json::array();
  for (const auto &tag : tags) {
    // a tag's bytes over all its pools; null where it was not there, so
    // the line breaks instead of joining two sessions
    std::vector<std::optional<int64_t>> sum(rec.instants.size());
    for (const auto &s : rec.series) {
      if (s.tag != tag) continue;
      for (const auto &p : s.points) sum[p.instant] = add_saturating(sum[p.instant].value_or(0), p.counts.bytes);
    }
    nlohmann::json v = nlohmann::json::array();
    for (size_t i = 0; i < sum.size(); ++i) {
      bool new_session = i > 0 && rec.instants[i].session != rec.instants[i - 1].session;
      if (sum[i] && !new_session) v.push_back(*sum[i]);
      else v.push_back(nullptr);
    }
    values.push_back(v);
  }
  return {{"time", times}, {"heap", heap}, {"tags", {{"labels", tags}, {"values", values}}}};
}

std::string suspects_table(const std::vector<analysis::TagTrend> &rows, bool bounded) {
  std::string out =
      "<table><thead><tr><th>Tag</th><th>Trend</th><th>Bytes/h</th><th>Objects/h</th><th>p</th><th>Rising</th>"
      "<th>Bytes</th><th>Projection/day</th><th>First seen</th><th>Owner</th><th>Description</th></tr></thead><tbody>\n";
  for (const auto &t : rows) {
    out += fmt::format(
        "<tr><td class=\"tag\">{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{:.2g}</td><td>{:.0f}%</td>"
        "<td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(t.tag), trend_name(t.trend), trend_name(t.trend), html_escape(format_rate(t.bytes_per_hour, true)),
        html_escape(format_rate(t.objects_per_hour, false)), t.p_value, 100 * t.fraction_growing,
        bounded ? "&le;" : "", format_count(static_cast<uint64_t>(std::max<int64_t>(0, t.bytes))),
        format_bytes_short(saturate_u64(t.projection_bytes_per_day)),
        local_time(t.first_seen_ns), html_escape(t.owner), html_escape(t.description));
  }
  return out + "</tbody></table>\n";
}

std::string stacks_section(const record::Recording &rec, const analysis::LeakReport &leaks, size_t per_tag) {
  std::string out;
  for (const auto &t : leaks.suspects) {
    std::vector<const record::StackValue *> mine;
    for (const auto &s : rec.stacks) {
      const auto &v = s.value;
      if (v.tag == t.tag || fmt::format("{}#{}", v.tag, v.stack_id) == t.tag) mine.push_back(&v);
    }
    if (mine.empty()) continue;
    std::sort(mine.begin(), mine.end(), [](const auto *a, const auto *b) { return a->bytes > b->bytes; });
    out += fmt::format("<h3>{}</h3>\n", html_escape(t.tag));
    for (size_t i = 0; i < mine.size() && i < per_tag; ++i)
      out += fmt::format("<details{}><summary>stack {}: {} outstanding, {} bytes</summary><pre>{}</pre></details>\n",
                         i == 0 ? " open" : "", mine[i]->stack_id,
                         format_count(mine[i]->allocs - std::min(mine[i]->frees, mine[i]->allocs)),
                         format_count(static_cast<uint64_t>(std::max<int64_t>(0, mine[i]->bytes))),
                         html_escape(mine[i]->frames));
  }
  if (out.empty())
    out = "<p>No stacks were recorded for these tags (<code>pooltag stacks TAG</code> records them).</p>\n";
  return out;
}

// Draws the charts with uPlot, then says on the page what it drew (the
// #report-status element: charts and series drawn, errors, fetches made),
// which the browser test reads.
constexpr const char *kDrawScript = R"JS(
(function () {
  var status = document.getElementById('report-status');
  var errors = 0, drawn = {};
  function report() {
    var names = Object.keys(drawn);
    status.dataset.charts = names.length;
    status.dataset.series = names.map(function (n) { return n + ':' + drawn[n]; }).join(' ');
    status.dataset.errors = errors;
    status.dataset.resources = performance.getEntriesByType('resource').length;
    status.textContent = 'drawn ' + status.dataset.series + '; errors ' + errors;
  }
  window.addEventListener('error', function () { errors++; report(); });
  document.addEventListener('securitypolicyviolation', function () { errors++; report(); });
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  function bytes(v) {
    if (v == null) return '';
    var units = ['B', 'K', 'M', 'G', 'T'], i = 0, a = Math.abs(v);
    while (a >= 1024 && i < units.length - 1) { a /= 1024; i++; }
    return (v < 0 ? '-' : '') + (i ? a.toFixed(1) : a.toFixed(0)) + units[i];
  }
  function chart(id, labels, values) {
    var el = document.getElementById(id);
    var series = [{}];
    labels.forEach(function (label, i) {
      series.push({ label: label, stroke: colors[i % colors.length], width: 2, value: function (u, v) { return bytes(v); } });
    });
    var opts = {
      width: Math.max(600, el.clientWidth), height: 320, series: series,
      axes: [{}, { size: 70, values: function (u, vals) { return vals.map(bytes); } }],
      hooks: { draw: [function (u) { drawn[id] = u.series.length - 1; report(); }] }
    };
    new uPlot(opts, [data.time].concat(values), el);
  }
  chart('chart-heap', data.heap.labels, data.heap.values);
  chart('chart-tags', data.tags.labels, data.tags.values);
  report();
})();
)JS";

constexpr const char *kStyle = R"CSS(
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; } h3 { font-size: 1em; font-family: monospace; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
td.tag, td:nth-last-child(-n+2) { text-align: left; font-family: monospace; }
td.growing { color: #b00; font-weight: bold; } td.stopped { color: #a60; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 0.85em; }
.chart { width: 100%; min-height: 340px; }
.note { color: #555; font-size: 0.9em; }
)CSS";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    char c = text[i];
    if (n > 1) out.append(text.substr(i, n));
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else if (c == '\'') out += "&#39;";
    else if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += "\xEF\xBF\xBD";
    else out += c;
    i += n;
  }
  return out;
}

std::string render_report_html(const record::Recording &rec, const analysis::LeakReport &leaks,
                               const ReportOptions &options) {
  auto tags = chart_tags(leaks, options.chart_tags);
  const uint64_t span = leaks.to_ns > leaks.from_ns ? leaks.to_ns - leaks.from_ns : 0;
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing but what is inline: a report opened offline, or from an
  // untrusted recording, fetches nothing.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
         "style-src 'unsafe-inline'; img-src data:\">\n";
  out += fmt::format("<title>pooltag report: {}</title>\n", html_escape(options.source));
  // the MIT notice travels with the code; a comment cannot hold "--"
  std::string notice(uplot_license());
  for (size_t at; (at = notice.find("--")) != std::string::npos;) notice.replace(at, 2, "- -");
  out += fmt::format("<!-- The charts: uPlot {}, inlined.\n{}-->\n", uplot_version(), notice);
  out += "<style>\n" + std::string(uplot_css()) + "\n" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>pooltag: which tag is leaking</h1>\n";
  out += fmt::format(
      "<p class=\"note\">Recording <code>{}</code>: {} to {} ({}), {} intervals ({} drawn), {} tagging session{}. "
      "Report made {}.</p>\n",
      html_escape(options.source), local_time(leaks.from_ns), local_time(leaks.to_ns), format_duration_ns(span),
      format_count(leaks.samples), format_count(leaks.instants), leaks.sessions, leaks.sessions == 1 ? "" : "s",
      local_time(options.generated_ns));
  out += "<h2>Kernel heap (/proc/meminfo)</h2>\n<div id=\"chart-heap\" class=\"chart\"></div>\n";
  out += fmt::format("<h2>{}: outstanding bytes</h2>\n<div id=\"chart-tags\" class=\"chart\"></div>\n",
                     leaks.suspects.empty() && leaks.bounded.empty() ? "Largest tags (none grew steadily)"
                                                                     : "Top growing tags");
  out += "<h2>Suspects</h2>\n";
  out += leaks.suspects.empty() ? "<p>No tag grew steadily.</p>\n" : suspects_table(leaks.suspects, false);
  if (!leaks.bounded.empty()) {
    out += "<h2>Upper bounds, not suspects</h2>\n<p class=\"note\">Objects of these tags were freed in bulk or in "
           "RCU batches, which fire no event on this kernel: their counts are upper bounds "
           "(docs/engine.md#bulk-frees).</p>\n";
    out += suspects_table(leaks.bounded, true);
  }
  out += fmt::format("<p class=\"note\">{} tags flat or noise; {} seen too briefly to judge. Slopes: Theil–Sen; p: "
                     "Mann–Kendall, one-sided (docs/leaks.md).</p>\n",
                     leaks.noise.size(), leaks.too_short);
  out += "<h2>Stacks of the suspects</h2>\n" + stacks_section(rec, leaks, options.stacks_per_tag);
  out += "<output id=\"report-status\" hidden></output>\n";
  out += "<script type=\"application/json\" id=\"report-data\">" + script_json(chart_data(rec, tags)) + "</script>\n";
  out += "<script>\n" + std::string(uplot_js()) + "\n</script>\n";
  out += std::string("<script>") + kDrawScript + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace pooltag::views
