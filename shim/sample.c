/* SPDX-License-Identifier: MIT */
/* Heap sampling: geometric byte intervals, the free filter and the sampled-pointer table. */
#include "heap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

struct ags_heap_conf ags_heap_conf = { .mean = 512 * 1024, .ptr_bits = 16, .stack_bits = 14 };
struct ags_heap_counters ags_heap_ctr;

/*
 * The filter lives in .bss rather than in a mapping so that it exists before
 * anything runs: free() consults it from the first call on, and the bootstrap
 * arena pins its blocks in it.  Untouched pages cost no memory.
 */
uint8_t ags_heap_filter[1u << AGS_HEAP_FILTER_BITS];

/* Per-thread xorshift64* state; 0 = not seeded yet. */
static __thread uint64_t rng_state;
static uint64_t thread_index; /* threads seeded so far, for fixed-seed runs */

/* One slot of the sampled-pointer table; key 0 = empty, 1 = removed. */
struct ptr_slot {
	uint64_t key;
	uint64_t meta; /* size << 24 | stack id */
};
#define KEY_EMPTY 0
#define KEY_GONE 1
#define PROBE_MAX 32
#define META_STACK_BITS 24

static struct ptr_slot *ptr_table;
static uint64_t ptr_mask;

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* splitmix64: spreads a seed so that nearby seeds give unrelated streams. */
static uint64_t mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void ags_heap_thread_seed(uint64_t salt)
{
	uint64_t n = __atomic_fetch_add(&thread_index, 1, __ATOMIC_RELAXED);
	uint64_t s;

	if (ags_heap_conf.seed)
		s = mix(ags_heap_conf.seed + n);
	else
		s = mix(salt ^ ags_heap_clock_ns() ^ ((uint64_t)(uintptr_t)&rng_state << 16));
	rng_state = s ? s : 1;
}

double ags_ln(double x)
{
	union {
		double d;
		uint64_t u;
	} v = { .d = x };
	int e;
	double m, t, t2;

	if (!(x > 0))
		return -1e300;
	e = (int)((v.u >> 52) & 0x7ff) - 1023;
	v.u = (v.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull; /* m in [1, 2) */
	m = v.d;
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	/* ln m = 2 atanh t, t = (m-1)/(m+1), |t| < 0.172: five terms reach 1e-10. */
	t = (m - 1) / (m + 1);
	t2 = t * t;
	return 2 * t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 / 9)))) +
	       e * 0.6931471805599453;
}

double ags_exp_neg(double x)
{
	union {
		double d;
		uint64_t u;
	} scale;
	double r, sum, term;
	int k;

	if (x <= 0)
		return 1;
	if (x > 700)
		return 0;
	/* exp(-x) = 2^-k exp(-r) with r in [0, ln 2). */
	k = (int)(x / 0.6931471805599453);
	r = x - k * 0.6931471805599453;
	sum = 1;
	term = 1;
	for (int i = 1; i <= 14; i++) {
		term *= -r / i;
		sum += term;
	}
	scale.u = (uint64_t)(1023 - k) << 52;
	return sum * scale.d;
}

uint64_t ags_heap_interval_from(uint64_t *state, uint64_t mean)
{
	double u, v;

	if (mean <= 1)
		return 1;
	/* u uniform in (0, 1]; -ln(u) * mean is exponential with that mean. */
	u = (double)((xorshift(state) >> 11) + 1) * (1.0 / 9007199254740992.0);
	v = -ags_ln(u) * (double)mean;
	if (v < 1)
		return 1;
	if (v > 9e18)
		return (uint64_t)9e18;
	return (uint64_t)v;
}

uint64_t ags_heap_next_interval(void)
{
	if (AGS_UNLIKELY(!rng_state))
		ags_heap_thread_seed((uint64_t)ags_gettid());
	return ags_heap_interval_from(&rng_state, ags_heap_conf.mean);
}

void ags_heap_weigh(uint64_t size, uint64_t mean, struct ags_heap_weight *w)
{
	double x, p, b;

	if (mean <= 1 || size == 0) {
		/* Every allocation is recorded: the figures are exact. */
		w->bytes = size;
		w->count_fx = AGS_HEAP_FX;
		w->var = 0;
		return;
	}
	x = (double)size / (double)mean;
	/* p = 1 - exp(-x); the series keeps its precision where x is tiny. */
	if (x < 1e-4)
		p = x * (1 - x * (0.5 - x / 6));
	else
		p = 1 - ags_exp_neg(x);
	b = (double)size / p;
	w->bytes = (uint64_t)(b + 0.5);
	w->count_fx = (uint64_t)(AGS_HEAP_FX / p + 0.5);
	w->var = (uint64_t)(b * b * (1 - p));
}

void ags_heap_filter_pin(const void *p)
{
	__atomic_store_n(&ags_heap_filter[ags_heap_filter_slot(p)], 255, __ATOMIC_RELEASE);
}

/* Counting filter: 255 is sticky (pinned, or too many to count). */
static void filter_add(const void *p, int delta)
{
	uint8_t *c = &ags_heap_filter[ags_heap_filter_slot(p)];
	uint8_t old = __atomic_load_n(c, __ATOMIC_RELAXED), val;

	do {
		if (old == 255 || (delta < 0 && old == 0))
			return;
		val = (uint8_t)(old + delta);
	} while (!__atomic_compare_exchange_n(c, &old, val, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

int ags_heap_tables_init(void)
{
	size_t len;
	void *m;
	int saved = errno, err;

	if (ptr_table)
		return 0;
	err = ags_heap_stacks_init();
	if (err)
		return err;
	len = sizeof(struct ptr_slot) << ags_heap_conf.ptr_bits;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	err = errno;
	errno = saved;
	if (m == MAP_FAILED)
		return err;
	ptr_mask = (1ull << ags_heap_conf.ptr_bits) - 1;
	__atomic_store_n(&ptr_table, (struct ptr_slot *)m, __ATOMIC_RELEASE);
	return 0;
}

size_t ags_heap_tables_rss(void)
{
	static unsigned char vec[4096];
	size_t pages, total = 0, off;
	uintptr_t base;
	int saved = errno;

	if (!ptr_table)
		return 0;
	pages = ((ptr_mask + 1) * sizeof(struct ptr_slot)) >> 12;
	for (off = 0; off < pages; off += sizeof(vec)) {
		size_t n = pages - off < sizeof(vec) ? pages - off : sizeof(vec);

		base = (uintptr_t)ptr_table + (off << 12);
		if (mincore((void *)base, n << 12, vec) != 0)
			break;
		for (size_t i = 0; i < n; i++)
			total += vec[i] & 1;
	}
	errno = saved;
	return (total << 12) + sizeof(ags_heap_filter) / 16; /* filter: about 1/16 touched */
}

static uint64_t ptr_hash(const void *p)
{
	return ags_heap_addr_hash(p);
}

int ags_heap_ptr_insert(const void *p, uint64_t size, uint32_t stack)
{
	struct ptr_slot *t = __atomic_load_n(&ptr_table, __ATOMIC_ACQUIRE);
	uint64_t h, key = (uint64_t)(uintptr_t)p;

	if (!t || key <= KEY_GONE)
		return 0;
	if (size >> (64 - META_STACK_BITS))
		size = (1ull << (64 - META_STACK_BITS)) - 1;
	h = ptr_hash(p);
	for (int i = 0; i < PROBE_MAX; i++) {
		struct ptr_slot *s = &t[(h + (uint64_t)i) & ptr_mask];
		uint64_t cur = __atomic_load_n(&s->key, __ATOMIC_RELAXED);

		while (cur <= KEY_GONE) {
			if (__atomic_compare_exchange_n(&s->key, &cur, key, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED)) {
				__atomic_store_n(&s->meta, size << META_STACK_BITS | stack,
						 __ATOMIC_RELEASE);
				filter_add(p, 1);
				return 1;
			}
		}
	}
	__atomic_fetch_add(&ags_heap_ctr.table_full, 1, __ATOMIC_RELAXED);
	return 0;
}

int ags_heap_ptr_remove(const void *p, uint64_t *size, uint32_t *stack)
{
	struct ptr_slot *t = __atomic_load_n(&ptr_table, __ATOMIC_ACQUIRE);
	uint64_t h, key = (uint64_t)(uintptr_t)p;

	if (!t || key <= KEY_GONE)
		return 0;
	h = ptr_hash(p);
	for (int i = 0; i < PROBE_MAX; i++) {
		struct ptr_slot *s = &t[(h + (uint64_t)i) & ptr_mask];
		uint64_t cur = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE), meta;

		/* Slots only ever go from empty to used: nothing lies past an empty one. */
		if (cur == KEY_EMPTY)
			return 0;
		if (cur != key)
			continue;
		meta = __atomic_load_n(&s->meta, __ATOMIC_ACQUIRE);
		if (!__atomic_compare_exchange_n(&s->key, &cur, KEY_GONE, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			return 0;
		filter_add(p, -1);
		*size = meta >> META_STACK_BITS;
		*stack = (uint32_t)(meta & ((1u << META_STACK_BITS) - 1));
		return 1;
	}
	return 0;
}
