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

#define PT_STATE_VERSION 7

enum pt_pool {
	PT_POOL_SLAB = 0,
	PT_POOL_PERCPU = 1,
	PT_POOL_VMALLOC = 2,
	PT_POOL_PAGE = 3,
	PT_POOL_COUNT = 4,
};

/* Live table: two-choice bucketized hashing. A bucket is one cache line:
 * four keys (the allocation's address, 0 = empty) and, beside each, what
 * its free needs (the site and the size), so that a free reads one line.
 * The rest of an allocation's record (time, task, stack) is the slot's
 * entry, slot = bucket * 4 + i, in a parallel array that allocations write
 * and readers read. A free clears the key directly: buckets never chain
 * into each other, so no tombstones exist. */
#define PT_BUCKET_SLOTS 4

/* The low bit of a key whose slot is being written: claimed, its fields
 * not yet all there; readers skip it. Free to use because every address
 * the table holds is at least 4-aligned (slab objects 8, percpu chunks 4,
 * pages and struct pages more). */
#define PT_KEY_PENDING 1ull

struct pt_live_bucket {
	__u64 addr[PT_BUCKET_SLOTS];
	__u32 site[PT_BUCKET_SLOTS]; /* site slot | PT_LIVE_* << PT_SITE_FLAG_SHIFT */
	__u32 size[PT_BUCKET_SLOTS]; /* bytes the allocation holds */
};

/* Bits of a bucket's site word, above the site slot. */
#define PT_LIVE_STACK 1u    /* the entry's stack_id was taken: its free is charged to the stack too */
#define PT_LIVE_VARIABLE 2u /* the site's allocations differ in size: bytes are counted per event */

struct pt_live_entry {
	__u64 alloc_jiffies; /* jiffies at allocation (a load, where reading the
				clock costs a call and a clocksource read); the
				state's clock sample turns it into a time */
	__u32 pid;      /* thread group id of the allocating task */
	__s32 stack_id; /* allocation stack (stacks / hit tags), -1 = none taken */
	char comm[16];
};

/* One live allocation whole: the value of the hash live table (kernels
 * without BPF atomics), and what readers of either table see. */
struct pt_live_record {
	__u64 addr; /* hash table: 0 = freed, its delete refused (busy) */
	__u32 site; /* site slot | PT_LIVE_* << PT_SITE_FLAG_SHIFT */
	__u32 size;
	struct pt_live_entry entry;
};

/* Site table: open addressing with linear probing over a fixed array. Sites
 * are never removed while tagging is on, so there are no deletions. Index 0
 * is the overflow site that absorbs allocations when the table is full. */
#define PT_SITE_PROBES 32
#define PT_SITE_OVERFLOW 0
#define PT_CACHE_NAME_LEN 28

struct pt_site {
	__u64 key;       /* fingerprint of (call_site, variant, pool); 0 = free */
	__u64 call_site; /* kernel text address the allocation is charged to */
	__u64 variant;   /* the cache's address (slab caches), size class + gfp (kmalloc),
			    object size | PT_VARIANT_SIZED_CACHE (caches that the kernel
			    does not name), order (page) */
	__u32 pool;      /* enum pt_pool */
	__u32 flags;     /* PT_SITE_* */
	__u32 object_size; /* bytes of each allocation of the site (its slab
			      cache's object size, its size class, its pages),
			      set when the site is first seen; 0 for sites whose
			      allocations differ in size (PT_SITE_VARIABLE_SIZE) */
	char cache[PT_CACHE_NAME_LEN]; /* slab cache name, when the pool has one */
};

/* Variant bits of kmalloc sites: the size class plus the gfp bits that pick
 * the cgroup / reclaimable kmalloc caches. */
#define PT_GFP_ACCOUNT 0x400000u  /* ___GFP_ACCOUNT */
#define PT_GFP_RECLAIMABLE 0x10u  /* ___GFP_RECLAIMABLE */
#define PT_VARIANT_GFP_SHIFT 32
/* The size class: the bits below the gfp bits. */
#define PT_VARIANT_SIZE_MASK ((1ull << PT_VARIANT_GFP_SHIFT) - 1)
/* kmem_cache_alloc before Linux 6.0 passes no cache, only the object size:
 * such sites are told apart by size, and carry no cache name. */
#define PT_VARIANT_SIZED_CACHE (1ull << 63)

#define PT_SITE_READY 1u  /* all fields written; readers skip sites without it */
#define PT_SITE_HIT 2u    /* charged to the hit tag: events to user space, stacks */
#define PT_SITE_STACKS 4u /* record the allocation stack of each allocation */
/* Allocations of the site differ in size (percpu, vmalloc, the overflow
 * site): their bytes are counted per event. Every other site's bytes are its
 * counts times object_size, computed by readers: an atomic add fewer per
 * allocation and per free. */
#define PT_SITE_VARIABLE_SIZE 8u
#define PT_SITE_FLAG_SHIFT 24 /* pt_site_slot() returns slot | flags << 24 */
#define PT_SITE_SLOT_MASK ((1u << PT_SITE_FLAG_SHIFT) - 1)

/* Per-site counters, one copy per CPU: a plain ARRAY indexed by
 * cpu * max_sites + site, which saves the PERCPU_ARRAY's pointer lookup on
 * every event, and which readers map instead of copying. */
struct pt_site_stats {
	__u64 allocs;          /* allocations entered in the live table */
	__u64 frees;           /* frees seen and matched in the live table */
	__u64 alloc_bytes;     /* bytes of those allocations (PT_SITE_VARIABLE_SIZE
				  sites only; readers multiply for the others) */
	__u64 free_bytes;      /* bytes of those frees (likewise) */
	__u64 untracked;       /* allocations not entered: both buckets full */
	__u64 untracked_bytes;
	__u64 implicit_frees;  /* entries whose free was never seen, retired when
				  their address was allocated again (not in frees) */
	__u64 implicit_free_bytes; /* their bytes (variable-size sites only) */
};

/* Global counters, one copy per CPU (PERCPU_ARRAY with one element). Only
 * the uncommon paths count here: events handled are the sites' counters. */
enum pt_counter {
	PT_CNT_FREE_UNMATCHED = 0,   /* free of an address not in the table: allocated
				    before enable, or untracked; expected, not a loss */
	PT_CNT_SITE_OVERFLOW,    /* allocations charged to the overflow site */
	PT_CNT_LIVE_FULL,        /* allocations not tracked: both buckets full */
	PT_CNT_IMPLICIT_FREES,   /* frees never seen, found when the address came back */
	PT_CNT_STACK_ERRORS,     /* stack walks that failed (page/vmalloc attribution) */
	PT_CNT_NO_CALLER,        /* stack walks that found no frame outside the allocator */
	PT_CNT_STACK_COLLISIONS, /* stacks not stored: their hash bucket holds another stack */
	PT_CNT_STACK_FULL,       /* stacks not stored: stack table full */
	PT_CNT_STACK_FAILED,     /* stack walks for stored stacks that failed otherwise */
	PT_CNT_HIT_EVENTS,       /* hit events delivered to the ring buffer */
	PT_CNT_HIT_DROPS,        /* hit events lost: ring buffer full */
	PT_CNT_LIVE_BUSY,        /* allocations not tracked: the hash live table's bucket was
				    locked by the update this program interrupted (kernels
				    without BPF atomics) */
	PT_CNT_BULK_FREES,       /* objects handed to kmem_cache_free_bulk (kfree_bulk,
				    kfree_rcu batches) and walked by pt_free_bulk */
	PT_CNT_BULK_ALLOCS,      /* objects returned by kmem_cache_alloc_bulk, walked */
	PT_CNT_BULK_UNSEEN,      /* objects of a bulk call beyond PT_BULK_MAX or not
				    readable: neither freed nor tagged */
	PT_CNT_RCU_SHEAF_FREES,  /* kfree_rcu objects put in an RCU sheaf (6.18+),
				    freed then: no later event frees them */
	PT_CNT_STACK_REUSED,     /* allocation stacks reused by fingerprint (bpf/stacks.bpf.h) */
	PT_CNT_STACK_WALKED,     /* stacks walked for a fingerprint seen for the first time */
	PT_CNT_STACK_UNREUSABLE, /* stacks walked without a fingerprint: not on the task's
				    stack (interrupts), or no entry frame in reach */
	PT_CNT_STACK_REUSE_CHECKED,  /* reused stacks walked again to check them */
	PT_CNT_STACK_REUSE_DIFFERED, /* of those, the walk found another stack */
	PT_CNT_COUNT,
};

struct pt_counters {
	__u64 v[PT_CNT_COUNT];
};

/* Code ranges that belong to the allocators themselves: pools whose
 * tracepoint has no call site are charged to the first stack frame outside
 * these ranges. Sorted by start, filled by user space before load. */
#define PT_MAX_ALLOCATOR_RANGES 256
/* Objects of one bulk call that the bulk programs walk: kfree_rcu hands
 * kfree_bulk a page of pointers (510 on 4K pages); more are counted as
 * PT_CNT_BULK_UNSEEN. */
#define PT_BULK_MAX 512
#define PT_ATTRIBUTION_DEPTH 24

/* Stack reuse (bpf/stacks.bpf.h): the stack is read from the programs'
 * context upward in chunks, for at most PT_STACK_SCAN_CHUNKS of them, until
 * a return address in one of the entry functions' ranges. */
#define PT_STACK_CHUNK_WORDS 64
#define PT_STACK_SCAN_CHUNKS 8
#define PT_STACK_ENTRY_RANGES 4
/* x86-64's THREAD_SIZE without KASAN; the loader keeps reuse off with it */
#define PT_MIN_THREAD_SIZE 16384
#define PT_DEFAULT_STACK_CHECK_EVERY 64

struct pt_stack_chunk {
	__u64 w[PT_STACK_CHUNK_WORDS];
};

struct pt_code_range {
	__u64 start;
	__u64 end; /* exclusive */
};

/* Per-stack counters (PERCPU_ARRAY indexed by stack id): the split of a
 * site by allocation stack (`--by stack`). */
struct pt_stack_stats {
	__u64 allocs;
	__u64 frees;
	__u64 alloc_bytes;
	__u64 free_bytes;
	__u32 site;      /* the site whose allocations took this stack */
	__u32 reserved;
};

/* A tag as the kernel sees it: code ranges of call sites (sorted, exclusive
 * end). New sites are marked when their call site falls in a range; sites
 * that exist are marked by user space. Two of these are globals of the BPF
 * object, pinned: the hit tag (PoolHitTag) and the stack tags. */
#define PT_TAG_LEN 64
#define PT_MAX_TAG_RANGES 64

struct pt_tag_selector {
	__u32 active;      /* 0 = no tag */
	__u32 all;         /* every site matches */
	__u32 flags;       /* PT_HIT_* */
	__u32 range_count;
	__u64 generation;  /* bumped by every change */
	/* PT_HIT_STOP_TASK is a lease, not a setting: it holds while
	 * bpf_ktime_get_ns() < stop_until_ns, and the watching command renews
	 * it, so a watcher that dies (even by SIGKILL) stops no more tasks.
	 * The watcher itself and pid 1 are never stopped. */
	__u64 stop_until_ns;
	__u32 watcher_pid;
	__u32 reserved;
	char tag[PT_TAG_LEN]; /* the tag as typed, NUL-padded (what `db` shows) */
	struct pt_code_range ranges[PT_MAX_TAG_RANGES];
};

#define PT_HIT_STOP_TASK 1u /* SIGSTOP the task that caused each hit */

enum pt_hit_kind {
	PT_HIT_ALLOC = 1,
	PT_HIT_FREE = 2,
};

struct pt_hit_event {
	__u64 time_ns;  /* bpf_ktime_get_ns() */
	__u64 addr;
	__u64 size;
	__u32 site;
	__s32 stack_id; /* allocation stack for allocs, free path for frees */
	__u32 pid;      /* thread group id */
	__u32 tid;
	__u32 kind;     /* enum pt_hit_kind */
	__u32 stopped;  /* 1 when --stop-task sent SIGSTOP */
	char comm[16];
};

#define PT_DEFAULT_STACK_DEPTH 32
#define PT_MAX_STACK_DEPTH 127

/* Object dumps: user space writes a batch of live addresses into the
 * request, runs the pt_dump program (BPF_PROG_TEST_RUN, arguments: how many
 * addresses, how many bytes of each) and reads one record per address. The
 * program reads each object with bpf_probe_read_kernel (there is no
 * /proc/kcore) and checks that the address is still live before and after
 * the read: an object freed meanwhile comes back with live = 0. */
#define PT_MAX_DUMP_BYTES 4096
#define PT_DUMP_BATCH 32

struct pt_dump_request {
	__u64 addr[PT_DUMP_BATCH];
};

struct pt_dump_record {
	__u64 addr;
	__u32 bytes; /* bytes of data read */
	__u32 live;  /* 1: the object was live before and after the read */
	__u8 data[PT_MAX_DUMP_BYTES];
};

/* Written once by `pooltag enable` into the pinned "state" map; readers use
 * it to interpret the other maps. */
struct pt_state {
	__u32 version;
	__u32 pools_mask;      /* bit per enum pt_pool */
	__u64 enabled_realtime_ns;
	__u32 live_buckets;
	__u32 max_sites;
	__u64 max_live;
	__u32 allocator_ranges;
	__u32 flags;          /* PT_STATE_* */
	__u32 sample_every;   /* 1 = every allocation; N = about 1 in N */
	__u32 stack_depth;
	__u32 stack_entries;
	__u32 hit_buffer_bytes;
	__u32 possible_cpus;  /* copies of the site counters (site_stats) */
	__u32 attached;       /* tracepoints with a program attached */
	__u32 stack_reuse_entries; /* fingerprints stack_reuse holds (0: reuse off) */
	__u32 stack_check_every;   /* one reused stack in N is walked again */
	/* Clock sample taken at enable: jiffies and bpf_ktime_get_ns() at the
	 * same moment, and the length of a jiffy. Live entries' jiffies become
	 * monotonic times with these. */
	__u64 clock_jiffies;
	__u64 clock_monotonic_ns;
	__u64 jiffy_ns;
};

/* Written by the pt_clock program, which enable runs once. */
struct pt_clock_sample {
	__u64 jiffies;
	__u64 monotonic_ns;
};

#define PT_STATE_NULL_PROGRAMS 1u /* benchmark floor: programs return at once */
/* The live table is a BPF hash map (live_hash) instead of the bucket
 * arrays: kernels without BPF atomics (before 5.12) cannot claim a bucket
 * slot. Readers copy it in batches instead of mapping it. */
#define PT_STATE_HASH_LIVE_TABLE 2u
/* The bulk paths' programs are attached (fentry/fexit on kmem_cache_free_bulk
 * and friends): bulk frees are seen, not inferred from address reuse. */
#define PT_STATE_BULK_PATHS 4u
/* enable --no-bulk-paths: the kernel could have had them, the user declined
 * (status names that reason instead of the kernel's). */
#define PT_STATE_BULK_DECLINED 8u
/* The site counters are added with plain loads and stores (one writing
 * program per CPU each: bpf/maps.bpf.h, plain_site_counters). */
#define PT_STATE_PLAIN_SITE_COUNTERS 16u

#endif /* POOLTAG_BPF_SHARED_H */
