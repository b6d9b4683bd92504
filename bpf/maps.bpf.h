/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * The maps, load-time settings and globals of pooltag's BPF programs, and
 * the small helpers every path uses. Included once, by pooltag.bpf.c; a
 * header only to keep each file to one subject.
 */
#ifndef POOLTAG_MAPS_BPF_H
#define POOLTAG_MAPS_BPF_H

#define ENOENT 2
#define EBUSY 16
#define EEXIST 17
#define ENOMEM 12

/* Load-time settings, written by the loader before load. */
const volatile __u32 live_buckets = 2; /* any count: buckets are picked by multiply-shift */
const volatile __u32 site_mask = 0;        /* sites - 1, a power of two */
const volatile __u32 site_shift = 0;       /* log2(sites): site_stats row of a CPU */
const volatile __u32 possible_cpus = 1;
/* Sampling: an address is tracked when its hash is below this threshold
 * (2^32 / N for about 1 in N; 0 = track everything). Decided by the address
 * alone, so an allocation and its free are both in or both out. */
const volatile __u32 sample_threshold = 0;
/* Benchmark floor: every program returns before doing anything. */
const volatile bool null_programs = false;
/* The site counters of this CPU's row are added with a plain load and store
 * instead of a locked add: set by the loader where each counter has one
 * writing program per CPU at a time (docs/engine.md, "Site counters"). */
const volatile bool plain_site_counters = false;
/* The live table is live_hash, not the bucket arrays (PT_STATE_HASH_LIVE_TABLE):
 * read by the programs that serve both designs (pt_dump). */
const volatile bool hash_live_table = false;

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

/* The live table of the _legacy programs (no BPF atomics): address ->
 * record. Preallocated, so that entering an allocation never allocates
 * (which would fire the tracepoint that is running). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct pt_live_record);
	__uint(max_entries, 1); /* sized by the loader; 1 when unused */
} live_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pt_site);
	__uint(max_entries, 1); /* sized by the loader */
} sites SEC(".maps");

/* Who claimed a site slot: an insert with BPF_NOEXIST succeeds for exactly
 * one claimer, which is what a compare-and-swap would do, on kernels with
 * and without BPF atomics alike. Sites are new rarely, so its cost does not
 * matter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1); /* sized by the loader, same as sites */
} site_claims SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct pt_site_stats);
	__uint(max_entries, 1); /* sized by the loader: possible CPUs x sites */
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

/* Object dumps (pt_dump): the addresses asked for, one record each back. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_dump_request);
	__uint(max_entries, 1);
} dump_request SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_dump_record);
	__uint(max_entries, PT_DUMP_BATCH);
} dump_output SEC(".maps");

/* Written by pt_clock. */
struct pt_clock_sample clock_sample;

/* The hit tag, as in Windows' nt!PoolHitTag: a variable that lives in the
 * kernel. Each is its own data section, so each is its own map to pin. */
struct pt_tag_selector poolhittag SEC(".data.poolhittag");
struct pt_tag_selector stacktags SEC(".data.stacktags");

/* Stack reuse (bpf/stacks.bpf.h), set by the loader: stack_reuse's size
 * - 1 (0: every stack is walked), one check in stack_check_mask + 1, the
 * code addresses, the entry functions. */
const volatile __u32 stack_reuse_mask = 0;
const volatile __u32 stack_check_mask = PT_DEFAULT_STACK_CHECK_EVERY - 1;
const volatile __u64 stack_code_start = 0;
const volatile __u64 stack_code_span = 0;
const volatile struct pt_code_range stack_entry[PT_STACK_ENTRY_RANGES];

/* Fingerprint -> stack: the fingerprint's high half above the stack id + 1,
 * one word, so that a reader on another CPU never sees half an update. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1); /* sized by the loader */
} stack_reuse SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pt_stack_chunk);
	__uint(max_entries, 1);
} stack_scan SEC(".maps");

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

static __always_inline void count_n(enum pt_counter which, __u64 n)
{
	__u32 zero = 0;
	struct pt_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && which < PT_CNT_COUNT)
		__sync_fetch_and_add(&c->v[which], n);
}

/* Adds to a counter of this CPU's site row. A locked add costs ~20 cycles
 * and waits for every store before it (the live entry's, often a cache
 * miss); where the loader knows that nothing else writes the counter on
 * this CPU meanwhile (plain_site_counters), a load and a store do. */
static __always_inline void add_site_counter(__u64 *counter, __u64 n)
{
	if (plain_site_counters)
		*(volatile __u64 *)counter += n;
	else
		__sync_fetch_and_add(counter, n);
}

/* This CPU's counters of the site (bpf_get_smp_processor_id() is inlined:
 * a load, no call). */
static __always_inline struct pt_site_stats *stats_of(__u32 site)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 row;

	if (cpu >= possible_cpus)
		return NULL;
	row = (cpu << site_shift) | site;
	return bpf_map_lookup_elem(&site_stats, &row);
}

#endif /* POOLTAG_MAPS_BPF_H */
