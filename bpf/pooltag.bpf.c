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

#include "maps.bpf.h"
#include "tables.bpf.h"

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
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	__u32 flags = site_and_flags >> PT_SITE_FLAG_SHIFT;
	__s32 stack_id = -1;

	if (flags & (PT_SITE_STACKS | PT_SITE_HIT))
		stack_id = take_stack(ctx);
	track_alloc(addr, size, site, stack_id);
	if ((flags & PT_SITE_HIT) && poolhittag.active)
		pt_emit_hit(PT_HIT_ALLOC, addr, size, site, stack_id);
}

static __always_inline void on_free(void *ctx, __u64 addr)
{
	__u64 r = track_free(addr);

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
	on_alloc(ctx, (__u64)ptr, bytes_alloc, site_slot(call_site, variant, PT_POOL_SLAB));
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
	size = s->size; /* a direct load through the typed pointer, no probe-read call */
	on_alloc(ctx, (__u64)ptr, size, cache_site_slot(call_site, s));
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
	on_alloc(ctx, (__u64)ptr, bytes_alloc, site_slot(call_site, 0, PT_POOL_PERCPU));
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

/* Run once by enable: jiffies and the monotonic clock at one moment, the
 * pair that turns live entries' jiffies into times. */
SEC("syscall")
int pt_clock(struct pt_clock_sample *sample)
{
	sample->jiffies = bpf_jiffies64();
	sample->monotonic_ns = bpf_ktime_get_ns();
	return 0;
}
