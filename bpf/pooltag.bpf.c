// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * pooltag's kernel half: per-site accounting of kernel heap allocations.
 *
 * Every program here is on the hot path of the kernel allocator, so each
 * does the least possible: find the site slot, enter or clear one live-table
 * slot, bump per-CPU counters. Symbolization, tag grouping and everything
 * else happens in user space. See docs/engine.md for the design.
 */
#include "compat.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pooltag.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#include "maps.bpf.h"
#include "tables.bpf.h"
#include "stacks.bpf.h"

#define PT_SIGSTOP 19

/* One hit event to user space; with --stop-task the task that caused it
 * is stopped, the nearest thing to the debugger breaking in. */
__noinline int pt_emit_hit(__u32 kind, __u64 addr, __u64 size, __u32 site, __s32 stack_id)
{
	struct pt_hit_event *ev = bpf_ringbuf_reserve(&hit_events, sizeof(*ev), 0);
	struct task_struct *task;
	__u64 id;

	if (!ev) {
		count(PT_CNT_HIT_DROPS);
		return 0;
	}
	id = bpf_get_current_pid_tgid();
	ev->time_ns = bpf_ktime_get_ns();
	ev->addr = addr;
	ev->size = size;
	ev->site = site;
	ev->stack_id = stack_id;
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->kind = kind;
	ev->stopped = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	/* bpf_get_current_task(), not _btf(): the latter is 5.11+, and this
	 * rare path can afford the probe reads */
	task = (struct task_struct *)bpf_get_current_task();
	/* only user tasks: stopping a kernel thread could hang the machine */
	if ((poolhittag.flags & PT_HIT_STOP_TASK) && ev->time_ns < poolhittag.stop_until_ns &&
	    ev->pid != poolhittag.watcher_pid && ev->pid != 1 && task && BPF_CORE_READ(task, mm) &&
	    !(BPF_CORE_READ(task, flags) & PF_KTHREAD))
		ev->stopped = bpf_send_signal(PT_SIGSTOP) == 0;
	bpf_ringbuf_submit(ev, 0);
	count(PT_CNT_HIT_EVENTS);
	return 0;
}

/* The part of every allocation program after the site is known. `legacy`
 * is a constant of each program: the _legacy programs use the hash live
 * table and contain no BPF atomics (bpf/compat.bpf.h). */
static __always_inline void on_alloc(void *ctx, __u64 addr, __u64 size, __u32 site_and_flags, bool legacy)
{
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	__u32 flags = site_and_flags >> PT_SITE_FLAG_SHIFT;
	__s32 stack_id = -1;

	if (flags & (PT_SITE_STACKS | PT_SITE_HIT))
		stack_id = allocation_stack(ctx, legacy);
	if (legacy)
		track_alloc_legacy(addr, size, site_and_flags, stack_id);
	else
		track_alloc(addr, size, site_and_flags, stack_id);
	if ((flags & PT_SITE_HIT) && poolhittag.active)
		pt_emit_hit(PT_HIT_ALLOC, addr, size, site, stack_id);
}

static __always_inline void on_free(void *ctx, __u64 addr, bool legacy)
{
	__u64 r = legacy ? track_free_legacy(addr) : track_free(addr);

	if (r & ((__u64)PT_SITE_HIT << PT_SITE_FLAG_SHIFT))
		pt_emit_hit(PT_HIT_FREE, addr, r >> 32, r & PT_SITE_SLOT_MASK, take_stack(ctx));
}

/* Binary search of the sorted allocator code ranges; unused entries at the
 * end hold ~0 and sort last. */
static __always_inline bool in_allocator(__u64 ip)
{
	__u32 lo = 0, hi = PT_MAX_ALLOCATOR_RANGES;

	for (int step = 0; step < 9 && lo < hi; step++) {
		__u32 mid = (lo + hi) / 2;
		struct pt_code_range *r = bpf_map_lookup_elem(&allocator_ranges, &mid);

		if (!r)
			return false;
		if (ip < r->start)
			hi = mid;
		else if (ip >= r->end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* For tracepoints without a call site: the first frame of the kernel stack
 * outside the allocator (and the tracing machinery) is the caller. From a
 * function's program (`in_trampoline`), the second such frame: the first
 * is the BPF trampoline that runs the program. */
static __always_inline __u64 caller_from_stack(void *ctx, bool in_trampoline)
{
	__u32 zero = 0;
	struct stack_scratch *sc = bpf_map_lookup_elem(&attribution_scratch, &zero);
	long n;

	if (!sc)
		return 0;
	n = bpf_get_stack(ctx, sc->ips, sizeof(sc->ips), 0);
	if (n <= 0) {
		count(PT_CNT_STACK_ERRORS);
		return 0;
	}
	n /= sizeof(__u64);
	for (int i = 0; i < PT_ATTRIBUTION_DEPTH; i++) {
		if (i >= n)
			break;
		if (in_allocator(sc->ips[i]))
			continue;
		if (!in_trampoline)
			return sc->ips[i];
		in_trampoline = false;
	}
	count(PT_CNT_NO_CALLER);
	return 0;
}

/* First thing every program does: leave when the event is not ours to
 * track, before any map is touched. */
static __always_inline bool skip_event(__u64 addr)
{
	if (null_programs)
		return true;
	if (sample_threshold && (__u32)mix64(addr) >= sample_threshold)
		return true;
	return false;
}

/*
 * The programs. Each reads its tracepoint's arguments by position
 * (bpf/compat.bpf.h lists the prototypes of each kernel); the loader picks,
 * per tracepoint, the program whose positions match the kernel's prototype
 * and attaches it by name, so one program can serve several tracepoints
 * (kfree and kmem_cache_free; kmalloc and kmalloc_node). PT_PROGRAMS
 * defines a program and its _legacy twin for kernels without BPF atomics.
 */
#define PT_PROGRAMS(name, body)                                             \
	SEC("raw_tp")                                                       \
	int name(struct bpf_raw_tracepoint_args *ctx)                       \
	{                                                                   \
		body(ctx, false);                                           \
		return 0;                                                   \
	}                                                                   \
	SEC("raw_tp")                                                       \
	int name##_legacy(struct bpf_raw_tracepoint_args *ctx)              \
	{                                                                   \
		body(ctx, true);                                            \
		return 0;                                                   \
	}

/* kmalloc has no cache pointer: its size class plus the gfp bits that pick
 * the cgroup / reclaimable variants stand in for it. */
static __always_inline void kmalloc_event(struct bpf_raw_tracepoint_args *ctx, int bytes_alloc_arg, bool legacy)
{
	__u64 ptr = PT_ARG(ctx, 1), call_site = PT_ARG(ctx, 0), bytes_alloc, gfp, variant;

	if (skip_event(ptr))
		return;
	/* the gfp flags follow bytes_alloc in every variant */
	bytes_alloc = bytes_alloc_arg == 3 ? PT_ARG(ctx, 3) : PT_ARG(ctx, 4);
	gfp = bytes_alloc_arg == 3 ? PT_ARG(ctx, 4) : PT_ARG(ctx, 5);
	variant = bytes_alloc | ((gfp & (PT_GFP_ACCOUNT | PT_GFP_RECLAIMABLE)) << PT_VARIANT_GFP_SHIFT);
	on_alloc(ctx, ptr, bytes_alloc, site_slot(call_site, variant, PT_POOL_SLAB), legacy);
}

/* (call_site, ptr, bytes_req, bytes_alloc, gfp_flags[, node]) */
static __always_inline void kmalloc_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	kmalloc_event(ctx, 3, legacy);
}
PT_PROGRAMS(pt_kmalloc, kmalloc_body)

/* 6.0: (call_site, ptr, s, bytes_req, bytes_alloc, gfp_flags[, node]); the
 * cache is NULL for large kmallocs, so the size class is used throughout */
SEC("raw_tp")
int pt_kmalloc_with_cache(struct bpf_raw_tracepoint_args *ctx)
{
	kmalloc_event(ctx, 4, false);
	return 0;
}

/* 6.0+: (call_site, ptr, s, ...): the cache names the site. */
SEC("raw_tp")
int pt_cache_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 ptr = PT_ARG(ctx, 1), cache = PT_ARG(ctx, 2);
	__u32 size = 0, slot;

	if (skip_event(ptr) || !cache)
		return 0;
	slot = cache_site_slot(PT_ARG(ctx, 0), cache, &size);
	on_alloc(ctx, ptr, size, slot, false);
	return 0;
}

/* ..5.19: (call_site, ptr, bytes_req, bytes_alloc, gfp_flags[, node]): no
 * cache, so its sites are told apart by object size. */
static __always_inline void cache_alloc_sized_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	__u64 ptr = PT_ARG(ctx, 1), bytes_alloc = PT_ARG(ctx, 3);

	if (skip_event(ptr))
		return;
	on_alloc(ctx, ptr, bytes_alloc, site_slot(PT_ARG(ctx, 0), bytes_alloc | PT_VARIANT_SIZED_CACHE, PT_POOL_SLAB),
		 legacy);
}
PT_PROGRAMS(pt_cache_alloc_sized, cache_alloc_sized_body)

/* A free whose address is argument `arg` (a constant of each program). */
static __always_inline void free_event(struct bpf_raw_tracepoint_args *ctx, int arg, bool legacy)
{
	__u64 addr = PT_ARG(ctx, arg);

	if (skip_event(addr))
		return;
	on_free(ctx, addr, legacy);
}

/* kfree and kmem_cache_free: (call_site, ptr, ...) in every kernel. */
static __always_inline void slab_free_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	free_event(ctx, 1, legacy);
}
PT_PROGRAMS(pt_slab_free, slab_free_body)

/* 5.19+: (call_site, reserved, is_atomic, size, align, base_addr, off, ptr,
 * bytes_alloc, gfp_flags); bytes_alloc is the size on every CPU together:
 * what the heap loses. */
SEC("raw_tp")
int pt_percpu_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 ptr = PT_ARG(ctx, 7);

	if (skip_event(ptr))
		return 0;
	on_alloc(ctx, ptr, PT_ARG(ctx, 8), site_slot(PT_ARG(ctx, 0), 0, PT_POOL_PERCPU), false);
	return 0;
}

/* ..5.18: (reserved, is_atomic, size, align, base_addr, off, ptr): no call
 * site (charged to the first caller on the stack) and no bytes_alloc (the
 * size times the possible CPUs, which is what 5.19's bytes_alloc is without
 * memcg accounting). */
static __always_inline void percpu_alloc_stack_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	__u64 ptr = PT_ARG(ctx, 6);

	if (skip_event(ptr))
		return;
	on_alloc(ctx, ptr, PT_ARG(ctx, 2) * possible_cpus,
		 pt_site_slot(caller_from_stack(ctx, false), 0, PT_POOL_PERCPU, 0), legacy);
}
PT_PROGRAMS(pt_percpu_alloc_stack, percpu_alloc_stack_body)

/* (base_addr, off, ptr) */
static __always_inline void percpu_free_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	free_event(ctx, 2, legacy);
}
PT_PROGRAMS(pt_percpu_free, percpu_free_body)

/* 6.2+: (addr, size, align, vstart, vend, failed) */
SEC("raw_tp")
int pt_vmap_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 addr = PT_ARG(ctx, 0);

	if (PT_ARG(ctx, 5) || skip_event(addr))
		return 0;
	on_alloc(ctx, addr, PT_ARG(ctx, 1), pt_site_slot(caller_from_stack(ctx, false), 0, PT_POOL_VMALLOC, 0), false);
	return 0;
}

/* 6.2+: (va_start, nr_lazy, nr_lazy_max) */
SEC("raw_tp")
int pt_vmap_free(struct bpf_raw_tracepoint_args *ctx)
{
	free_event(ctx, 0, false);
	return 0;
}

/* (page, order, gfp_flags, migratetype): the struct page address is the key */
static __always_inline void page_alloc_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	__u64 page = PT_ARG(ctx, 0), order = PT_ARG(ctx, 1);

	if (!page || skip_event(page))
		return;
	on_alloc(ctx, page, 4096ULL << (order & 31), pt_site_slot(caller_from_stack(ctx, false), order, PT_POOL_PAGE, 0),
		 legacy);
}
PT_PROGRAMS(pt_page_alloc, page_alloc_body)

/* (page, order) */
static __always_inline void page_free_body(struct bpf_raw_tracepoint_args *ctx, bool legacy)
{
	free_event(ctx, 0, legacy);
}
PT_PROGRAMS(pt_page_free, page_free_body)

/* Run by `find --dump` (BPF_PROG_TEST_RUN; arguments: how many addresses of
 * the request, how many bytes of each): reads each object, checks that the
 * address is live before and after the read (pooltag.h). */
SEC("raw_tp")
int pt_dump(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 count = PT_ARG(ctx, 0), bytes = PT_ARG(ctx, 1), zero = 0;
	struct pt_dump_request *req = bpf_map_lookup_elem(&dump_request, &zero);

	if (!req)
		return 0;
	for (__u32 i = 0; i < PT_DUMP_BATCH; i++) {
		struct pt_dump_record *rec;
		__u32 key = i, n;
		__u64 addr;

		if (i >= count)
			break;
		/* its own key: a variable whose address goes to a helper lives
		 * on the stack, and older verifiers lose its bound there */
		rec = bpf_map_lookup_elem(&dump_output, &key);
		if (!rec)
			break;
		addr = req->addr[i & (PT_DUMP_BATCH - 1)];
		rec->addr = addr;
		rec->bytes = 0;
		rec->live = 0;
		n = live_size(addr);
		if (n == 0)
			continue;
		if (n > bytes)
			n = bytes;
		if (n > PT_MAX_DUMP_BYTES)
			n = PT_MAX_DUMP_BYTES;
		if (n > 0 && bpf_probe_read_kernel(rec->data, n, (const void *)addr) != 0)
			n = 0;
		if (live_size(addr) == 0)
			continue; /* freed while being read */
		rec->bytes = n;
		rec->live = 1;
	}
	return 0;
}

/* Run once by enable (BPF_PROG_TEST_RUN): jiffies and the monotonic clock at
 * one moment, the pair that turns live entries' jiffies into times. */
SEC("raw_tp")
int pt_clock(struct bpf_raw_tracepoint_args *ctx)
{
	clock_sample.jiffies = bpf_jiffies64();
	clock_sample.monotonic_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * Bulk paths: kmem_cache_free_bulk (kfree_bulk, and so the kfree_rcu
 * batches) and kmem_cache_alloc_bulk fire no per-object tracepoint, so
 * these programs go on the functions themselves (fentry/fexit, where the
 * kernel allows trampolines; the plan decides) and walk the object array.
 * The arguments are copied out of the context with one probe read: typed
 * access refuses `void **p` ("is not a struct") on every kernel, and a
 * cache pointer read as a typed pointer could not be hashed. The object of
 * each step is handled out of line: the verifier checks a global function
 * once, where an inline free path would be checked once per iteration.
 */
/* Each defined twice, with the bucket and the legacy (hash) table: the
 * legacy kernels refuse a program holding a cmpxchg even in dead code. */
#define PT_BULK_STEPS(suffix, track_free_fn, track_alloc_fn)                                      \
	__noinline __u64 pt_bulk_free_one##suffix(__u64 addr)                                    \
	{                                                                                        \
		return skip_event(addr) ? 0 : track_free_fn(addr);                               \
	}                                                                                        \
	__noinline int pt_bulk_alloc_one##suffix(__u64 addr, __u64 size, __u32 site_and_flags,      \
						 __s32 stack_id)                                 \
	{                                                                                        \
		__u32 site = site_and_flags & PT_SITE_SLOT_MASK;                                 \
                                                                                                 \
		if (skip_event(addr))                                                            \
			return 0;                                                                \
		track_alloc_fn(addr, size, site_and_flags, stack_id);                            \
		if (((site_and_flags >> PT_SITE_FLAG_SHIFT) & PT_SITE_HIT) && poolhittag.active) \
			pt_emit_hit(PT_HIT_ALLOC, addr, size, site, stack_id);                   \
		return 0;                                                                        \
	}                                                                                        \
	/* the walk of a bulk allocation: its own function, so that the paths   \
	 * of finding the caller and the site (many) do not each verify it */     \
	__noinline int pt_bulk_alloc_walk##suffix(__u64 array, __u64 n, __u64 size,              \
						  __u32 site_and_flags, __s32 stack_id)          \
	{                                                                                        \
		__u64 addr;                                                                      \
                                                                                                 \
		for (__u32 i = 0; i < PT_BULK_MAX; i++) {                                        \
			if (i >= n)                                                              \
				break;                                                           \
			if (bpf_probe_read_kernel(&addr, sizeof(addr),                           \
						  (const void *)(array + i * sizeof(__u64))) != 0) { \
				count_n(PT_CNT_BULK_UNSEEN, n - i);                              \
				break;                                                           \
			}                                                                        \
			pt_bulk_alloc_one##suffix(addr, size, site_and_flags, stack_id);         \
		}                                                                                \
		return 0;                                                                        \
	}
PT_BULK_STEPS(, track_free, track_alloc)
PT_BULK_STEPS(_legacy, track_free_legacy, track_alloc_legacy)

/* The objects p[0 .. n) of a bulk call, at most PT_BULK_MAX of them: the
 * count walked, with the rest counted as unseen. */
static __always_inline __u64 bulk_walked(__u64 n)
{
	if (n > PT_BULK_MAX) {
		count_n(PT_CNT_BULK_UNSEEN, n - PT_BULK_MAX);
		return PT_BULK_MAX;
	}
	return n;
}

/* kmem_cache_free_bulk(s, size, p), all kernels */
static __always_inline void free_bulk_body(__u64 *ctx, bool legacy)
{
	__u64 args[3], n, addr, r;
	__s32 stack_id = -2; /* taken at the first hit, once per call */

	if (null_programs || bpf_probe_read_kernel(args, sizeof(args), ctx) != 0)
		return;
	n = bulk_walked(args[1]);
	count_n(PT_CNT_BULK_FREES, n);
	for (__u32 i = 0; i < PT_BULK_MAX; i++) {
		if (i >= n)
			break;
		if (bpf_probe_read_kernel(&addr, sizeof(addr), (const void *)(args[2] + i * sizeof(__u64))) != 0) {
			count_n(PT_CNT_BULK_UNSEEN, n - i);
			break;
		}
		r = legacy ? pt_bulk_free_one_legacy(addr) : pt_bulk_free_one(addr);
		if (r & ((__u64)PT_SITE_HIT << PT_SITE_FLAG_SHIFT)) {
			if (stack_id == -2)
				stack_id = take_stack(ctx);
			pt_emit_hit(PT_HIT_FREE, addr, r >> 32, r & PT_SITE_SLOT_MASK, stack_id);
		}
	}
}

/* A function's program and its _legacy twin, as PT_PROGRAMS does for
 * tracepoints; the plan aims them at their function before load. */
#define PT_FUNCTION_PROGRAMS(section, name, body) \
	SEC(section)                              \
	int name(__u64 *ctx)                      \
	{                                         \
		body(ctx, false);                 \
		return 0;                         \
	}                                         \
	SEC(section)                              \
	int name##_legacy(__u64 *ctx)             \
	{                                         \
		body(ctx, true);                  \
		return 0;                         \
	}
PT_FUNCTION_PROGRAMS("fentry", pt_free_bulk, free_bulk_body)

/* kmem_cache_alloc_bulk[_noprof](s, flags, size, p) returning how many it
 * allocated (0 on failure), on return. Its objects are charged like
 * kmem_cache_alloc's: to the caller (the first frame outside the allocator)
 * and the cache. */
static __always_inline void alloc_bulk_body(__u64 *ctx, bool legacy)
{
	__u64 args[5], n, call_site;
	__u32 size = 0, slot;
	__s32 stack_id = -1;

	if (null_programs || bpf_probe_read_kernel(args, sizeof(args), ctx) != 0)
		return;
	if ((int)args[4] <= 0 || !args[0])
		return;
	n = bulk_walked((__u32)args[4]);
	count_n(PT_CNT_BULK_ALLOCS, n);
	call_site = caller_from_stack(ctx, true);
	slot = cache_site_slot(call_site, args[0], &size);
	if ((slot >> PT_SITE_FLAG_SHIFT) & (PT_SITE_STACKS | PT_SITE_HIT))
		stack_id = take_stack(ctx);
	if (legacy)
		pt_bulk_alloc_walk_legacy(args[3], n, size, slot, stack_id);
	else
		pt_bulk_alloc_walk(args[3], n, size, slot, stack_id);
}

PT_FUNCTION_PROGRAMS("fexit", pt_alloc_bulk, alloc_bulk_body)

/* 6.18+: __kfree_rcu_sheaf(s, obj) returning true when kfree_rcu put the
 * object in an RCU sheaf: it goes back to its slab after a grace period
 * with no event at all, so it is freed here, when kfree_rcu is called (as
 * the other kfree_rcu paths are charged by the kfree they end in). */
SEC("fexit")
int pt_rcu_sheaf_free(__u64 *ctx)
{
	__u64 args[3];

	if (null_programs || bpf_probe_read_kernel(args, sizeof(args), ctx) != 0)
		return 0;
	if (!(args[2] & 0xff) || skip_event(args[1]))
		return 0;
	count(PT_CNT_RCU_SHEAF_FREES);
	on_free(ctx, args[1], false);
	return 0;
}
