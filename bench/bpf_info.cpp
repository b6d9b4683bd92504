#include "bpf_info.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace pooltag::bench {

std::vector<ProgramStats> program_stats(const std::vector<uint32_t> &ids) {
  std::vector<ProgramStats> out;
  for (uint32_t id : ids) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
      out.push_back(ProgramStats{id, info.name, info.run_cnt, info.run_time_ns, info.recursion_misses});
    close(fd);
  }
  return out;
}

std::vector<uint32_t> programs_of_process(pid_t pid) {
  std::vector<uint32_t> ids;
  std::string dir = fmt::format("/proc/{}/fdinfo", pid);
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return ids;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("prog_id:", 0) != 0) continue;
      uint32_t id = static_cast<uint32_t>(std::stoul(line.substr(8)));
      bool seen = false;
      for (uint32_t x : ids) seen = seen || x == id;
      if (!seen) ids.push_back(id);
    }
  }
  closedir(d);
  return ids;
}

std::vector<ProgramStats> stats_delta(const std::vector<ProgramStats> &before, const std::vector<ProgramStats> &after) {
  std::map<uint32_t, ProgramStats> old;
  for (const auto &b : before) old[b.id] = b;
  std::vector<ProgramStats> out;
  for (auto a : after) {
    if (auto it = old.find(a.id); it != old.end()) {
      a.run_count -= it->second.run_count;
      a.run_time_ns -= it->second.run_time_ns;
      a.recursion_misses -= it->second.recursion_misses;
    }
    out.push_back(a);
  }
  return out;
}

Result<RunTimeStats> RunTimeStats::enable() {
  int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (fd < 0) return error_from_errno("cannot enable BPF run time statistics", -fd);
  return RunTimeStats(fd);
}

RunTimeStats::~RunTimeStats() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace pooltag::bench
