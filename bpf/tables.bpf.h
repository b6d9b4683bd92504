/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * The site table and the live table: finding an allocation's site, entering
 * an allocation, matching its free. The hot path of every program. Included
 * once, by pooltag.bpf.c, after maps.bpf.h.
 */
#ifndef POOLTAG_TABLES_BPF_H
#define POOLTAG_TABLES_BPF_H

/*
 * Inline or out of line: the common path (a known site, a free slot, a
 * matched free) is inline and makes no call, because with this kernel's
 * return-stack mitigations every call and return costs more than a bucket
 * scan (docs/performance.md). The uncommon paths (a new site, an address
 * already in the table, hit events) are global functions: the verifier
 * checks each of those once, on its own, which keeps the programs well
 * inside its limits. The inline scans are written so that their outcomes
 * join again quickly (a goto to one claim, counts without branches).
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
static __always_inline __u64 site_fingerprint(__u64 call_site, __u64 variant, __u32 pool)
{
	return mix64(call_site ^ (variant * 0x9e3779b97f4a7c15ULL) ^ ((__u64)pool << 60)) | 1;
}

/* The size of every allocation of a site without a cache pointer, known
 * from its key: the size class of kmalloc and of caches told apart by size,
 * the order of pages; 0 where allocations differ (percpu, vmalloc). */
static __always_inline __u32 fixed_size(__u64 variant, __u32 pool)
{
	if (pool == PT_POOL_SLAB)
		return (__u32)(variant & PT_VARIANT_SIZE_MASK);
	if (pool == PT_POOL_PAGE)
		return 4096u << (variant & 31);
	return 0;
}

__noinline __u32 pt_site_slot(__u64 call_site, __u64 variant, __u32 pool, __u64 cache)
{
	__u64 fp = site_fingerprint(call_site, variant, pool);
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
			if (bpf_map_update_elem(&site_claims, &slot, &fp, BPF_NOEXIST) != 0)
				continue; /* another CPU claimed this slot */
			s->key = fp;
			s->call_site = call_site;
			s->variant = variant;
			s->pool = pool;
			s->object_size = fixed_size(variant, pool);
			if (cache) {
				struct kmem_cache *c = (struct kmem_cache *)cache;
				const char *name = BPF_CORE_READ(c, name);

				s->object_size = BPF_CORE_READ(c, size);
				bpf_probe_read_kernel_str(s->cache, sizeof(s->cache), name);
			}
			s->flags = PT_SITE_READY | pt_new_site_flags(call_site) |
				   (s->object_size ? 0 : PT_SITE_VARIABLE_SIZE);
			return slot | ((s->flags & ~PT_SITE_READY) << PT_SITE_FLAG_SHIFT);
		}
		if (key == fp && (s->flags & PT_SITE_READY) && s->call_site == call_site &&
		    s->variant == variant && s->pool == pool)
			return slot | ((s->flags & ~PT_SITE_READY) << PT_SITE_FLAG_SHIFT);
	}
	count(PT_CNT_SITE_OVERFLOW);
	/* the overflow site holds allocations of every size */
	return PT_SITE_OVERFLOW | (PT_SITE_VARIABLE_SIZE << PT_SITE_FLAG_SHIFT);
}

#define PT_SITE_MISS 0xffffffffu

/* The common case inline: the site is in its home slot (the table is sized
 * for a low load). PT_SITE_MISS sends the caller to the full probe above. */
static __always_inline __u32 home_site(__u64 fp, __u64 call_site, __u64 variant, __u32 pool,
				       __u32 *object_size)
{
	__u32 home = (__u32)fp & site_mask;
	struct pt_site *s = bpf_map_lookup_elem(&sites, &home);
	__u32 flags;

	if (!s || home == PT_SITE_OVERFLOW || s->key != fp)
		return PT_SITE_MISS;
	flags = s->flags;
	if (!(flags & PT_SITE_READY) || s->call_site != call_site || s->variant != variant || s->pool != pool)
		return PT_SITE_MISS;
	*object_size = s->object_size;
	return home | ((flags & ~PT_SITE_READY) << PT_SITE_FLAG_SHIFT);
}

static __always_inline __u32 site_slot(__u64 call_site, __u64 variant, __u32 pool)
{
	__u32 unused;
	__u32 slot = home_site(site_fingerprint(call_site, variant, pool), call_site, variant, pool, &unused);

	return slot != PT_SITE_MISS ? slot : pt_site_slot(call_site, variant, pool, 0);
}

/* The object size of a cache's site (*object_size), read from the cache
 * once, when the site is new: the cache's address is the variant, so the
 * fast path dereferences nothing. */
static __always_inline __u32 cache_site_slot(__u64 call_site, __u64 cache, __u32 *object_size)
{
	__u32 slot = home_site(site_fingerprint(call_site, cache, PT_POOL_SLAB), call_site, cache, PT_POOL_SLAB,
			       object_size);
	struct pt_site *s;
	__u32 index;

	if (slot != PT_SITE_MISS)
		return slot;
	slot = pt_site_slot(call_site, cache, PT_POOL_SLAB, cache);
	index = slot & PT_SITE_SLOT_MASK;
	s = bpf_map_lookup_elem(&sites, &index);
	*object_size = s ? s->object_size : 0;
	return slot;
}

/* Addresses per bucket step within a page's runs (below). */
#define PT_RUN_SHIFT 4
#define PT_PAGE_SHIFT 12

static __always_inline __u32 run_bucket(__u32 run_hash, __u32 offset)
{
	/* multiply-shift, not a mask: the loader sizes the table to the
	 * allocations asked for, not to a power of two; it has at least
	 * 1 << (PT_PAGE_SHIFT - PT_RUN_SHIFT) buckets, so one subtraction
	 * wraps */
	__u32 b = (__u32)(((__u64)run_hash * live_buckets) >> 32) + offset;

	return b >= live_buckets ? b - live_buckets : b;
}

/*
 * An address's two buckets. Each 4 KiB page of addresses has two runs of
 * buckets, each starting where a hash of the page puts it, and an address
 * takes the bucket at its offset in the page (16 bytes to a bucket) in each
 * run. Objects of one slab page, which the allocator hands out and RCU
 * frees together, then land in a few pages of the table rather than each in
 * pages of its own: the table is far larger than what the TLB covers, and a
 * TLB miss is a two-level page walk in a VM. The two runs are independent,
 * so two choices balance the buckets as well as hashing every address
 * (docs/engine.md, Capacity).
 */
static __always_inline void buckets_of(__u64 addr, __u32 *first, __u32 *second)
{
	__u64 h = mix64(addr >> PT_PAGE_SHIFT);
	__u32 offset = (__u32)(addr & ((1u << PT_PAGE_SHIFT) - 1)) >> PT_RUN_SHIFT;

	*first = run_bucket((__u32)h, offset);
	*second = run_bucket((__u32)(h >> 32), offset);
	if (*second == *first) /* the loader guarantees at least two buckets */
		*second = *first + 1 < live_buckets ? *first + 1 : 0;
}

/* 1 when x is 0, else 0, without a jump. (x == 0) would compile to one (BPF
 * has no setcc), and counting the empty keys of a part-full bucket with a
 * jump per key mispredicts about every other key. */
static __always_inline __u64 zero_bit(__u64 x)
{
	__u64 r;

	asm("%[r] = %[x]\n\t"
	    "%[r] = -%[r]\n\t"
	    "%[r] |= %[x]\n\t"
	    "%[r] >>= 63\n\t"
	    "%[r] ^= 1"
	    : [r] "=&r"(r)
	    : [x] "r"(x));
	return r;
}

/* Counters of an allocation stack (--by stack), or NULL when none was taken. */
static __always_inline struct pt_stack_stats *stack_stats_of(__s32 stack_id)
{
	__u32 sid = stack_id;

	return stack_id >= 0 ? bpf_map_lookup_elem(&stack_stats, &sid) : NULL;
}

/* The bits a live slot keeps beside its site: whether a stack was taken
 * and whether the site counts bytes per event. */
static __always_inline __u32 live_flags_of(__u32 site_and_flags, __s32 stack_id)
{
	__u32 live = 0;

	if ((site_and_flags >> PT_SITE_FLAG_SHIFT) & PT_SITE_VARIABLE_SIZE)
		live |= PT_LIVE_VARIABLE;
	if (stack_id >= 0)
		live |= PT_LIVE_STACK;
	return live;
}

/* Charges a free to its site (and stack): `word` is the live slot's site
 * word (site | PT_LIVE_* << PT_SITE_FLAG_SHIFT). A free seen by a free
 * program goes to frees; an implicit one, which any allocation program may
 * find, to implicit_frees with locked adds (rare), so that frees keeps one
 * writer per CPU (add_site_counter). */
static __always_inline void charge_free(__u32 word, __u32 size, __s32 stack_id, bool implicit)
{
	__u32 live = word >> PT_SITE_FLAG_SHIFT;
	struct pt_site_stats *st = stats_of(word & PT_SITE_SLOT_MASK);

	if (live & PT_LIVE_STACK) {
		struct pt_stack_stats *ss = stack_stats_of(stack_id);

		if (ss) {
			__sync_fetch_and_add(&ss->frees, 1);
			__sync_fetch_and_add(&ss->free_bytes, size);
		}
	}
	if (!st)
		return;
	if (implicit) {
		__sync_fetch_and_add(&st->implicit_frees, 1);
		if (live & PT_LIVE_VARIABLE)
			__sync_fetch_and_add(&st->implicit_free_bytes, size);
		count(PT_CNT_IMPLICIT_FREES);
		return;
	}
	add_site_counter(&st->frees, 1);
	if (live & PT_LIVE_VARIABLE)
		add_site_counter(&st->free_bytes, size);
}

/* Counts an allocation entered in the live table: bytes only for sites
 * whose allocations differ in size (readers multiply for the others). */
static __always_inline void count_allocation(__u64 size, __u32 site, __u32 live, __s32 stack_id,
					     struct pt_site_stats *st)
{
	struct pt_stack_stats *ss = stack_stats_of(stack_id);

	add_site_counter(&st->allocs, 1);
	if (live & PT_LIVE_VARIABLE)
		add_site_counter(&st->alloc_bytes, size);
	if (ss) {
		__sync_fetch_and_add(&ss->allocs, 1);
		__sync_fetch_and_add(&ss->alloc_bytes, size);
		ss->site = site;
	}
}

/* The entry of a slot: time, task, stack. The time is jiffies, a load:
 * ages are shown in seconds, and the fine clock (bpf_ktime_get_ns) costs a
 * call and a clocksource read, ~40 ns here. comm and tgid come straight
 * from the task: bpf_get_current_comm() is a string copy with its own
 * calls, this is three loads. */
static __always_inline void fill_entry(struct pt_live_entry *e, __s32 stack_id)
{
	struct task_struct *task = bpf_get_current_task_btf();

	e->alloc_jiffies = bpf_jiffies64();
	e->stack_id = stack_id;
	e->pid = task->tgid;
	*(__u64 *)&e->comm[0] = *(__u64 *)&task->comm[0];
	*(__u64 *)&e->comm[8] = *(__u64 *)&task->comm[8];
}

/* Fills a slot whose key holds addr | PT_KEY_PENDING, then publishes it:
 * the plain key is written last, so a reader that sees it sees the fields
 * (x86 TSO). */
static __always_inline void enter_allocation(struct pt_live_bucket *b, int i, __u32 slot, __u64 addr,
					     __u64 size, __u32 site, __u32 live, __s32 stack_id,
					     struct pt_site_stats *st)
{
	struct pt_live_entry *e = bpf_map_lookup_elem(&live_entries, &slot);

	count_allocation(size, site, live, stack_id, st);
	i &= PT_BUCKET_SLOTS - 1;
	b->site[i] = site | (live << PT_SITE_FLAG_SHIFT);
	b->size[i] = (__u32)size;
	if (e)
		fill_entry(e, stack_id);
	b->addr[i] = addr;
}

/* The address is live in the table already: its free was never seen (a
 * free path without a tracepoint, such as bulk frees). The old allocation
 * is retired as an implicit free and the slot refilled. Rare, so out of
 * line. */
__noinline int pt_reenter(__u32 slot, __u64 addr, __u64 size, __u32 site_and_flags, __s32 stack_id)
{
	__u32 bucket = slot / PT_BUCKET_SLOTS, i = slot & (PT_BUCKET_SLOTS - 1);
	struct pt_live_bucket *b = bpf_map_lookup_elem(&live_keys, &bucket);
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	struct pt_site_stats *st = stats_of(site);
	struct pt_live_entry *e = bpf_map_lookup_elem(&live_entries, &slot);

	if (!b || !st || !e)
		return 0;
	b->addr[i] = addr | PT_KEY_PENDING; /* ours: nobody else frees or claims it */
	charge_free(b->site[i], b->size[i], e->stack_id, true);
	enter_allocation(b, i, slot, addr, size, site, live_flags_of(site_and_flags, stack_id), stack_id, st);
	return 0;
}

/* Index of addr in the bucket, or -1; *empty gets the bucket's empty keys
 * (counted only when addr is not there). */
static __always_inline int scan_bucket(struct pt_live_bucket *b, __u64 addr, __u64 *empty)
{
	__u64 n = 0;

#pragma unroll
	for (int i = 0; i < PT_BUCKET_SLOTS; i++) {
		__u64 key = b->addr[i];

		if (key == addr)
			return i;
		n += zero_bit(key);
	}
	*empty = n;
	return -1;
}

/* Index of addr in the bucket, or -1. A key being written (pending) never
 * matches: its address is not live yet. */
static __always_inline int find_key(struct pt_live_bucket *b, __u64 addr)
{
#pragma unroll
	for (int i = 0; i < PT_BUCKET_SLOTS; i++)
		if (b->addr[i] == addr)
			return i;
	return -1;
}

/* Claims an empty key of the bucket for addr (pending until filled): its
 * index, or -1. */
static __always_inline int claim_slot(struct pt_live_bucket *b, __u64 addr)
{
#pragma unroll
	for (int i = 0; i < PT_BUCKET_SLOTS; i++)
		if (b->addr[i] == 0 && __sync_val_compare_and_swap(&b->addr[i], 0, addr | PT_KEY_PENDING) == 0)
			return i;
	return -1;
}

/*
 * The allocation path, inline: with the kernel's return-stack mitigations
 * (SRSO "safe RET" here) every call and return costs more than a bucket
 * scan, so the common case makes none. Both buckets are scanned once: for
 * the address (a hit is the rare implicit free, handled out of line) and,
 * without jumps, for their empty keys. Two choices, the emptier bucket
 * first, keep buckets balanced, so one rarely overflows before the table is
 * full; both full is counted as untracked.
 */
static __always_inline void track_alloc(__u64 addr, __u64 size, __u32 site_and_flags, __s32 stack_id)
{
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	struct pt_live_bucket *first, *second;
	struct pt_site_stats *st;
	__u64 empty_first = 0, empty_second = 0;
	__u32 bucket_first, bucket_second;
	int i;

	if (!addr)
		return;
	st = stats_of(site);
	buckets_of(addr, &bucket_first, &bucket_second);
	first = bpf_map_lookup_elem(&live_keys, &bucket_first);
	second = bpf_map_lookup_elem(&live_keys, &bucket_second);
	if (!st || !first || !second)
		return;
	i = scan_bucket(first, addr, &empty_first);
	if (i >= 0) {
		pt_reenter(bucket_first * PT_BUCKET_SLOTS + i, addr, size, site_and_flags, stack_id);
		return;
	}
	i = scan_bucket(second, addr, &empty_second);
	if (i >= 0) {
		pt_reenter(bucket_second * PT_BUCKET_SLOTS + i, addr, size, site_and_flags, stack_id);
		return;
	}
	if (empty_second > empty_first) {
		struct pt_live_bucket *b = first;
		__u32 t = bucket_first;

		first = second;
		second = b;
		bucket_first = bucket_second;
		bucket_second = t;
	}
	i = claim_slot(first, addr);
	if (i < 0) {
		i = claim_slot(second, addr);
		first = second;
		bucket_first = bucket_second;
	}
	if (i < 0) {
		add_site_counter(&st->untracked, 1);
		add_site_counter(&st->untracked_bytes, size);
		count(PT_CNT_LIVE_FULL);
		return;
	}
	enter_allocation(first, i, bucket_first * PT_BUCKET_SLOTS + i, addr, size, site,
			 live_flags_of(site_and_flags, stack_id), stack_id, st);
}

/* Charges a matched free and makes the free path's result: size << 32 |
 * site flags << PT_SITE_FLAG_SHIFT | site, with the flags read only while a
 * hit tag is set (the free path's only reason to look). */
static __always_inline __u64 freed(__u32 word, __u32 size, __s32 stack_id)
{
	__u32 site = word & PT_SITE_SLOT_MASK, flags = 0;

	charge_free(word, size, stack_id, false);
	if (poolhittag.active) {
		struct pt_site *s = bpf_map_lookup_elem(&sites, &site);

		if (s)
			flags = s->flags & PT_SITE_HIT;
	}
	return ((__u64)size << 32) | (flags << PT_SITE_FLAG_SHIFT) | site;
}

/* The bucket holding addr, with its index there in *index and the bucket's
 * number in *bucket; NULL when the table does not hold addr. The second
 * bucket is read only when the first does not hold it. */
static __always_inline struct pt_live_bucket *locate(__u64 addr, __u32 *bucket, int *index)
{
	__u32 first, second;
	struct pt_live_bucket *b;
	int i;

	buckets_of(addr, &first, &second);
	*bucket = first;
	b = bpf_map_lookup_elem(&live_keys, bucket);
	if (!b)
		return NULL;
	i = find_key(b, addr);
	if (i < 0) {
		*bucket = second;
		b = bpf_map_lookup_elem(&live_keys, bucket);
		if (!b)
			return NULL;
		i = find_key(b, addr);
	}
	if (i < 0 || i >= PT_BUCKET_SLOTS)
		return NULL;
	*index = i;
	return b;
}

/* Returns 0 when the address was not tracked, else
 * size << 32 | site flags << PT_SITE_FLAG_SHIFT | site, with the flags read
 * only while a hit tag is set (the free path's only reason to look). Inline
 * for the same reason as track_alloc. The bucket holds the site and size,
 * so a free reads one line; the entry only for the stack, when one was
 * taken. */
static __always_inline __u64 track_free(__u64 addr)
{
	struct pt_live_bucket *b;
	__u32 bucket, word, size;
	__s32 stack_id = -1;
	int i;

	if (!addr)
		return 0;
	b = locate(addr, &bucket, &i);
	if (!b) {
		count(PT_CNT_FREE_UNMATCHED);
		return 0;
	}
	/* read the slot before it is released: after that it can be claimed
	 * and rewritten by another CPU */
	word = b->site[i];
	size = b->size[i];
	if ((word >> PT_SITE_FLAG_SHIFT) & PT_LIVE_STACK) {
		__u32 slot = bucket * PT_BUCKET_SLOTS + i;
		struct pt_live_entry *e = bpf_map_lookup_elem(&live_entries, &slot);

		if (e)
			stack_id = e->stack_id;
	}
	if (__sync_val_compare_and_swap(&b->addr[i], addr, 0) != addr)
		return 0; /* a racing free of the same address (double free) won */
	return freed(word, size, stack_id);
}

/*
 * The live table of kernels without BPF atomics: a preallocated hash map of
 * whole records. An insert with BPF_NOEXIST claims the address, a delete
 * releases it: both are atomic inside the map, so a racing double free is
 * charged once. It costs more per event than the buckets (a lookup and an
 * insert or delete, helper calls that take a bucket lock):
 * docs/performance.md has the figures.
 */
static __always_inline void fill_record_legacy(struct pt_live_record *r, __u64 addr, __u64 size,
					       __u32 site_and_flags, __s32 stack_id)
{
	r->addr = addr;
	r->site = (site_and_flags & PT_SITE_SLOT_MASK) |
		  (live_flags_of(site_and_flags, stack_id) << PT_SITE_FLAG_SHIFT);
	r->size = (__u32)size;
	r->entry.alloc_jiffies = bpf_jiffies64();
	r->entry.stack_id = stack_id;
	r->entry.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(r->entry.comm, sizeof(r->entry.comm));
}

/* The address is live already (its free was never seen): retire the old
 * record as an implicit free and enter the new one. Rare, so out of line. */
__noinline int pt_reenter_legacy(__u64 addr, __u64 size, __u32 site_and_flags, __s32 stack_id)
{
	struct pt_live_record *old = bpf_map_lookup_elem(&live_hash, &addr);
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	struct pt_site_stats *st = stats_of(site);
	struct pt_live_record r = {};

	if (!old || !st)
		return 0;
	/* addr 0: a free already charged whose delete the map refused (busy) */
	if (old->addr == addr)
		charge_free(old->site, old->size, old->entry.stack_id, true);
	fill_record_legacy(&r, addr, size, site_and_flags, stack_id);
	if (bpf_map_update_elem(&live_hash, &addr, &r, BPF_ANY) == 0)
		count_allocation(size, site, r.site >> PT_SITE_FLAG_SHIFT, stack_id, st);
	return 0;
}

static __always_inline void track_alloc_legacy(__u64 addr, __u64 size, __u32 site_and_flags, __s32 stack_id)
{
	__u32 site = site_and_flags & PT_SITE_SLOT_MASK;
	struct pt_site_stats *st;
	struct pt_live_record r = {};
	int err;

	if (!addr)
		return;
	st = stats_of(site);
	if (!st)
		return;
	fill_record_legacy(&r, addr, size, site_and_flags, stack_id);
	/* as an int: 5.10 hands the map's error back in the low 32 bits only
	 * (-EEXIST arrived as 4294967279) */
	err = (int)bpf_map_update_elem(&live_hash, &addr, &r, BPF_NOEXIST);
	if (err == 0) {
		count_allocation(size, site, r.site >> PT_SITE_FLAG_SHIFT, stack_id, st);
	} else if (err == -EEXIST) {
		pt_reenter_legacy(addr, size, site_and_flags, stack_id);
	} else {
		add_site_counter(&st->untracked, 1);
		add_site_counter(&st->untracked_bytes, size);
		/* -EBUSY: this program interrupted an update of the same bucket
		 * lock on this CPU; else the table is full */
		count(err == -EBUSY ? PT_CNT_LIVE_BUSY : PT_CNT_LIVE_FULL);
	}
}

static __always_inline __u64 track_free_legacy(__u64 addr)
{
	struct pt_live_record *r;
	__u32 word, size;
	__s32 stack_id;
	int err;

	if (!addr)
		return 0;
	r = bpf_map_lookup_elem(&live_hash, &addr);
	if (!r) {
		count(PT_CNT_FREE_UNMATCHED);
		return 0;
	}
	word = r->site;
	size = r->size;
	stack_id = r->entry.stack_id;
	if (r->addr != addr)
		return 0; /* freed already, its delete refused (below) */
	err = (int)bpf_map_delete_elem(&live_hash, &addr);
	if (err == -ENOENT)
		return 0; /* a racing free of the same address won */
	if (err != 0)
		r->addr = 0; /* busy (see track_alloc_legacy): dead from now on,
				readers and the next allocation there skip it */
	return freed(word, size, stack_id);
}

/* The size of a live allocation at addr, 0 when none is: pt_dump's check,
 * for either table design. */
static __always_inline __u32 live_size(__u64 addr)
{
	struct pt_live_bucket *b;
	__u32 bucket;
	int i = 0;

	if (hash_live_table) {
		struct pt_live_record *r = bpf_map_lookup_elem(&live_hash, &addr);

		return r && r->addr == addr ? r->size : 0;
	}
	b = locate(addr, &bucket, &i);
	return b ? b->size[i & (PT_BUCKET_SLOTS - 1)] : 0;
}

#endif /* POOLTAG_TABLES_BPF_H */
