// The benchmark harness end to end, with a few thousand ops per
// configuration: it runs, prints its table and writes its JSON, and leaves
// nothing enabled. It judges no timing: that is what `make bench` is for.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

// The runtime tests' policy (tests/runtime/harness.h, RootOnly): without
// root the test skips, but under CI (CI=true) a skip is a failure, since CI
// runs as root and a skip there would hide a broken harness.
class BenchSmoke : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      if (std::getenv("CI") != nullptr) FAIL() << "the benchmark smoke test needs root, and CI runs as root";
      GTEST_SKIP() << "the benchmark needs root (BPF): skipped";
    }
  }
};

std::string run(const std::string &command, int &exit_code) {
  std::string out;
  FILE *p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST_F(BenchSmoke, RunsEveryConfigurationAndPrintsTheTable) {
  const std::string pin_dir = "/sys/fs/bpf/pooltag-bench-smoke-" + std::to_string(getpid());
  const std::string results = ::testing::TempDir() + "pooltag-bench-smoke-" + std::to_string(getpid());
  int exit_code = -1;
  // bpftrace and memleak take seconds to start (or to fail): the smoke run
  // covers pooltag's configurations and the scale test.
  std::string out = run(std::string(BENCH_BINARY) + " --smoke --no-bpftrace --no-memleak --no-perf --pin-dir " + pin_dir +
                            " --results-dir " + results,
                        exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  for (const char *row : {"configuration", "untraced", "null floor", "pooltag default", "stacks one tag",
                          "stacks '*'", "sample 64", "Budget", "Per-program cost", "pooltag used --json"})
    EXPECT_NE(out.find(row), std::string::npos) << "no \"" << row << "\" in:\n" << out;
  EXPECT_EQ(out.find("NOT exact"), std::string::npos) << out;

  struct stat st{};
  EXPECT_NE(stat(pin_dir.c_str(), &st), 0) << pin_dir << " was left enabled";

  ASSERT_TRUE(std::filesystem::exists(results));
  std::filesystem::path json_file;
  for (const auto &e : std::filesystem::directory_iterator(results)) json_file = e.path();
  ASSERT_FALSE(json_file.empty());
  std::ifstream in(json_file);
  auto doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc["workloads"].size(), 1u);
  // every configuration of the smoke run (bpftrace and memleak are left
  // out above) ran: none is n/a, each has a median, pooltag's are checked;
  // the no-bulk-paths one only where the kernel has bulk paths to leave out
  size_t measured = 0;
  bool bulk_paths = true;
  for (const auto &c : doc["workloads"][0]["configurations"]) {
    if (c["key"] == "default-no-bulk" && c.contains("unavailable")) {
      EXPECT_EQ(c["unavailable"].get<std::string>().rfind("no bulk paths to leave out: ", 0), 0u) << c.dump(2);
      bulk_paths = false;
      continue;
    }
    EXPECT_FALSE(c.contains("unavailable")) << c.dump(2);
    EXPECT_GT(c.value("median", 0.0), 0) << c.dump(2);
    if (c["key"] != "untraced" && c["key"] != "null") {
      EXPECT_TRUE(c.contains("exactness")) << c.dump(2);
    }
    ++measured;
  }
  EXPECT_EQ(measured, bulk_paths ? 8u : 7u)
      << "untraced, null, default, (no bulk paths,) 64K table, stacks one, stacks all, sample 64";
  ASSERT_EQ(doc["budget"].size(), 5u);
  for (const auto &line : doc["budget"]) EXPECT_NE(line["verdict"], "n/a") << line.dump();
  ASSERT_EQ(doc["bulk_paths"].size(), 1u);
  EXPECT_EQ(doc["bulk_paths"][0]["verdict"] != "n/a", bulk_paths) << doc["bulk_paths"].dump();
  std::filesystem::remove_all(results);
}

}  // namespace
