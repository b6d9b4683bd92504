// What pooltag says when the system is not as it needs (issue 15,
// docs/reliability.md): not root, root without CAP_BPF/CAP_PERFMON, no
// BTF, no bpffs and none mountable, no tracefs, a pin directory of an older
// state format; and errors under --json as a JSON object with the
// documented exit code. The missing pieces are simulated with setpriv and
// mount namespaces (unshare -m), so nothing outside the test changes.
#include <bpf/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "harness.h"

using namespace pooltag::testing;

namespace {

size_t lines(const std::string &text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

class Environment : public RootOnly {
 protected:
  void TearDown() override { run_pooltag_at(dir_, {"disable"}); }
  const std::string dir_ = test_pin_dir() + "-env";

  // `pooltag ARGS` inside a mount namespace of its own, after `setup` (shell).
  CommandResult in_mount_namespace(const std::string &setup, const std::string &args) {
    return run_command({"unshare", "-m", "sh", "-c",
                        setup + " && exec " + POOLTAG_BINARY + " --pin-dir " + dir_ + " " + args});
  }
};

}  // namespace

// The issue's own check: a script gets JSON, and the exit code says "not enabled".
TEST_F(RootOnly, UsedJsonWithoutStatePrintsAnErrorObjectAndExitsThree) {
  auto r = run_command({POOLTAG_BINARY, "used", "--json"}, {"POOLTAG_PIN_DIR=/nonexistent"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "") << "under --json the error goes to stdout only";
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], 3);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("/nonexistent"), std::string::npos) << r.out;
  // without --json: one line on stderr, nothing on stdout
  r = run_command({POOLTAG_BINARY, "used"}, {"POOLTAG_PIN_DIR=/nonexistent"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("pooltag: ", 0), 0u) << r.err;
}

TEST(JsonErrors, UsageErrorsUnderJsonAreErrorObjectsWithExitTwo) {
  for (auto args : std::vector<std::vector<std::string>>{{"used", "--json", "--sort", "bogus"},
                                                          {"find", "--json", "x", "--dump", "100000"},
                                                          {"used", "--json", "--no-such-option"},
                                                          {"status", "--json", "extra"}}) {
    std::vector<std::string> argv = {POOLTAG_BINARY, "--pin-dir", "/nonexistent"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["error"]["code"], 2) << r.out;
  }
}

TEST_F(Environment, NotRootIsOneLine) {
  // a copy nobody can run, wherever the build tree is (a clone under /root is not)
  char scratch[] = "/tmp/pooltag-not-root-XXXXXX";
  ASSERT_NE(mkdtemp(scratch), nullptr);
  const std::string binary = std::string(scratch) + "/pooltag";
  ASSERT_EQ(run_command({"cp", POOLTAG_BINARY, binary}).exit_code, 0);
  chmod(scratch, 0755);
  for (auto args : std::vector<std::vector<std::string>>{{"used"}, {"enable"}, {"disable"}, {"status"}}) {
    std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary,
                                     "--pin-dir", dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("needs root"), std::string::npos) << r.err;
  }
  run_command({"rm", "-r", scratch});
}

TEST_F(Environment, RootWithoutBpfCapabilitiesNamesTheMissingOne) {
  struct Case {
    std::string drop, named, not_named;
  };
  for (const auto &c : std::vector<Case>{{"-sys_admin,-bpf", "CAP_BPF", "CAP_PERFMON"},
                                         {"-sys_admin,-perfmon", "CAP_PERFMON", "CAP_BPF"}}) {
    for (auto args : std::vector<std::vector<std::string>>{{"enable"}, {"used"}}) {
      std::vector<std::string> argv = {"setpriv", "--inh-caps=" + c.drop, "--bounding-set=" + c.drop, POOLTAG_BINARY,
                                       "--pin-dir", dir_};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = run_command(argv);
      EXPECT_EQ(r.exit_code, 1) << c.drop << " " << args[0] << ": " << r.err;
      EXPECT_EQ(lines(r.err), 1u) << r.err;
      EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find(c.not_named), std::string::npos) << r.err;
    }
  }
  struct stat st {};
  EXPECT_NE(stat(dir_.c_str(), &st), 0) << "something was pinned";
}

TEST_F(Environment, NoBtfIsOneLineAndNothingAttached) {
  auto r = in_mount_namespace("mount -t tmpfs none /sys/kernel/btf", "enable");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("BTF"), std::string::npos) << r.err;
  struct stat st {};
  EXPECT_NE(stat(dir_.c_str(), &st), 0) << "something was pinned";
}

TEST_F(Environment, NoBpffsAndNoneMountableIsOneLine) {
  // /sys/fs read-only and empty: no bpffs, and nowhere to mount one
  auto r = in_mount_namespace("mount -t tmpfs -o ro none /sys/fs", "enable");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("BPF filesystem"), std::string::npos) << r.err;
  struct stat st {};
  EXPECT_NE(stat(dir_.c_str(), &st), 0) << "something was pinned";
}

TEST_F(Environment, NoTracefsIsNotNeeded) {
  // raw tracepoints attach by name through BTF: tracefs is never read
  auto r = in_mount_namespace(
      "mount -t tmpfs none /sys/kernel/tracing && mount -t tmpfs none /sys/kernel/debug", "enable");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto status = run_pooltag_at(dir_, {"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["programs"].size(), kernel_attachments());
  EXPECT_EQ(run_pooltag_at(dir_, {"disable"}).exit_code, 0);
}

TEST_F(Environment, StateOfAnotherFormatIsOneLineAndDisableStillRemovesIt) {
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  // what an older pooltag would have pinned: the same maps, another version
  int fd = bpf_obj_get((dir_ + "/state").c_str());
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> value(4096);
  uint32_t zero = 0;
  ASSERT_EQ(bpf_map_lookup_elem(fd, &zero, value.data()), 0);
  uint32_t version = 0;
  std::memcpy(&version, value.data(), sizeof version);  // pt_state starts with its version
  uint32_t older = version - 1;
  std::memcpy(value.data(), &older, sizeof older);
  ASSERT_EQ(bpf_map_update_elem(fd, &zero, value.data(), BPF_ANY), 0);
  close(fd);
  for (auto args : std::vector<std::vector<std::string>>{{"used"}, {"status"}, {"find", "x"}}) {
    auto r = run_pooltag_at(dir_, args);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("format " + std::to_string(older)), std::string::npos) << r.err;
  }
  auto r = run_pooltag_at(dir_, {"disable"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  EXPECT_NE(stat(dir_.c_str(), &st), 0) << "disable left the old state";
}

TEST_F(Environment, EveryPinIsRootOnlyAndNothingIsWorldWritable) {
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto r = run_command({"find", dir_, "-mindepth", "1", "(", "-perm", "/077", "-o", "-not", "-user", "root", ")"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "") << "pins open to others";
  r = run_command({"ls", dir_});
  EXPECT_GT(lines(r.out), 15u) << "the maps, the dump program and the links";
}

// Nothing pooltag creates is writable by others, whatever the umask it
// runs under: the pins, the recording and its WAL files while record runs,
// the report. Under umask 0 a file made with the usual 0666 would be.
TEST_F(Environment, NothingItCreatesIsWorldWritableEvenUnderUmaskZero) {
  char templ[] = "/tmp/pooltag-umask-test-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  const std::string out = templ, db = out + "/rec.db";
  auto world_writable = [&] {
    auto r = run_command({"find", dir_, out, "-perm", "-o+w"});
    return r.out + r.err;
  };
  const mode_t old = umask(0);  // the commands below inherit it
  ASSERT_EQ(run_pooltag_at(dir_, {"enable"}).exit_code, 0);
  {
    Program recorder({POOLTAG_BINARY, "--pin-dir", dir_, "record", "-o", db, "--interval", "500ms", "--duration", "3s"});
    EXPECT_TRUE(eventually([&] { return access((db + "-wal").c_str(), F_OK) == 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    EXPECT_EQ(world_writable(), "") << "while record runs";
    EXPECT_EQ(recorder.wait(), 0);
  }
  auto report = run_pooltag_at(dir_, {"report", "--db", db, "-o", out + "/report.html", "--min-duration", "1s"});
  umask(old);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(world_writable(), "");
  struct stat st {};
  ASSERT_EQ(stat((out + "/report.html").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "a report others may read, not write";
  run_command({"rm", "-rf", out});
}
