#include "kernel/fault_injection.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace pooltag::kernel {

namespace {

// The BPF programs this process holds: every fd whose fdinfo has a prog_id.
void write_program_ids(const char *path) {
  std::ofstream out(path);
  DIR *d = opendir("/proc/self/fdinfo");
  if (d == nullptr) return;
  while (dirent *e = readdir(d)) {
    std::ifstream info(std::string("/proc/self/fdinfo/") + e->d_name);
    for (std::string line; std::getline(info, line);)
      if (line.rfind("prog_id:", 0) == 0) out << std::stoul(line.substr(8)) << "\n";
  }
  closedir(d);
}

}  // namespace

void kill_point(std::string_view step) {
  const char *at = std::getenv("POOLTAG_TEST_KILL_AT");
  if (at == nullptr || step != at) return;
  if (const char *report = std::getenv("POOLTAG_TEST_KILL_REPORT"); report != nullptr) write_program_ids(report);
  raise(SIGKILL);
}

}  // namespace pooltag::kernel
