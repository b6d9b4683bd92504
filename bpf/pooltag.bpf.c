// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * pooltag's kernel half: per-site accounting of kernel heap allocations.
 *
 * Every program here is on the hot path of the kernel allocator, so each
 * does the least possible: find the site slot, enter or clear one live-table
 * slot, bump per-CPU counters. Symbolization, tag grouping and everything
 * else happens in user space. See docs/engine.md for the design.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pooltag.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EEXIST 17
#define ENOMEM 12

/* Load-time settings, written by the loader before load. */
const volatile __u32 live_bucket_mask = 0; /* buckets - 1, a power of two */
const volatile __u32 site_mask = 0;        /* sites - 1, a power of two */
/* Sampling: an address is tracked when its hash is below this threshold
 * (2^32 / N for about 1 in N; 0 = track everything). Decided by the address
 * alone, so an allocation and its free are both in or both out. */
const volatile __u32 sample_threshold = 0;
/* Benchmark floor: every program returns before doing anything. */
const volatile bool null_programs = false;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pt_live_bucket);
	__uint(max_entries, 1); /* sized by the loader */
} live_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pt_live_entry);
	__uint(max_entries, 1); /* sized by the loader */
} live_entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pt_site);
	__uint(max_entries, 1); /* sized by the loader */
} sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_site_stats);
	__uint(max_entries, 1); /* sized by the loader, same as sites */
} site_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_counters);
	__uint(max_entries, 1);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_code_range);
	__uint(max_entries, PT_MAX_ALLOCATOR_RANGES);
} allocator_ranges SEC(".maps");

/* Written by user space only; pinned so that the enable settings outlive
 * the command that made them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_state);
	__uint(max_entries, 1);
} state SEC(".maps");

/* Stacks, recorded only for sites marked PT_SITE_STACKS or PT_SITE_HIT:
 * a stack walk costs 1-2 us, too much for every allocation. Sized by the
 * loader (depth and entries). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PT_DEFAULT_STACK_DEPTH * sizeof(__u64));
	__uint(max_entries, 1);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_stack_stats);
	__uint(max_entries, 1); /* sized by the loader, same as stacks */
} stack_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* sized by the loader */
} hit_events SEC(".maps");

/* Sites whose live objects the dump iterator reads (1 = dump). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1); /* sized by the loader, same as sites */
} dump_sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_dump_request);
	__uint(max_entries, 1);
} dump_request SEC(".maps");

/* The hit tag, as in Windows' nt!PoolHitTag: a variable that lives in the
 * kernel. Each is its own data section, so each is its own map to pin. */
struct pt_tag_selector poolhittag SEC(".data.poolhittag");
struct pt_tag_selector stacktags SEC(".data.stacktags");

struct stack_scratch {
	__u64 ips[PT_ATTRIBUTION_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct stack_scratch);
	__uint(max_entries, 1);
} attribution_scratch SEC(".maps");

static __always_inline __u64 mix64(__u64 x)
{
	/* murmur3 finalizer: slab addresses differ mostly in low bits */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static __always_inline void count(enum pt_counter which)
{
	__u32 zero = 0;
	struct pt_counters *c = bpf_map_lookup_elem(&counters, &zero);

	/* atomic even though per-CPU: a program on another tracepoint can run
	 * in an interrupt that lands in the middle of this one */
	if (c && which < PT_CNT_COUNT)
		__sync_fetch_and_add(&c->v[which], 1);
}

static __always_inline struct pt_site_stats *stats_of(__u32 site)
{
	return bpf_map_lookup_elem(&site_stats, &site);
}

/*
 * The helpers below are global (not static) functions on purpose: the
 * verifier checks each global function once, on its own, instead of once
 * per path through its caller. Inlined, the bucket scans multiply into more
 * states than the verifier accepts. A call costs a few nanoseconds.
 */

static __always_inline bool selector_has(struct pt_tag_selector *sel, __u64 call_site)
{
	__u32 lo = 0, hi = sel->range_count;

	if (!sel->active)
		return false;
	if (sel->all)
		return true;
	if (hi > PT_MAX_TAG_RANGES)
		hi = PT_MAX_TAG_RANGES;
	for (int step = 0; step < 7 && lo < hi; step++) {
		__u32 mid = (lo + hi) / 2;

		if (mid >= PT_MAX_TAG_RANGES)
			return false;
		if (call_site < sel->ranges[mid].start)
			hi = mid;
		else if (call_site >= sel->ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Flags of a site seen for the first time: does it belong to the hit tag
 * or to the stack tags? (Existing sites are marked by user space.) */
__noinline __u32 pt_new_site_flags(__u64 call_site)
{
	__u32 flags = 0;

	if (selector_has(&poolhittag, call_site))
		flags |= PT_SITE_HIT;
	if (selector_has(&stacktags, call_site))
		flags |= PT_SITE_STACKS;
	return flags;
}

/* Returns the site slot for (call_site, variant, pool), with the site's
 * PT_SITE_HIT/STACKS flags above PT_SITE_FLAG_SHIFT, claiming a free slot
 * the first time a site is seen. Two CPUs racing on a new site may each
 * claim a slot: user space groups sites by tag, so a duplicate costs a slot,
 * never a count. */
__noinline __u32 pt_site_slot(__u64 call_site, __u64 variant, __u32 pool, __u64 cache_name)
{
	__u64 fp = mix64(call_site ^ (variant * 0x9e3779b97f4a7c15ULL) ^ ((__u64)pool << 60)) | 1;
	__u32 start = (__u32)fp & site_mask;

	for (int i = 0; i < PT_SITE_PROBES; i++) {
		__u32 slot = (start + i) & site_mask;
		struct pt_site *s;
		__u64 key;

		if (slot == PT_SITE_OVERFLOW)
			continue;
		s = bpf_map_lookup_elem(&sites, &slot);
		if (!s)
			break;
		key = s->key;
		if (key == 0) {
			if (__sync_val_compare_and_swap(&s->key, 0, fp) != 0)
				continue; /* lost the race for this slot */
			s->call_site = call_site;
			s->variant = variant;
			s->pool = pool;
			if (cache_name)
				bpf_probe_read_kernel_str(s->cache, sizeof(s->cache), (const void *)cache_name);
			s->flags = PT_SITE_READY | pt_new_site_flags(call_site);
			return slot | ((s->flags & ~PT_SITE_READY) << PT_SITE_FLAG_SHIFT);
		}
		if (key == fp && (s->flags & PT_SITE_READY) && s->call_site == call_site &&
		    s->variant == variant && s->pool == pool)
			return slot | ((s->flags & ~PT_SITE_READY) << PT_SITE_FLAG_SHIFT);
	}
	count(PT_CNT_SITE_OVERFLOW);
	return PT_SITE_OVERFLOW;
}

static __always_inline void buckets_of(__u64 addr, __u32 *first, __u32 *second)
{
	__u64 h = mix64(addr);

	*first = (__u32)h & live_bucket_mask;
	*second = (__u32)(h >> 32) & live_bucket_mask;
	if (*second == *first)
		*second = *first ^ 1; /* the loader guarantees at least two buckets */
}

/* Slot of addr in the bucket, or -1. */
__noinline int pt_bucket_find(__u32 bucket, __u64 addr)
{
	struct pt_live_bucket *b = bpf_map_lookup_elem(&live_keys, &bucket);

	if (!b)
		return -1;
	for (int i = 0; i < PT_BUCKET_SLOTS; i++)
		if (b->addr[i] == addr)
			return i;
	return -1;
}

/* Empty slots in the bucket. */
__noinline int pt_bucket_empties(__u32 bucket)
{
	struct pt_live_bucket *b = bpf_map_lookup_elem(&live_keys, &bucket);
	int n = 0;

	if (!b)
		return 0;
	for (int i = 0; i < PT_BUCKET_SLOTS; i++)
		if (b->addr[i] == 0)
			n++;
	return n;
}

/* Claims an empty slot of the bucket for addr: its index, or -1 when full. */
__noinline int pt_bucket_claim(__u32 bucket, __u64 addr)
{
	struct pt_live_bucket *b = bpf_map_lookup_elem(&live_keys, &bucket);

	if (!b)
		return -1;
	for (int i = 0; i < PT_BUCKET_SLOTS; i++)
		if (b->addr[i] == 0 && __sync_val_compare_and_swap(&b->addr[i], 0, addr) == 0)
			return i;
	return -1;
}

/* Releases slot i of the bucket if it still holds addr: 1 when released. */
__noinline int pt_bucket_release(__u32 bucket, int i, __u64 addr)
{
	struct pt_live_bucket *b = bpf_map_lookup_elem(&live_keys, &bucket);

	if (!b || i < 0 || i >= PT_BUCKET_SLOTS)
		return 0;
	return __sync_val_compare_and_swap(&b->addr[i], addr, 0) == addr;
}

static __always_inline void charge_free(__u32 site, __u32 size, __s32 stack_id, bool implicit)
{
	struct pt_site_stats *st = stats_of(site);

	if (stack_id >= 0) {
		__u32 sid = stack_id;
		struct pt_stack_stats *ss = bpf_map_lookup_elem(&stack_stats, &sid);

		if (ss) {
			__sync_fetch_and_add(&ss->frees, 1);
			__sync_fetch_and_add(&ss->free_bytes, size);
		}
	}
	if (!st)
		return;
	__sync_fetch_and_add(&st->frees, 1);
	__sync_fetch_and_add(&st->free_bytes, size);
	if (implicit) {
		__sync_fetch_and_add(&st->implicit_frees, 1);
		count(PT_CNT_IMPLICIT_FREES);
	}
}

__noinline int pt_track_alloc(__u64 addr, __u64 size, __u32 site, __s32 stack_id)
{
	struct pt_site_stats *st;
	struct pt_live_entry *e;
	__u32 ba, bb, slot;
	int i;

	if (!addr)
		return 0;
	count(PT_CNT_ALLOC_EVENTS);
	st = stats_of(site);
	if (!st)
		return 0;
	buckets_of(addr, &ba, &bb);

	/* The address is live in the table already: its free was never seen
	 * (a free path without a tracepoint, such as bulk frees). Retire the
	 * old entry as an implicit free and reuse its slot. */
	i = pt_bucket_find(ba, addr);
	if (i < 0) {
		i = pt_bucket_find(bb, addr);
		if (i >= 0)
			ba = bb;
	}
	if (i >= 0 && i < PT_BUCKET_SLOTS) {
		slot = ba * PT_BUCKET_SLOTS + i;
		e = bpf_map_lookup_elem(&live_entries, &slot);
		if (e)
			charge_free(e->site, e->size, e->stack_id, true);
	} else {
		/* Two choices, the emptier bucket first: buckets stay balanced,
		 * so one rarely overflows before the table is full. */
		if (pt_bucket_empties(bb) > pt_bucket_empties(ba)) {
			__u32 t = ba;

			ba = bb;
			bb = t;
		}
		i = pt_bucket_claim(ba, addr);
		if (i < 0) {
			i = pt_bucket_claim(bb, addr);
			ba = bb;
		}
		if (i < 0 || i >= PT_BUCKET_SLOTS) {
			__sync_fetch_and_add(&st->untracked, 1);
			__sync_fetch_and_add(&st->untracked_bytes, size);
			count(PT_CNT_LIVE_FULL);
			return 0;
		}
		slot = ba * PT_BUCKET_SLOTS + i;
		e = bpf_map_lookup_elem(&live_entries, &slot);
	}
	__sync_fetch_and_add(&st->allocs, 1);
	__sync_fetch_and_add(&st->alloc_bytes, size);
	if (stack_id >= 0) {
		__u32 sid = stack_id;
		struct pt_stack_stats *ss = bpf_map_lookup_elem(&stack_stats, &sid);

		if (ss) {
			__sync_fetch_and_add(&ss->allocs, 1);
			__sync_fetch_and_add(&ss->alloc_bytes, size);
			ss->site = site;
		}
	}
	if (!e)
		return 0;
	e->alloc_ns = bpf_ktime_get_ns();
	e->site = site;
	e->size = (__u32)size;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->stack_id = stack_id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->addr = addr; /* last: a reader that sees it sees the fields above (x86 TSO) */
	return 0;
}

/* Returns 0 when the address was not tracked, else
 * size << 32 | site flags << PT_SITE_FLAG_SHIFT | site, with the flags read
 * only while a hit tag is set (the free path's only reason to look). */
__noinline __u64 pt_track_free(__u64 addr)
{
	struct pt_live_entry *e;
	__u32 ba, bb, slot, site, size, flags = 0;
	__s32 stack_id;
	int i;

	if (!addr)
		return 0;
	count(PT_CNT_FREE_EVENTS);
	buckets_of(addr, &ba, &bb);
	i = pt_bucket_find(ba, addr);
	if (i < 0) {
		i = pt_bucket_find(bb, addr);
		ba = bb;
	}
	if (i < 0 || i >= PT_BUCKET_SLOTS) {
		count(PT_CNT_FREE_UNMATCHED);
		return 0;
	}
	slot = ba * PT_BUCKET_SLOTS + i;
	e = bpf_map_lookup_elem(&live_entries, &slot);
	if (!e)
		return 0;
	/* read the entry before the slot is released: after that it can be
	 * claimed and rewritten by another CPU */
	site = e->site;
	size = e->size;
	stack_id = e->stack_id;
	if (!pt_bucket_release(ba, i, addr))
		return 0; /* a racing free of the same address (double free) won */
	charge_free(site, size, stack_id, false);
	if (poolhittag.active) {
		struct pt_site *s = bpf_map_lookup_elem(&sites, &site);

		if (s)
			flags = s->flags & PT_SITE_HIT;
	}
	return ((__u64)size << 32) | (flags << PT_SITE_FLAG_SHIFT) | (site & 0xffffff);
}

static __always_inline __s32 take_stack(void *ctx)
{
	long id = bpf_get_stackid(ctx, &stacks, 0);

	if (id >= 0)
		return (__s32)id;
	if (id == -EEXIST)
		count(PT_CNT_STACK_COLLISIONS);
	else if (id == -ENOMEM)
		count(PT_CNT_STACK_FULL);
	else
		count(PT_CNT_STACK_FAILED);
	return -1;
}

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
	task = bpf_get_current_task_btf();
	/* only user tasks: stopping a kernel thread could hang the machine */
	if ((poolhittag.flags & PT_HIT_STOP_TASK) && ev->time_ns < poolhittag.stop_until_ns &&
	    ev->pid != poolhittag.watcher_pid && ev->pid != 1 && task && task->mm &&
	    !(task->flags & 0x00200000 /* PF_KTHREAD */))
		ev->stopped = bpf_send_signal(PT_SIGSTOP) == 0;
	bpf_ringbuf_submit(ev, 0);
	count(PT_CNT_HIT_EVENTS);
	return 0;
}

/* The part of every allocation program after the site is known. */
static __always_inline void on_alloc(void *ctx, __u64 addr, __u64 size, __u32 site_and_flags)
{
	__u32 site = site_and_flags & 0xffffff;
	__u32 flags = site_and_flags >> PT_SITE_FLAG_SHIFT;
	__s32 stack_id = -1;

	if (flags & (PT_SITE_STACKS | PT_SITE_HIT))
		stack_id = take_stack(ctx);
	pt_track_alloc(addr, size, site, stack_id);
	if ((flags & PT_SITE_HIT) && poolhittag.active)
		pt_emit_hit(PT_HIT_ALLOC, addr, size, site, stack_id);
}

static __always_inline void on_free(void *ctx, __u64 addr)
{
	__u64 r = pt_track_free(addr);

	if (r & ((__u64)PT_SITE_HIT << PT_SITE_FLAG_SHIFT))
		pt_emit_hit(PT_HIT_FREE, addr, r >> 32, r & 0xffffff, take_stack(ctx));
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
 * outside the allocator (and the tracing machinery) is the caller. */
static __always_inline __u64 caller_from_stack(void *ctx)
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
		if (!in_allocator(sc->ips[i]))
			return sc->ips[i];
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

/* kmalloc has no cache pointer: its size class plus the gfp bits that pick
 * the cgroup / reclaimable variants stand in for it. */
#define PT_GFP_ACCOUNT 0x400000u   /* ___GFP_ACCOUNT */
#define PT_GFP_RECLAIMABLE 0x10u   /* ___GFP_RECLAIMABLE */

SEC("tp_btf/kmalloc")
int BPF_PROG(pt_kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req,
	     size_t bytes_alloc, gfp_t gfp_flags, int node)
{
	__u64 variant = bytes_alloc | ((__u64)(gfp_flags & (PT_GFP_ACCOUNT | PT_GFP_RECLAIMABLE)) << 32);

	if (skip_event((__u64)ptr))
		return 0;
	on_alloc(ctx, (__u64)ptr, bytes_alloc, pt_site_slot(call_site, variant, PT_POOL_SLAB, 0));
	return 0;
}

SEC("tp_btf/kfree")
int BPF_PROG(pt_kfree, unsigned long call_site, const void *ptr)
{
	if (skip_event((__u64)ptr))
		return 0;
	on_free(ctx, (__u64)ptr);
	return 0;
}

SEC("tp_btf/kmem_cache_alloc")
int BPF_PROG(pt_kmem_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp_flags, int node)
{
	__u32 size;

	if (skip_event((__u64)ptr))
		return 0;
	size = BPF_CORE_READ(s, size);
	/* The name pointer stands in for the cache: one per cache, and read
	 * through CO-RE it is a plain number the helpers accept (the verifier
	 * will not pass the typed cache pointer itself as an integer). */
	__u64 name = (__u64)BPF_CORE_READ(s, name);

	on_alloc(ctx, (__u64)ptr, size, pt_site_slot(call_site, name, PT_POOL_SLAB, name));
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int BPF_PROG(pt_kmem_cache_free, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	if (skip_event((__u64)ptr))
		return 0;
	on_free(ctx, (__u64)ptr);
	return 0;
}

SEC("tp_btf/percpu_alloc_percpu")
int BPF_PROG(pt_percpu_alloc, unsigned long call_site, bool reserved, bool is_atomic, size_t size,
	     size_t align, void *base_addr, int off, void *ptr, size_t bytes_alloc, gfp_t gfp_flags)
{
	/* bytes_alloc is the size on every CPU together: what the heap loses */
	if (skip_event((__u64)ptr))
		return 0;
	on_alloc(ctx, (__u64)ptr, bytes_alloc, pt_site_slot(call_site, 0, PT_POOL_PERCPU, 0));
	return 0;
}

SEC("tp_btf/percpu_free_percpu")
int BPF_PROG(pt_percpu_free, void *base_addr, int off, void *ptr)
{
	if (skip_event((__u64)ptr))
		return 0;
	on_free(ctx, (__u64)ptr);
	return 0;
}

SEC("tp_btf/alloc_vmap_area")
int BPF_PROG(pt_vmap_alloc, unsigned long addr, unsigned long size, unsigned long align,
	     unsigned long vstart, unsigned long vend, int failed)
{
	if (failed || skip_event(addr))
		return 0;
	on_alloc(ctx, addr, size, pt_site_slot(caller_from_stack(ctx), 0, PT_POOL_VMALLOC, 0));
	return 0;
}

SEC("tp_btf/free_vmap_area_noflush")
int BPF_PROG(pt_vmap_free, unsigned long va_start, unsigned long nr_lazy, unsigned long nr_lazy_max)
{
	if (skip_event(va_start))
		return 0;
	on_free(ctx, va_start);
	return 0;
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(pt_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags, int migratetype)
{
	__u64 key = 0;

	if (null_programs)
		return 0;
	/* the struct page address as a number: a typed pointer cannot be
	 * passed to the helpers as an integer, a copy of the argument can */
	bpf_probe_read_kernel(&key, sizeof(key), &ctx[0]);
	if (!key || skip_event(key))
		return 0;
	on_alloc(ctx, key, 4096ULL << order, pt_site_slot(caller_from_stack(ctx), order, PT_POOL_PAGE, 0));
	return 0;
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(pt_page_free, struct page *page, unsigned int order)
{
	__u64 key = 0;

	if (null_programs)
		return 0;
	bpf_probe_read_kernel(&key, sizeof(key), &ctx[0]);
	if (skip_event(key))
		return 0;
	on_free(ctx, key);
	return 0;
}

/* The dump iterator: walks the live entries, and for the sites user space
 * asked for, emits a record and the first bytes of each object, read with
 * bpf_probe_read_kernel (there is no /proc/kcore). An object freed while
 * it is read is skipped: the key is checked again after the read. */
struct dump_scratch {
	struct pt_dump_record hdr;
	__u8 data[PT_MAX_DUMP_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dump_scratch);
	__uint(max_entries, 1);
} dump_scratch_map SEC(".maps");

SEC("iter/bpf_map_elem")
int pt_dump(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct pt_live_entry *e = ctx->value;
	__u32 *key = ctx->key;
	struct pt_dump_request *req;
	struct pt_live_bucket *b;
	struct dump_scratch *sc;
	__u32 zero = 0, slot, bucket, site, n, *want;
	__u64 addr;

	if (!key || !e)
		return 0;
	addr = e->addr;
	if (!addr)
		return 0;
	site = e->site;
	want = bpf_map_lookup_elem(&dump_sites, &site);
	if (!want || !*want)
		return 0;
	slot = *key;
	bucket = slot / PT_BUCKET_SLOTS;
	b = bpf_map_lookup_elem(&live_keys, &bucket);
	if (!b || b->addr[slot & (PT_BUCKET_SLOTS - 1)] != addr)
		return 0;
	req = bpf_map_lookup_elem(&dump_request, &zero);
	sc = bpf_map_lookup_elem(&dump_scratch_map, &zero);
	if (!req || !sc)
		return 0;
	n = req->bytes;
	if (n > e->size)
		n = e->size;
	if (n > PT_MAX_DUMP_BYTES)
		n = PT_MAX_DUMP_BYTES;
	if (n == 0 || bpf_probe_read_kernel(sc->data, n, (const void *)addr) != 0)
		n = 0;
	if (b->addr[slot & (PT_BUCKET_SLOTS - 1)] != addr)
		return 0; /* freed while being read */
	sc->hdr.addr = addr;
	sc->hdr.slot = slot;
	sc->hdr.bytes = n;
	bpf_seq_write(seq, &sc->hdr, sizeof(sc->hdr));
	if (n > 0 && n <= PT_MAX_DUMP_BYTES)
		bpf_seq_write(seq, sc->data, n);
	return 0;
}
