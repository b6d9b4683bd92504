#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

extern char **environ;

namespace pooltag::bench {

namespace {

using Clock = std::chrono::steady_clock;

// argv and envp for execvpe, built before fork (no allocation after it).
struct ExecArgs {
  std::vector<std::string> args, envs;
  std::vector<char *> argv, envp;
  ExecArgs(const std::vector<std::string> &a, const std::map<std::string, std::string> &env) : args(a) {
    for (char **e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos && env.count(kv.substr(0, eq)) != 0) continue;
      envs.push_back(kv);
    }
    for (const auto &[k, v] : env) envs.push_back(k + "=" + v);
    for (auto &s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto &s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<CommandResult> run_command(const std::vector<std::string> &argv,
                                  const std::map<std::string, std::string> &env) {
  if (argv.empty()) return Error{"run_command: no command"};
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return error_from_errno("pipe");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return error_from_errno("pipe");
  }
  ExecArgs ex(argv, env);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) return error_from_errno("fork");
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    execvpe(ex.argv[0], ex.argv.data(), ex.envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  CommandResult r;
  // Both pipes at once: a child filling one while we block on the other
  // would never finish.
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string *dest[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        dest[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.exit_code = exit_code_of(status);
  r.max_rss_kb = ru.ru_maxrss;
  if (r.exit_code == 127 && r.err.empty()) r.err = "cannot run " + argv[0];
  return r;
}

Result<Child> Child::start(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env) {
  if (argv.empty()) return Error{"Child::start: no command"};
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return error_from_errno("pipe");
  ExecArgs ex(argv, env);
  pid_t pid = fork();
  if (pid < 0) return error_from_errno("fork");
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execvpe(ex.argv[0], ex.argv.data(), ex.envp.data());
    _exit(127);
  }
  close(out[1]);
  Child c;
  c.pid_ = pid;
  c.out_ = out[0];
  return c;
}

Child::Child(Child &&o) noexcept : pid_(o.pid_), out_(o.out_), output_(std::move(o.output_)) {
  o.pid_ = -1;
  o.out_ = -1;
}

Child &Child::operator=(Child &&o) noexcept {
  if (this != &o) {
    stop();
    pid_ = o.pid_;
    out_ = o.out_;
    output_ = std::move(o.output_);
    o.pid_ = -1;
    o.out_ = -1;
  }
  return *this;
}

Child::~Child() { stop(); }

bool Child::read_some(int timeout_ms) {
  if (out_ < 0) return false;
  pollfd p{out_, POLLIN, 0};
  int n = poll(&p, 1, timeout_ms);
  if (n <= 0) return false;
  char buf[4096];
  ssize_t got = read(out_, buf, sizeof buf);
  if (got <= 0) {
    close(out_);
    out_ = -1;
    return false;
  }
  output_.append(buf, static_cast<size_t>(got));
  return true;
}

bool Child::wait_for(const std::string &marker, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (output_.find(marker) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    if (!read_some(static_cast<int>(std::min<long>(left, 200))) && out_ < 0) return false;
  }
  return true;
}

int Child::stop(int grace_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGINT);
  int status = 0;
  auto deadline = Clock::now() + std::chrono::milliseconds(grace_ms);
  pid_t got = 0;
  while ((got = waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
    // keep draining: a child blocked on a full pipe never exits
    if (!read_some(20)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (got == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  while (read_some(0)) {
  }
  if (out_ >= 0) close(out_);
  out_ = -1;
  pid_ = -1;
  return exit_code_of(status);
}

}  // namespace pooltag::bench
