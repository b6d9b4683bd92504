/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Plain fixed-width structs shared by the BPF programs and user space.
 * No pointers, no kernel types: this header is included by both sides, and
 * its layouts are the format of the pinned maps, so changing a layout is a
 * format change (bump PT_STATE_VERSION).
 */
#ifndef POOLTAG_BPF_SHARED_H
#define POOLTAG_BPF_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PT_STATE_VERSION 1

enum pt_pool {
	PT_POOL_SLAB = 0,
	PT_POOL_PERCPU = 1,
	PT_POOL_VMALLOC = 2,
	PT_POOL_PAGE = 3,
	PT_POOL_COUNT = 4,
};

/* Live table: two-choice bucketized hashing. A bucket is one cache line of
 * eight keys (the allocation's address, 0 = empty); the entry for slot
 * (bucket * 8 + i) lives in a parallel array. A free clears the key
 * directly: buckets never chain into each other, so no tombstones exist. */
#define PT_BUCKET_SLOTS 8

struct pt_live_bucket {
	__u64 addr[PT_BUCKET_SLOTS];
};

struct pt_live_entry {
	__u64 addr;     /* copy of the key: readers use it to skip torn entries */
	__u64 alloc_ns; /* bpf_ktime_get_ns() at allocation */
	__u32 site;     /* index into the site table */
	__u32 size;     /* bytes the allocation holds */
	__u32 pid;      /* thread group id of the allocating task */
	__s32 stack_id; /* reserved for selective stacks; -1 = none */
	char comm[16];
};

/* Site table: open addressing with linear probing over a fixed array. Sites
 * are never removed while tagging is on, so there are no deletions. Index 0
 * is the overflow site that absorbs allocations when the table is full. */
#define PT_SITE_PROBES 32
#define PT_SITE_OVERFLOW 0
#define PT_CACHE_NAME_LEN 32

struct pt_site {
	__u64 key;       /* fingerprint of (call_site, variant, pool); 0 = free */
	__u64 call_site; /* kernel text address the allocation is charged to */
	__u64 variant;   /* kmem_cache pointer (slab caches), size class (kmalloc) */
	__u32 pool;      /* enum pt_pool */
	__u32 flags;     /* PT_SITE_* */
	char cache[PT_CACHE_NAME_LEN]; /* slab cache name, when the pool has one */
};

#define PT_SITE_READY 1u /* all fields written; readers skip sites without it */

/* Per-site counters, one copy per CPU (PERCPU_ARRAY, same index as sites). */
struct pt_site_stats {
	__u64 allocs;          /* allocations entered in the live table */
	__u64 frees;           /* frees matched in the live table (incl. implicit) */
	__u64 alloc_bytes;     /* bytes of those allocations */
	__u64 free_bytes;      /* bytes of those frees */
	__u64 untracked;       /* allocations not entered: both buckets full */
	__u64 untracked_bytes;
	__u64 implicit_frees;  /* entries whose free was never seen, retired when
				  their address was allocated again */
	__u64 reserved;
};

/* Global counters, one copy per CPU (PERCPU_ARRAY with one element). */
enum pt_counter {
	PT_CNT_ALLOC_EVENTS = 0,
	PT_CNT_FREE_EVENTS,
	PT_CNT_FREE_UNMATCHED,   /* free of an address not in the table: allocated
				    before enable, or untracked; expected, not a loss */
	PT_CNT_SITE_OVERFLOW,    /* allocations charged to the overflow site */
	PT_CNT_LIVE_FULL,        /* allocations not tracked: both buckets full */
	PT_CNT_IMPLICIT_FREES,   /* frees never seen, found when the address came back */
	PT_CNT_STACK_ERRORS,     /* stack walks that failed (page/vmalloc attribution) */
	PT_CNT_NO_CALLER,        /* stack walks that found no frame outside the allocator */
	PT_CNT_COUNT,
};

struct pt_counters {
	__u64 v[PT_CNT_COUNT];
};

/* Code ranges that belong to the allocators themselves: pools whose
 * tracepoint has no call site are charged to the first stack frame outside
 * these ranges. Sorted by start, filled by user space before load. */
#define PT_MAX_ALLOCATOR_RANGES 256
#define PT_ATTRIBUTION_DEPTH 24

struct pt_code_range {
	__u64 start;
	__u64 end; /* exclusive */
};

/* Written once by `pooltag enable` into the pinned "state" map; readers use
 * it to interpret the other maps. */
struct pt_state {
	__u32 version;
	__u32 pools_mask;      /* bit per enum pt_pool */
	__u64 enabled_realtime_ns;
	__u64 enabled_monotonic_ns; /* same clock as bpf_ktime_get_ns */
	__u32 live_buckets;
	__u32 max_sites;
	__u64 max_live;
	__u32 allocator_ranges;
	__u32 flags;          /* PT_STATE_* */
	__u32 sample_every;   /* 1 = every allocation; N = about 1 in N */
	__u32 reserved;
};

#define PT_STATE_NULL_PROGRAMS 1u /* benchmark floor: programs return at once */

#endif /* POOLTAG_BPF_SHARED_H */
