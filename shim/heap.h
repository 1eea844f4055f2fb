/* SPDX-License-Identifier: MIT */
/* The heap family's internals: sampler, sampled-pointer table, stack table, snapshots. */
#ifndef AGSHIM_SHIM_HEAP_H
#define AGSHIM_SHIM_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shim.h"

/*
 * How the pieces fit:
 *   alloc.c    the exported malloc family; fast path = TLS countdown + tail call
 *   sample.c   per-thread PRNG and geometric intervals, the free filter, the
 *              sampled-pointer table, and the estimator weights
 *   stacks.c   libunwind capture and the deduplicating stack table
 *   heapsnap.c snapshots: /proc and cgroup figures, heap and heap_stack events
 *   symbols.c  frame names at snapshot time (dladdr, ELF .symtab, perf maps)
 * Everything is mapped once with mmap, lock-free, and safe across fork.
 */

#define AGS_HEAP_DEPTH 48 /* frames kept per stack */

/* CLOCK_MONOTONIC in ns (vDSO; the heap files keep to libc and sys.h for unit tests). */
static inline uint64_t ags_heap_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Per-thread bytes left until the next sample; 0 = uninitialised (slow path). */
extern __thread uint64_t ags_heap_left AGS_HIDDEN;

/* ---- sample.c ---- */

/* Process-wide sampler settings, fixed after ags_heap_setup(). */
struct ags_heap_conf {
	uint64_t mean;	     /* mean bytes between samples; 1 = every allocation */
	uint64_t seed;	     /* AGSHIM_HEAP_SEED, 0 for a random seed */
	unsigned ptr_bits;   /* log2 of sampled-pointer slots */
	unsigned stack_bits; /* log2 of stack table slots */
};
extern struct ags_heap_conf ags_heap_conf AGS_HIDDEN;

/* Counters for the heap event; updated with relaxed atomics. */
struct ags_heap_counters {
	uint64_t samples;	  /* allocations sampled */
	uint64_t table_full;	  /* samples lost: no free slot in the probe window */
	uint64_t stacks_full;	  /* stacks lost: stack table full */
	uint64_t arena_bytes;	  /* bootstrap arena bytes handed out */
	uint64_t arena_calls;	  /* bootstrap arena allocations */
	uint64_t filter_hits;	  /* frees that passed the filter */
	uint64_t filter_false;	  /* ... and were not sampled after all */
	uint64_t unwind_failures; /* stacks libunwind could not walk at all */
};
extern struct ags_heap_counters ags_heap_ctr AGS_HIDDEN;

/* Map the tables (once per process); returns 0 or an errno.  Not async-signal-safe. */
int ags_heap_tables_init(void) AGS_HIDDEN;
/* Resident bytes of the sampled-pointer table and the filter (mincore). */
size_t ags_heap_tables_rss(void) AGS_HIDDEN;

/* Seed this thread's PRNG: fixed seed and thread index when conf.seed is set. */
void ags_heap_thread_seed(uint64_t salt) AGS_HIDDEN;
/* Next geometric interval in bytes (>= 1), mean ags_heap_conf.mean.  Async-signal-safe. */
uint64_t ags_heap_next_interval(void) AGS_HIDDEN;
/* Same for an explicit PRNG state and mean: for unit tests. */
uint64_t ags_heap_interval_from(uint64_t *state, uint64_t mean) AGS_HIDDEN;

/* exp(-x) and ln(x) without libm (shim does not link it); relative error < 1e-6. */
double ags_exp_neg(double x) AGS_HIDDEN;
double ags_ln(double x) AGS_HIDDEN;

/*
 * Estimator for one sampled allocation of size bytes at the given mean:
 * bytes it stands for (size / p), allocations it stands for (1 / p, in 1/65536
 * units), and its variance contribution (size^2 (1-p) / p^2), where
 * p = 1 - exp(-size / mean) is the chance it was sampled.  Pure.
 */
struct ags_heap_weight {
	uint64_t bytes;
	uint64_t count_fx;
	uint64_t var;
};
void ags_heap_weigh(uint64_t size, uint64_t mean, struct ags_heap_weight *w) AGS_HIDDEN;
#define AGS_HEAP_FX 65536u

/* Filter: may p be sampled?  One load; false positives possible, negatives not. */
#define AGS_HEAP_FILTER_BITS 20
extern uint8_t ags_heap_filter[1u << AGS_HEAP_FILTER_BITS] AGS_HIDDEN;
/*
 * Address hash of the filter and the pointer table: 16-byte granules, with the high bits
 * folded in so that heaps 2^24 apart (thread arenas) do not alias.  Neighbouring blocks
 * land in neighbouring slots, so a burst of frees touches few cache lines.
 */
static inline uint64_t ags_heap_addr_hash(const void *p)
{
	return ((uintptr_t)p >> 4) ^ ((uintptr_t)p >> 24) ^ ((uintptr_t)p >> 44);
}
static inline unsigned ags_heap_filter_slot(const void *p)
{
	return (unsigned)(ags_heap_addr_hash(p) & ((1u << AGS_HEAP_FILTER_BITS) - 1));
}
static inline int ags_heap_maybe_sampled(const void *p)
{
	return ags_heap_filter[ags_heap_filter_slot(p)] != 0;
}
/* Mark p in the filter forever (bootstrap arena pointers). */
void ags_heap_filter_pin(const void *p) AGS_HIDDEN;

/*
 * Sampled-pointer table.  Insert p with its size and stack (0 when no slot
 * was free: counted as table_full).  Remove returns 1 and fills size/stack
 * when p was sampled.  Lock-free; safe from any thread and across fork.
 */
int ags_heap_ptr_insert(const void *p, uint64_t size, uint32_t stack) AGS_HIDDEN;
int ags_heap_ptr_remove(const void *p, uint64_t *size, uint32_t *stack) AGS_HIDDEN;

/* ---- stacks.c ---- */

/* One deduplicated stack with its live and cumulative estimates (atomics). */
struct ags_heap_stack {
	uint64_t hash;
	uint32_t depth;
	uint32_t emitted_pid; /* pid whose events already carry the frames */
	uint64_t live_bytes;
	uint64_t live_count_fx;
	uint64_t live_var;
	uint64_t alloc_bytes;
	uint64_t alloc_count_fx;
	uintptr_t ip[AGS_HEAP_DEPTH];
};

/* Map the stack table (once); returns 0 or an errno. */
int ags_heap_stacks_init(void) AGS_HIDDEN;
/* Bytes the stack table uses. */
size_t ags_heap_stacks_rss(void) AGS_HIDDEN;
/* Capture the caller's stack, skipping the shim's frames; returns the depth. */
int ags_heap_unwind(uintptr_t *ip, int max) AGS_HIDDEN;
/* Find or add the stack; returns its id (>= 1), or 0 when the table is full. */
uint32_t ags_heap_stack_intern(const uintptr_t *ip, int depth) AGS_HIDDEN;
/* The stack with that id, or NULL. */
struct ags_heap_stack *ags_heap_stack_get(uint32_t id) AGS_HIDDEN;
/* Number of stacks interned so far (ids are 1..n). */
uint32_t ags_heap_stack_count(void) AGS_HIDDEN;
/* Add (sign 1) or remove (sign -1) one sampled allocation's weight. */
void ags_heap_stack_account(uint32_t id, uint64_t size, int sign) AGS_HIDDEN;
/* The shim's own text, so that unwinding can drop its frames. */
void ags_heap_self_range(uintptr_t start, uintptr_t end) AGS_HIDDEN;

/* ---- heapsnap.c ---- */

/* On the sampled path: write a snapshot when the interval has passed. */
void ags_heap_maybe_snapshot(void) AGS_HIDDEN;
/* Write a snapshot now (exit hook). */
void ags_heap_snapshot(void) AGS_HIDDEN;

/* ---- symbols.c ---- */

/*
 * Frame names; only the snapshot writer calls these.  A snapshot calls
 * begin, then want for every frame it will print (addresses outside any
 * object are queued for the perf map), then jit_scan once, then frame.
 */
void ags_sym_begin(void) AGS_HIDDEN;
void ags_sym_want(uintptr_t ip) AGS_HIDDEN;
void ags_sym_jit_scan(void) AGS_HIDDEN;
/* "sym+0xoff (object)", "0xoff (object)", "name ([jit])" or "0xaddr" into buf (NUL ended). */
size_t ags_sym_frame(uintptr_t ip, char *buf, size_t len) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_HEAP_H */
