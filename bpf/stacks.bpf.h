/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Allocation stacks: a walk per new call path, reused for the allocations
 * that follow it. Included once, by pooltag.bpf.c, after maps.bpf.h.
 *
 * Walking a kernel stack costs 2-4 us here (the ORC unwinder, and a check
 * of every frame's address against the BPF and ftrace trampolines), which
 * is most of what a stack for every allocation costs. But the stack of an
 * allocation is already written in the stack itself: every frame's return
 * address sits at a fixed place above the tracepoint's argument array
 * (the program's context, which lives in the kernel stack). So the programs
 * read the stack from the context up to the frame of the system call entry
 * (do_syscall_64 and friends) or of a kernel thread (ret_from_fork), hash
 * every word that is a kernel code address together with its offset, and
 * look the hash up in stack_reuse: an allocation whose stack holds the same
 * return addresses at the same places has the same call path, and takes
 * the stack id the first such allocation walked.
 *
 * Why it stops at the entry frame: the system call entry moves the stack
 * down by a random offset on each call (CONFIG_RANDOMIZE_KSTACK_OFFSET), so
 * what lies above that frame is a gap of old data that differs every time.
 * What is approximate: a stale copy of an entry frame's return address left
 * deeper in the stack by an earlier call ends the hash early, so two paths
 * that differ only above it share a stack. One reused stack in
 * stack_check_every is walked again and compared; the differences are
 * counted (PT_CNT_STACK_REUSE_DIFFERED) and shown, and the entry is
 * corrected. Where the context is not on the task's stack (interrupts),
 * or no entry frame is found in PT_STACK_SCAN_CHUNKS chunks, the stack is
 * walked as before.
 */
#ifndef POOLTAG_STACKS_BPF_H
#define POOLTAG_STACKS_BPF_H

static __always_inline void count_stack_failure(long id)
{
	if (id == -EEXIST)
		count(PT_CNT_STACK_COLLISIONS);
	else if (id == -ENOMEM)
		count(PT_CNT_STACK_FULL);
	else
		count(PT_CNT_STACK_FAILED);
}

/* A walk: the stack's id, or the kernel's error, counted. */
static __always_inline long walk_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &stacks, 0);

	if (id < 0)
		count_stack_failure(id);
	return id;
}

/* walk_stack() for callers that need no reason, in the shape it had before
 * walk_stack existed: the bulk free program calls it inside its 512-step
 * loop, and 5.10's verifier, given a wrapper around walk_stack, ran past its
 * million instructions there. */
static __always_inline __s32 take_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &stacks, 0);

	if (id >= 0)
		return (__s32)id;
	count_stack_failure(id);
	return -1;
}

/* stack_reuse's low half: the stack id + 1, or that the stack table
 * refused the stack. It never forgets a stack, so a refusal is for good:
 * the path's later allocations count it again without walking. */
#define PT_REUSE_COLLIDED 0xffffffffu
#define PT_REUSE_TABLE_FULL 0xfffffffeu

/* A kernel code address, or the module area above the kernel image (module
 * code, BPF programs and trampolines): one subtraction and one compare. A
 * word of data that passes hashes along harmlessly when it is the same
 * every time (static objects); heap and stack pointers never pass. */
static __always_inline bool code_like(__u64 w)
{
	return w - stack_code_start < stack_code_span;
}

static __always_inline bool entry_frame(__u64 w)
{
	for (int i = 0; i < PT_STACK_ENTRY_RANGES; i++)
		if (w - stack_entry[i].start < stack_entry[i].end - stack_entry[i].start)
			return true;
	return false;
}

/* The hash of the code addresses in the stack from `sp` up to the entry
 * frame (inclusive), or 0 when there is none in reach. */
static __always_inline __u64 stack_fingerprint(__u64 sp, __u64 stack_end)
{
	__u32 zero = 0;
	struct pt_stack_chunk *buf = bpf_map_lookup_elem(&stack_scan, &zero);
	__u64 h = 0x9e3779b97f4a7c15ULL, at = sp;

	if (!buf)
		return 0;
	for (int c = 0; c < PT_STACK_SCAN_CHUNKS; c++) {
		__u64 len = stack_end - at;

		if (at >= stack_end)
			return 0;
		/* bounded in a way the verifier follows (a size of 0 reads nothing) */
		if (len >= sizeof(buf->w))
			len = sizeof(buf->w);
		else
			len &= sizeof(buf->w) - 1;
		asm volatile("" : "+r"(len));
		if (bpf_probe_read_kernel(buf->w, len, (const void *)at) != 0)
			return 0;
		for (int j = 0; j < PT_STACK_CHUNK_WORDS; j++) {
			__u64 w = buf->w[j];

			if (j * sizeof(__u64) >= len)
				break;
			if (!code_like(w))
				continue;
			h = (h ^ (w + (at - sp) + j * sizeof(__u64))) * 0xff51afd7ed558ccdULL;
			if (entry_frame(w))
				return mix64(h) | 1; /* never 0 */
		}
		at += len;
	}
	return 0;
}

/* The stack id of this allocation: reused when its fingerprint is known,
 * walked otherwise. */
static __always_inline __s32 allocation_stack(void *ctx, bool legacy)
{
	__u64 sp, base, h, v, *entry;
	__s32 id = -1;
	long walked;
	bool known;
	__u32 slot, low = 0, zero = 0;
	struct pt_counters *c;
	struct task_struct *task;

	/* the _legacy programs walk: reuse needs bpf_get_current_task_btf() (5.11+) */
	if (!stack_reuse_mask || legacy)
		return take_stack(ctx);
	/* The verifier refuses arithmetic on the context pointer, but lets a
	 * privileged program subtract one pointer from another: the context's
	 * offset from the task, plus the task's address as a number. */
	task = bpf_get_current_task_btf();
	sp = (__u64)ctx - (__u64)task;
	asm volatile("" : "+r"(sp)); /* keeps clang from adding to ctx instead */
	sp += bpf_get_current_task();
	/* read, not loaded: newer verifiers type the loaded field as a pointer */
	base = (__u64)BPF_CORE_READ(task, stack);
	/* the task's stack, at least PT_MIN_THREAD_SIZE long (the loader turns
	 * reuse off where THREAD_SIZE is larger: KASAN) */
	if (sp - base >= PT_MIN_THREAD_SIZE)
		goto walk;
	h = stack_fingerprint(sp, base + PT_MIN_THREAD_SIZE);
	if (!h)
		goto walk;
	slot = (__u32)h & stack_reuse_mask;
	entry = bpf_map_lookup_elem(&stack_reuse, &slot);
	c = bpf_map_lookup_elem(&counters, &zero);
	if (!entry || !c)
		goto walk;
	v = *entry;
	known = (v >> 32) == (h >> 32) && (__u32)v != 0;
	if (known) {
		low = (__u32)v;
		id = low >= PT_REUSE_TABLE_FULL ? -1 : (__s32)(low - 1);
		if ((__sync_fetch_and_add(&c->v[PT_CNT_STACK_REUSED], 1) & stack_check_mask) != 0) {
			if (low >= PT_REUSE_TABLE_FULL)
				__sync_fetch_and_add(&c->v[low == PT_REUSE_COLLIDED ? PT_CNT_STACK_COLLISIONS
										  : PT_CNT_STACK_FULL],
						     1);
			return id;
		}
	}
	/* one call of the walk for both the check and a new fingerprint: the
	 * stack starts in this program, at the call */
	walked = walk_stack(ctx);
	if (known) {
		__sync_fetch_and_add(&c->v[PT_CNT_STACK_REUSE_CHECKED], 1);
		if (walked == id || (walked < 0 && id < 0))
			return id;
		__sync_fetch_and_add(&c->v[PT_CNT_STACK_REUSE_DIFFERED], 1);
	} else {
		__sync_fetch_and_add(&c->v[PT_CNT_STACK_WALKED], 1);
	}
	if (walked >= 0)
		low = (__u32)walked + 1;
	else if (walked == -EEXIST)
		low = PT_REUSE_COLLIDED;
	else if (walked == -ENOMEM)
		low = PT_REUSE_TABLE_FULL;
	else
		return -1; /* a failed walk may succeed next time */
	*entry = (h & 0xffffffff00000000ULL) | low;
	return walked >= 0 ? (__s32)walked : -1;
walk:
	count(PT_CNT_STACK_UNREUSABLE);
	return take_stack(ctx);
}

#endif /* POOLTAG_STACKS_BPF_H */
