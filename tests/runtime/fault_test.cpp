// Faults, each a test (issue 15, docs/reliability.md): enable killed at
// each of its steps, two enables at once, disable racing a --stop-task hit
// and the readers, two dumps at once, and disable returning only once the
// kernel has let go of the programs. Every test tags into a pin directory
// of its own (never the default one: other tests run on this machine).
#include <bpf/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace pooltag::testing;

namespace {

bool program_loaded(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd >= 0) close(fd);
  return fd >= 0;
}

std::vector<uint32_t> attached_program_ids(const std::string &dir) {
  auto r = run_pooltag_at(dir, {"status", "--json"});
  std::vector<uint32_t> ids;
  if (r.exit_code != 0) return ids;
  auto status = nlohmann::json::parse(r.out);  // kept: a range-for over a temporary's member dangles
  for (const auto &p : status["programs"]) ids.push_back(p["id"].get<uint32_t>());
  return ids;
}

size_t lines(const std::string &text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// Directories beside `dir` whose name starts with its own plus "-staging-".
std::vector<std::string> staging_dirs(const std::string &dir) {
  std::vector<std::string> out;
  auto slash = dir.find_last_of('/');
  std::string parent = dir.substr(0, slash), prefix = dir.substr(slash + 1) + "-staging-";
  auto r = run_command({"ls", parent});
  std::istringstream in(r.out);
  for (std::string name; std::getline(in, name);)
    if (name.rfind(prefix, 0) == 0) out.push_back(parent + "/" + name);
  return out;
}

class Faults : public RootOnly {
 protected:
  void SetUp() override {
    RootOnly::SetUp();
    remove_stale_test_pins();
  }
  void TearDown() override { run_pooltag_at(dir_, {"disable"}); }
  const std::string dir_ = test_pin_dir() + "-fault";
};

}  // namespace

// SIGKILL at each step of enable; the next enable or disable (in turn)
// cleans up, and none of the killed command's programs stays loaded.
TEST_F(Faults, EnableKilledAtEachStepLeavesNothingAttached) {
  const std::vector<std::string> steps = {"after-load", "after-attach", "during-pin", "before-publish"};
  const std::string report = "/tmp/pooltag-fault-" + std::to_string(getpid());
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE(steps[i]);
    unlink(report.c_str());
    auto killed = run_pooltag_at(dir_, {"enable"},
                                 {"POOLTAG_TEST_KILL_AT=" + steps[i], "POOLTAG_TEST_KILL_REPORT=" + report});
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    std::set<uint32_t> ids;
    std::ifstream in(report);
    for (uint32_t id; in >> id;) ids.insert(id);
    ASSERT_FALSE(ids.empty()) << "the killed enable held no program";
    bool pinned = steps[i] == "during-pin" || steps[i] == "before-publish";
    if (pinned) {
      auto left = staging_dirs(dir_);
      ASSERT_EQ(left.size(), 1u) << "the staging directory a crash while pinning leaves";
      struct stat st {};
      ASSERT_EQ(stat(left[0].c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, 0700u) << "staging directory open to others";
    }
    // the next command cleans up: disable after even steps, enable after odd ones
    if (i % 2 == 0) {
      auto r = run_pooltag_at(dir_, {"disable"});
      EXPECT_EQ(r.exit_code, 3) << "nothing was published: " << r.err;
    } else {
      auto r = run_pooltag_at(dir_, {"enable"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ASSERT_EQ(run_pooltag_at(dir_, {"disable"}).exit_code, 0);
    }
    EXPECT_TRUE(staging_dirs(dir_).empty()) << "staging directory left behind";
    for (uint32_t id : ids) {
      // unpinned programs go with the dead process, a little later
      if (pinned) {
        EXPECT_FALSE(program_loaded(id)) << "program " << id << " still loaded after the cleanup returned";
      } else {
        EXPECT_TRUE(eventually([&] { return !program_loaded(id); }, 3000)) << "program " << id << " still loaded";
      }
    }
  }
  unlink(report.c_str());
}

TEST_F(Faults, TwoEnablesAtOnceOneWinsTheOtherSaysSo) {
  for (int round = 0; round < 3; ++round) {
    CommandResult a, b;
    std::thread first([&] { a = run_pooltag_at(dir_, {"enable"}); });
    std::thread second([&] { b = run_pooltag_at(dir_, {"enable"}); });
    first.join();
    second.join();
    ASSERT_EQ((a.exit_code == 0) + (b.exit_code == 0), 1) << "a: " << a.err << "\nb: " << b.err;
    const CommandResult &loser = a.exit_code == 0 ? b : a;
    EXPECT_EQ(loser.exit_code, 1);
    EXPECT_EQ(lines(loser.err), 1u) << loser.err;
    EXPECT_TRUE(loser.err.find("already enabled") != std::string::npos ||
                loser.err.find("enabled meanwhile") != std::string::npos)
        << loser.err;
    auto ids = attached_program_ids(dir_);
    EXPECT_EQ(ids.size(), kernel_attachments()) << "the winner's programs, once each";
    ASSERT_EQ(run_pooltag_at(dir_, {"disable"}).exit_code, 0);
    EXPECT_TRUE(staging_dirs(dir_).empty()) << "the loser's staging directory left behind";
  }
}

// disable returns once the kernel no longer lists the programs (it used to
// return ~100 ms before).
TEST_F(Faults, DisableReturnsOnlyWhenTheProgramsAreGone) {
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
    auto ids = attached_program_ids(dir_);
    ASSERT_FALSE(ids.empty());
    auto r = run_pooltag_at(dir_, {"disable"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (uint32_t id : ids) EXPECT_FALSE(program_loaded(id)) << "program " << id << " listed after disable returned";
  }
}

TEST_F(Faults, DisableWhileAStopTaskHitRunsLeavesNoTaskStopped) {
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  Program hit({POOLTAG_BINARY, "--pin-dir", dir_, "hit", "do_eventfd", "--stop-task", "--json"});
  ASSERT_TRUE(eventually([&] {
    auto s = run_pooltag_at(dir_, {"status", "--json"});
    return s.exit_code == 0 && nlohmann::json::parse(s.out)["hit_tag"] == "do_eventfd";
  }));
  auto r = run_pooltag_at(dir_, {"disable"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // the watcher ends by itself, with a clear line: a JSON error under --json
  std::string line = hit.read_line(5000);
  ASSERT_FALSE(line.empty()) << "hit did not end after disable";
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["error"]["code"], 3) << line;
  EXPECT_NE(j["error"]["message"].get<std::string>().find("disabled"), std::string::npos) << line;
  EXPECT_EQ(hit.wait(), 3);
  // an eventfd now: nothing stops it
  Program leak({program_path("leak_eventfd"), "1"});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  EXPECT_EQ(leak.read_line(5000).rfind("ready", 0), 0u) << "a task was stopped after disable";
}

TEST_F(Faults, ReadersRunningWhileDisableRemovesTheStateEndClearly) {
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  Program mon({POOLTAG_BINARY, "--pin-dir", dir_, "mon", "--json", "-d", "0.2", "-n", "1000"});
  ASSERT_FALSE(mon.read_line(5000).empty()) << "mon --json printed nothing";
  std::atomic<bool> stop{false};
  std::vector<CommandResult> used_runs;
  std::thread used([&] {
    while (!stop) used_runs.push_back(run_pooltag_at(dir_, {"used", "--by", "module"}));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(run_pooltag_at(dir_, {"disable"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  used.join();
  // every used either answered or said tagging is not enabled, in one line
  for (const auto &r : used_runs) {
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.exit_code << ": " << r.err;
    if (r.exit_code != 0) {
      EXPECT_EQ(lines(r.err), 1u) << r.err;
    }
  }
  // mon ends by itself, its last line the error object
  std::string line, last;
  while (!(line = mon.read_line(3000)).empty()) last = line;
  auto j = nlohmann::json::parse(last);
  ASSERT_TRUE(j.contains("error")) << last;
  EXPECT_EQ(j["error"]["code"], 3);
  EXPECT_EQ(mon.wait(), 3);
}

TEST_F(Faults, TwoDumpsAtOnceAreBothCorrect) {
  const int n = 20;
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  Program leak({program_path("leak_keys"), std::to_string(n)});
  ASSERT_EQ(leak.read_line().rfind("started", 0), 0u);
  leak.send_line();
  ASSERT_EQ(leak.read_line().rfind("ready", 0), 0u);
  const std::string payload_hex = "504f4f4c5441472d4b45592d5041594c4f41442d";  // "POOLTAG-KEY-PAYLOAD-"
  for (int round = 0; round < 5; ++round) {
    CommandResult a, b;
    std::vector<std::string> args = {"find", "user_preparse", "--json", "--list", "--dump", "64"};
    std::thread first([&] { a = run_pooltag_at(dir_, args); });
    std::thread second([&] { b = run_pooltag_at(dir_, args); });
    first.join();
    second.join();
    for (const auto *r : {&a, &b}) {
      ASSERT_EQ(r->exit_code, 0) << r->err;
      auto found = nlohmann::json::parse(r->out);
      ASSERT_EQ(found["allocations"].size(), static_cast<size_t>(n));
      for (const auto &alloc : found["allocations"]) {
        EXPECT_EQ(alloc["pid"], leak.pid());
        EXPECT_EQ(alloc["dump"].get<std::string>().find(payload_hex), 48u) << "another dump's bytes";
      }
    }
  }
}

// --stop-task never stops the watcher itself: a thread preloaded into
// `pooltag hit` makes allocations of the hit tag, and each comes back as
// a hit of pooltag's own pid, not stopped, and the watch goes on to its
// count. (Stopping other tasks: StopTaskStopsTheAllocatingTaskUntilSigcont.)
TEST_F(Faults, StopTaskNeverStopsPooltagItself) {
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  setenv("LD_PRELOAD", WATCHER_ALLOCATES_LIBRARY, 1);
  Program hit({POOLTAG_BINARY, "--pin-dir", dir_, "hit", "user_preparse", "--stop-task", "--json", "--count", "3"});
  unsetenv("LD_PRELOAD");
  int own = 0;
  for (int i = 0; i < 3; ++i) {
    std::string line = hit.read_line(10000);
    ASSERT_FALSE(line.empty()) << "no hit: the watcher stopped, or its keys were not seen";
    auto event = nlohmann::json::parse(line);
    if (event["pid"] != hit.pid()) continue;  // another task adding a key meanwhile
    ++own;
    EXPECT_FALSE(event["stopped"].get<bool>()) << line;
  }
  EXPECT_GT(own, 0) << "none of the hits was the watcher's own";
  EXPECT_EQ(hit.wait(), 0);
}

// --stop-task never stops a kernel thread. The user keys a test program
// adds are freed after it exits by the keys' garbage collector, a kworker
// (the process keyring goes, then each key, then its payload): frees of
// the hit tag by a kernel thread. The program's own allocations come back
// stopped, so stopping is on while the kworker's frees come. (The kernel
// refuses to signal a kernel thread or global init itself; pooltag's guard
// in pt_emit_hit is the second line, and `stopped` says what happened.)
TEST_F(Faults, StopTaskNeverStopsKernelThreads) {
  const size_t n = 3;
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  Program hit({POOLTAG_BINARY, "--pin-dir", dir_, "hit", "user_preparse", "--stop-task", "--json", "--duration", "60s"});
  ASSERT_TRUE(eventually([&] {
    auto s = run_pooltag_at(dir_, {"status", "--json"});
    return s.exit_code == 0 && nlohmann::json::parse(s.out)["hit_tag"] == "user_preparse";
  }));
  // every hit of a kernel thread is not stopped, whoever's key it frees
  size_t kernel_hits = 0;
  auto next_hit = [&]() -> nlohmann::json {
    std::string line = hit.read_line(10000);
    if (line.empty()) return nullptr;
    auto event = nlohmann::json::parse(line);
    if (kernel_thread(event["pid"].get<pid_t>()).value_or(false)) {
      ++kernel_hits;
      EXPECT_FALSE(event["stopped"].get<bool>()) << "a kernel thread stopped: " << line;
    }
    return event;
  };

  Program keys({program_path("leak_keys"), std::to_string(n)});
  ASSERT_EQ(keys.read_line().rfind("started", 0), 0u);
  keys.send_line();
  std::set<uint64_t> payloads;
  while (payloads.size() < n) {
    auto event = next_hit();
    ASSERT_FALSE(event.is_null()) << payloads.size() << " of " << n << " keys added: the program not stopped?";
    if (event["pid"] != keys.pid()) continue;  // another task's key
    EXPECT_EQ(event["event"], "alloc");
    EXPECT_TRUE(event["stopped"].get<bool>()) << event.dump();
    EXPECT_TRUE(eventually([&] { return task_state(keys.pid()) == 'T'; })) << "state " << task_state(keys.pid());
    payloads.insert(event["address"].get<uint64_t>());
    kill(keys.pid(), SIGCONT);
  }
  ASSERT_EQ(keys.read_line().rfind("ready", 0), 0u);
  EXPECT_EQ(keys.wait(), 0);  // its keys go with its process keyring

  while (!payloads.empty()) {
    auto event = next_hit();
    ASSERT_FALSE(event.is_null()) << payloads.size() << " of the " << n << " payloads not freed";
    if (event["event"] != "free" || payloads.erase(event["address"].get<uint64_t>()) == 0) continue;
    EXPECT_TRUE(kernel_thread(event["pid"].get<pid_t>()).value_or(false))
        << "freed by a task that is not a kernel thread: " << event.dump();
    EXPECT_EQ(event["comm"].get<std::string>().rfind("kworker/", 0), 0u) << event.dump();
  }
  EXPECT_GE(kernel_hits, n);
  kill(hit.pid(), SIGINT);
  EXPECT_EQ(hit.wait(), 0);
}
