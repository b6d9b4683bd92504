// LinuxKernelProbe (kernel/features.h): the running kernel's BTF and BPF.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.h"
#include "kernel/features.h"
#include "kernel/libbpf_log.h"
#include "probes_bpf.skel.h"

namespace pooltag::kernel {

namespace {

// A BTF type as C writes it, enough to tell the variants apart:
// "long unsigned int", "const void *", "struct kmem_cache *", "size_t".
std::string type_name(const btf *b, uint32_t id, int depth = 0) {
  if (id == 0) return "void";
  const btf_type *t = btf__type_by_id(b, id);
  if (t == nullptr || depth > 8) return "?";
  const char *name = btf__name_by_offset(b, t->name_off);
  std::string n = name ? name : "";
  switch (btf_kind(t)) {
    case BTF_KIND_INT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_FLOAT:
      return n;
    case BTF_KIND_STRUCT:
      return "struct " + n;
    case BTF_KIND_UNION:
      return "union " + n;
    case BTF_KIND_ENUM:
      return "enum " + n;
    case BTF_KIND_PTR: {
      std::string to = type_name(b, t->type, depth + 1);
      to.append(to.back() == '*' ? "*" : " *");  // "void **"
      return to;
    }
    case BTF_KIND_CONST:
      return "const " + type_name(b, t->type, depth + 1);
    case BTF_KIND_VOLATILE:
      return "volatile " + type_name(b, t->type, depth + 1);
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_RESTRICT:
      return type_name(b, t->type, depth + 1);
    default:
      return n.empty() ? "?" : n;
  }
}

// Loads one program of the probe object alone; the kernel's reason when it
// is refused.
Probe load_probe(const char *program_name, bool test_run = false) {
  probes_bpf *skel = probes_bpf__open();
  if (skel == nullptr) return {false, fmt::format("cannot open the probe object: {}", std::strerror(errno))};
  bpf_program *wanted = nullptr;
  bpf_program *p;
  bpf_object__for_each_program(p, skel->obj) {
    bool it = std::strcmp(bpf_program__name(p), program_name) == 0;
    bpf_program__set_autoload(p, it);
    if (it) wanted = p;
  }
  Probe out;
  (void)take_libbpf_output();
  int err = wanted ? probes_bpf__load(skel) : -ENOENT;
  if (err != 0) {
    auto failure = load_failure(take_libbpf_output());
    out.detail = failure.reason.empty() ? std::strerror(-err) : failure.reason;
  } else if (test_run) {
    uint64_t args[2] = {};
    LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
    int rc = bpf_prog_test_run_opts(bpf_program__fd(wanted), &run);
    out.available = rc == 0 && run.retval == 7;
    if (!out.available) out.detail = rc != 0 ? std::strerror(errno) : "the program did not run";
  } else {
    out.available = true;
  }
  probes_bpf__destroy(skel);
  return out;
}

Probe mmapable_probe() {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_ARRAY, "pt_probe", 4, 8, 1, &opts));
  if (!fd) return {false, std::strerror(errno)};
  return {true, ""};
}

Probe kprobes_probe() {
  // the kprobe PMU (perf_event_open kprobes, what libbpf attaches with)
  if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0) return {true, ""};
  return {false, "no kprobe PMU (/sys/bus/event_source/devices/kprobe): CONFIG_KPROBES off"};
}

}  // namespace

LinuxKernelProbe::LinuxKernelProbe() = default;

LinuxKernelProbe::~LinuxKernelProbe() { btf__free(btf_); }

std::string LinuxKernelProbe::release() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.release;
}

bool LinuxKernelProbe::load_btf(std::string &why) {
  if (btf_ != nullptr) return true;
  btf_ = btf__load_vmlinux_btf();
  if (btf_ == nullptr) {
    why = fmt::format("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): {}", std::strerror(errno));
    return false;
  }
  return true;
}

std::optional<TracepointPrototype> LinuxKernelProbe::tracepoint(std::string_view name) {
  if (btf_ == nullptr) return std::nullopt;
  // btf_trace_<name> is a typedef of a pointer to the probe's prototype,
  // whose first parameter is the tracepoint's private data
  std::string type = "btf_trace_" + std::string(name);
  int id = btf__find_by_name_kind(btf_, type.c_str(), BTF_KIND_TYPEDEF);
  if (id <= 0) return std::nullopt;
  const btf_type *t = btf__type_by_id(btf_, static_cast<uint32_t>(id));
  const btf_type *ptr = t ? btf__type_by_id(btf_, t->type) : nullptr;
  const btf_type *proto = ptr && btf_is_ptr(ptr) ? btf__type_by_id(btf_, ptr->type) : nullptr;
  if (proto == nullptr || !btf_is_func_proto(proto)) return std::nullopt;
  TracepointPrototype out;
  const btf_param *params = btf_params(proto);
  for (uint16_t i = 1; i < btf_vlen(proto); ++i) out.params.push_back(type_name(btf_, params[i].type));
  return out;
}

std::optional<FunctionPrototype> LinuxKernelProbe::function(std::string_view name) {
  if (btf_ == nullptr) return std::nullopt;
  int id = btf__find_by_name_kind(btf_, std::string(name).c_str(), BTF_KIND_FUNC);
  if (id <= 0) return std::nullopt;
  const btf_type *func = btf__type_by_id(btf_, static_cast<uint32_t>(id));
  const btf_type *proto = func ? btf__type_by_id(btf_, func->type) : nullptr;
  if (proto == nullptr || !btf_is_func_proto(proto)) return std::nullopt;
  FunctionPrototype out;
  out.returns = type_name(btf_, proto->type);
  const btf_param *params = btf_params(proto);
  for (uint16_t i = 0; i < btf_vlen(proto); ++i) out.params.push_back(type_name(btf_, params[i].type));
  return out;
}

Probe LinuxKernelProbe::probe(Feature feature) {
  switch (feature) {
    case Feature::Atomics:
      return load_probe("probe_atomics");
    case Feature::TaskBtf:
      return load_probe("probe_task_btf");
    case Feature::TestRun:
      return load_probe("probe_test_run", true);
    case Feature::Mmapable:
      return mmapable_probe();
    case Feature::RingBuffer:
      if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1) return {true, ""};
      return {false, "ring buffer maps are not supported"};
    case Feature::Iterators:
      return load_probe("probe_iterator");
    case Feature::Fentry:
      return load_probe("probe_fentry");
    case Feature::SyscallPrograms:
      return load_probe("probe_syscall");
    case Feature::Kprobes:
      return kprobes_probe();
  }
  return {false, "unknown feature"};
}

}  // namespace pooltag::kernel
