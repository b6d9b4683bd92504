// pooltag-jit-profile: where inside pooltag's BPF programs the time goes.
//
// Neither `bpftool prog profile` nor `perf annotate` works here (no
// hardware counters in the VM, no libopcodes in Debian's perf and bpftool),
// so this reads sampled instruction pointers (`perf script -F ip`) on stdin,
// maps them into the JIT images of the loaded programs (read from the
// kernel), and prints each function's share and its hottest instructions,
// disassembled with objdump. Run it while the programs are still loaded:
//
//   perf record -a -e cpu-clock -F 20000 -o perf.data -- pooltag-churn --seconds 4
//   perf script -i perf.data -F ip | pooltag-jit-profile
//
// A sample lands on the instruction after the one that stalled (skid):
// read a hot line as "the instruction before this one was waiting".
#include <bpf/bpf.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

struct Function {
  std::string name;
  uint64_t start = 0;
  std::vector<uint8_t> image;
  std::map<uint64_t, uint64_t> samples_at;  // offset -> samples
  uint64_t samples = 0;
};

// BPF functions by address, from /proc/kallsyms ("... t bpf_prog_<tag>_<name> [bpf]").
std::map<uint64_t, std::string> bpf_symbols() {
  std::map<uint64_t, std::string> out;
  std::ifstream in("/proc/kallsyms");
  std::string addr, type, name, module;
  while (in >> addr >> type >> name) {
    std::getline(in, module);
    if (module.find("[bpf]") == std::string::npos) continue;
    auto pos = name.find('_', name.find('_', 0) + 1);  // bpf_prog_<tag>_<name>
    pos = name.find('_', pos + 1);
    out[std::stoull(addr, nullptr, 16)] = pos == std::string::npos ? name : name.substr(pos + 1);
  }
  return out;
}

std::string name_near(const std::map<uint64_t, std::string> &symbols, uint64_t start, uint64_t size) {
  auto it = symbols.upper_bound(start + std::min<uint64_t>(size, 64));
  if (it == symbols.begin()) return "?";
  --it;
  return it->first + 64 >= start ? it->second : "?";
}

// Every function (main program and subprograms) of the loaded programs whose
// name starts with `prefix`, with its JIT image.
std::vector<Function> jitted_functions(const std::string &prefix) {
  auto symbols = bpf_symbols();
  std::vector<Function> out;
  for (uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || std::string(info.name).rfind(prefix, 0) != 0) {
      close(fd);
      continue;
    }
    uint32_t bytes = info.jited_prog_len, nfuncs = info.nr_jited_ksyms, nlens = info.nr_jited_func_lens;
    std::vector<uint8_t> image(bytes);
    std::vector<uint64_t> ksyms(nfuncs);
    std::vector<uint32_t> lens(nlens);
    info = {};
    info.jited_prog_len = bytes;
    info.jited_prog_insns = reinterpret_cast<uint64_t>(image.data());
    info.nr_jited_ksyms = nfuncs;
    info.jited_ksyms = reinterpret_cast<uint64_t>(ksyms.data());
    info.nr_jited_func_lens = nlens;
    info.jited_func_lens = reinterpret_cast<uint64_t>(lens.data());
    len = sizeof(info);
    int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
    close(fd);
    if (rc != 0) continue;
    uint64_t offset = 0;
    for (uint32_t i = 0; i < std::min(nfuncs, nlens) && offset + lens[i] <= image.size(); ++i) {
      Function f;
      f.start = ksyms[i];
      f.image.assign(image.begin() + static_cast<long>(offset), image.begin() + static_cast<long>(offset + lens[i]));
      f.name = name_near(symbols, f.start, lens[i]) + " (prog " + std::to_string(id) + ")";
      offset += lens[i];
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(), [](const Function &a, const Function &b) { return a.start < b.start; });
  return out;
}

// objdump's disassembly of an image, by offset.
std::map<uint64_t, std::string> disassemble(const std::vector<uint8_t> &image) {
  std::map<uint64_t, std::string> out;
  char path[] = "/tmp/pooltag-jit-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return out;
  bool written = write(fd, image.data(), image.size()) == static_cast<ssize_t>(image.size());
  close(fd);
  std::string cmd = std::string("objdump -D -b binary -mi386:x86-64 ") + path + " 2>/dev/null";
  if (FILE *p = written ? popen(cmd.c_str(), "r") : nullptr) {
    char line[512];
    while (fgets(line, sizeof(line), p) != nullptr) {
      std::string s(line);
      auto colon = s.find(":\t");
      if (colon == std::string::npos) continue;
      try {
        uint64_t off = std::stoull(s.substr(0, colon), nullptr, 16);
        auto text = s.rfind('\t');
        out[off] = s.substr(text + 1, s.find_last_not_of("\n") - text);
      } catch (...) {
      }
    }
    pclose(p);
  }
  unlink(path);
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Map perf samples (perf script -F ip, on stdin) into the JIT images of loaded BPF programs"};
  std::string prefix = "pt_";
  unsigned functions = 6, lines = 12;
  app.add_option("--prefix", prefix, "Programs whose name starts with this")->capture_default_str();
  app.add_option("--functions", functions, "Functions to annotate")->capture_default_str();
  app.add_option("--lines", lines, "Hottest instructions shown per function")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto funcs = jitted_functions(prefix);
  if (funcs.empty()) {
    std::cerr << "pooltag-jit-profile: no loaded BPF program named " << prefix << "*: run it while they are loaded\n";
    return 1;
  }
  uint64_t total = 0, inside = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    uint64_t ip = 0;
    try {
      ip = std::stoull(line, nullptr, 16);
    } catch (...) {
      continue;
    }
    ++total;
    auto it = std::upper_bound(funcs.begin(), funcs.end(), ip, [](uint64_t v, const Function &f) { return v < f.start; });
    if (it == funcs.begin()) continue;
    --it;
    if (ip >= it->start + it->image.size()) continue;
    ++it->samples;
    ++it->samples_at[ip - it->start];
    ++inside;
  }
  if (total == 0) {
    std::cerr << "pooltag-jit-profile: no samples on stdin (perf script -F ip)\n";
    return 1;
  }
  std::printf("%lu samples, %lu (%.2f%%) in %s* programs\n\n", total, inside, 100.0 * inside / total, prefix.c_str());
  std::vector<Function *> order;
  for (auto &f : funcs)
    if (f.samples > 0) order.push_back(&f);
  std::sort(order.begin(), order.end(), [](const Function *a, const Function *b) { return a->samples > b->samples; });
  for (const auto *f : order) std::printf("%7.2f%%  %s\n", 100.0 * f->samples / total, f->name.c_str());
  for (size_t i = 0; i < std::min<size_t>(functions, order.size()); ++i) {
    const Function &f = *order[i];
    auto text = disassemble(f.image);
    std::vector<std::pair<uint64_t, uint64_t>> hot(f.samples_at.begin(), f.samples_at.end());
    std::sort(hot.begin(), hot.end(), [](auto &a, auto &b) { return a.second > b.second; });
    std::printf("\n%s: %lu samples\n", f.name.c_str(), f.samples);
    for (size_t k = 0; k < std::min<size_t>(lines, hot.size()); ++k) {
      auto [off, n] = hot[k];
      // the instruction before the sampled one is the one that waited
      auto at = text.find(off);
      auto before = at != text.end() && at != text.begin() ? std::prev(at) : text.end();
      std::printf("  %6lu %5.1f%%  +0x%-5lx after: %s\n", n, 100.0 * n / f.samples, off,
                  before != text.end() ? before->second.c_str() : "?");
    }
  }
  return 0;
}
