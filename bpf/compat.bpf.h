/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Every kernel difference the BPF side knows about, in one place.
 *
 * Kernel types. The programs read four fields of two kernel structs, so
 * instead of a vmlinux.h generated from the build host's BTF (which ties the
 * build to a kernel with BTF, and whose 3 MB hide which fields are used),
 * the types are declared here with preserve_access_index: libbpf relocates
 * every field access against the running kernel's BTF at load time (CO-RE),
 * so one build runs on every supported kernel (5.10 .. 6.18). A field added
 * here must exist in every supported kernel, or be guarded with
 * bpf_core_field_exists().
 *
 * Tracepoint arguments. Every allocation program is a raw_tp program: its
 * context is the tracepoint's argument array, and reading an argument is a
 * plain load that every verifier since 5.10 accepts. (tp_btf programs type
 * the arguments from BTF, and before Linux 6.16 refuse to read a
 * `const void *` argument such as kmalloc's ptr: "arg1 type UNKNOWN is not
 * a struct".) The argument positions of each tracepoint changed over time;
 * the loader reads each tracepoint's prototype from BTF and picks the
 * program whose positions match (src/kernel/plan.cpp). The variants:
 *
 *   kmalloc, kmalloc_node   (call_site, ptr, bytes_req, bytes_alloc, gfp[, node])
 *                           ..5.19, and 6.1+ (where the _node tracepoints
 *                           are gone: node became kmalloc's last argument)
 *   kmalloc in 6.0          (call_site, ptr, s, bytes_req, bytes_alloc, gfp[, node])
 *                           (the cache added to the whole event class; RHEL 9's
 *                           5.14 has it too)
 *   kmem_cache_alloc[_node] (call_site, ptr, bytes_req, bytes_alloc, gfp[, node]) ..5.19
 *                           (call_site, ptr, s, ...)                      6.0+
 *   kfree                   (call_site, ptr)
 *   kmem_cache_free         (call_site, ptr), (call_site, ptr, name) 5.12+,
 *                           (call_site, ptr, s) 6.1+: ptr is always second
 *   percpu_alloc_percpu     (reserved, is_atomic, size, align, base_addr, off, ptr) ..5.18
 *                           (call_site, reserved, ..., ptr, bytes_alloc, gfp) 5.19+
 *   percpu_free_percpu      (base_addr, off, ptr)
 *   alloc_vmap_area, free_vmap_area_noflush: 6.2+ only
 *   mm_page_alloc (page, order, gfp, migratetype), mm_page_free (page, order)
 *
 * BPF atomics (cmpxchg, fetch-and-op) arrived in Linux 5.12; before that a
 * program containing one is refused as a whole ("BPF_STX uses reserved
 * fields", checked over every instruction, dead code included). The
 * programs ending in _legacy contain none: they keep the live table in a
 * hash map and read pid and comm through helpers
 * (bpf_get_current_task_btf() is 5.11+). Plain atomic adds are the old
 * BPF_XADD encoding and load everywhere.
 */
#ifndef POOLTAG_COMPAT_BPF_H
#define POOLTAG_COMPAT_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

typedef __u32 gfp_t;

struct kmem_cache {
	unsigned int size; /* object size with metadata: what one object holds */
	const char *name;
} __attribute__((preserve_access_index));

struct mm_struct;

struct task_struct {
	void *stack; /* the kernel stack's lowest address */
	unsigned int flags;
	struct mm_struct *mm;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

#define PF_KTHREAD 0x00200000

/* The tracepoint's argument i, whatever its type. */
#define PT_ARG(ctx, i) ((__u64)(ctx)->args[i])

#endif /* POOLTAG_COMPAT_BPF_H */
