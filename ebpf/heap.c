/* SPDX-License-Identifier: MIT */
/* Opt-in heap tracing of one process with malloc/free uprobes: cost measured first, time-boxed. */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agshim.skel.h"
#include "enrich.h"

#define CALIBRATE_N 20000
#define TOP_STACKS 32
#define MAX_SITES 8192
#define STACK_DEPTH 32

struct heap_site {
	int64_t live_bytes;
	int64_t live_count;
	uint64_t alloc_bytes;
	uint64_t alloc_count;
};

struct site_row {
	int64_t stack;
	struct heap_site v;
};

static struct {
	struct ags_bpf *b;
	pid_t pid;
	struct bpf_link *l[3];
	uint64_t start_ns, end_ns, last_ns;
	int seq;
	int done;
	unsigned char framed[MAX_SITES]; /* stack ids whose frames were written */
} hp;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Offset of the first push in the function at file offset off, found by stepping over the
 * few instructions glibc puts before it (endbr64, test, jcc, mov, lea); 0 when an unknown
 * instruction comes first.  x86 uprobes emulate a push but single-step anything else,
 * which costs a second trap (about 18x here).
 */
static uint64_t first_push(const char *path, uint64_t off)
{
	unsigned char c[32];
	size_t i = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, c, sizeof(c), (off_t)off);
	close(fd);
	while (n > 0 && i + 6 < (size_t)n) {
		int rex = (c[i] & 0xf0) == 0x40;

		if (c[i] >= 0x50 && c[i] <= 0x57)
			return i;
		if (c[i] == 0x41 && c[i + 1] >= 0x50 && c[i + 1] <= 0x57)
			return i;
		if (c[i] == 0xf3 && c[i + 1] == 0x0f && c[i + 2] == 0x1e && c[i + 3] == 0xfa)
			i += 4; /* endbr64 */
		else if (rex && (c[i + 1] == 0x85 || c[i + 1] == 0x89) && c[i + 2] >= 0xc0)
			i += 3; /* test/mov reg, reg */
		else if ((c[i] == 0x85 || c[i] == 0x89) && c[i + 1] >= 0xc0)
			i += 2;
		else if (c[i] == 0x74 || c[i] == 0x75)
			i += 2; /* je/jne rel8 */
		else if (c[i] == 0x0f && (c[i + 1] == 0x84 || c[i + 1] == 0x85))
			i += 6; /* je/jne rel32 */
		else
			return 0;
	}
	return 0;
}

static int attach3(struct ags_bpf *b, pid_t pid, const char *libc, uint64_t m_off, uint64_t f_off,
		   struct bpf_link **l)
{
	l[0] = bpf_program__attach_uprobe(b->skel->progs.ags_malloc_enter, false, pid, libc, m_off);
	l[1] = bpf_program__attach_uprobe(b->skel->progs.ags_malloc_exit, true, pid, libc, m_off);
	l[2] = bpf_program__attach_uprobe(b->skel->progs.ags_free_enter, false, pid, libc, f_off);
	if (l[0] && l[1] && l[2])
		return 0;
	bpf_link__destroy(l[0]);
	bpf_link__destroy(l[1]);
	bpf_link__destroy(l[2]);
	l[0] = l[1] = l[2] = NULL;
	return -ESRCH;
}

/* malloc(64) + free, n times, through volatile pointers so nothing is folded away. */
static uint64_t alloc_loop(int n)
{
	void *(*volatile m)(size_t) = malloc;
	void (*volatile f)(void *) = free;
	uint64_t t0 = mono_ns();
	int i;

	for (i = 0; i < n; i++)
		f(m(64));
	return mono_ns() - t0;
}

static void clear_map(struct bpf_map *m, size_t key_size)
{
	unsigned char key[8], next[8];
	int fd = bpf_map__fd(m);

	(void)key_size;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, sizeof(key));
		bpf_map_delete_elem(fd, key);
	}
}

int ags_heap__start(struct ags_bpf *b, pid_t pid, double seconds)
{
	char libc[4096];
	uint64_t m_off, f_off, push, bare, probed;
	struct bpf_link *cal[3];
	int err;

	if (ags_libc_of(getpid(), libc, sizeof(libc)) ||
	    !(m_off = ags_elf_sym_offset(libc, "malloc")) ||
	    !(f_off = ags_elf_sym_offset(libc, "free"))) {
		fprintf(stderr, "agshim-bpf: heap: cannot find malloc/free in libc\n");
		return -ENOENT;
	}
	if (pid > 0 && kill(pid, 0) == 0) {
		char other[4096];

		/* The target's own libc (a container's), when it maps one. */
		if (!ags_libc_of(pid, other, sizeof(other)))
			snprintf(libc, sizeof(libc), "%s", other);
		m_off = ags_elf_sym_offset(libc, "malloc");
		f_off = ags_elf_sym_offset(libc, "free");
	}
	push = first_push(libc, f_off);

	/* Measure what the probes cost on this machine, on ourselves, before using them. */
	b->skel->bss->heap_tgid = (__u32)getpid();
	bare = alloc_loop(CALIBRATE_N);
	err = attach3(b, getpid(), libc, m_off, f_off + push, cal);
	if (err) {
		fprintf(stderr, "agshim-bpf: heap: malloc/free uprobes not attached\n");
		return err;
	}
	probed = alloc_loop(CALIBRATE_N);
	bpf_link__destroy(cal[0]);
	bpf_link__destroy(cal[1]);
	bpf_link__destroy(cal[2]);
	clear_map(b->skel->maps.heap_blocks, 8);
	clear_map(b->skel->maps.heap_sites, 8);
	b->skel->bss->heap_live_bytes = 0;
	b->skel->bss->heap_live_count = 0;
	fprintf(stderr,
		"agshim-bpf: heap: malloc+free costs %.2f us with the probes here (%.3f us "
		"without; free probed at +%llu%s); tracing pid %d for %.0f s.  The preload "
		"shim (agshim run) is the recommended way to find leaks: it samples and costs "
		"far less.\n",
		(double)probed / CALIBRATE_N / 1000, (double)bare / CALIBRATE_N / 1000,
		(unsigned long long)push, push ? ", its first push" : ", no push found", (int)pid,
		seconds);

	b->skel->bss->heap_tgid = (__u32)pid;
	err = attach3(b, pid, libc, m_off, f_off + push, hp.l);
	if (err) {
		fprintf(stderr, "agshim-bpf: heap: probes not attached to pid %d\n", (int)pid);
		return err;
	}
	hp.b = b;
	hp.pid = pid;
	hp.start_ns = hp.last_ns = mono_ns();
	hp.end_ns = hp.start_ns + (uint64_t)(seconds * 1e9);
	return 0;
}

static int by_live(const void *a, const void *b)
{
	const struct site_row *x = a, *y = b;

	return x->v.live_bytes < y->v.live_bytes ? 1 : x->v.live_bytes > y->v.live_bytes ? -1 : 0;
}

/* "0xoff (object)" for each frame, from the process's maps. */
static json_t *frames_of(int64_t stack)
{
	uint64_t ips[STACK_DEPTH] = { 0 };
	__u32 id = (__u32)stack;
	char maps[64], line[4608];
	json_t *a = json_array();
	int i;

	if (stack < 0 || bpf_map_lookup_elem(bpf_map__fd(hp.b->skel->maps.heap_stacks), &id, ips))
		return a;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)hp.pid);
	for (i = 0; i < STACK_DEPTH && ips[i]; i++) {
		unsigned long long lo, hi, off;
		char buf[4700];
		FILE *f = fopen(maps, "re");
		int found = 0;

		while (f && !found && fgets(line, sizeof(line), f)) {
			char *path = strchr(line, '/');

			if (sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) != 3 ||
			    ips[i] < lo || ips[i] >= hi)
				continue;
			if (path)
				path[strcspn(path, "\n")] = '\0';
			snprintf(buf, sizeof(buf), "0x%llx (%s)", ips[i] - lo + off,
				 path ? path : "[anon]");
			found = 1;
		}
		if (f)
			fclose(f);
		if (!found)
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)ips[i]);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static void snapshot(int final)
{
	static struct site_row rows[MAX_SITES];
	int fd = bpf_map__fd(hp.b->skel->maps.heap_sites), n = 0, i;
	int64_t key, *prev = NULL;
	struct ags_rec_hdr h;
	json_t *ev;

	while (n < MAX_SITES && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &rows[n].stack;
		rows[n].stack = key;
		if (!bpf_map_lookup_elem(fd, &key, &rows[n].v))
			n++;
	}
	qsort(rows, (size_t)n, sizeof(rows[0]), by_live);
	hp.seq++;
	memset(&h, 0, sizeof(h));
	h.pid = h.tid = (uint32_t)hp.pid;
	h.ts_ns = mono_ns();
	ev = ags_jev_new(&h, AGS_KIND_HEAP, "ebpf_uprobes");
	json_object_del(ev, AGS_K_EXE);
	json_object_set_new(ev, AGS_K_SEQ, json_integer(hp.seq));
	json_object_set_new(ev, AGS_K_FINAL, json_boolean(final));
	json_object_set_new(ev, AGS_K_SAMPLE_MEAN, json_integer(1));
	json_object_set_new(ev, AGS_K_INTERVAL, json_integer(1000));
	json_object_set_new(ev, AGS_K_LIVE_BYTES, json_integer(hp.b->skel->bss->heap_live_bytes));
	json_object_set_new(ev, AGS_K_LIVE_COUNT, json_integer(hp.b->skel->bss->heap_live_count));
	json_object_set_new(ev, AGS_K_LOST, json_integer((json_int_t)hp.b->skel->bss->heap_lost));
	json_object_set_new(ev, AGS_K_NSTACKS, json_integer(n));
	ags_jev_emit(ev);
	for (i = 0; i < n && i < TOP_STACKS && rows[i].v.live_bytes > 0; i++) {
		int64_t s = rows[i].stack;

		ev = ags_jev_new(&h, AGS_KIND_HEAP_STACK, NULL);
		json_object_del(ev, AGS_K_EXE);
		json_object_set_new(ev, AGS_K_SEQ, json_integer(hp.seq));
		json_object_set_new(ev, AGS_K_STACK, json_integer(s));
		json_object_set_new(ev, AGS_K_LIVE_BYTES, json_integer(rows[i].v.live_bytes));
		json_object_set_new(ev, AGS_K_LIVE_COUNT, json_integer(rows[i].v.live_count));
		json_object_set_new(ev, AGS_K_ALLOC_BYTES,
				    json_integer((json_int_t)rows[i].v.alloc_bytes));
		json_object_set_new(ev, AGS_K_ALLOC_COUNT,
				    json_integer((json_int_t)rows[i].v.alloc_count));
		if (s >= 0 && s < MAX_SITES && !hp.framed[s]) {
			json_object_set_new(ev, AGS_K_FRAMES, frames_of(s));
			hp.framed[s] = 1;
		}
		ags_jev_emit(ev);
	}
}

void ags_heap__tick(int ending)
{
	uint64_t now;
	int i;

	if (!hp.b || hp.done)
		return;
	now = mono_ns();
	if (!ending && now < hp.end_ns) {
		if (now - hp.last_ns >= 1000000000ULL) {
			snapshot(0);
			hp.last_ns = now;
		}
		return;
	}
	/* Time is up (or the run ends): the last snapshot, then the probes go. */
	snapshot(1);
	for (i = 0; i < 3; i++) {
		bpf_link__destroy(hp.l[i]);
		hp.l[i] = NULL;
	}
	hp.done = 1;
	if (!ending)
		fprintf(stderr, "agshim-bpf: heap: time is up, malloc/free probes detached\n");
}
