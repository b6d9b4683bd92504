// analysis::find_leaks on recordings built in memory: growing, stopped,
// noise, upper bounds, sessions, and the views of its ranking.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/leaks.h"
#include "views/leaks_view.h"
#include "views/report_html.h"

using namespace pooltag;
using analysis::Trend;

namespace {

constexpr uint64_t kSecond = 1000000000ull;

// `minutes` of 10 s intervals; each tag's outstanding objects as a function
// of the time in seconds.
struct Tag {
  std::string name;
  std::function<double(double)> objects;
  uint64_t size = 64;
  uint64_t implicit_frees = 0;
};

record::Recording recording(const std::vector<Tag> &tags, int minutes, int sessions = 1) {
  record::RecordingBuilder b;
  const int n = minutes * 6, per_session = n / sessions;
  for (int i = 0; i < n; ++i) {
    const int session = i / per_session;
    const double t = 10.0 * (i % per_session);
    record::Sample s;
    s.time_ns = 1700000000 * kSecond + static_cast<uint64_t>(i) * 10 * kSecond;
    s.session = record::SessionKey{static_cast<uint64_t>(session), "caller", "", "/pins"};
    for (const auto &tag : tags) {
      auto objects = static_cast<uint64_t>(std::max(0.0, std::floor(tag.objects(t))));
      uint64_t churn = static_cast<uint64_t>(i) * 1000;
      s.tags.push_back(record::TagValue{tag.name, model::Pool::Slab, "vmlinux", "",
                                        {objects + churn, churn, static_cast<int64_t>(objects * tag.size),
                                         tag.implicit_frees}});
    }
    b.add(s);
  }
  return b.take();
}

const analysis::TagTrend *find(const std::vector<analysis::TagTrend> &list, const std::string &tag) {
  for (const auto &t : list)
    if (t.tag == tag) return &t;
  return nullptr;
}

}  // namespace

TEST(FindLeaks, RanksTheLeakFirstWithItsSlope) {
  std::mt19937 random(1);
  auto noisy = [&random](double base) { return [base, &random](double) { return base + random() % 50; }; };
  auto rec = recording({{"leak", [](double t) { return t / 2; }, 128},  // 1800 objects/h
                        {"big_balanced_cache", noisy(100000), 4096},
                        {"slow_leak", [](double t) { return t / 60; }, 64},
                        {"flat", [](double) { return 10; }}},
                       60);
  auto report = analysis::find_leaks(rec);
  ASSERT_GE(report.suspects.size(), 2u);
  EXPECT_EQ(report.suspects[0].tag, "leak");
  EXPECT_EQ(report.suspects[0].trend, Trend::Growing);
  EXPECT_NEAR(report.suspects[0].objects_per_hour, 1800, 1800 * 0.01);
  EXPECT_NEAR(report.suspects[0].bytes_per_hour, 1800 * 128, 1800 * 128 * 0.01);
  EXPECT_NEAR(report.suspects[0].projection_bytes_per_day, 24 * 1800 * 128, 24 * 1800 * 128 * 0.01);
  EXPECT_GT(report.suspects[0].fraction_growing, 0.9);
  EXPECT_LT(report.suspects[0].p_value, 1e-6);
  EXPECT_EQ(report.suspects[1].tag, "slow_leak");
  EXPECT_NE(find(report.noise, "big_balanced_cache"), nullptr) << "a big flat cache is not a suspect";
  EXPECT_NE(find(report.noise, "flat"), nullptr);
}

TEST(FindLeaks, ALeakThatStoppedHalfwayIsStopped) {
  auto rec = recording({{"stopped", [](double t) { return std::min(t, 900.0) / 3; }},
                        {"growing", [](double t) { return t / 3; }}},
                       30);
  auto report = analysis::find_leaks(rec);
  auto *stopped = find(report.suspects, "stopped");
  ASSERT_NE(stopped, nullptr);
  EXPECT_EQ(stopped->trend, Trend::Stopped);
  EXPECT_NEAR(stopped->recent_bytes_per_hour, 0, 1e-9);
  EXPECT_EQ(report.suspects[0].tag, "growing") << "growing ranks before stopped";
}

TEST(FindLeaks, UpperBoundsAreShownApartNeverSuspects) {
  auto rec = recording({{"bulk_freed", [](double t) { return t * 10; }, 256, 7},
                        {"leak", [](double t) { return t / 10; }}},
                       20);
  auto report = analysis::find_leaks(rec);
  ASSERT_EQ(report.suspects.size(), 1u);
  EXPECT_EQ(report.suspects[0].tag, "leak");
  ASSERT_EQ(report.bounded.size(), 1u);
  EXPECT_EQ(report.bounded[0].tag, "bulk_freed");
  EXPECT_TRUE(report.bounded[0].upper_bound);
}

TEST(FindLeaks, SessionsAreNeverSubtracted) {
  // the same leak in two sessions: the counts restart at the second enable;
  // pairs across sessions would see a fall
  auto rec = recording({{"leak", [](double t) { return 500 + t; }}}, 40, 2);
  auto report = analysis::find_leaks(rec);
  ASSERT_EQ(report.suspects.size(), 1u);
  EXPECT_NEAR(report.suspects[0].objects_per_hour, 3600, 1);
  EXPECT_EQ(report.sessions, 2u);
}

TEST(FindLeaks, ShortTagsAreNotJudged) {
  auto rec = recording({{"leak", [](double t) { return t; }}}, 1);
  analysis::LeakOptions options;
  options.min_duration_ns = 120 * kSecond;
  auto report = analysis::find_leaks(rec, options);
  EXPECT_TRUE(report.suspects.empty());
  EXPECT_EQ(report.too_short, 1u);
}

// Counts no kernel makes (a hostile recording: the fuzz target's
// regression-count-extremes and regression-bytes-sum-overflow): the
// analysis and the views hold them at the range's ends, no overflow.
TEST(FindLeaks, ExtremeCountsAreHeldAtTheEnds) {
  std::vector<Tag> tags = {{"huge", [](double t) { return t; }}};
  auto rec = recording(tags, 10);
  auto twice = rec.series[0];
  twice.pool = model::Pool::Percpu;
  for (auto &p : twice.points) p.counts.bytes = INT64_MIN;
  for (auto &p : rec.series[0].points) p.counts.bytes = p.instant % 2 ? INT64_MIN : INT64_MAX;
  rec.series.push_back(twice);
  auto leaks = analysis::find_leaks(rec, analysis::LeakOptions{0, 0.01});
  ASSERT_EQ(leaks.noise.size() + leaks.suspects.size(), 1u);
  const auto &t = leaks.noise.empty() ? leaks.suspects[0] : leaks.noise[0];
  EXPECT_EQ(t.bytes, INT64_MIN) << "the sum over both pools, held";
  EXPECT_FALSE(views::render_leaks_text(leaks, {0, "t"}).empty());
  EXPECT_NE(views::render_report_html(rec, leaks, {"t.db", 0}).find("</html>"), std::string::npos);
}

TEST(LeaksView, TextAndJson) {
  auto rec = recording({{"leak", [](double t) { return t; }}, {"flat", [](double) { return 3; }}}, 10);
  auto report = analysis::find_leaks(rec);
  auto text = views::render_leaks_text(report, {20, "watched 10m"});
  EXPECT_NE(text.find("Suspects:"), std::string::npos) << text;
  EXPECT_NE(text.find("leak "), std::string::npos) << text;
  EXPECT_NE(text.find("growing"), std::string::npos) << text;
  EXPECT_NE(text.find("1 tags flat or noise"), std::string::npos) << text;
  auto j = views::leaks_json(report);
  ASSERT_EQ(j["suspects"].size(), 1u);
  EXPECT_EQ(j["suspects"][0]["tag"], "leak");
  EXPECT_EQ(j["suspects"][0]["trend"], "growing");
  EXPECT_NEAR(j["suspects"][0]["objects_per_hour"].get<double>(), 3600, 36);
  EXPECT_EQ(j["noise"][0]["tag"], "flat");
}

TEST(LeaksView, Rates) {
  EXPECT_EQ(views::format_rate(1536, true), "+1.5K/h");
  EXPECT_EQ(views::format_rate(-20000, false), "-20.0K/h");
  EXPECT_EQ(views::format_rate(0, false), "0/h");
}

TEST(ReportHtml, EscapesWhatARecordingHolds) {
  EXPECT_EQ(views::html_escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
  EXPECT_EQ(views::html_escape("caf\xc3\xa9 \xff"), "caf\xc3\xa9 \xEF\xBF\xBD");
  // a tag file's tag and description end up in the table and the chart data
  std::vector<Tag> tags = {{"</script><b>x", [](double t) { return t; }}};
  auto rec = recording(tags, 10);
  rec.series[0].description = "<img src=x onerror=alert(1)>";
  auto html = views::render_report_html(rec, analysis::find_leaks(rec), {"t.db", 0});
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;b&gt;x"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script\\u003e\\u003cb\\u003ex"), std::string::npos);
}
