// What the running kernel offers pooltag, found out rather than assumed:
// each tracepoint's prototype from BTF, and each BPF feature by loading a
// tiny program (bpf/probes.bpf.c) or asking libbpf. Probed once per command;
// kernel/plan.h turns the answers into the programs to load. `pooltag check`
// prints them (like `bpftrace --info`).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pooltag::kernel {

// A tracepoint's arguments as C types, in order, without the leading
// `void *` that every btf_trace_<name> prototype starts with.
struct TracepointPrototype {
  std::vector<std::string> params;
  std::string text() const;  // "(long unsigned int, const void *, ...)"
};

// A kernel function's prototype from BTF (the bulk paths' programs go on
// functions): its parameters and return type as C types.
struct FunctionPrototype {
  std::string returns;
  std::vector<std::string> params;
  std::string text() const;  // "int (struct kmem_cache *, gfp_t, size_t, void **)"
};

enum class Feature {
  Atomics,          // BPF atomics: compare-and-swap (5.12+)
  TaskBtf,          // bpf_get_current_task_btf() and loads through it (5.11+)
  TestRun,          // BPF_PROG_TEST_RUN of raw_tp programs (5.10+)
  Mmapable,         // mmapable array maps (5.5+)
  RingBuffer,       // ring buffer maps (5.8+)
  Iterators,        // BPF iterators (5.8+; refused by some kernels)
  Fentry,           // fentry/fexit programs (5.5+, needs trampolines): the bulk paths
  SyscallPrograms,  // syscall programs (5.14+)
  Kprobes,          // kprobes (CONFIG_KPROBES and the kprobe PMU)
};

struct FeatureInfo {
  Feature feature;
  std::string_view name;   // as printed by `check` and in JSON
  std::string_view since;  // the Linux release that brought it
  std::string_view use;    // what pooltag does with it
};
const std::vector<FeatureInfo> &feature_table();

struct Probe {
  bool available = false;
  std::string detail;  // why not (the kernel's reason), or a note
};

// The tracepoints pooltag may attach to.
const std::vector<std::string_view> &tracepoint_names();
// The kernel functions whose prototypes the plan reads (the bulk paths).
const std::vector<std::string_view> &function_names();

struct KernelFeatures {
  std::string release;  // uname -r
  bool btf = false;     // /sys/kernel/btf/vmlinux readable and parsed
  std::string btf_detail;
  std::map<std::string, TracepointPrototype, std::less<>> tracepoints;  // the ones present
  std::map<std::string, FunctionPrototype, std::less<>> functions;      // the ones present
  std::map<Feature, Probe> probes;

  const TracepointPrototype *tracepoint(std::string_view name) const;
  const FunctionPrototype *function(std::string_view name) const;
  bool has(Feature f) const;
  const Probe &probe(Feature f) const;
};

// The kernel behind the probes; tests fake it.
class KernelProbe {
 public:
  virtual ~KernelProbe() = default;
  virtual std::string release() = 0;
  // false with a reason when the kernel's BTF cannot be read
  virtual bool load_btf(std::string &why) = 0;
  virtual std::optional<TracepointPrototype> tracepoint(std::string_view name) = 0;
  virtual std::optional<FunctionPrototype> function(std::string_view name) = 0;
  virtual Probe probe(Feature feature) = 0;
};

KernelFeatures probe_kernel(KernelProbe &kernel);

// The running kernel (BTF from /sys/kernel/btf/vmlinux, programs loaded).
class LinuxKernelProbe : public KernelProbe {
 public:
  LinuxKernelProbe();
  ~LinuxKernelProbe() override;
  std::string release() override;
  bool load_btf(std::string &why) override;
  std::optional<TracepointPrototype> tracepoint(std::string_view name) override;
  std::optional<FunctionPrototype> function(std::string_view name) override;
  Probe probe(Feature feature) override;

 private:
  struct btf *btf_ = nullptr;
};

}  // namespace pooltag::kernel
