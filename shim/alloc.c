/* SPDX-License-Identifier: MIT */
/* The malloc family: a TLS countdown and a tail call, and sampled bookkeeping out of band. */
#include "heap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "log.h"
#include "sys.h"

/*
 * Every wrapper hands the program exactly what the real allocator returned:
 * the same pointer, the same size, so malloc_usable_size and every other
 * allocator call keep working.  The sample records live elsewhere (the
 * sampled-pointer table), keyed by address.
 *
 * The fast path of an allocation is "bytes left until the next sample" in
 * initial-exec TLS: subtract, compare, tail-call the real function.  The
 * countdown starts at 0 in every thread, so the first call of each thread
 * takes the slow path, which seeds it (and, in the first thread, resolves the
 * real functions).  With the heap off the countdown is set to the maximum
 * once and never reaches zero again.
 */
__thread uint64_t ags_heap_left;

#ifndef AGS_UNIT_TEST /* unit tests link the sampler, not an interposer */

static __thread int thread_seeded;
static __thread int resolving;

/* glibc's own entry points: the fallback when dlsym cannot find the next malloc. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define HEAP_REAL(X)                                            \
	X(void *, malloc, (size_t), __libc_malloc)              \
	X(void, free, (void *), __libc_free)                    \
	X(void *, calloc, (size_t, size_t), __libc_calloc)      \
	X(void *, realloc, (void *, size_t), __libc_realloc)    \
	X(void *, memalign, (size_t, size_t), __libc_memalign)  \
	X(void *, valloc, (size_t), __libc_valloc)              \
	X(void *, pvalloc, (size_t), __libc_pvalloc)            \
	X(int, posix_memalign, (void **, size_t, size_t), NULL) \
	X(void *, aligned_alloc, (size_t, size_t), NULL)        \
	X(size_t, malloc_usable_size, (void *), NULL)

struct heap_real {
#define REAL_FIELD(ret, name, params, fallback) ret(*name) params;
	HEAP_REAL(REAL_FIELD)
#undef REAL_FIELD
};
static void boot_free(void *p);
/* free may come before any malloc: it starts at a stub that resolves first. */
static struct heap_real real = { .free = boot_free };
static int resolved;  /* every pointer in real is set */
static int heap_mode; /* 0 not decided yet, 1 sampling, -1 off */

/* ---- the bootstrap arena: dlsym allocates before the real malloc is known ---- */

#define ARENA_SIZE (64 * 1024)
#define ARENA_HDR 16
static char arena[ARENA_SIZE] __attribute__((aligned(64)));
static size_t arena_used;

static int in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + ARENA_SIZE;
}

/* Fresh zeroed memory from the arena; never reused, so calloc needs no memset. */
static void *arena_alloc(size_t n, size_t align)
{
	size_t need, off;
	uintptr_t p;

	if (align < ARENA_HDR)
		align = ARENA_HDR;
	if (n > ARENA_SIZE || align > 4096) {
		errno = ENOMEM;
		return NULL;
	}
	need = (n + ARENA_HDR + align + 15) & ~(size_t)15;
	off = __atomic_fetch_add(&arena_used, need, __ATOMIC_RELAXED);
	if (off + need > ARENA_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	p = ((uintptr_t)arena + off + ARENA_HDR + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)p)[-1] = n;
	ags_heap_filter_pin((void *)p);
	__atomic_fetch_add(&ags_heap_ctr.arena_bytes, need, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ags_heap_ctr.arena_calls, 1, __ATOMIC_RELAXED);
	return (void *)p;
}

static size_t arena_size(const void *p)
{
	return ((const size_t *)p)[-1];
}

/* ---- resolution ---- */

/* Returns 1 when the real functions are known; 0 while this thread is resolving them. */
static int heap_resolve(void)
{
	struct heap_real r;

	if (AGS_LIKELY(__atomic_load_n(&resolved, __ATOMIC_ACQUIRE)))
		return 1;
	if (resolving)
		return 0;
	resolving = 1;
	ags_in_shim++;
#define REAL_GET(ret, name, params, fallback)            \
	r.name = (ret(*) params)dlsym(RTLD_NEXT, #name); \
	if (!r.name)                                     \
		r.name = (ret(*) params)(fallback);
	HEAP_REAL(REAL_GET)
#undef REAL_GET
	ags_in_shim--;
	resolving = 0;
	if (!r.malloc || !r.free || !r.calloc || !r.realloc || !r.memalign || !r.valloc ||
	    !r.pvalloc)
		return 0;
	real = r;
	__atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
	return 1;
}

static void boot_free(void *p)
{
	if (heap_resolve() && real.free != boot_free)
		real.free(p);
	/* else: still resolving in this thread; leaking beats crashing */
}

/* ---- the sampled path ---- */

/*
 * Called when the countdown ran out (or was never set in this thread).
 * Returns 1 when this allocation of n bytes is to be sampled, and re-arms
 * the countdown.  The shim's own allocations (libunwind, dlsym) neither
 * count nor sample.
 */
static int sample_due(size_t n)
{
	if (ags_in_shim)
		return 0;
	if (AGS_UNLIKELY(heap_mode <= 0)) {
		if (heap_mode < 0 || ags_state < 0)
			ags_heap_left = UINT64_MAX;
		return 0; /* until set-up decides, stay on the slow path */
	}
	if (AGS_UNLIKELY(!thread_seeded)) {
		thread_seeded = 1;
		ags_heap_left = ags_heap_next_interval();
		if (n < ags_heap_left) {
			ags_heap_left -= n;
			return 0;
		}
	}
	ags_heap_left = ags_heap_next_interval();
	return 1;
}

/* Record one sampled allocation: stack, table entry, estimates; errno kept. */
static void record(void *p, size_t n)
{
	uintptr_t ip[AGS_HEAP_DEPTH];
	int saved = errno, depth;
	uint32_t id;

	ags_in_shim++;
	depth = ags_heap_unwind(ip, AGS_HEAP_DEPTH);
	id = ags_heap_stack_intern(ip, depth);
	__atomic_fetch_add(&ags_heap_ctr.samples, 1, __ATOMIC_RELAXED);
	if (id && ags_heap_ptr_insert(p, n, id))
		ags_heap_stack_account(id, n, 1);
	ags_heap_maybe_snapshot();
	ags_in_shim--;
	errno = saved;
}

/* Forget p if it was sampled; returns 1 with its size and stack when it was. */
static int forget(void *p, uint64_t *size, uint32_t *stack)
{
	if (ags_heap_ptr_remove(p, size, stack))
		return 1;
	__atomic_fetch_add(&ags_heap_ctr.filter_false, 1, __ATOMIC_RELAXED);
	return 0;
}

static __attribute__((noinline)) void *malloc_slow(size_t n)
{
	void *p;

	if (AGS_UNLIKELY(!resolved) && !heap_resolve())
		return arena_alloc(n, 16);
	p = real.malloc(n);
	if (p && sample_due(n))
		record(p, n);
	return p;
}

AGS_EXPORT void *malloc(size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left)) {
		ags_heap_left -= n;
		return real.malloc(n);
	}
	return malloc_slow(n);
}

static __attribute__((noinline)) void free_slow(void *p)
{
	uint64_t size;
	uint32_t stack;

	if (in_arena(p))
		return; /* bootstrap memory is never given back */
	__atomic_fetch_add(&ags_heap_ctr.filter_hits, 1, __ATOMIC_RELAXED);
	if (forget(p, &size, &stack))
		ags_heap_stack_account(stack, size, -1);
	if (AGS_UNLIKELY(!resolved) && !heap_resolve())
		return; /* no real free yet: leak it rather than crash */
	real.free(p);
}

AGS_EXPORT void free(void *p)
{
	/* One byte of the filter says "not sampled"; real.free starts as boot_free. */
	if (AGS_LIKELY(!ags_heap_filter[ags_heap_filter_slot(p)]))
		return real.free(p);
	free_slow(p);
}

static __attribute__((noinline)) void *calloc_slow(size_t n, size_t m)
{
	size_t t;
	void *p;

	if (AGS_UNLIKELY(!resolved) && !heap_resolve()) {
		if (__builtin_mul_overflow(n, m, &t)) {
			errno = ENOMEM;
			return NULL;
		}
		return arena_alloc(t, 16);
	}
	p = real.calloc(n, m);
	if (p && !__builtin_mul_overflow(n, m, &t) && sample_due(t))
		record(p, t);
	return p;
}

AGS_EXPORT void *calloc(size_t n, size_t m)
{
	size_t t;

	if (AGS_LIKELY(!__builtin_mul_overflow(n, m, &t) && t < ags_heap_left)) {
		ags_heap_left -= t;
		return real.calloc(n, m);
	}
	return calloc_slow(n, m);
}

/*
 * realloc and reallocarray: old record out first, new one in when sampled.
 * reallocarray is an overflow check and a realloc (glibc's own tail-calls
 * realloc through the PLT, which would record the block twice).
 */
static void *realloc_common(void *p, size_t n, size_t m)
{
	uint64_t osize = 0;
	uint32_t ostack = 0;
	int had = 0, saved;
	size_t t;
	void *q;

	if (__builtin_mul_overflow(n, m, &t))
		t = SIZE_MAX;
	if (p && in_arena(p)) {
		/* Move out of the bootstrap arena; the old block stays where it is. */
		if (t == SIZE_MAX) {
			errno = ENOMEM;
			return NULL;
		}
		q = malloc(t);
		if (q)
			memcpy(q, p, arena_size(p) < t ? arena_size(p) : t);
		return q;
	}
	if (AGS_UNLIKELY(!resolved) && !heap_resolve())
		return p ? NULL : arena_alloc(t, 16);
	/*
	 * The record goes before the real call: once realloc frees the block,
	 * another thread may get the same address and sample it.
	 */
	if (p && ags_heap_maybe_sampled(p))
		had = forget(p, &osize, &ostack);
	q = real.realloc(p, t);
	saved = errno;
	if (had) {
		if (q || t == 0)
			ags_heap_stack_account(ostack, osize, -1);
		else if (!ags_heap_ptr_insert(p, osize, ostack))
			ags_heap_stack_account(ostack, osize, -1); /* failed: p still lives */
	}
	if (q && sample_due(t))
		record(q, t);
	errno = saved;
	return q;
}

AGS_EXPORT void *realloc(void *p, size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left) &&
	    AGS_LIKELY(!ags_heap_filter[ags_heap_filter_slot(p)])) {
		ags_heap_left -= n;
		return real.realloc(p, n);
	}
	return realloc_common(p, n, 1);
}

AGS_EXPORT void *reallocarray(void *p, size_t n, size_t m)
{
	size_t t;

	if (__builtin_mul_overflow(n, m, &t)) {
		errno = ENOMEM; /* what glibc's reallocarray does, without touching p */
		return NULL;
	}
	return realloc_common(p, n, m);
}

/* The aligned family: all record the requested size. */
static void *aligned_done(void *p, size_t n)
{
	if (p && sample_due(n))
		record(p, n);
	return p;
}

AGS_EXPORT int posix_memalign(void **pp, size_t align, size_t n)
{
	int ret;

	if (AGS_LIKELY(n < ags_heap_left && real.posix_memalign)) {
		ags_heap_left -= n;
		return real.posix_memalign(pp, align, n);
	}
	if (!heap_resolve() || !real.posix_memalign) {
		void *p;

		if (align < sizeof(void *) || (align & (align - 1)))
			return EINVAL;
		p = arena_alloc(n, align);
		if (!p)
			return ENOMEM;
		*pp = p;
		return 0;
	}
	ret = real.posix_memalign(pp, align, n);
	if (ret == 0)
		aligned_done(*pp, n);
	return ret;
}

AGS_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left && real.aligned_alloc)) {
		ags_heap_left -= n;
		return real.aligned_alloc(align, n);
	}
	if (!heap_resolve() || !real.aligned_alloc)
		return arena_alloc(n, align);
	return aligned_done(real.aligned_alloc(align, n), n);
}

AGS_EXPORT void *memalign(size_t align, size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left)) {
		ags_heap_left -= n;
		return real.memalign(align, n);
	}
	if (!heap_resolve())
		return arena_alloc(n, align);
	return aligned_done(real.memalign(align, n), n);
}

AGS_EXPORT void *valloc(size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left)) {
		ags_heap_left -= n;
		return real.valloc(n);
	}
	if (!heap_resolve())
		return arena_alloc(n, 4096);
	return aligned_done(real.valloc(n), n);
}

AGS_EXPORT void *pvalloc(size_t n)
{
	if (AGS_LIKELY(n < ags_heap_left)) {
		ags_heap_left -= n;
		return real.pvalloc(n);
	}
	if (!heap_resolve())
		return arena_alloc(n, 4096);
	return aligned_done(real.pvalloc(n), n);
}

AGS_EXPORT size_t malloc_usable_size(void *p)
{
	if (p && in_arena(p))
		return arena_size(p);
	if (!heap_resolve() || !real.malloc_usable_size)
		return 0;
	return real.malloc_usable_size(p);
}

/* ---- set-up ---- */

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t me = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
	}
	if (me < lo || me >= hi)
		return 0;
	ags_heap_self_range(lo, hi);
	return 1;
}

/*
 * libunwind opens a pipe the first time it unwinds and keeps it for ever,
 * to validate addresses.  Unwinding once here, inside the shim, makes that
 * happen at load time, where the pipe wrapper moves it high and hides it
 * from the program (ownfd.h) like the events file.
 */
static void unwind_warm_up(void)
{
	uintptr_t ip[4];

	ags_heap_unwind(ip, 4);
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/*
 * Runs after init.c's constructor (priority 101), in the main thread before
 * main: decides whether the heap is sampled and maps the tables.
 */
__attribute__((constructor(102))) static void heap_setup(void)
{
	int saved = errno, err;

	ags_in_shim++;
	heap_resolve();
	if (ags_state <= 0 || !(ags_cfg.families & AGS_FAM_HEAP) || !ags_cfg.heap_sample_bytes) {
		heap_mode = -1;
		goto out;
	}
	ags_heap_conf.mean = ags_cfg.heap_sample_bytes;
	ags_heap_conf.seed = parse_u64(getenv("AGSHIM_HEAP_SEED"));
	/* Room for the live samples: 64K slots (1 MiB) hold 32 GiB at the default mean. */
	if (ags_heap_conf.mean == 1)
		ags_heap_conf.ptr_bits = 21;
	else if (ags_heap_conf.mean < 64 * 1024)
		ags_heap_conf.ptr_bits = 20;
	else
		ags_heap_conf.ptr_bits = 16;
	dl_iterate_phdr(find_self, (void *)(uintptr_t)heap_setup);
	unwind_warm_up();
	err = ags_heap_tables_init();
	if (err) {
		WARN("heap: cannot map the sample tables: %s; heap sampling is off",
		     ags_errno_name(err));
		heap_mode = -1;
		goto out;
	}
	ags_on_exit(ags_heap_snapshot);
	ags_heap_maybe_snapshot(); /* arms the interval clock */
	__atomic_store_n(&heap_mode, 1, __ATOMIC_RELEASE);
out:
	ags_in_shim--;
	errno = saved;
}

#endif /* AGS_UNIT_TEST */
