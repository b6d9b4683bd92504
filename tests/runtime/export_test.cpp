// pooltag export against the kernel: real scrapes parse with promtool, a
// real Prometheus (Debian's, started here on loopback with its own config
// and data directory) sees an eventfd leak exactly, tagging enabled after
// the exporter started is picked up, a silent client blocks nobody, and
// bad input is one line with a non-zero exit.
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

#include "harness.h"

namespace pooltag::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A shell command's exit code and stdout (stderr joined).
CommandResult shell(const std::string &command) {
  CommandResult r;
  FILE *p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string pooltag_at(const std::string &pin_dir, const std::string &args) {
  return std::string(POOLTAG_BINARY) + " --pin-dir " + pin_dir + " " + args;
}

// A loopback port nobody listens on now.
uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A scratch directory, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    char t[] = "/tmp/pooltag-export-test-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// `pooltag export --listen 127.0.0.1:0` on a pin directory; the port is the
// one it says it serves on.
class Exporter {
 public:
  explicit Exporter(const std::string &pin_dir, std::vector<std::string> extra = {})
      : program_(args(pin_dir, std::move(extra))) {
    std::string line = program_.read_line(20000);
    const std::string prefix = "pooltag export: serving http://127.0.0.1:";
    if (line.rfind(prefix, 0) == 0) port_ = static_cast<uint16_t>(std::stoi(line.substr(prefix.size())));
  }
  uint16_t port() const { return port_; }
  httplib::Result get(const std::string &accept = "") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    httplib::Headers h;
    if (!accept.empty()) h.emplace("Accept", accept);
    return c.Get("/metrics", h);
  }
  std::string metrics() const {
    auto r = get();
    return r && r->status == 200 ? r->body : "";
  }

 private:
  static std::vector<std::string> args(const std::string &pin_dir, std::vector<std::string> extra) {
    std::vector<std::string> a = {POOLTAG_BINARY, "--pin-dir", pin_dir, "export", "--listen", "127.0.0.1:0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  Program program_;
  uint16_t port_ = 0;
};

// The value of the sample line `series` (name and labels as rendered), if any.
std::optional<double> sample_value(const std::string &metrics, const std::string &series) {
  size_t at = 0;
  while ((at = metrics.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || metrics[at - 1] == '\n') return std::stod(metrics.substr(at + series.size() + 1));
    at += series.size();
  }
  return std::nullopt;
}

const char *kOpenMetricsAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// Debian's Prometheus on a free loopback port, scraping one target every
// second, with the shipped rules loaded; killed (by its pid) and its data
// directory removed at the end.
class Prometheus {
 public:
  explicit Prometheus(uint16_t target_port) : port_(free_port()) {
    std::ofstream(dir_.path / "prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        << "rule_files:\n  - " << POOLTAG_RULES << "\n"
        << "scrape_configs:\n  - job_name: pooltag\n    static_configs:\n      - targets: ['127.0.0.1:"
        << target_port << "']\n";
    std::string command = "exec prometheus --config.file=" + (dir_.path / "prometheus.yml").string() +
                          " --storage.tsdb.path=" + (dir_.path / "data").string() +
                          " --web.listen-address=127.0.0.1:" + std::to_string(port_) + " >" + log_path() +
                          " 2>&1";
    program_.emplace(std::vector<std::string>{"/bin/sh", "-c", command});
  }
  std::string log_path() const { return (dir_.path / "prometheus.log").string(); }
  std::string log() const {
    std::ifstream in(log_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool ready() const {
    return eventually(
        [&] {
          httplib::Client c("127.0.0.1", port_);
          auto r = c.Get("/-/ready");
          return r && r->status == 200;
        },
        30000);
  }
  // An instant query through the HTTP API.
  nlohmann::json query(const std::string &promql) const {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
  }
  // An instant query at a time (unix seconds): the value of its one series,
  // none when it returns none.
  std::optional<double> value_at(const std::string &promql, double time) const {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}, {"time", fmt_time(time)}}, httplib::Headers{});
    if (!r || r->status != 200) {
      ADD_FAILURE() << "query " << promql << ": " << (r ? r->body : httplib::to_string(r.error()));
      return std::nullopt;
    }
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || j["data"]["result"].size() != 1) return std::nullopt;
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  }
  // The time of the first scrape of the exporter that began after `after`
  // (unix seconds): every sample of that scrape carries it.
  std::optional<double> scrape_after(double after, int timeout_ms = 20000) const {
    std::optional<double> found;
    eventually(
        [&] {
          auto j = query("up{job=\"pooltag\"}[60s]");
          if (j.is_null() || j.is_discarded()) return false;
          for (const auto &series : j["data"]["result"])
            for (const auto &v : series["values"])
              if (v[0].get<double>() > after && v[1] == "1") {
                found = v[0].get<double>();
                return true;
              }
          return false;
        },
        timeout_ms);
    return found;
  }

 private:
  static std::string fmt_time(double t) {
    char buf[64];
    // scrape times are whole milliseconds, which a double holds only
    // approximately: a hair later, so that rounding cannot pick the scrape before
    std::snprintf(buf, sizeof buf, "%.3f", t + 0.0004);
    return buf;
  }
  TempDir dir_;
  uint16_t port_;
  std::optional<Program> program_;
};

std::string one_line(const std::string &s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

}  // namespace

// Usage errors come before privilege: no root needed.
TEST(ExportErrors, BadAddressAndTopZeroAreOneLineUsageErrors) {
  for (const auto &args : std::vector<std::vector<std::string>>{{"export", "--top", "0"},
                                                                {"export", "--listen", "nonsense"},
                                                                {"export", "--listen", "localhost:19466"},
                                                                {"export", "--listen", "127.0.0.1:99999"},
                                                                {"export", "--by", "stack"}}) {
    auto r = run_pooltag(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("pooltag: ", 0), 0u) << r.err;
  }
}

TEST_F(RootOnly, ExportOnAPortInUseIsOneLineAndExitsOne) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  std::string port = std::to_string(ntohs(a.sin_port));
  auto r = run_pooltag({"export", "--listen", "127.0.0.1:" + port});
  close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(one_line(r.err), "pooltag: cannot listen on 127.0.0.1:" + port + ": Address already in use");
  EXPECT_EQ(r.out, "");
}

TEST_F(RootOnly, ExportOfAnotherExporterPortFails) {
  // httplib's default SO_REUSEPORT would let a second exporter share the port
  Exporter first(test_pin_dir() + "-none");
  ASSERT_NE(first.port(), 0);
  auto r = run_pooltag({"export", "--listen", "127.0.0.1:" + std::to_string(first.port())});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("Address already in use"), std::string::npos) << r.err;
}

TEST_F(RootOnly, ExportAnswersWithoutTaggingAndPicksItUpLater) {
  const std::string dir = test_pin_dir() + "-late";
  shell(pooltag_at(dir, "disable"));
  Exporter exporter(dir);
  ASSERT_NE(exporter.port(), 0);
  std::string m = exporter.metrics();
  EXPECT_EQ(sample_value(m, "pooltag_enabled"), 0.0) << m;
  EXPECT_NE(m.find("pooltag_build_info{version=\""), std::string::npos);
  EXPECT_EQ(m.find("pooltag_outstanding_bytes"), std::string::npos);

  struct Disable {
    std::string dir;
    ~Disable() { shell(pooltag_at(dir, "disable")); }
  } disable{dir};
  auto enabled = shell(pooltag_at(dir, "enable --pools slab"));
  ASSERT_EQ(enabled.exit_code, 0) << enabled.out;
  m = exporter.metrics();
  EXPECT_EQ(sample_value(m, "pooltag_enabled"), 1.0) << m;
  EXPECT_EQ(sample_value(m, "pooltag_capability_enabled{capability=\"slab pool\"}"), 1.0);
  EXPECT_EQ(sample_value(m, "pooltag_capability_enabled{capability=\"percpu pool\"}"), 0.0);
  EXPECT_TRUE(sample_value(m, "pooltag_outstanding_bytes{tag=\"other\",pool=\"slab\"}")) << m;

  ASSERT_EQ(shell(pooltag_at(dir, "disable")).exit_code, 0);
  m = exporter.metrics();
  EXPECT_EQ(sample_value(m, "pooltag_enabled"), 0.0) << m;
}

// A fault of issue 15: scrapes racing disable are all answered (tagging
// on, then off), and the exporter keeps serving.
TEST_F(RootOnly, ExportScrapedWhileDisableRemovesTheStateKeepsAnswering) {
  const std::string dir = test_pin_dir() + "-race";
  shell(pooltag_at(dir, "disable"));
  struct Disable {
    std::string dir;
    ~Disable() { shell(pooltag_at(dir, "disable")); }
  } cleanup{dir};
  ASSERT_EQ(shell(pooltag_at(dir, "enable --pools slab")).exit_code, 0);
  Exporter exporter(dir);
  ASSERT_NE(exporter.port(), 0);
  std::atomic<bool> stop{false};
  int answered = 0, failed = 0, enabled = 0;
  std::thread scraper([&] {
    while (!stop) {
      auto r = exporter.get();
      if (r && r->status == 200) {
        ++answered;
        enabled += sample_value(r->body, "pooltag_enabled") == 1.0;
      } else {
        ++failed;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto disabled = shell(pooltag_at(dir, "disable"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  scraper.join();
  ASSERT_EQ(disabled.exit_code, 0) << disabled.out;
  EXPECT_EQ(failed, 0) << "scrapes not answered while disable ran";
  EXPECT_GT(enabled, 0) << "no scrape saw the tagging";
  EXPECT_GT(answered, enabled) << "no scrape after disable";
  EXPECT_EQ(sample_value(exporter.metrics(), "pooltag_enabled"), 0.0) << "the exporter stopped serving";
}

TEST_F(EnabledTagging, PromtoolAcceptsRealScrapes) {
  Exporter exporter(test_pin_dir());
  ASSERT_NE(exporter.port(), 0);
  auto text = exporter.get();
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  TempDir dir;
  std::ofstream(dir.path / "metrics.txt") << text->body;
  auto checked = shell("promtool check metrics < " + (dir.path / "metrics.txt").string());
  EXPECT_EQ(checked.exit_code, 0) << checked.out;
  EXPECT_EQ(checked.out, "") << "promtool check metrics complained";
  EXPECT_EQ(sample_value(text->body, "pooltag_enabled"), 1.0);
  EXPECT_TRUE(sample_value(text->body, "pooltag_live_table_used_slots"));

  auto om = exporter.get(kOpenMetricsAccept);
  ASSERT_TRUE(om);
  EXPECT_EQ(om->get_header_value("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_GE(om->body.size(), 6u);
  EXPECT_EQ(om->body.substr(om->body.size() - 6), "# EOF\n");
  EXPECT_NE(om->body.find("# TYPE pooltag_allocations counter\n"), std::string::npos);
}

// Tag file names with quotes, <, >, & and a backslash in real scrapes: the
// label values escaped as both exposition formats want (\" and \\; <, >
// and & need nothing), nowhere raw, and promtool accepts the text format.
TEST_F(EnabledTagging, ExportEscapesTagFileNames) {
  TempDir dir;
  const std::string tags = (dir.path / "hostile.tags").string();
  write_hostile_tag_file(tags);
  // both hostile tags have counts
  Program pipes({program_path("leak_pipe"), "10"}), eventfds({program_path("leak_eventfd"), "10"});
  for (auto *p : {&pipes, &eventfds}) {
    ASSERT_EQ(p->read_line().rfind("started", 0), 0u);
    p->send_line();
    ASSERT_EQ(p->read_line().rfind("ready", 0), 0u);
  }
  Exporter exporter(test_pin_dir(), {"--tags", tags, "--top", "1000"});
  ASSERT_NE(exporter.port(), 0);
  const std::string pipe_label = R"(tag="<b>\"Pipe\" & 'x'\\",pool="slab"})";
  const std::string eventfd_label = R"(tag="Ev\"fd</script>",pool="slab"})";
  for (const std::string accept : {"", kOpenMetricsAccept}) {
    SCOPED_TRACE(accept.empty() ? "text" : "OpenMetrics");
    auto scrape = exporter.get(accept);
    ASSERT_TRUE(scrape);
    ASSERT_EQ(scrape->status, 200);
    const std::string &body = scrape->body;
    EXPECT_NE(body.find("pooltag_allocations_total{" + pipe_label), std::string::npos) << body.substr(0, 3000);
    EXPECT_NE(body.find(eventfd_label), std::string::npos);
    EXPECT_EQ(body.find(kHostilePipeTag), std::string::npos) << "the tag unescaped";
    EXPECT_EQ(body.find(R"("Pipe" &)"), std::string::npos) << "its quotes unescaped";
    if (!accept.empty()) continue;
    std::ofstream(dir.path / "metrics.txt") << body;
    auto checked = shell("promtool check metrics < " + (dir.path / "metrics.txt").string());
    EXPECT_EQ(checked.exit_code, 0) << checked.out;
    EXPECT_EQ(checked.out, "") << "promtool check metrics complained";
  }
  for (auto *p : {&pipes, &eventfds}) {
    p->send_line();
    EXPECT_EQ(p->read_line(), "closed");
  }
}

TEST_F(EnabledTagging, ExportServesOthersWhileAClientSendsNothing) {
  Exporter exporter(test_pin_dir());
  ASSERT_NE(exporter.port(), 0);
  // three clients connect and say nothing
  std::vector<int> silent;
  for (int i = 0; i < 3; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(exporter.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    silent.push_back(fd);
  }
  // scrapes meanwhile, four at once, are all answered promptly
  auto started = Clock::now();
  std::vector<std::future<int>> scrapes;
  for (int i = 0; i < 4; ++i)
    scrapes.push_back(std::async(std::launch::async, [&] {
      auto r = exporter.get();
      return r ? r->status : -1;
    }));
  for (auto &s : scrapes) EXPECT_EQ(s.get(), 200);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2)) << "scrapes waited for the silent clients";
  for (int fd : silent) close(fd);
}

TEST_F(EnabledTagging, PrometheusSeesAnEventfdLeakExactly) {
  Exporter exporter(test_pin_dir());
  ASSERT_NE(exporter.port(), 0);
  Prometheus prometheus(exporter.port());
  ASSERT_TRUE(prometheus.ready()) << prometheus.log();
  const std::string series = R"(pooltag_outstanding_allocations{job="pooltag",tag="do_eventfd",pool="slab"})";

  // Other processes may make and free eventfds meanwhile (tagging sees the
  // whole kernel): a round counts only when do_eventfd's allocation and
  // free counters moved by exactly the leak's, and then the outstanding
  // count must be exact. A few rounds are tried before giving up.
  const int n = 5000;
  const std::string allocs = R"(pooltag_allocations_total{job="pooltag",tag="do_eventfd",pool="slab"})";
  const std::string frees = R"(pooltag_frees_total{job="pooltag",tag="do_eventfd",pool="slab"})";
  struct Point {
    double outstanding = 0, allocs = 0, frees = 0;
  };
  // The do_eventfd series of the first scrape after now (no series yet: 0).
  auto next_scrape = [&]() -> std::optional<Point> {
    auto t = prometheus.scrape_after(unix_now());
    if (!t) return std::nullopt;
    return Point{prometheus.value_at(series, *t).value_or(0), prometheus.value_at(allocs, *t).value_or(0),
                 prometheus.value_at(frees, *t).value_or(0)};
  };
  bool quiet = false;
  for (int round = 0; round < 5 && !quiet && !HasFailure(); ++round) {
    Program leak({program_path("leak_eventfd"), std::to_string(n)});
    ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
    auto before = next_scrape();
    ASSERT_TRUE(before) << "Prometheus did not scrape the exporter\n" << prometheus.log();
    leak.send_line();
    ASSERT_EQ(leak.read_line().rfind("ready", 0), 0u);
    auto during = next_scrape();
    leak.send_line();
    ASSERT_EQ(leak.read_line(), "closed");
    auto after = next_scrape();
    ASSERT_TRUE(during && after);
    EXPECT_EQ(leak.wait(), 0);
    quiet = during->allocs - before->allocs == n && during->frees == before->frees &&
            after->allocs == during->allocs && after->frees - during->frees == n;
    if (!quiet) {
      std::cerr << "round " << round << ": other processes made or freed eventfds meanwhile (allocations "
                << before->allocs << " -> " << during->allocs << " -> " << after->allocs << ", frees "
                << before->frees << " -> " << during->frees << " -> " << after->frees << "); again\n";
      continue;
    }
    EXPECT_EQ(during->outstanding - before->outstanding, n)
        << "before " << before->outstanding << ", during " << during->outstanding;
    EXPECT_EQ(after->outstanding, before->outstanding);
    std::cerr << "do_eventfd outstanding through PromQL: " << before->outstanding << " before, "
              << during->outstanding << " with the leak, " << after->outstanding << " after\n";
  }
  ASSERT_TRUE(quiet) << "no round without other eventfd activity in 5";

  // Prometheus read every scrape (OpenMetrics) without an error
  auto targets = prometheus.query("up{job=\"pooltag\"}");
  ASSERT_FALSE(targets.is_null());
  ASSERT_EQ(targets["data"]["result"].size(), 1u);
  EXPECT_EQ(targets["data"]["result"][0]["value"][1], "1");
  auto recorded = prometheus.query("tag:pooltag_outstanding_bytes:sum{tag=\"do_eventfd\"}");
  ASSERT_FALSE(recorded.is_null());
  EXPECT_EQ(recorded["data"]["result"].size(), 1u) << "the shipped recording rules did not run";
}

}  // namespace pooltag::testing
