// Tier 3 for pooltag kd: the seed's walkthrough typed as written while a
// test program leaks eventfds, the little-endian literal with a tag file,
// Ctrl-C at a real terminal, and one-line errors for bad arguments.
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <poll.h>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace pooltag::testing;

namespace {

std::unique_ptr<Program> start_kd(std::vector<std::string> args) {
  std::vector<std::string> argv = {POOLTAG_BINARY, "--pin-dir", test_pin_dir(), "kd"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Program>(argv);
}

// Reads lines into `transcript` until one satisfies `done` (true) or the
// time runs out (false). Blank lines are lines too.
bool read_until(Program &p, std::vector<std::string> &transcript, const std::function<bool(const std::string &)> &done,
                int timeout_ms = 30000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    std::string line = p.read_line(std::max(left, 1));
    transcript.push_back(line);
    if (done(line)) return true;
  }
  return false;
}

bool starts_with(const std::string &s, const std::string &prefix) { return s.rfind(prefix, 0) == 0; }

std::string joined(const std::vector<std::string> &lines) {
  std::string out;
  for (const auto &l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> words(const std::string &line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Starts a leak_eventfd of n and lets it allocate (held until it is told).
std::unique_ptr<Program> leak(int n, bool allocate = true) {
  auto p = std::make_unique<Program>(std::vector<std::string>{program_path("leak_eventfd"), std::to_string(n)});
  EXPECT_TRUE(starts_with(p->read_line(), "started"));
  if (allocate) {
    p->send_line();
    EXPECT_TRUE(starts_with(p->read_line(), "ready"));
  }
  return p;
}

}  // namespace

TEST_F(EnabledTagging, KdWalkthroughFindsTheLeak) {
  const int n = 15000;  // 960 KB of eventfd_ctx: a leak that tops the table (RLIMIT_NOFILE may stop at 20000)
  auto before = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  auto hunted = leak(n);
  auto trigger = leak(1, false);  // allocates once g is waiting
  auto kd = start_kd({"-c", ".reload; !poolused 4; ed nt!poolhittag do_eventfd; db nt!poolhittag L4; g; kb; "
                            "ed nt!poolhittag 0; !poolfind do_eventfd"});
  std::vector<std::string> t;
  ASSERT_TRUE(read_until(*kd, t, [](const std::string &l) { return starts_with(l, "Waiting for a hit"); }))
      << joined(t);
  trigger->send_line();
  ASSERT_TRUE(starts_with(trigger->read_line(), "ready"));
  size_t find_at = 0;
  ASSERT_TRUE(read_until(*kd, t, [](const std::string &l) { return starts_with(l, "Searching every pool"); }))
      << joined(t);
  find_at = t.size() - 1;
  // "Searching every pool for Tag: do_eventfd (N outstanding allocations, B bytes)"
  auto header = words(t[find_at]);
  ASSERT_GE(header.size(), 7u) << t[find_at];
  size_t listed = std::stoul(header[6].substr(1));
  ASSERT_EQ(kd->read_line(), "");
  for (size_t i = 0; i < listed; ++i) t.push_back(kd->read_line());
  EXPECT_EQ(kd->wait(), 0);
  std::string all = joined(t);
  // Other processes may allocate eventfds meanwhile (a benchmark, systemd):
  // then the counts hold `others` more and g may break on theirs. On a quiet
  // machine others is 0 and every check below is exact.
  auto after = counts_of(used_json({"do_eventfd"}), "do_eventfd", "slab");
  int64_t others = static_cast<int64_t>(after.allocs - before.allocs) - (n + 1);
  int64_t other_frees = static_cast<int64_t>(after.frees - before.frees);
  ASSERT_GE(others, 0);
  if (others != 0) std::cerr << "note: " << others << " do_eventfd allocations by other processes meanwhile\n";

  // .reload
  EXPECT_NE(all.find("kd> .reload\nLoading Kernel Symbols: "), std::string::npos) << all;
  // !poolused 4: sorted by all pools' bytes, do_eventfd in the top rows, its
  // slab Allocs (outstanding) grown by exactly the leak
  auto sorting = std::find(t.begin(), t.end(), "kd> !poolused 4");
  ASSERT_NE(sorting, t.end());
  EXPECT_EQ(*(sorting + 1), "Sorting by Bytes Consumed (all pools)");
  EXPECT_EQ(*(sorting + 3), "Pool Used:");
  auto tag_header = words(*(sorting + 5));
  ASSERT_GE(tag_header.size(), 3u);
  EXPECT_EQ(tag_header[0], "Tag");
  EXPECT_EQ(tag_header[1], "Allocs");
  EXPECT_EQ(tag_header[2], "Used");
  int rank = -1;
  // the eventfds' files and dentries are larger than their eventfd_ctx:
  // do_eventfd comes after alloc_empty_file and __d_alloc
  for (int i = 0; i < 10; ++i) {
    auto row = words(*(sorting + 6 + i));
    if (!row.empty() && row[0] == "do_eventfd") {
      rank = i;
      int64_t diff = std::stoll(row[1]) - before.diff, used = std::stoll(row[2]) - before.bytes;
      EXPECT_GE(diff, n - other_frees) << *(sorting + 6 + i);
      EXPECT_LE(diff, n + others) << *(sorting + 6 + i);
      EXPECT_GE(used, 64 * (n - other_frees)) << *(sorting + 6 + i);
      EXPECT_LE(used, 64 * (n + others)) << *(sorting + 6 + i);
    }
  }
  EXPECT_GE(rank, 0) << "do_eventfd is not in the top 10 rows:\n" << all;
  EXPECT_NE(all.find("\nTOTAL "), std::string::npos);
  // db shows the tag's bytes
  auto db = std::find(t.begin(), t.end(), "kd> db nt!poolhittag L4");
  ASSERT_NE(db, t.end());
  EXPECT_EQ((db + 1)->find("  64 6f 5f 65 "), 16u) << *(db + 1);
  EXPECT_EQ((db + 1)->substr((db + 1)->size() - 5), " do_e") << *(db + 1);
  // g breaks on the trigger's allocation
  std::string brk = "Break on pool hit: alloc do_eventfd [slab] address 0x";
  auto hit = std::find_if(t.begin(), t.end(), [&](const std::string &l) { return starts_with(l, brk); });
  ASSERT_NE(hit, t.end()) << all;
  if (others == 0) {
    EXPECT_NE(hit->find(" size 64 by leak_eventfd (" + std::to_string(trigger->pid()) + "/"), std::string::npos)
        << *hit;
  }
  // kb: the syscall path
  auto kb = std::find(t.begin(), t.end(), "kd> kb");
  auto ed0 = std::find(t.begin(), t.end(), "kd> ed nt!poolhittag 0");
  ASSERT_LT(kb, ed0);
  std::string stack = joined(std::vector<std::string>(kb, ed0));
  EXPECT_NE(stack.find("do_eventfd+"), std::string::npos) << stack;
  EXPECT_TRUE(stack.find("do_syscall_64+") != std::string::npos ||
              stack.find("entry_SYSCALL_64_after_hwframe+") != std::string::npos)
      << stack;
  // !poolfind: exactly the leak's allocations (and the trigger's one)
  int of_hunted = 0, of_trigger = 0;
  for (size_t i = find_at + 1; i < t.size(); ++i) {
    ASSERT_TRUE(starts_with(t[i], "*")) << t[i];
    EXPECT_NE(t[i].find(" size:       64 (Allocated) do_eventfd [slab] "), std::string::npos) << t[i];
    if (t[i].find("by leak_eventfd (" + std::to_string(hunted->pid()) + ")") != std::string::npos) ++of_hunted;
    else if (t[i].find("by leak_eventfd (" + std::to_string(trigger->pid()) + ")") != std::string::npos) ++of_trigger;
  }
  EXPECT_EQ(of_hunted, n);
  EXPECT_EQ(of_trigger, 1);
  EXPECT_LE(static_cast<int64_t>(listed), of_hunted + of_trigger + others);
  // the hit tag is cleared
  auto status = nlohmann::json::parse(run_pooltag({"status", "--json"}).out);
  EXPECT_TRUE(status["hit_tag"].is_null()) << status.dump();
}

TEST_F(EnabledTagging, KdLittleEndianLiteralSetsTheTagOfATagFile) {
  std::string tags = "/tmp/pooltag-kd-test-tags-" + std::to_string(getpid()) + ".txt";
  std::ofstream(tags) << "'Abc ' - do_eventfd - eventfd contexts, named as the seed's leak\n";
  auto trigger = leak(1, false);
  auto kd = start_kd({"--tags", tags, "-c", "ed nt!poolhittag ' cbA'; db nt!poolhittag L4; g; kb; ed nt!poolhittag 0"});
  std::vector<std::string> t;
  ASSERT_TRUE(read_until(*kd, t, [](const std::string &l) { return starts_with(l, "Waiting for a hit"); }))
      << joined(t);
  EXPECT_EQ(t.back(), "Waiting for a hit of nt!poolhittag 'Abc ' (Ctrl-C breaks in)");
  trigger->send_line();
  ASSERT_TRUE(read_until(*kd, t, [](const std::string &l) { return l == "kd> ed nt!poolhittag 0"; })) << joined(t);
  EXPECT_EQ(kd->wait(), 0);
  unlink(tags.c_str());
  auto db = std::find(t.begin(), t.end(), "kd> db nt!poolhittag L4");
  ASSERT_NE(db, t.end());
  const std::string &dump = *(db + 1);
  EXPECT_EQ(dump.find("  41 62 63 20 "), 16u) << dump;
  EXPECT_EQ(dump.substr(dump.size() - 5), " Abc ") << "[" << dump << "]";
  auto hit = std::find_if(t.begin(), t.end(), [](const std::string &l) { return starts_with(l, "Break on pool hit: "); });
  ASSERT_NE(hit, t.end()) << joined(t);
  EXPECT_TRUE(starts_with(*hit, "Break on pool hit: alloc Abc  [slab] ")) << *hit;
  EXPECT_NE(hit->find("(" + std::to_string(trigger->pid()) + "/"), std::string::npos) << *hit;
  EXPECT_NE(joined(t).find("do_eventfd+"), std::string::npos) << "kb";
}

TEST_F(EnabledTagging, KdReadsCommandsFromAFileAndAPipe) {
  std::string file = "/tmp/pooltag-kd-test-cmds-" + std::to_string(getpid()) + ".txt";
  std::ofstream(file) << "?\n.reload; db nt!poolhittag L2\nq\n!poolused 4\n";
  auto r = run_pooltag({"kd", "-i", file});
  unlink(file.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kd> ?\npooltag kd commands"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kd> db nt!poolhittag L2\n00000000000000"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Sorting by"), std::string::npos) << "ran past q";

  auto kd = start_kd({});
  kd->send_line("ed nt!poolhittag do_eventfd; dd nt!poolhittag L1");
  std::vector<std::string> t;
  ASSERT_TRUE(read_until(*kd, t, [](const std::string &l) { return starts_with(l, "00000000000000"); }))
      << joined(t);
  EXPECT_EQ(t.back().substr(16), "  655f6f64");  // "do_e" as a dword
  kd->send_line("ed nt!poolhittag 0");
  EXPECT_EQ(kd->wait(), 0);
}

TEST_F(EnabledTagging, KdCtrlCBreaksInToThePromptAndCtrlDQuits) {
  ASSERT_EQ(run_pooltag({"kd", "-c", "ed nt!poolhittag no_allocation_here_*"}).exit_code, 2)
      << "a pattern without functions is refused";
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("HOME", "/tmp", 1);
    execl(POOLTAG_BINARY, POOLTAG_BINARY, "--pin-dir", test_pin_dir().c_str(), "kd", static_cast<char *>(nullptr));
    _exit(127);
  }
  std::string screen;
  // Waits for `text` in what the terminal shows from now on.
  size_t seen = 0;
  auto wait_for = [&](const std::string &text, int timeout_ms = 20000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto at = screen.find(text, seen); at != std::string::npos) {
        seen = at + text.size();
        return true;
      }
      pollfd p{master, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char buf[4096];
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) return false;
        screen.append(buf, static_cast<size_t>(n));
      }
    }
    return false;
  };
  auto type = [&](const std::string &s) { ASSERT_EQ(write(master, s.data(), s.size()), static_cast<ssize_t>(s.size())); };
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("\x03");  // Ctrl-C at the prompt: a new prompt (the terminal drops typeahead)
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("ed nt!poolhittag eventfd_release_not_a_function_*\r");
  ASSERT_TRUE(wait_for("no kernel function")) << screen;
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("ed nt!poolhittag kernel_restart\r");  // set, but never hit in a test
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("g\r");
  ASSERT_TRUE(wait_for("Waiting for a hit")) << screen;
  type("\x03");  // Ctrl-C while g waits: back at the prompt
  ASSERT_TRUE(wait_for("Break-in: no hit")) << screen;
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("ed nt!poolhittag 0\r");
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  type("db nt!poolhittag L4\r");
  ASSERT_TRUE(wait_for("00 00 00 00")) << screen;
  ASSERT_TRUE(wait_for("kd> ")) << screen;
  // A key typed the instant the prompt shows can reach libedit before it
  // has set the terminal up for the line (under load it then lands in the
  // line as a literal ^D): a person is never that fast.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  type("\x04");  // Ctrl-D quits
  int status = 0;
  // Drain the terminal until kd has exited. Once it closed the terminal the
  // reads fail at once, so the wait is by time, not by read attempts. If a
  // ^D still went into the line, a user would clear it and press ^D again:
  // Ctrl-U then Ctrl-D, each second.
  auto quit_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto again = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < quit_deadline) {
    if (!wait_for("\x01", 100)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (std::chrono::steady_clock::now() >= again && waitpid(pid, &status, WNOHANG) == 0) {
      (void)!write(master, "\x15\x04", 2);
      again += std::chrono::seconds(1);
    }
  }
  if (waitpid(pid, &status, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "kd did not quit on Ctrl-D:\n" << screen;
  }
  close(master);
  EXPECT_TRUE(WIFEXITED(status)) << screen;
}

TEST_F(EnabledTagging, KdBadArgumentsGetOneLineEach) {
  run_pooltag({"kd", "-c", "ed nt!poolhittag 0"});
  for (const std::string &cmd : std::vector<std::string>{"!poolused 6", "!poolused 8", "!poolused zz", "!poolused 4 a b", "!poolused 123456789abcdef0123",
                          "ed", "ed nt!poolhittag", "ed nt!poolhittag 'abcde'", "ed nt!poolhittag 'ab",
                          "ed nt!poolhittag 100000000", "ed nt!foo 1", "ed nt!poolhittag no_such_function_anywhere",
                          "dd nt!foo", "db", "db nt!poolhittag L41", "db nt!poolhittag Lffffffffffffffffffff",
                          "db nt!poolhittag L0", "g", "g now", "kb", "kb 0", "!poolfind", "!poolfind x 7",
                          "!poolfind x 1 2", "!pool", "!pool zz", "!pool 1ffffffffffffffffff", "lm", "!process 0 0",
                          "? 1+1", ".reload /x", "q now", std::string("!poolused 4 '\x01'")}) {
    auto r = run_pooltag({"kd", "-c", cmd});
    EXPECT_NE(r.exit_code, 0) << cmd;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << cmd << ": " << r.err;
    EXPECT_EQ(r.out, "kd> " + cmd + "\n") << cmd;
  }
  // a script goes on after an error, as kd does, and exits with its code
  auto r = run_pooltag({"kd", "-c", "lm; db nt!poolhittag L1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("kd> db nt!poolhittag L1\n00000000000000"), std::string::npos) << r.out;
  // kd's own options
  EXPECT_NE(run_pooltag({"kd", "-i", "/nonexistent/commands"}).exit_code, 0);
}
