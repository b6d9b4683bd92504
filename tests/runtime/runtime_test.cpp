// Tier 3: the engine's root runtime tests: exact counts of real kernel
// allocations, enable/disable and the pinned state. See harness.h.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "harness.h"

using namespace pooltag::testing;

namespace {

// Leaks, checks, releases, checks: the shape of the exactness tests.
struct Expected {
  std::string tag, pool;
  int64_t diff;
  int64_t bytes;  // < 0: check bytes == diff * bytes-per-allocation instead
};

void check_leak_and_release(const std::vector<std::string> &program, const std::vector<Expected> &expected,
                            int settle_ms = 0) {
  Program p(program);
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u) << "test program did not start";
  auto before = used_json();
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u) << "test program failed to allocate";
  auto during = used_json();
  for (const auto &e : expected) {
    auto b = counts_of(before, e.tag, e.pool), d = counts_of(during, e.tag, e.pool);
    EXPECT_EQ(d.diff - b.diff, e.diff) << e.tag << " Diff while held";
    if (e.bytes >= 0) {
      EXPECT_EQ(d.bytes - b.bytes, e.bytes) << e.tag << " Bytes while held";
    } else {
      int64_t per = (d.alloc_bytes - b.alloc_bytes) / std::max<int64_t>(1, d.allocs - b.allocs);
      EXPECT_GT(per, 0);
      EXPECT_EQ(d.bytes - b.bytes, e.diff * per) << e.tag << " Bytes while held";
    }
  }
  p.send_line();
  ASSERT_EQ(p.read_line(), "closed");
  for (const auto &e : expected) {
    auto b = counts_of(before, e.tag, e.pool);
    bool settled = eventually(
        [&] {
          auto a = counts_of(used_json(), e.tag, e.pool);
          return a.diff == b.diff && a.frees - b.frees >= e.diff;
        },
        settle_ms);
    auto a = counts_of(used_json(), e.tag, e.pool);
    EXPECT_TRUE(settled) << e.tag << " did not return to its starting Diff";
    EXPECT_EQ(a.diff, b.diff) << e.tag << " Diff after release";
    EXPECT_EQ(a.bytes, b.bytes) << e.tag << " Bytes after release";
    // at least: the harness's own pipes (run_pooltag, the programs' stdio)
    // come and go on alloc_pipe_info too; the Diff above is the exact check
    EXPECT_GE(a.frees - b.frees, e.diff) << e.tag << " Frees after release";
  }
  EXPECT_EQ(p.wait(), 0);
}

TEST_F(EnabledTagging, EventfdLeakIsCountedExactly) {
  const int n = 5000;
  size_t ctx = kernel_struct_size("eventfd_ctx");
  ASSERT_GT(ctx, 0u) << "eventfd_ctx not in BTF";
  int64_t object = static_cast<int64_t>(kmalloc_size(ctx));
  {
    Program p({program_path("leak_eventfd"), std::to_string(n)});
    ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
    auto before = used_json({"do_eventfd"});
    p.send_line();
    ASSERT_EQ(p.read_line().rfind("ready", 0), 0u);
    auto during = used_json({"do_eventfd"});
    auto b = counts_of(before, "do_eventfd", "slab"), d = counts_of(during, "do_eventfd", "slab");
    EXPECT_EQ(d.diff - b.diff, n);
    EXPECT_EQ(d.allocs - b.allocs, n);
    EXPECT_EQ(d.bytes - b.bytes, n * object) << "object size " << object;
    p.send_line();
    ASSERT_EQ(p.read_line(), "closed");
    auto after = used_json({"do_eventfd"});
    auto a = counts_of(after, "do_eventfd", "slab");
    EXPECT_EQ(a.diff, b.diff);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.frees - b.frees, n);
    EXPECT_EQ(p.wait(), 0);
  }
}

TEST_F(EnabledTagging, PipeLeakIsCountedExactly) {
  const int n = 1000;
  size_t info = kernel_struct_size("pipe_inode_info");
  size_t buffer = kernel_struct_size("pipe_buffer");
  ASSERT_GT(info, 0u);
  ASSERT_GT(buffer, 0u);
  // alloc_pipe_info: the pipe_inode_info, then an array of 16 pipe_buffers
  int64_t per_pipe = static_cast<int64_t>(kmalloc_size(info) + kmalloc_size(16 * buffer));
  // alloc_pipe_info is every pipe of the machine: a pipe some other process
  // holds at the moment of one reading (a CI run saw one, 2 allocations)
  // must not fail the release, so its check waits up to 3 s for the Diff to
  // come back; a free pooltag lost would keep it up and still fail
  check_leak_and_release({program_path("leak_pipe"), std::to_string(n)},
                         {{"alloc_pipe_info", "slab", 2 * n, n * per_pipe}}, 3000);
}

TEST_F(EnabledTagging, PercpuPoolIsCounted) {
  const int n = 200;
  ASSERT_TRUE(kernel_tags("percpu")) << "the percpu pool is tagged on every supported kernel";
  // the BPF map code that asks for the per-CPU area: a call site (5.19+),
  // or the first caller outside the allocator (before), whichever function
  // this kernel did not inline
  std::string tag = first_kernel_function({"bpf_map_alloc_percpu", "bpf_array_alloc_percpu", "array_map_alloc"});
  ASSERT_FALSE(tag.empty()) << "none of the BPF map functions in kallsyms";
  check_leak_and_release({program_path("leak_bpf_maps"), "percpu", std::to_string(n)}, {{tag, "percpu", n, -1}},
                         10000);
}

TEST_F(EnabledTagging, VmallocPoolIsAttributedFromTheStack) {
  const int n = 50;
  if (!kernel_tags("vmalloc")) {
    // the expected result on kernels before 6.2: one line from enable, and
    // the capability off in status, with the reason
    EXPECT_NE(suite_enable_output().find("vmalloc pool: this kernel ("), std::string::npos) << suite_enable_output();
    EXPECT_NE(suite_enable_output().find(") has no alloc_vmap_area tracepoint (Linux 6.2+); vmalloc allocations are "
                                         "not tagged"),
              std::string::npos)
        << suite_enable_output();
    auto status = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
    bool reported = false;
    for (const auto &c : status["capabilities"])
      if (c["name"] == "vmalloc pool")
        reported = !c["on"].get<bool>() && c.value("detail", "").find("alloc_vmap_area") != std::string::npos;
    EXPECT_TRUE(reported) << status.dump();
    EXPECT_EQ(status["pools"].get<std::string>().find("vmalloc"), std::string::npos) << status["pools"];
    return;
  }
  // vmalloc has no call site: the first frame outside the allocator is the
  // BPF map code that asked for the area.
  check_leak_and_release({program_path("leak_bpf_maps"), "vmalloc", std::to_string(n)},
                         {{"__bpf_map_area_alloc", "vmalloc", n, -1}}, 10000);
}

TEST_F(EnabledTagging, SecondEnableSaysAlreadyEnabled) {
  auto r = run_pooltag({"enable"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already enabled"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
}

TEST_F(EnabledTagging, PinnedStateIsRootOnly) {
  struct stat st {};
  ASSERT_EQ(stat(test_pin_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((test_pin_dir() + "/live_entries").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "pinned maps readable by others";
}

TEST_F(EnabledTagging, StatusShowsProgramsAndNoLossesFromTheTable) {
  auto r = run_pooltag({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = nlohmann::json::parse(r.out);
  EXPECT_TRUE(s["enabled"].get<bool>());
  EXPECT_EQ(s["pools"], kernel_check()["pools"]) << "the pools pooltag check promised";
  EXPECT_EQ(s["programs"].size(), kernel_attachments()) << "a program on each tracepoint and function pooltag check named";
  EXPECT_EQ(s["lost"]["untracked"], 0);
  EXPECT_GT(s["live"]["used"].get<int64_t>(), 0);
  EXPECT_EQ(s["live"]["max_live"], 1 << 20) << "the default --max-live";
  EXPECT_EQ(s["live"]["capacity"], (1 << 20) / 16 * 21) << "slots: 21 for every 16 allocations asked for";
}

// The site counters are plain adds exactly where each has one writer per
// CPU: the kernel never nests a raw_tp program (Linux 6.1+: `uname -r`) and
// no bulk program charges frees; everywhere else, locked adds.
TEST_F(EnabledTagging, SiteCountersArePlainOnlyWhereEachHasOneWriter) {
  auto s = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  const bool never_nests = major > 6 || (major == 6 && minor >= 1);
  const bool expect_plain = never_nests && !s["bulk_paths"]["on"].get<bool>();
  EXPECT_EQ(s["site_counters"], expect_plain ? "plain" : "locked") << u.release;
  auto text = run_pooltag({"status"});
  EXPECT_NE(text.out.find(expect_plain ? "site counters:   plain adds" : "site counters:   locked adds"),
            std::string::npos)
      << text.out;
}

TEST_F(EnabledTagging, KilledReadersChangeNothing) {
  auto before = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  for (int i = 0; i < 10; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      std::string dir = test_pin_dir();
      execl(POOLTAG_BINARY, POOLTAG_BINARY, "--pin-dir", dir.c_str(), "used", "--by", "module", nullptr);
      _exit(127);
    }
    usleep(static_cast<useconds_t>(2000 * i));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  auto after = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  EXPECT_TRUE(after["enabled"].get<bool>());
  // the same programs stay attached (their recursion-miss counts may move)
  auto attached = [](const nlohmann::json &status) {
    std::vector<std::pair<std::string, uint32_t>> out;
    for (const auto &p : status["programs"]) out.emplace_back(p["name"], p["id"]);
    return out;
  };
  EXPECT_EQ(attached(after), attached(before));
  EXPECT_EQ(after["enabled_since_ns"], before["enabled_since_ns"]);
  // counting still works and is still exact
  auto b = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  Program p({program_path("leak_eventfd"), "100"});
  ASSERT_EQ(p.read_line().rfind("started", 0), 0u);
  p.send_line();
  ASSERT_EQ(p.read_line().rfind("ready", 0), 0u);
  EXPECT_EQ(counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab").diff - b.diff, 100);
}

// RootOnly tests enable and disable by themselves.
TEST_F(RootOnly, DisableDetachesEveryProgram) {
  remove_stale_test_pins();
  run_pooltag({"disable"});
  ASSERT_EQ(run_pooltag({"enable", "--pools", "all"}).exit_code, 0);
  auto status = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  std::vector<uint32_t> ids;
  for (const auto &p : status["programs"]) ids.push_back(p["id"].get<uint32_t>());
  EXPECT_EQ(ids.size(), kernel_attachments("all")) << "a program on each tracepoint and function pooltag check named";
  for (uint32_t id : ids) {
    int fd = bpf_prog_get_fd_by_id(id);
    EXPECT_GE(fd, 0) << "program " << id << " not loaded";
    if (fd >= 0) close(fd);
  }
  auto r = run_pooltag({"disable"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (uint32_t id : ids) {
    // programs go away once their links do; the kernel frees them after RCU
    EXPECT_TRUE(eventually([&] {
      int fd = bpf_prog_get_fd_by_id(id);
      if (fd >= 0) close(fd);
      return fd < 0;
    })) << "program " << id << " still loaded after disable";
  }
  struct stat st {};
  EXPECT_NE(stat(test_pin_dir().c_str(), &st), 0) << "pin directory left behind";
  r = run_pooltag({"used"});
  EXPECT_EQ(r.exit_code, 3) << "not enabled has its own exit code";
  EXPECT_NE(r.err.find("pooltag enable"), std::string::npos) << r.err;
}

TEST_F(RootOnly, BadArgumentsLeaveNothingAttached) {
  run_pooltag({"disable"});
  for (auto args : std::vector<std::vector<std::string>>{{"enable", "--pools", "slab,bogus"},
                                                          {"enable", "--max-live", "12"},
                                                          {"enable", "--max-live", "lots"}}) {
    auto r = run_pooltag(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    struct stat st {};
    EXPECT_NE(stat(test_pin_dir().c_str(), &st), 0) << "state left behind by: " << r.err;
  }
}

}  // namespace
