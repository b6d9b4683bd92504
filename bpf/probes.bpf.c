// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * Feature probes: each program is loaded alone (the others' autoload off)
 * by src/kernel/features.cpp, and whether the kernel takes it is the
 * answer. Never attached. Helpers are probed with libbpf_probe_bpf_helper()
 * instead; these are the features a helper probe cannot show.
 */
#include "compat.bpf.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 probe_word;

/* BPF atomics (5.12+): a compare-and-swap. */
SEC("raw_tp")
int probe_atomics(struct bpf_raw_tracepoint_args *ctx)
{
	return __sync_val_compare_and_swap(&probe_word, 0, 1) != 0;
}

/* A typed task pointer that programs may load from (5.11+). */
SEC("raw_tp")
int probe_task_btf(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return task->tgid;
}

/* A raw_tp program that BPF_PROG_TEST_RUN runs (5.10+): the clock sample
 * and object dumps take this route. */
SEC("raw_tp")
int probe_test_run(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 word = 0;

	bpf_probe_read_kernel(&word, sizeof(word), &probe_word);
	return 7;
}

/* BPF iterators (5.8+; some kernels refuse them). */
SEC("iter/bpf_map_elem")
int probe_iterator(void *ctx)
{
	return 0;
}

/* fentry on the bulk free path (5.5+; needs the BTF of the function and a
 * kernel that allows trampolines). */
SEC("fentry/kmem_cache_free_bulk")
int probe_fentry(void *ctx)
{
	return 0;
}

/* syscall programs (5.14+). */
SEC("syscall")
int probe_syscall(void *ctx)
{
	return 0;
}
