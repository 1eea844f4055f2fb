/* SPDX-License-Identifier: MIT */
/* Call stacks of sampled allocations: libunwind capture and a deduplicating lock-free table. */
#include "heap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "ownfd.h"

/*
 * Stacks are stored densely, in the order they are first seen (ids 1, 2, ...),
 * so the memory they use grows with the number of distinct stacks and not
 * with the table's capacity; an open-addressing index of ids finds them by
 * hash.  A new stack is written in full before its id is published with a
 * CAS, so a reader never sees half an entry, and no thread ever waits for
 * another: a fork or a signal at any point leaves the table usable.
 * Id 1 is the "unknown" stack that collects samples once the table is full.
 */
static struct ags_heap_stack *entries;
static uint32_t *index_slots;
static uint32_t entry_cap;  /* entries mapped */
static uint32_t index_mask; /* index slots - 1 */
static uint32_t next_id;    /* ids handed out so far */
static uintptr_t self_start, self_end;

void ags_heap_self_range(uintptr_t start, uintptr_t end)
{
	self_start = start;
	self_end = end;
}

static int stacks_init(void)
{
	size_t elen, ilen;
	void *e, *i;
	int saved = errno;

	entry_cap = 1u << ags_heap_conf.stack_bits;
	elen = (size_t)entry_cap * sizeof(struct ags_heap_stack);
	ilen = (size_t)entry_cap * 2 * sizeof(uint32_t);
	e = mmap(NULL, elen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	i = mmap(NULL, ilen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (e == MAP_FAILED || i == MAP_FAILED) {
		int err = errno;

		if (e != MAP_FAILED)
			munmap(e, elen);
		if (i != MAP_FAILED)
			munmap(i, ilen);
		errno = saved;
		return err;
	}
	errno = saved;
	index_mask = entry_cap * 2 - 1;
	index_slots = i;
	next_id = 1; /* id 1: the unknown stack, depth 0 */
	__atomic_store_n(&entries, (struct ags_heap_stack *)e, __ATOMIC_RELEASE);
	return 0;
}

int ags_heap_stacks_init(void)
{
	return entries ? 0 : stacks_init();
}

int ags_heap_unwind(uintptr_t *ip, int max)
{
	void *buf[AGS_HEAP_DEPTH + 8];
	int n, skip = 0, out = 0;

	/* A descriptor libunwind keeps was taken over by the program: never unwind again. */
	if (AGS_UNLIKELY(ags_own_fd_lost)) {
		__atomic_fetch_add(&ags_heap_ctr.unwind_failures, 1, __ATOMIC_RELAXED);
		return 0;
	}
	n = unw_backtrace(buf, AGS_HEAP_DEPTH + 8);
	if (n <= 0) {
		__atomic_fetch_add(&ags_heap_ctr.unwind_failures, 1, __ATOMIC_RELAXED);
		return 0;
	}
	/* The first frames are the shim's own (the sampler, the wrapper): drop them. */
	while (skip < n && (uintptr_t)buf[skip] >= self_start && (uintptr_t)buf[skip] < self_end)
		skip++;
	for (int k = skip; k < n && out < max; k++)
		ip[out++] = (uintptr_t)buf[k];
	return out;
}

static uint64_t stack_hash(const uintptr_t *ip, int depth)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)depth;

	for (int i = 0; i < depth; i++) {
		h ^= ip[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

static int same(const struct ags_heap_stack *s, uint64_t h, const uintptr_t *ip, int depth)
{
	return s->hash == h && s->depth == (uint32_t)depth &&
	       !memcmp(s->ip, ip, (size_t)depth * sizeof(ip[0]));
}

uint32_t ags_heap_stack_intern(const uintptr_t *ip, int depth)
{
	struct ags_heap_stack *e = __atomic_load_n(&entries, __ATOMIC_ACQUIRE);
	uint64_t h;
	uint32_t mine = 0, slot;

	if (!e && (ags_heap_stacks_init() != 0 || !(e = entries)))
		return 0;
	if (depth <= 0)
		return 1;
	if (depth > AGS_HEAP_DEPTH)
		depth = AGS_HEAP_DEPTH;
	h = stack_hash(ip, depth);
	slot = (uint32_t)h & index_mask;
	for (uint32_t probe = 0; probe <= index_mask; probe++, slot = (slot + 1) & index_mask) {
		uint32_t id = __atomic_load_n(&index_slots[slot], __ATOMIC_ACQUIRE);

		if (id == 0) {
			if (!mine) {
				mine = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
				if (mine > entry_cap) {
					__atomic_fetch_add(&ags_heap_ctr.stacks_full, 1,
							   __ATOMIC_RELAXED);
					return 1;
				}
				e[mine - 1].hash = h;
				e[mine - 1].depth = (uint32_t)depth;
				memcpy(e[mine - 1].ip, ip, (size_t)depth * sizeof(ip[0]));
			}
			if (__atomic_compare_exchange_n(&index_slots[slot], &id, mine, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return mine;
			/* Another thread filled this slot first: look at what it put there. */
		}
		if (same(&e[id - 1], h, ip, depth))
			return id; /* an entry of ours, if any, stays unused */
	}
	return 1;
}

struct ags_heap_stack *ags_heap_stack_get(uint32_t id)
{
	struct ags_heap_stack *e = __atomic_load_n(&entries, __ATOMIC_ACQUIRE);
	uint32_t n = __atomic_load_n(&next_id, __ATOMIC_ACQUIRE);

	if (!e || id == 0 || id > n || id > entry_cap)
		return NULL;
	return &e[id - 1];
}

uint32_t ags_heap_stack_count(void)
{
	uint32_t n = __atomic_load_n(&next_id, __ATOMIC_ACQUIRE);

	if (!entries)
		return 0;
	return n > entry_cap ? entry_cap : n;
}

void ags_heap_stack_account(uint32_t id, uint64_t size, int sign)
{
	struct ags_heap_stack *s = ags_heap_stack_get(id);
	struct ags_heap_weight w;

	if (!s)
		return;
	ags_heap_weigh(size, ags_heap_conf.mean, &w);
	if (sign > 0) {
		__atomic_fetch_add(&s->live_bytes, w.bytes, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->live_count_fx, w.count_fx, __ATOMIC_RELAXED);
		if (w.var)
			__atomic_fetch_add(&s->live_var, w.var, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->alloc_bytes, w.bytes, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->alloc_count_fx, w.count_fx, __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_sub(&s->live_bytes, w.bytes, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&s->live_count_fx, w.count_fx, __ATOMIC_RELAXED);
		if (w.var)
			__atomic_fetch_sub(&s->live_var, w.var, __ATOMIC_RELAXED);
	}
}

size_t ags_heap_stacks_rss(void)
{
	return (size_t)ags_heap_stack_count() * sizeof(struct ags_heap_stack) +
	       (entries ? 4096 : 0);
}
