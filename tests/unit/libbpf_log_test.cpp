// The one line kept of libbpf's output when the kernel refuses a program.
#include "kernel/libbpf_log.h"

#include <gtest/gtest.h>

namespace pooltag::kernel {
namespace {

// As libbpf 1.1 prints a verifier refusal (6.1, pt_kmalloc as tp_btf).
const char *kVerifierRefusal =
    "libbpf: prog 'pt_kmalloc': BPF program load failed: Permission denied\n"
    "libbpf: prog 'pt_kmalloc': -- BEGIN PROG LOAD LOG --\n"
    "reg type unsupported for arg#0 function pt_kmalloc#393\n"
    "0: R1=ctx(off=0,imm=0) R10=fp0\n"
    "; int BPF_PROG(pt_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,\n"
    "0: (79) r6 = *(u64 *)(r1 +8)\n"
    "func 'kmalloc' arg1 type UNKNOWN is not a struct\n"
    "invalid bpf_context access off=8 size=8\n"
    "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
    "-- END PROG LOAD LOG --\n"
    "libbpf: prog 'pt_kmalloc': failed to load: -13\n"
    "libbpf: failed to load object 'pooltag_bpf'\n";

TEST(LibbpfLog, VerifierRefusalKeepsItsLastMeaningfulLine) {
  auto f = load_failure(kVerifierRefusal);
  EXPECT_EQ(f.program, "pt_kmalloc");
  EXPECT_EQ(f.reason, "invalid bpf_context access off=8 size=8");
}

TEST(LibbpfLog, RefusalBeforeVerificationKeepsLibbpfsReason) {
  auto f = load_failure(
      "libbpf: prog 'probe_fentry': BPF program load failed: Operation not permitted\n"
      "libbpf: prog 'probe_fentry': failed to load: -1\n"
      "libbpf: failed to load object 'probes_bpf'\n");
  EXPECT_EQ(f.program, "probe_fentry");
  EXPECT_EQ(f.reason, "BPF program load failed: Operation not permitted");
  f = load_failure(
      "libbpf: prog 'probe_fentry': failed to find kernel BTF type ID of 'kmem_cache_free_bulk': -3\n"
      "libbpf: prog 'probe_fentry': failed to prepare load attributes: -3\n"
      "libbpf: prog 'probe_fentry': failed to load: -3\n");
  EXPECT_EQ(f.program, "probe_fentry");
  EXPECT_EQ(f.reason, "failed to prepare load attributes: -3");
}

TEST(LibbpfLog, TheFailingProgramsLogNotAnEarlierOne) {
  std::string two = std::string(kVerifierRefusal) +
                    "libbpf: prog 'pt_dump': BPF program load failed: Permission denied\n"
                    "libbpf: prog 'pt_dump': -- BEGIN PROG LOAD LOG --\n"
                    "35: (79) r8 = *(u64 *)(r2 +0)\n"
                    "R2 unbounded memory access, make sure to bounds check any such access\n"
                    "processed 26 insns (limit 1000000) max_states_per_insn 0 total_states 2\n"
                    "-- END PROG LOAD LOG --\n"
                    "libbpf: prog 'pt_dump': failed to load: -13\n";
  auto f = load_failure(two);
  EXPECT_EQ(f.program, "pt_dump");
  EXPECT_EQ(f.reason, "R2 unbounded memory access, make sure to bounds check any such access");
}

TEST(LibbpfLog, NoProgramFailureFindsNothing) {
  auto f = load_failure("libbpf: map 'hit_events': failed to create: Invalid argument(-22)\n");
  EXPECT_TRUE(f.program.empty());
  EXPECT_TRUE(f.reason.empty());
  EXPECT_TRUE(load_failure("").program.empty());
}

}  // namespace
}  // namespace pooltag::kernel
