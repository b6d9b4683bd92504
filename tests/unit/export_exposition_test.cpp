// pooltag export's exposition: escaping, the text format and OpenMetrics,
// and which of them a scraper's Accept header gets.
#include "export/exposition.h"

#include <gtest/gtest.h>

using namespace pooltag::exporter;

TEST(ExportEscaping, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("do_eventfd"), "do_eventfd");
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("tab\tstays"), "tab\tstays");
  EXPECT_EQ(escape_label_value("<unknown> [nf_conntrack]"), "<unknown> [nf_conntrack]");
}

TEST(ExportEscaping, ValidUtf8IsKeptInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(escape_label_value("caf\xC3\xA9 \xE2\x89\xA4 \xF0\x9F\x90\xA7"), "caf\xC3\xA9 \xE2\x89\xA4 \xF0\x9F\x90\xA7");
  EXPECT_EQ(escape_label_value("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(escape_label_value("\xC3"), "\xEF\xBF\xBD");               // cut short
  EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

TEST(ExportEscaping, HelpEscapesQuotesOnlyInOpenMetrics) {
  EXPECT_EQ(escape_help("a \"b\" c\\d\ne", Format::Text), "a \"b\" c\\\\d\\ne");
  EXPECT_EQ(escape_help("a \"b\" c\\d\ne", Format::OpenMetrics), "a \\\"b\\\" c\\\\d\\ne");
}

TEST(ExportNegotiation, PrometheusGetsOpenMetricsCurlGetsText) {
  // what Prometheus 2.x sends
  EXPECT_EQ(negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                      "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::OpenMetrics);
  EXPECT_EQ(negotiate(""), Format::Text);
  EXPECT_EQ(negotiate("*/*"), Format::Text);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4"), Format::Text);
  EXPECT_EQ(negotiate("text/plain, application/openmetrics-text; q=0.5"), Format::Text);
  EXPECT_EQ(negotiate("Application/OpenMetrics-Text; version=1.0.0"), Format::OpenMetrics);
  EXPECT_EQ(negotiate("application/openmetrics-text;q=0"), Format::Text);
  EXPECT_EQ(content_type(Format::Text), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::OpenMetrics), "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

namespace {

std::vector<Family> sample_families() {
  Family bytes{"pooltag_outstanding_bytes", MetricType::Gauge, "bytes", "Outstanding \"bytes\"", {}};
  bytes.samples.push_back({{{"tag", "do_eventfd"}, {"pool", "slab"}}, int64_t{320000}});
  bytes.samples.push_back({{{"tag", "we\"ird\\tag\n"}, {"pool", "slab"}}, int64_t{-64}});
  Family allocs{"pooltag_allocations", MetricType::Counter, "", "Allocations", {}};
  allocs.samples.push_back({{{"tag", "do_eventfd"}, {"pool", "slab"}}, uint64_t{18446744073709551615ull}});
  Family build{"pooltag_build", MetricType::Info, "", "Build", {}};
  build.samples.push_back({{{"version", "0.1.0"}}, int64_t{1}});
  Family since{"pooltag_enabled_timestamp_seconds", MetricType::Gauge, "seconds", "Since", {}};
  since.samples.push_back({{}, 1700000000.25});
  return {bytes, allocs, build, since};
}

}  // namespace

TEST(ExportRender, TextFormat) {
  EXPECT_EQ(render(sample_families(), Format::Text),
            "# HELP pooltag_outstanding_bytes Outstanding \"bytes\"\n"
            "# TYPE pooltag_outstanding_bytes gauge\n"
            "pooltag_outstanding_bytes{tag=\"do_eventfd\",pool=\"slab\"} 320000\n"
            "pooltag_outstanding_bytes{tag=\"we\\\"ird\\\\tag\\n\",pool=\"slab\"} -64\n"
            "# HELP pooltag_allocations_total Allocations\n"
            "# TYPE pooltag_allocations_total counter\n"
            "pooltag_allocations_total{tag=\"do_eventfd\",pool=\"slab\"} 18446744073709551615\n"
            "# HELP pooltag_build_info Build\n"
            "# TYPE pooltag_build_info gauge\n"
            "pooltag_build_info{version=\"0.1.0\"} 1\n"
            "# HELP pooltag_enabled_timestamp_seconds Since\n"
            "# TYPE pooltag_enabled_timestamp_seconds gauge\n"
            "pooltag_enabled_timestamp_seconds 1700000000.25\n");
}

TEST(ExportRender, OpenMetricsNamesFamiliesGivesUnitsAndEnds) {
  EXPECT_EQ(render(sample_families(), Format::OpenMetrics),
            "# HELP pooltag_outstanding_bytes Outstanding \\\"bytes\\\"\n"
            "# TYPE pooltag_outstanding_bytes gauge\n"
            "# UNIT pooltag_outstanding_bytes bytes\n"
            "pooltag_outstanding_bytes{tag=\"do_eventfd\",pool=\"slab\"} 320000\n"
            "pooltag_outstanding_bytes{tag=\"we\\\"ird\\\\tag\\n\",pool=\"slab\"} -64\n"
            "# HELP pooltag_allocations Allocations\n"
            "# TYPE pooltag_allocations counter\n"
            "pooltag_allocations_total{tag=\"do_eventfd\",pool=\"slab\"} 18446744073709551615\n"
            "# HELP pooltag_build Build\n"
            "# TYPE pooltag_build info\n"
            "pooltag_build_info{version=\"0.1.0\"} 1\n"
            "# HELP pooltag_enabled_timestamp_seconds Since\n"
            "# TYPE pooltag_enabled_timestamp_seconds gauge\n"
            "# UNIT pooltag_enabled_timestamp_seconds seconds\n"
            "pooltag_enabled_timestamp_seconds 1700000000.25\n"
            "# EOF\n");
}
