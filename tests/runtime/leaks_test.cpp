// pooltag leaks --watch on a real leak among churn, and pooltag record's
// recording surviving a SIGKILL (docs/leaks.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness.h"

using namespace pooltag::testing;

namespace {

const nlohmann::json *find_tag(const nlohmann::json &report, const std::string &list, const std::string &part) {
  for (const auto &t : report[list])
    if (t["tag"].get<std::string>().find(part) != std::string::npos) return &t;
  return nullptr;
}

// One integer from a query of the recording.
int64_t query(const std::string &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return value;
}

}  // namespace

// A pipe every 20 ms (two allocations of alloc_pipe_info each), a timerfd
// every 20 ms for the first half only, 8,000 eventfds held and churned,
// and thousands of balanced allocations a second: the watch ranks the pipe
// leak first with its slope, calls the timerfd leak stopped, and does not
// flag the big cache.
TEST_F(EnabledTagging, LeaksWatchRanksTheLeakFirstWithItsSlope) {
  const int leak_ms = 20, stop_s = 30;
  Program p({program_path("leak_growth"), std::to_string(leak_ms), std::to_string(stop_s), "8000"});
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u) << "the test program could not set up";
  auto started = std::chrono::steady_clock::now();
  auto r = run_pooltag({"leaks", "--watch", "60s", "--min-duration", "20s", "--json"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  p.send_line();
  EXPECT_EQ(p.read_line(), "closed");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_LT(seconds, 70);
  ASSERT_FALSE(report["suspects"].empty()) << r.out;

  const auto &top = report["suspects"][0];
  EXPECT_EQ(top["tag"], "alloc_pipe_info") << report["suspects"].dump(1).substr(0, 3000);
  EXPECT_EQ(top["trend"], "growing");
  const double leaks_per_hour = 3600.0 * 1000 / leak_ms;
  EXPECT_NEAR(top["objects_per_hour"].get<double>(), 2 * leaks_per_hour, 0.1 * 2 * leaks_per_hour);
  size_t info = kmalloc_size(kernel_struct_size("pipe_inode_info"));
  size_t buffers = kmalloc_size(16 * kernel_struct_size("pipe_buffer"));
  ASSERT_GT(info * buffers, 0u) << "pipe_inode_info or pipe_buffer not in BTF";
  const double bytes_per_hour = leaks_per_hour * static_cast<double>(info + buffers);
  EXPECT_NEAR(top["bytes_per_hour"].get<double>(), bytes_per_hour, 0.1 * bytes_per_hour);
  std::printf("alloc_pipe_info: %.0f bytes/h (expected %.0f, %+.2f%%), %.0f objects/h (expected %.0f, %+.2f%%)\n",
              top["bytes_per_hour"].get<double>(), bytes_per_hour,
              100 * (top["bytes_per_hour"].get<double>() / bytes_per_hour - 1), top["objects_per_hour"].get<double>(),
              2 * leaks_per_hour, 100 * (top["objects_per_hour"].get<double>() / (2 * leaks_per_hour) - 1));

  auto *stopped = find_tag(report, "suspects", "timerfd");
  ASSERT_NE(stopped, nullptr) << "the timerfd leak is not a suspect: " << r.out.substr(0, 3000);
  EXPECT_EQ((*stopped)["trend"], "stopped") << stopped->dump();

  EXPECT_EQ(find_tag(report, "suspects", "do_eventfd"), nullptr) << "the balanced cache was flagged";
  EXPECT_EQ(find_tag(report, "upper_bound", "do_eventfd"), nullptr) << "the balanced cache was flagged";
  EXPECT_NE(find_tag(report, "noise", "do_eventfd"), nullptr) << "the balanced cache was not judged";
  EXPECT_EQ(p.wait(), 0);
}

TEST_F(EnabledTagging, RecordKilledMidRunKeepsEveryCompleteInterval) {
  const std::string path = "/tmp/pooltag-record-test-" + std::to_string(getpid()) + ".db";
  for (const char *suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    // 1 s: an interval takes a few hundred ms in the kernel matrix's emulated guests
    Program recorder({POOLTAG_BINARY, "--pin-dir", test_pin_dir(), "record", "-o", path, "--interval", "1s"});
    // killed between two intervals or in the middle of one, whatever it was doing
    ASSERT_TRUE(eventually([&] { return query(path, "SELECT count(*) FROM samples") >= 2; }, 20000));
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    kill(recorder.pid(), SIGKILL);
    EXPECT_EQ(recorder.wait(), 128 + SIGKILL);
  }
  EXPECT_EQ(query(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'"), 1);
  const int64_t n = query(path, "SELECT count(*) FROM samples");
  EXPECT_GE(n, 5) << "2 intervals, then 3.5 s of 1 s ones";
  // every interval there: no gap longer than one interval and a half
  EXPECT_LE(query(path, "SELECT max(b.time_ns - a.time_ns) FROM samples a JOIN samples b ON b.id = a.id + 1"),
            1500000000);
  // each with its session and its counts (the first one all of them)
  EXPECT_EQ(query(path, "SELECT count(*) FROM samples WHERE session IS NULL"), 0);
  EXPECT_GT(query(path, "SELECT count(*) FROM counts WHERE sample = (SELECT min(id) FROM samples)"), 10);

  // a second recorder appends to the same session
  auto again = run_pooltag({"record", "-o", path, "--interval", "500ms", "--duration", "1500ms"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out + again.err, "") << "quiet when not on a terminal";
  EXPECT_EQ(query(path, "SELECT count(*) FROM samples"), n + 4);
  EXPECT_EQ(query(path, "SELECT count(*) FROM sessions"), 1);
  auto leaks = run_pooltag({"leaks", "--db", path, "--json", "--min-duration", "1s"});
  ASSERT_EQ(leaks.exit_code, 0) << leaks.err;
  EXPECT_EQ(nlohmann::json::parse(leaks.out)["samples"], n + 4);
  for (const char *suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// kd's !leaks: pooltag's own extension, listed by ?, the ranking of pooltag leaks.
TEST_F(EnabledTagging, KdLeaksPrintsTheRankingOfLeaks) {
  Program p({program_path("leak_growth"), "20", "1000", "1000"});
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u);
  auto r = run_pooltag({"kd", "-c", "?; !leaks 6s"});
  p.send_line();
  EXPECT_EQ(p.read_line(), "closed");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pooltag's own extension:\n  !leaks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kd> !leaks 6s\nWatching for 6.0s"), std::string::npos) << r.out;
  auto suspects = r.out.find("Suspects:\nTag ");
  ASSERT_NE(suspects, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nalloc_pipe_info ", suspects), std::string::npos) << r.out;
  EXPECT_EQ(p.wait(), 0);
}

namespace {

// What a browser's parser makes of a report: the text of every table cell,
// the tags of the chart data (the JSON in #report-data) and the number of
// script elements, as JSON, by Python's html.parser.
constexpr const char *kParseReport = R"(import html.parser, json, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.scripts, self.text, self.data_script = [], 0, None, False
        self.data = ""
    def handle_starttag(self, tag, attrs):
        if tag == "td": self.text = ""
        if tag == "script":
            self.scripts += 1
            self.data_script = dict(attrs).get("id") == "report-data"
    def handle_endtag(self, tag):
        if tag == "td": self.cells.append(self.text); self.text = None
        if tag == "script": self.data_script = False
    def handle_data(self, data):
        if self.text is not None: self.text += data
        if self.data_script: self.data += data
page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"cells": page.cells, "scripts": page.scripts,
                  "chart_tags": json.loads(page.data)["tags"]["labels"]}))
)";

}  // namespace

// Tag file names with quotes, <, >, & and a backslash, through record and
// report: the page holds them escaped only, and a parser reads them back
// exactly, as the table's text and the chart's labels; leaks --json too.
TEST_F(EnabledTagging, ReportEscapesTagFileNames) {
  const std::string base = "/tmp/pooltag-escape-test-" + std::to_string(getpid());
  const std::string tags = base + ".tags", db = base + ".db", page = base + ".html";
  write_hostile_tag_file(tags);
  Program p({program_path("leak_growth"), "20", "1000", "100"});
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u);
  auto recorded = run_pooltag({"record", "-o", db, "--tags", tags, "--interval", "500ms", "--duration", "6s"});
  p.send_line();
  EXPECT_EQ(p.read_line(), "closed");
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  auto r = run_pooltag({"report", "--db", db, "-o", page, "--min-duration", "3s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(page);
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  EXPECT_EQ(html.find(kHostilePipeTag), std::string::npos) << "the tag unescaped";
  EXPECT_EQ(html.find(kHostileDescription), std::string::npos) << "the description unescaped";
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"tag\">&lt;b&gt;&quot;Pipe&quot; &amp; &#39;x&#39;\\</td>"), std::string::npos)
      << "the tag not escaped as expected (not a suspect?)";
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;pipe&quot;)&lt;/script&gt; &amp; &lt;!-- \\ --&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("\\u003cb\\u003e\\\"Pipe\\\" \\u0026 'x'\\\\"), std::string::npos) << "chart data";

  auto parsed = run_command({"python3", "-c", kParseReport, page});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  auto doc = nlohmann::json::parse(parsed.out);
  EXPECT_EQ(doc["scripts"], 3) << "the page's own three scripts, none from a tag";
  auto has = [](const nlohmann::json &list, const std::string &s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  EXPECT_TRUE(has(doc["cells"], kHostilePipeTag)) << doc["cells"].dump();
  EXPECT_TRUE(has(doc["cells"], kHostileDescription)) << doc["cells"].dump();
  EXPECT_TRUE(has(doc["chart_tags"], kHostilePipeTag)) << doc["chart_tags"].dump();

  auto leaks = run_pooltag({"leaks", "--db", db, "--json", "--min-duration", "3s"});
  ASSERT_EQ(leaks.exit_code, 0) << leaks.err;
  auto ranking = nlohmann::json::parse(leaks.out);
  // the pipes grow steadily; what else does on this machine may rank before them
  auto pipe = std::find_if(ranking["suspects"].begin(), ranking["suspects"].end(),
                           [](const nlohmann::json &t) { return t["tag"] == kHostilePipeTag; });
  ASSERT_NE(pipe, ranking["suspects"].end()) << leaks.out.substr(0, 2000);
  EXPECT_EQ((*pipe)["description"], kHostileDescription);
  EXPECT_EQ(p.wait(), 0);
  for (const auto &f : {tags, db, db + "-wal", db + "-shm", page}) std::remove(f.c_str());
}
