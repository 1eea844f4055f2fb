/* SPDX-License-Identifier: MIT */
/* Heap snapshots: process and cgroup memory figures, and live sampled bytes by stack. */
#include "heap.h"

#include <fcntl.h>
#include <malloc.h>
#include <string.h>

#include "emit.h"
#include "proc.h"
#include "sys.h"

/*
 * A snapshot is written from the sampled allocation path when the interval
 * has passed (no timer thread), and once at exit.  One writer at a time: the
 * owner word holds the writer's pid, so a fork in the middle of a snapshot
 * does not lock the child out.  All buffers are static for the same reason
 * the rest of the heap code is: no malloc, and thread stacks may be small.
 */

#define TOP_STACKS 32
#define FRAME_LEN 200

static int owner_pid;
static uint64_t next_snap_ns;
static pid_t snap_pid;
static uint64_t seq;
static char fbuf[32768];
static char path_a[768], path_b[768];

/* Read a small file into fbuf, NUL-terminated; returns its length or -1. */
static long slurp(const char *path)
{
	long fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0), n, have = 0;

	if (fd < 0)
		return -1;
	while (have < (long)sizeof(fbuf) - 1 &&
	       (n = ags_sys_read(fd, fbuf + have, sizeof(fbuf) - 1 - (size_t)have)) > 0)
		have += n;
	ags_sys_close(fd);
	fbuf[have] = '\0';
	return have;
}

static uint64_t num(const char *s, const char **end)
{
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	if (end)
		*end = s;
	return v;
}

/* The value after "key" at the start of a line of fbuf, in kB units when scaled. */
static uint64_t field(const char *key, uint64_t scale)
{
	size_t klen = strlen(key);

	for (const char *p = fbuf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen))
			return num(p + klen, NULL) * scale;
	return 0;
}

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, bit = 1ull << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* Copy the n-th ':'-separated field of line into out (NUL ended). */
static const char *colon_field(const char *line, int n, size_t *len)
{
	const char *p = line;

	for (int i = 0; i < n; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	*len = strcspn(p, ":\n");
	return p;
}

/*
 * The memory cgroup's directory: the v1 memory controller's mount (or the v2
 * mount) from mountinfo, plus the process's path from /proc/self/cgroup with
 * the mount's root taken off.  Returns 1 (v1), 2 (v2) or 0; path_a and the
 * cgroup's name in path_b.
 */
static int cgroup_dir(void)
{
	char rel[512] = "";
	int ver = 0;

	if (slurp("/proc/self/cgroup") <= 0)
		return 0;
	for (const char *l = fbuf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t cn, pn;
		const char *c = colon_field(l, 1, &cn), *p = colon_field(l, 2, &pn);
		int v1 = 0;

		if (!c || !p || pn >= sizeof(rel))
			continue;
		for (const char *q = c; q < c + cn; q += strcspn(q, ",:") + 1)
			v1 |= !strncmp(q, "memory", 6) && (q[6] == ',' || q[6] == ':');
		if (v1 || (cn == 0 && !ver)) {
			memcpy(rel, p, pn);
			rel[pn] = '\0';
			ver = v1 ? 1 : 2;
		}
	}
	if (!ver || slurp("/proc/self/mountinfo") <= 0)
		return 0;
	for (const char *l = fbuf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *f[5], *dash = strstr(l, " - "), *nl = strchr(l, '\n');
		const char *q = l;
		size_t rootn, mntn;

		if (!dash || (nl && dash > nl))
			continue;
		for (int i = 0; i < 5; i++) {
			f[i] = q;
			q = strchr(q, ' ');
			if (!q)
				break;
			q++;
		}
		if (!q)
			continue;
		if (ver == 1 ? strncmp(dash, " - cgroup ", 10) : strncmp(dash, " - cgroup2 ", 11))
			continue;
		if (ver == 1) {
			const char *opts = strrchr(dash, ' ');
			const char *m = strstr(dash, "memory");

			if (!m || (nl && m > nl) || !opts)
				continue;
		}
		rootn = (size_t)(f[4] - f[3] - 1);
		mntn = (size_t)(q - f[4] - 1);
		if (mntn + strlen(rel) + 1 >= sizeof(path_a))
			return 0;
		memcpy(path_a, f[4], mntn);
		path_a[mntn] = '\0';
		if (rootn > 1 && !strncmp(rel, f[3], rootn))
			strcat(path_a, rel + rootn);
		else if (rootn <= 1)
			strcat(path_a, rel);
		strcpy(path_b, rel);
		return ver;
	}
	return 0;
}

/* A cgroup file's number; "max" and absurd v1 limits read as 0 (no limit). */
static uint64_t cg_read(const char *dir, const char *file)
{
	static char p[800];
	uint64_t v;

	if (strlen(dir) + strlen(file) + 2 > sizeof(p))
		return 0;
	strcpy(p, dir);
	strcat(p, "/");
	strcat(p, file);
	if (slurp(p) <= 0 || fbuf[0] < '0' || fbuf[0] > '9')
		return 0;
	v = num(fbuf, NULL);
	return v >= (1ull << 62) ? 0 : v;
}

/* The tightest limit of the cgroup and its ancestors under the mount. */
static uint64_t cg_limit(int ver, size_t mount_len)
{
	uint64_t best = 0, v;
	char *slash;

	for (;;) {
		v = cg_read(path_a, ver == 1 ? "memory.limit_in_bytes" : "memory.max");
		if (v && (!best || v < best))
			best = v;
		slash = strrchr(path_a, '/');
		if (!slash || (size_t)(slash - path_a) < mount_len)
			break;
		*slash = '\0';
	}
	return best;
}

static void emit_memory(struct ags_ev *ev)
{
	struct mallinfo2 mi = mallinfo2();
	uint64_t rss = 0, anon = 0, msys;
	int ver;

	if (slurp("/proc/self/statm") > 0) {
		const char *p;

		num(fbuf, &p);
		rss = num(p, NULL) * 4096;
	}
	if (slurp("/proc/self/smaps_rollup") > 0)
		anon = field("Anonymous:", 1024);
	msys = mi.arena + mi.hblkhd;
	ags_ev_uint(ev, AGS_K_RSS, rss);
	ags_ev_uint(ev, AGS_K_ANON_BYTES, anon);
	ags_ev_uint(ev, AGS_K_MALLOC_USED, mi.uordblks + mi.hblkhd);
	ags_ev_uint(ev, AGS_K_MALLOC_SYS, msys);
	ags_ev_uint(ev, AGS_K_OUTSIDE, anon > msys ? anon - msys : 0);
	ver = cgroup_dir();
	if (ver) {
		size_t mount_len = strlen(path_a) - strlen(path_b);
		uint64_t usage =
			cg_read(path_a, ver == 1 ? "memory.usage_in_bytes" : "memory.current");
		uint64_t limit = cg_limit(ver, mount_len);

		ags_ev_str(ev, AGS_K_CGROUP, path_b);
		if (limit)
			ags_ev_uint(ev, AGS_K_CG_LIMIT, limit);
		ags_ev_uint(ev, AGS_K_CG_USAGE, usage);
	}
}

/* The TOP_STACKS stacks with the most live bytes, largest first; returns how many. */
static int pick_top(uint32_t *top, uint64_t *sum, uint64_t *count_fx, uint64_t *var)
{
	uint32_t n = ags_heap_stack_count();
	int k = 0;

	*sum = *count_fx = *var = 0;
	for (uint32_t id = 1; id <= n; id++) {
		struct ags_heap_stack *s = ags_heap_stack_get(id);
		uint64_t b = s ? __atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED) : 0;
		int j;

		if (!b || b >> 62)
			continue; /* nothing live (or a transient underflow) */
		*sum += b;
		*count_fx += __atomic_load_n(&s->live_count_fx, __ATOMIC_RELAXED);
		*var += __atomic_load_n(&s->live_var, __ATOMIC_RELAXED);
		if (k == TOP_STACKS && ags_heap_stack_get(top[k - 1])->live_bytes >= b)
			continue;
		j = k < TOP_STACKS ? k++ : TOP_STACKS - 1;
		while (j > 0 && ags_heap_stack_get(top[j - 1])->live_bytes < b) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = id;
	}
	return k;
}

static void emit_stack(uint32_t id, pid_t pid)
{
	struct ags_heap_stack *s = ags_heap_stack_get(id);
	struct ags_ev ev;
	char frame[FRAME_LEN];

	ags_ev_begin(&ev, AGS_KIND_HEAP_STACK, NULL);
	ags_ev_uint(&ev, AGS_K_SEQ, seq);
	ags_ev_uint(&ev, AGS_K_STACK, id);
	ags_ev_uint(&ev, AGS_K_LIVE_BYTES, s->live_bytes);
	ags_ev_uint(&ev, AGS_K_LIVE_COUNT, (s->live_count_fx + AGS_HEAP_FX / 2) / AGS_HEAP_FX);
	ags_ev_uint(&ev, AGS_K_ERR_BYTES, isqrt(s->live_var));
	ags_ev_uint(&ev, AGS_K_ALLOC_BYTES, s->alloc_bytes);
	ags_ev_uint(&ev, AGS_K_ALLOC_COUNT, (s->alloc_count_fx + AGS_HEAP_FX / 2) / AGS_HEAP_FX);
	/* Frames once per process: later snapshots name the stack by id. */
	if (s->emitted_pid != (uint32_t)pid) {
		s->emitted_pid = (uint32_t)pid;
		ags_ev_arr(&ev, AGS_K_FRAMES);
		for (uint32_t i = 0; i < s->depth; i++) {
			ags_sym_frame(s->ip[i], frame, sizeof(frame));
			ags_ev_elem_str(&ev, frame);
		}
		ags_ev_close(&ev);
	}
	ags_ev_emit(&ev);
}

static void snapshot(int final)
{
	static uint32_t top[TOP_STACKS];
	pid_t pid = (pid_t)ags_sys_getpid();
	int cur = __atomic_load_n(&owner_pid, __ATOMIC_ACQUIRE), k;
	uint64_t live, count_fx, var;
	struct ags_ev ev;

	/* A writer of this process is at work (or this thread re-entered): skip. */
	if (cur == pid || !__atomic_compare_exchange_n(&owner_pid, &cur, pid, 0, __ATOMIC_ACQ_REL,
						       __ATOMIC_RELAXED))
		return;
	ags_in_shim++;
	if (snap_pid != pid) {
		snap_pid = pid;
		seq = 0; /* a fork child numbers its own snapshots */
	}
	seq++;
	k = pick_top(top, &live, &count_fx, &var);

	ags_ev_begin(&ev, AGS_KIND_HEAP, NULL);
	ags_ev_uint(&ev, AGS_K_SEQ, seq);
	if (final)
		ags_ev_bool(&ev, AGS_K_FINAL, 1);
	emit_memory(&ev);
	ags_ev_uint(&ev, AGS_K_SAMPLE_MEAN, ags_heap_conf.mean);
	ags_ev_uint(&ev, AGS_K_INTERVAL, ags_cfg.heap_interval_ms);
	ags_ev_uint(&ev, AGS_K_LIVE_BYTES, live);
	ags_ev_uint(&ev, AGS_K_LIVE_COUNT, (count_fx + AGS_HEAP_FX / 2) / AGS_HEAP_FX);
	ags_ev_uint(&ev, AGS_K_ERR_BYTES, isqrt(var));
	ags_ev_uint(&ev, AGS_K_SAMPLES, ags_heap_ctr.samples);
	ags_ev_uint(&ev, AGS_K_LOST, ags_heap_ctr.table_full + ags_heap_ctr.stacks_full);
	ags_ev_uint(&ev, AGS_K_NSTACKS, ags_heap_stack_count());
	ags_ev_uint(&ev, AGS_K_ARENA, ags_heap_ctr.arena_bytes);
	ags_ev_uint(&ev, AGS_K_SHIM_BYTES, ags_heap_tables_rss() + ags_heap_stacks_rss());
	ags_ev_emit(&ev);

	ags_sym_begin();
	for (int i = 0; i < k; i++) {
		struct ags_heap_stack *s = ags_heap_stack_get(top[i]);

		if (s->emitted_pid != (uint32_t)pid)
			for (uint32_t j = 0; j < s->depth; j++)
				ags_sym_want(s->ip[j]);
	}
	ags_sym_jit_scan();
	for (int i = 0; i < k; i++)
		emit_stack(top[i], pid);

	ags_in_shim--;
	__atomic_store_n(&owner_pid, 0, __ATOMIC_RELEASE);
}

void ags_heap_maybe_snapshot(void)
{
	static __thread unsigned tick;
	uint64_t now, next, period = ags_cfg.heap_interval_ms * 1000000ull;

	/* Sampling every allocation: look at the clock on one sample in 64 only. */
	if (ags_heap_conf.mean < 4096 && (++tick & 63) && next_snap_ns)
		return;
	now = ags_heap_clock_ns();
	next = __atomic_load_n(&next_snap_ns, __ATOMIC_RELAXED);

	if (now < next || !period)
		return;
	/* One thread wins the period; the first call only arms the clock. */
	if (!__atomic_compare_exchange_n(&next_snap_ns, &next, now + period, 0, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED) ||
	    !next)
		return;
	snapshot(0);
}

void ags_heap_snapshot(void)
{
	/*
	 * A fork child that gives up with _exit before any exec (libuv's child
	 * after a failed execvp) holds a copy of its parent's heap: a snapshot
	 * of it would only repeat the parent's.  Forked workers that end with
	 * exit() still write theirs.
	 */
	if (ags_exit_fast && ags_in_fork_child())
		return;
	snapshot(1);
}
