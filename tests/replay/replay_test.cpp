// Tier 2: replay. Each directory under cases/ holds a recorded event stream
// (`events`), the symbols it refers to (`kallsyms`), the command line
// (`args`, one argument a line) and the expected output (`expected`). The
// real binary runs the case from inside its directory and must print
// exactly the expected text. Set POOLTAG_UPDATE_GOLDEN=1 to rewrite them.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> list_cases() {
  std::vector<std::string> out;
  if (DIR *d = opendir(REPLAY_CASES_DIR)) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CaseRun {
  int exit_code;
  std::string out;
};

CaseRun run_case(const std::string &dir, std::vector<std::string> args) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, ""};
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    unsetenv("COLUMNS");  // the expected text is a pipe's: no width limit
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    args.insert(args.begin(), POOLTAG_BINARY);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class Replay : public ::testing::TestWithParam<std::string> {};

TEST_P(Replay, PrintsTheExpectedOutput) {
  std::string dir = std::string(REPLAY_CASES_DIR) + "/" + GetParam();
  std::vector<std::string> args;
  std::istringstream lines(slurp(dir + "/args"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) args.push_back(line);
  ASSERT_FALSE(args.empty()) << "case without args";
  CaseRun r = run_case(dir, args);
  std::string expected_code = slurp(dir + "/exit_code");
  int want_code = expected_code.empty() ? 0 : std::stoi(expected_code);
  if (std::getenv("POOLTAG_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(dir + "/expected") << r.out;
    return;
  }
  EXPECT_EQ(r.exit_code, want_code);
  EXPECT_EQ(r.out, slurp(dir + "/expected"));
}

INSTANTIATE_TEST_SUITE_P(Cases, Replay, ::testing::ValuesIn(list_cases()),
                         [](const auto &info) { return info.param; });

}  // namespace
