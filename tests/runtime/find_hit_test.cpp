// Tier 3 for the leak-finding commands: hit (PoolHitTag + kb), stacks,
// find (!poolfind) with dumps, pool (!pool), with exact counts.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <set>
#include <thread>

#include "harness.h"

using namespace pooltag::testing;

namespace {

// `pooltag hit ...` as a running program whose stdout the test reads.
std::unique_ptr<Program> start_hit(std::vector<std::string> args) {
  std::vector<std::string> argv = {POOLTAG_BINARY, "--pin-dir", test_pin_dir(), "hit"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Program>(argv);
}

bool hit_tag_is(const std::string &tag) {
  auto s = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  return s["hit_tag"].is_string() && s["hit_tag"] == tag;
}

bool contains_frame(const nlohmann::json &stack, const std::string &function) {
  for (const auto &f : stack)
    if (f.get<std::string>().rfind(function + "+", 0) == 0) return true;
  return false;
}

}  // namespace

TEST_F(EnabledTagging, HitReportsEveryAllocAndFreeWithItsStack) {
  const int n = 50;
  auto hit = start_hit({"do_eventfd", "--json", "--count", std::to_string(2 * n), "--duration", "60s"});
  ASSERT_TRUE(eventually([] { return hit_tag_is("do_eventfd"); })) << "hit tag not set";
  Program leak({program_path("leak_eventfd"), std::to_string(n)});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  ASSERT_EQ(leak.read_line().rfind("ready", 0), 0u);
  leak.send_line();
  ASSERT_EQ(leak.read_line(), "closed");
  int allocs = 0, frees = 0;
  std::set<uint64_t> allocated;
  for (int i = 0; i < 2 * n; ++i) {
    std::string line = hit->read_line(10000);
    ASSERT_FALSE(line.empty()) << "only " << i << " events";
    auto ev = nlohmann::json::parse(line);
    EXPECT_EQ(ev["tag"], "do_eventfd");
    EXPECT_EQ(ev["pool"], "slab");
    EXPECT_EQ(ev["pid"], leak.pid());
    EXPECT_TRUE(contains_frame(ev["stack"], "entry_SYSCALL_64_after_hwframe") ||
                contains_frame(ev["stack"], "do_syscall_64"))
        << ev.dump();
    if (ev["event"] == "alloc") {
      ++allocs;
      allocated.insert(ev["address"].get<uint64_t>());
      EXPECT_TRUE(contains_frame(ev["stack"], "do_eventfd")) << ev.dump();
      EXPECT_EQ(ev["size"], 64);
    } else {
      ++frees;
      EXPECT_EQ(allocated.count(ev["address"].get<uint64_t>()), 1u) << "free of an address not reported allocated";
      EXPECT_TRUE(contains_frame(ev["stack"], "eventfd_release")) << ev.dump();
    }
  }
  EXPECT_EQ(allocs, n);
  EXPECT_EQ(frees, n);
  EXPECT_EQ(hit->wait(), 0);
  EXPECT_EQ(leak.wait(), 0);
  // the tag stays set (PoolHitTag); --clear clears it
  EXPECT_TRUE(hit_tag_is("do_eventfd"));
  ASSERT_EQ(run_pooltag({"hit", "--clear"}).exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(run_pooltag({"status", "--json"}).out)["hit_tag"].is_null());
}

TEST_F(EnabledTagging, StopTaskStopsTheAllocatingTaskUntilSigcont) {
  auto hit = start_hit({"do_eventfd", "--stop-task", "--count", "1", "--json"});
  ASSERT_TRUE(eventually([] { return hit_tag_is("do_eventfd"); }));
  Program leak({program_path("leak_eventfd"), "1"});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  std::string line = hit->read_line(10000);
  ASSERT_FALSE(line.empty());
  EXPECT_TRUE(nlohmann::json::parse(line)["stopped"].get<bool>());
  EXPECT_TRUE(eventually([&] { return task_state(leak.pid()) == 'T'; })) << "state " << task_state(leak.pid());
  EXPECT_EQ(hit->wait(), 0);
  kill(leak.pid(), SIGCONT);
  EXPECT_EQ(leak.read_line().rfind("ready", 0), 0u) << "continues after SIGCONT";
  run_pooltag({"hit", "--clear"});
}

TEST_F(EnabledTagging, FindListsLeakedKeysUnderOneStackWithTheirPayload) {
  const int n = 40;
  ASSERT_EQ(run_pooltag({"stacks", "user_preparse"}).exit_code, 0);
  Program leak({program_path("leak_keys"), std::to_string(n)});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  ASSERT_EQ(leak.read_line().rfind("ready", 0), 0u);

  auto r = run_pooltag({"find", "user_preparse", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto found = nlohmann::json::parse(r.out);
  ASSERT_EQ(found["groups"].size(), 1u) << r.out;
  EXPECT_EQ(found["groups"][0]["count"], n);
  EXPECT_TRUE(contains_frame(found["groups"][0]["stack"], "user_preparse"));
  EXPECT_TRUE(contains_frame(found["groups"][0]["stack"], "__do_sys_add_key"));
  EXPECT_EQ(found["allocations"].size(), 0u) << "allocations only with --list";

  r = run_pooltag({"find", "user_preparse", "--json", "--list", "--dump", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  found = nlohmann::json::parse(r.out);
  ASSERT_EQ(found["allocations"].size(), static_cast<size_t>(n));
  // "POOLTAG-KEY-PAYLOAD-" in hex, after the 24-byte user_key_payload header
  const std::string payload_hex = "504f4f4c5441472d4b45592d5041594c4f41442d";
  for (const auto &a : found["allocations"]) {
    std::string dump = a["dump"];
    EXPECT_EQ(dump.size(), 128u);
    EXPECT_EQ(dump.find(payload_hex), 48u) << dump;
    EXPECT_EQ(a["pid"], leak.pid());
    EXPECT_EQ(a["comm"], "leak_keys");
  }

  // pool ADDRESS: inside a listed object, and outside all of them
  uint64_t first = found["allocations"][0]["address"];
  char inside[32], outside[32];
  snprintf(inside, sizeof inside, "%llx", static_cast<unsigned long long>(first + 10));
  r = run_pooltag({"pool", inside});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("user_preparse"), std::string::npos) << r.out;
  snprintf(outside, sizeof outside, "%llx", 0x1000ull);
  r = run_pooltag({"pool", outside});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("not in a tracked allocation"), std::string::npos) << r.out;

  // --older-than: none is a minute old; all are older than 1 ns
  r = run_pooltag({"find", "user_preparse", "--json", "--older-than", "1m"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["groups"].size(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  r = run_pooltag({"find", "user_preparse", "--json", "--older-than", "200ms"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["groups"][0]["count"], n);
  leak.send_line();
  run_pooltag({"stacks", "--clear"});
}

TEST_F(EnabledTagging, StacksAreRecordedOnlyForTheChosenTags) {
  ASSERT_EQ(run_pooltag({"stacks", "alloc_pipe_info"}).exit_code, 0);
  const int n = 20;
  Program evfd({program_path("leak_eventfd"), std::to_string(n)});
  Program pipes({program_path("leak_pipe"), std::to_string(n)});
  for (auto *p : {&evfd, &pipes}) {
    ASSERT_EQ(p->read_line().rfind("started", 0), 0u);
    p->send_line();
    ASSERT_EQ(p->read_line().rfind("ready", 0), 0u);
  }
  auto with = nlohmann::json::parse(run_pooltag({"find", "alloc_pipe_info", "--json", "--list"}).out);
  int recorded = 0;
  for (const auto &a : with["allocations"])
    if (a["pid"] == pipes.pid() && !a["stack"].empty()) ++recorded;
  EXPECT_EQ(recorded, 2 * n) << "two allocations per pipe, each with its stack";
  auto without = nlohmann::json::parse(run_pooltag({"find", "do_eventfd", "--json", "--list"}).out);
  int eventfds = 0;
  for (const auto &a : without["allocations"])
    if (a["pid"] == evfd.pid()) {
      ++eventfds;
      EXPECT_TRUE(a["stack"].empty()) << "eventfd allocations took a stack";
    }
  EXPECT_EQ(eventfds, n) << "every eventfd of the program is listed";
  auto status = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  EXPECT_EQ(status["stacks"], "alloc_pipe_info");
  run_pooltag({"stacks", "--clear"});
}

// Stacks are reused by call path (bpf/stacks.bpf.h): the allocations of one
// path take the stack its first allocation walked, and find still groups
// every object by its own path, with the counts exact.
TEST_F(EnabledTagging, ReusedStacksGroupEveryObjectByItsPath) {
  auto reuse_of = [] { return nlohmann::json::parse(run_pooltag({"status", "--json"}).out)["lost"]["stack_reuse"]; };
  ASSERT_EQ(run_pooltag({"stacks", "alloc_pipe_info"}).exit_code, 0);
  auto before = reuse_of();
  const int n = 200;
  Program pipes({program_path("leak_pipe"), std::to_string(n)});
  ASSERT_EQ(pipes.read_line().rfind("started", 0), 0u);
  pipes.send_line();
  ASSERT_EQ(pipes.read_line().rfind("ready", 0), 0u);
  auto found = nlohmann::json::parse(run_pooltag({"find", "alloc_pipe_info", "--json", "--list"}).out);
  std::map<std::string, int> by_stack;
  for (const auto &a : found["allocations"])
    if (a["pid"] == pipes.pid()) {
      ASSERT_FALSE(a["stack"].empty());
      EXPECT_TRUE(contains_frame(a["stack"], "do_pipe2") || contains_frame(a["stack"], "__do_pipe_flags"))
          << a["stack"].dump();
      ++by_stack[a["stack"].dump()];
    }
  // two allocations per pipe from two call sites: two stacks of n each
  ASSERT_EQ(by_stack.size(), 2u);
  for (const auto &[stack, count] : by_stack) EXPECT_EQ(count, n) << stack;
  auto after = reuse_of();
  if (after["check_every"] == 0) {
    EXPECT_EQ(after["reused"], 0) << "reuse is off on this kernel: every stack walked";
  } else {
    // a call path's fingerprints differ where stale data in the stack does:
    // a few walks per path, the rest reused
    EXPECT_GE(after["reused"].get<uint64_t>() - before["reused"].get<uint64_t>(), static_cast<uint64_t>(n));
    EXPECT_EQ(after["differed"], before["differed"]);
    EXPECT_EQ(found["stack_reuse"]["reused"].get<uint64_t>() > 0, true);
  }
  pipes.send_line();
  run_pooltag({"stacks", "--clear"});
}

TEST_F(EnabledTagging, BadArgumentsGetOneLine) {
  for (auto args : std::vector<std::vector<std::string>>{{"find", "do_eventfd", "bogus_pool"},
                                                          {"find", "do_eventfd", "--older-than", "soon"},
                                                          {"pool", "not-hex"},
                                                          {"hit", "no_such_function_anywhere"},
                                                          {"stacks", "no_such_function_anywhere"},
                                                          {"find", "x", "--dump", "100000"}}) {
    auto r = run_pooltag(args);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
}

TEST_F(EnabledTagging, ByStackSplitsATagIntoOneTagPerStack) {
  const int n = 30;
  ASSERT_EQ(run_pooltag({"stacks", "alloc_pipe_info"}).exit_code, 0);
  Program pipes({program_path("leak_pipe"), std::to_string(n)});
  ASSERT_EQ(pipes.read_line().rfind("started", 0), 0u);
  auto before = used_json({"--by", "stack", "alloc_pipe_info*"});
  pipes.send_line();
  ASSERT_EQ(pipes.read_line().rfind("ready", 0), 0u);
  auto during = used_json({"--by", "stack", "alloc_pipe_info*"});
  // alloc_pipe_info makes two allocations per pipe from two call sites:
  // two stacks, each holding n more than before
  int grown = 0;
  for (const auto &t : during["tags"]) {
    std::string tag = t["tag"];
    // "alloc_pipe_info" alone: its allocations made before stacks were on
    if (tag.rfind("alloc_pipe_info#", 0) != 0) continue;
    int64_t diff = t["diff"].get<int64_t>() - counts_of(before, tag, "slab").diff;
    if (diff != 0) {
      EXPECT_EQ(diff, n) << tag;
      ++grown;
    }
  }
  EXPECT_EQ(grown, 2);
  run_pooltag({"stacks", "--clear"});
}

TEST_F(EnabledTagging, StopTaskEndsWithItsWatcherEvenAfterSigkill) {
  auto hit = start_hit({"do_eventfd", "--stop-task", "--json"});
  ASSERT_TRUE(eventually([] { return hit_tag_is("do_eventfd"); }));
  kill(hit->pid(), SIGKILL);
  hit->wait();
  // the lease (2 s) runs out without its watcher renewing it
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  Program leak({program_path("leak_eventfd"), "1"});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  EXPECT_EQ(leak.read_line(5000).rfind("ready", 0), 0u) << "stopped by a dead watcher's --stop-task";
  run_pooltag({"hit", "--clear"});
}
