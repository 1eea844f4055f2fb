/* SPDX-License-Identifier: MIT */
/* Heap analyzer: stacks that keep growing, growth outside malloc, OOM risk and OOM kills. */
#include "heap.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const heap_ids[] = {
	"heap.leak", "heap.growth_outside_malloc", "oom.risk", "oom.killed", NULL,
};

#define MIB (1024.0 * 1024.0)

/* One heap snapshot of one process. */
struct snap {
	int64_t ts, seq, rss, anon, mused, outside, limit, usage, live, err, mean;
};

/* One stack's live bytes at one snapshot. */
struct point {
	int64_t ts, seq, live, err, alloc;
};

struct stack {
	int64_t id;
	int64_t folded; /* live bytes at the last snapshot that counts, for --folded */
	json_t *frames; /* borrowed from the first heap_stack event that had them */
	struct point *pts;
	size_t npts, cap;
};

struct hproc {
	int64_t pid;
	struct snap *snaps;
	size_t nsnaps, snapcap;
	struct stack *stacks;
	size_t nstacks, stackcap;
	int64_t oom_ts; /* an oom_kill event named it */
	const char *oom_cgroup;
};

struct heap_state {
	struct hproc *procs;
	size_t n, cap;
};

/* Folded stacks of the last report analysed, for heap_write_folded (one report at a time). */
static char *folded_text;
static size_t folded_len;

static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	void *p;

	if (need <= *cap)
		return arr;
	p = realloc(arr, (*cap ? *cap * 2 : 8) * elem);
	if (!p)
		return NULL;
	*cap = *cap ? *cap * 2 : 8;
	return p;
}

static struct hproc *hproc_get(struct heap_state *st, int64_t pid)
{
	struct hproc *p;

	for (size_t i = 0; i < st->n; i++)
		if (st->procs[i].pid == pid)
			return &st->procs[i];
	p = grow(st->procs, &st->cap, st->n + 1, sizeof(*p));
	if (!p)
		return NULL;
	st->procs = p;
	p = &st->procs[st->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

static struct stack *stack_get(struct hproc *h, int64_t id)
{
	struct stack *s;

	for (size_t i = 0; i < h->nstacks; i++)
		if (h->stacks[i].id == id)
			return &h->stacks[i];
	s = grow(h->stacks, &h->stackcap, h->nstacks + 1, sizeof(*s));
	if (!s)
		return NULL;
	h->stacks = s;
	s = &h->stacks[h->nstacks++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	return s;
}

static void *heap_create(void)
{
	free(folded_text);
	folded_text = NULL;
	folded_len = 0;
	return calloc(1, sizeof(struct heap_state));
}

static void on_heap(struct hproc *h, json_t *ev)
{
	struct snap *s = grow(h->snaps, &h->snapcap, h->nsnaps + 1, sizeof(*s));

	if (!s)
		return;
	h->snaps = s;
	s = &h->snaps[h->nsnaps++];
	s->ts = ev_ts(ev);
	s->seq = ev_int_or(ev, AGS_K_SEQ, 0);
	s->rss = ev_int_or(ev, AGS_K_RSS, 0);
	s->anon = ev_int_or(ev, AGS_K_ANON_BYTES, 0);
	s->mused = ev_int_or(ev, AGS_K_MALLOC_USED, 0);
	s->outside = ev_int_or(ev, AGS_K_OUTSIDE, 0);
	s->limit = ev_int_or(ev, AGS_K_CG_LIMIT, 0);
	s->usage = ev_int_or(ev, AGS_K_CG_USAGE, 0);
	s->live = ev_int_or(ev, AGS_K_LIVE_BYTES, 0);
	s->err = ev_int_or(ev, AGS_K_ERR_BYTES, 0);
	s->mean = ev_int_or(ev, AGS_K_SAMPLE_MEAN, 0);
}

static void on_stack(struct hproc *h, json_t *ev)
{
	struct stack *s = stack_get(h, ev_int_or(ev, AGS_K_STACK, 0));
	struct point *p;

	if (!s)
		return;
	if (!s->frames && ev_arr(ev, AGS_K_FRAMES))
		s->frames = ev_arr(ev, AGS_K_FRAMES);
	p = grow(s->pts, &s->cap, s->npts + 1, sizeof(*p));
	if (!p)
		return;
	s->pts = p;
	p = &s->pts[s->npts++];
	p->ts = ev_ts(ev);
	p->seq = ev_int_or(ev, AGS_K_SEQ, 0);
	p->live = ev_int_or(ev, AGS_K_LIVE_BYTES, 0);
	p->err = ev_int_or(ev, AGS_K_ERR_BYTES, 0);
	p->alloc = ev_int_or(ev, AGS_K_ALLOC_BYTES, 0);
}

static void heap_event(void *vst, struct report *r, json_t *ev)
{
	struct heap_state *st = vst;
	enum ags_kind k = ev_kind(ev);
	struct hproc *h;

	(void)r;
	if (k != AGS_KIND_HEAP && k != AGS_KIND_HEAP_STACK && k != AGS_KIND_OOM_KILL)
		return;
	h = hproc_get(st, k == AGS_KIND_OOM_KILL ? ev_int_or(ev, AGS_K_VICTIM, ev_pid(ev))
						 : ev_pid(ev));
	if (!h)
		return;
	if (k == AGS_KIND_HEAP)
		on_heap(h, ev);
	else if (k == AGS_KIND_HEAP_STACK)
		on_stack(h, ev);
	else {
		h->oom_ts = ev_ts(ev);
		h->oom_cgroup = ev_str(ev, AGS_K_CGROUP);
	}
}

/* Allocator and runtime plumbing: not the code that owns the memory. */
static bool plumbing(const char *frame)
{
	static const char *const names[] = {
		"malloc+",
		"calloc+",
		"realloc+",
		"reallocarray+",
		"posix_memalign+",
		"aligned_alloc+",
		"memalign+",
		"valloc+",
		"pvalloc+",
		"_Znwm",
		"_Znam",
		"_ZnwmRKSt9nothrow_t",
		"_ZnwmSt11align_val_t",
		"__strdup+",
		"strdup+",
		"__strndup+",
		"strndup+",
		"__libc_",
		"_dl_",
		"operator new",
	};
	static const char *const objects[] = { "/libagshim", "/libc.so", "/libstdc++.so",
					       "/ld-linux" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(frame, names[i], strlen(names[i])))
			return true;
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (strstr(frame, objects[i]))
			return true;
	return false;
}

/*
 * The frames that matter, innermost first: JavaScript frames when the perf map named any,
 * else everything from the first frame past the allocator.  site is the first one's name.
 */
static json_t *first_hand(json_t *frames, char *site, size_t len)
{
	size_t i, n = json_array_size(frames), start = n;
	json_t *out = json_array();
	bool jit = false;

	/* JavaScript frames: the first of the program's own, else the first of Node's. */
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(frames, i));

		if (!s || !strstr(s, " ([jit])"))
			continue;
		if (!jit)
			start = i;
		jit = true;
		if (!strstr(s, " node:")) {
			start = i;
			break;
		}
	}
	for (i = 0; !jit && i < n; i++) {
		const char *s = json_string_value(json_array_get(frames, i));

		if (s && !plumbing(s)) {
			start = i;
			break;
		}
	}
	site[0] = '\0';
	for (i = start; i < json_array_size(frames) && json_array_size(out) < 8; i++) {
		const char *s = json_string_value(json_array_get(frames, i));

		if (!s)
			continue;
		if (!site[0]) {
			size_t k = strcspn(s, jit ? "(" : "+ ");

			while (jit && k > 0 && s[k - 1] == ' ')
				k--;
			if (k >= len)
				k = len - 1;
			memcpy(site, s, k);
			site[k] = '\0';
			/* V8 marks the tier (~ interpreted, ^ baseline, * optimised): one site. */
			if (jit && !strncmp(site, "JS:", 3) && strchr("~^*+", site[3]))
				memmove(site + 3, site + 4, strlen(site + 3));
		}
		json_array_append_new(out, json_string(s));
	}
	if (!site[0])
		strcpy(site, "unknown");
	return out;
}

/* Least-squares slope of y over t (ns), in units per second. */
static double slope(const int64_t *t, const int64_t *y, size_t n)
{
	double mt = 0, my = 0, num = 0, den = 0;

	for (size_t i = 0; i < n; i++) {
		mt += (double)t[i] / n;
		my += (double)y[i] / n;
	}
	for (size_t i = 0; i < n; i++) {
		num += ((double)t[i] - mt) * ((double)y[i] - my);
		den += ((double)t[i] - mt) * ((double)t[i] - mt);
	}
	return den > 0 ? num / den * 1e9 : 0;
}

static double hyp(double a, double b)
{
	return sqrt(a * a + b * b);
}

/* The slope of y over t divided by its standard error: how clearly the trend stands out. */
static double trend_t(const int64_t *t, const int64_t *y, size_t n)
{
	double mt = 0, my = 0, sxx = 0, sxy = 0, b, res = 0;

	if (n < 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mt += (double)t[i] / n;
		my += (double)y[i] / n;
	}
	for (size_t i = 0; i < n; i++) {
		sxx += ((double)t[i] - mt) * ((double)t[i] - mt);
		sxy += ((double)t[i] - mt) * ((double)y[i] - my);
	}
	if (sxx <= 0)
		return 0;
	b = sxy / sxx;
	for (size_t i = 0; i < n; i++) {
		double r = (double)y[i] - (my + b * ((double)t[i] - mt));

		res += r * r;
	}
	res = sqrt(res / (double)(n - 2));
	return res > 0 ? b / (res / sqrt(sxx)) : 1e9;
}

static bool floor_rises(const struct stack *s)
{
	size_t k = s->npts / 3 ? s->npts / 3 : 1;
	int64_t lo = INT64_MAX, hi = INT64_MIN, err = 0;

	for (size_t i = 0; i < k; i++) {
		if (s->pts[i].live > hi)
			hi = s->pts[i].live;
		if (s->pts[s->npts - 1 - i].live < lo)
			lo = s->pts[s->npts - 1 - i].live;
		if (s->pts[i].err > err)
			err = s->pts[i].err;
		if (s->pts[s->npts - 1 - i].err > err)
			err = s->pts[s->npts - 1 - i].err;
	}
	return (double)lo > (double)hi + 2 * M_SQRT2 * (double)err;
}

/*
 * A leak keeps growing: significant growth over the whole series and over its second half
 * too (a cache that filled up and stays flat is not a leak).
 */
static bool is_leak(const struct stack *s, double *growth, double *rate)
{
	const struct point *a, *m, *z;
	int64_t t[256], y[256];
	size_t n = s->npts < 256 ? s->npts : 256;
	double late_share;

	if (s->npts < 3)
		return false;
	a = &s->pts[0];
	m = &s->pts[s->npts / 2];
	z = &s->pts[s->npts - 1];
	*growth = (double)(z->live - a->live);
	if (z->ts <= a->ts || *growth <= 3 * hyp((double)a->err, (double)z->err) ||
	    *growth < 64 * 1024)
		return false;
	late_share = (double)(z->ts - m->ts) / (double)(z->ts - a->ts);
	if ((double)(z->live - m->live) <= 2 * hyp((double)m->err, (double)z->err) ||
	    (double)(z->live - m->live) < 0.25 * late_share * *growth)
		return false;
	for (size_t i = 0; i < n; i++) {
		t[i] = s->pts[s->npts - n + i].ts;
		y[i] = s->pts[s->npts - n + i].live;
	}
	*rate = slope(t, y, n);
	/*
	 * A garbage-collected runtime draws a sawtooth: a cache whose old entries await the
	 * collector rises and falls.  A leak's floor rises: every point of the last third lies
	 * above every point of the first, and the trend stands out of the scatter around it.
	 */
	if (!floor_rises(s) || trend_t(t, y, n) < 4)
		return false;
	return *rate > 0;
}

/*
 * Stacks with the same first-hand site are one series: a JIT tiers code up and the
 * same JavaScript call starts allocating from new return addresses, and a C function
 * may allocate from several lines.  Points are summed by snapshot (a stack missing from
 * a snapshot adds nothing), errors in quadrature; merged stacks are left empty.
 */
static void merge_by_site(struct hproc *h)
{
	char a[160], b[160];

	for (size_t i = 0; i < h->nstacks; i++) {
		struct stack *s = &h->stacks[i];

		if (!s->npts)
			continue;
		json_decref(first_hand(s->frames, a, sizeof(a)));
		for (size_t j = i + 1; j < h->nstacks; j++) {
			struct stack *t = &h->stacks[j];
			struct point *m;
			size_t x = 0, y = 0, n = 0;

			if (!t->npts)
				continue;
			json_decref(first_hand(t->frames, b, sizeof(b)));
			if (strcmp(a, b))
				continue;
			m = calloc(s->npts + t->npts, sizeof(*m));
			if (!m)
				return;
			while (x < s->npts || y < t->npts) {
				bool fs = x < s->npts &&
					  (y >= t->npts || s->pts[x].seq <= t->pts[y].seq);
				bool ft = y < t->npts &&
					  (x >= s->npts || t->pts[y].seq <= s->pts[x].seq);
				struct point *p = &m[n++];

				*p = fs ? s->pts[x] : t->pts[y];
				if (fs && ft) {
					p->live += t->pts[y].live;
					p->alloc += t->pts[y].alloc;
					p->err =
						(int64_t)hyp((double)p->err, (double)t->pts[y].err);
				}
				x += fs;
				y += ft;
			}
			free(s->pts);
			s->pts = m;
			s->npts = n;
			s->cap = s->npts;
			t->npts = 0;
		}
	}
}

static void leaks(struct report *r, struct hproc *h)
{
	merge_by_site(h);
	for (size_t i = 0; i < h->nstacks; i++) {
		struct stack *s = &h->stacks[i];
		const struct point *z = &s->pts[s->npts - 1];
		double growth = 0, rate = 0;
		struct finding *f;
		char site[160];
		json_t *ev, *fh;

		if (!s->npts || !is_leak(s, &growth, &rate))
			continue;
		fh = first_hand(s->frames, site, sizeof(site));
		f = finding_add(r, "heap.leak", site, s->pts[0].ts, h->pid);
		if (!f) {
			json_decref(fh);
			continue;
		}
		finding_add(r, "heap.leak", site, z->ts, h->pid);
		ev = finding_evidence(f);
		if (json_object_get(ev, "site")) {
			/* Another stack of the same site in the same process: add it up. */
			if (ev_int_or(ev, "pid", 0) == h->pid) {
				int64_t live = ev_int_or(ev, "live_bytes", 0) + z->live;
				double err =
					hyp((double)ev_int_or(ev, "err_bytes", 0), (double)z->err);

				growth += (double)ev_int_or(ev, "growth_bytes", 0);
				rate += (double)ev_int_or(ev, "rate_bytes_per_s", 0);
				json_object_set_new(ev, "live_bytes", json_integer(live));
				json_object_set_new(ev, "err_bytes", json_integer((json_int_t)err));
				json_object_set_new(ev, "growth_bytes",
						    json_integer((json_int_t)growth));
				json_object_set_new(ev, "rate_bytes_per_s",
						    json_integer((json_int_t)rate));
				json_object_set_new(ev, "stacks",
						    json_integer(ev_int_or(ev, "stacks", 1) + 1));
				finding_summary(f,
						"%s holds %.1f MiB (+/- %.1f MiB) live and keeps "
						"growing: +%.1f MiB, %.2f MiB/s, from %lld stacks",
						site, (double)live / MIB, err / MIB, growth / MIB,
						rate / MIB, (long long)ev_int_or(ev, "stacks", 2));
			}
			continue; /* the first process's figures stand; pids lists the rest */
		}
		json_object_set_new(ev, "site", json_string(site));
		json_object_set_new(ev, "pid", json_integer(h->pid));
		json_object_set_new(ev, "stack", json_integer(s->id));
		json_object_set_new(ev, "live_bytes", json_integer(z->live));
		json_object_set_new(ev, "err_bytes", json_integer(z->err));
		json_object_set_new(ev, "growth_bytes", json_integer((json_int_t)growth));
		json_object_set_new(ev, "rate_bytes_per_s", json_integer((json_int_t)rate));
		json_object_set_new(ev, "alloc_bytes", json_integer(z->alloc));
		json_object_set_new(ev, "snapshots", json_integer((json_int_t)s->npts));
		json_object_set_new(ev, "window_s",
				    json_real((double)(z->ts - s->pts[0].ts) / 1e9));
		if (h->nsnaps)
			json_object_set_new(ev, "sample_bytes",
					    json_integer(h->snaps[h->nsnaps - 1].mean));
		if (h->nsnaps) {
			const struct snap *a = &h->snaps[0], *b = &h->snaps[h->nsnaps - 1];

			json_object_set_new(ev, "rss_first_bytes", json_integer(a->rss));
			json_object_set_new(ev, "rss_last_bytes", json_integer(b->rss));
			json_object_set_new(ev, "malloc_first_bytes", json_integer(a->mused));
			json_object_set_new(ev, "malloc_last_bytes", json_integer(b->mused));
			json_object_set_new(ev, "outside_malloc_last_bytes",
					    json_integer(b->outside));
			if (b->limit)
				json_object_set_new(ev, "cg_limit_bytes", json_integer(b->limit));
		}
		if (strstr(site, "ArrayBufferAllocator"))
			json_object_set_new(
				ev, "hint",
				json_string("Buffer/ArrayBuffer backing stores allocated "
					    "from JavaScript; run node with --perf-basic-prof "
					    "--interpreted-frames-native-stack to name the "
					    "function"));
		json_object_set_new(ev, "frames", fh);
		if (s->frames)
			json_object_set_new(ev, "all_frames", json_deep_copy(s->frames));
		finding_summary(f,
				"%s holds %.1f MiB (+/- %.1f MiB) live and keeps growing: "
				"+%.1f MiB over %zu snapshots, %.2f MiB/s",
				site, (double)z->live / MIB, (double)z->err / MIB, growth / MIB,
				s->npts, rate / MIB);
	}
}

static void outside_malloc(struct report *r, struct hproc *h)
{
	const struct snap *a, *z;
	double rss_g, heap_g, out_g;
	struct finding *f;
	json_t *ev;
	char key[32];

	if (h->nsnaps < 3)
		return;
	a = &h->snaps[0];
	z = &h->snaps[h->nsnaps - 1];
	rss_g = (double)(z->rss - a->rss);
	heap_g = (double)(z->mused - a->mused);
	/*
	 * Outside malloc means anonymous memory that malloc does not hold: RSS can also grow
	 * with memory malloc keeps after free() (malloc_sys), which is not this finding.
	 */
	out_g = (double)(z->outside - a->outside);
	if (rss_g < 16 * MIB || rss_g < 0.2 * (double)a->rss || heap_g > 0.25 * rss_g ||
	    out_g < 0.5 * rss_g)
		return;
	snprintf(key, sizeof(key), "%lld", (long long)h->pid);
	f = finding_add(r, "heap.growth_outside_malloc", key, z->ts, h->pid);
	if (!f)
		return;
	ev = finding_evidence(f);
	json_object_set_new(ev, "rss_first_bytes", json_integer(a->rss));
	json_object_set_new(ev, "rss_last_bytes", json_integer(z->rss));
	json_object_set_new(ev, "malloc_first_bytes", json_integer(a->mused));
	json_object_set_new(ev, "malloc_last_bytes", json_integer(z->mused));
	json_object_set_new(ev, "outside_first_bytes", json_integer(a->outside));
	json_object_set_new(ev, "outside_last_bytes", json_integer(z->outside));
	json_object_set_new(ev, "anon_last_bytes", json_integer(z->anon));
	json_object_set_new(ev, "snapshots", json_integer((json_int_t)h->nsnaps));
	json_object_set_new(ev, "window_s", json_real((double)(z->ts - a->ts) / 1e9));
	finding_summary(f,
			"RSS grew %.1f MiB in %.1f s while the malloc heap grew %.1f MiB: "
			"anonymous memory outside malloc grew %.1f MiB (V8 heap, mmap, stacks)",
			rss_g / MIB, (double)(z->ts - a->ts) / 1e9, heap_g / MIB,
			(double)(z->outside - a->outside) / MIB);
}

/* The largest growing stack's site, for the OOM findings. */
static const char *top_site(struct hproc *h, char *site, size_t len)
{
	double best = 0;

	site[0] = '\0';
	for (size_t i = 0; i < h->nstacks; i++) {
		struct stack *s = &h->stacks[i];
		double g = 0, rate = 0;

		if (s->npts && is_leak(s, &g, &rate) && g > best) {
			json_decref(first_hand(s->frames, site, len));
			best = g;
		}
	}
	return site[0] ? site : NULL;
}

static void memory_evidence(json_t *ev, const struct hproc *h, double rate)
{
	const struct snap *z = &h->snaps[h->nsnaps - 1];

	json_object_set_new(ev, "cg_limit_bytes", json_integer(z->limit));
	json_object_set_new(ev, "cg_usage_bytes", json_integer(z->usage));
	json_object_set_new(ev, "rss_bytes", json_integer(z->rss));
	json_object_set_new(ev, "malloc_used_bytes", json_integer(z->mused));
	json_object_set_new(ev, "outside_malloc_bytes", json_integer(z->outside));
	json_object_set_new(ev, "growth_bytes_per_s", json_integer((json_int_t)rate));
}

/* Growth of cgroup usage (or RSS when there is no cgroup figure), bytes per second. */
static double usage_rate(const struct hproc *h)
{
	int64_t t[256], y[256];
	size_t n = h->nsnaps < 256 ? h->nsnaps : 256;

	for (size_t i = 0; i < n; i++) {
		const struct snap *s = &h->snaps[h->nsnaps - n + i];

		t[i] = s->ts;
		y[i] = s->usage ? s->usage : s->rss;
	}
	return slope(t, y, n);
}

static void oom(struct report *r, struct hproc *h)
{
	struct proc *p = report_proc(r, h->pid);
	const struct snap *z;
	bool killed, near;
	struct finding *f;
	double rate;
	char site[160], key[32];
	const char *where;

	if (!h->nsnaps)
		return;
	z = &h->snaps[h->nsnaps - 1];
	rate = h->nsnaps >= 3 ? usage_rate(h) : 0;
	where = top_site(h, site, sizeof(site));
	snprintf(key, sizeof(key), "%lld", (long long)h->pid);
	near = z->limit > 0 && (double)z->usage >= 0.8 * (double)z->limit;
	killed = h->oom_ts || (p && (p->signal == 9 || p->reap_signal == 9) && near);
	if (killed) {
		f = finding_add(r, "oom.killed", key, h->oom_ts ? h->oom_ts : z->ts, h->pid);
		if (!f)
			return;
		memory_evidence(finding_evidence(f), h, rate);
		json_object_set_new(
			finding_evidence(f), "seen_by",
			json_string(h->oom_ts ? "oom_kill event" : "SIGKILL at the limit"));
		json_object_set_new(finding_evidence(f), "victim", json_integer(h->pid));
		if (h->oom_cgroup)
			json_object_set_new(finding_evidence(f), "cgroup",
					    json_string(h->oom_cgroup));
		if (where)
			json_object_set_new(finding_evidence(f), "growing_site",
					    json_string(where));
		finding_summary(f,
				"pid %lld was killed by the OOM killer at %.1f of %.1f MiB "
				"(cgroup), growing %.2f MiB/s%s%s",
				(long long)h->pid, (double)z->usage / MIB, (double)z->limit / MIB,
				rate / MIB, where ? "; growth led by " : "", where ? where : "");
		return;
	}
	if (z->limit <= 0 || rate < 64 * 1024 || h->nsnaps < 3)
		return;
	{
		double left = (double)(z->limit - z->usage) / rate;

		if (left > 24 * 3600)
			return;
		f = finding_add(r, "oom.risk", key, z->ts, h->pid);
		if (!f)
			return;
		memory_evidence(finding_evidence(f), h, rate);
		json_object_set_new(finding_evidence(f), "time_left_s", json_real(left));
		if (where)
			json_object_set_new(finding_evidence(f), "growing_site",
					    json_string(where));
		if (left < 600)
			finding_set_severity(f, SEV_ERROR);
		finding_summary(f,
				"at %.2f MiB/s the cgroup reaches its %.1f MiB limit in %.0f s "
				"(now %.1f MiB)%s%s",
				rate / MIB, (double)z->limit / MIB, left, (double)z->usage / MIB,
				where ? "; growth led by " : "", where ? where : "");
	}
}

/*
 * Runtimes free their heaps while they exit (Node releases every ArrayBuffer before the
 * shim's exit hook runs): an exit snapshot with less than half the live bytes of the one
 * before it shows the teardown, not the program, and is left out of growth figures.
 */
static void drop_teardown(struct hproc *h)
{
	const struct snap *z, *y;

	if (h->nsnaps < 4)
		return;
	z = &h->snaps[h->nsnaps - 1];
	y = &h->snaps[h->nsnaps - 2];
	if (z->live * 2 >= y->live && z->mused * 2 >= y->mused)
		return;
	h->nsnaps--;
	for (size_t i = 0; i < h->nstacks; i++) {
		struct stack *s = &h->stacks[i];

		while (s->npts && z->seq > 0 && s->pts[s->npts - 1].seq >= z->seq)
			s->npts--;
	}
}

static void build_folded(struct heap_state *st, struct report *r);

static void heap_finish(void *vst, struct report *r)
{
	struct heap_state *st = vst;

	for (size_t i = 0; i < st->n; i++) {
		drop_teardown(&st->procs[i]);
		for (size_t j = 0; j < st->procs[i].nstacks; j++) {
			struct stack *s = &st->procs[i].stacks[j];

			s->folded = s->npts ? s->pts[s->npts - 1].live : 0;
		}
		leaks(r, &st->procs[i]);
		outside_malloc(r, &st->procs[i]);
		oom(r, &st->procs[i]);
	}
	build_folded(st, r);
}

static void heap_destroy(void *vst)
{
	struct heap_state *st = vst;

	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		for (size_t j = 0; j < st->procs[i].nstacks; j++)
			free(st->procs[i].stacks[j].pts);
		free(st->procs[i].stacks);
		free(st->procs[i].snaps);
	}
	free(st->procs);
	free(st);
}

/* One frame as a flame graph names it: the symbol, or object+offset. */
static void folded_frame(FILE *out, const char *f)
{
	const char *paren = strstr(f, " (");
	size_t n = strcspn(f, " ");

	if (!strncmp(f, "0x", 2) && paren) {
		const char *obj = path_base(paren + 2);

		fprintf(out, "%.*s+%.*s", (int)strcspn(obj, ")"), obj, (int)n, f);
		return;
	}
	if (strstr(f, " ([jit])"))
		n = (size_t)(strstr(f, " ([jit])") - f);
	else if (strchr(f, '+') && (size_t)(strchr(f, '+') - f) < n)
		n = (size_t)(strchr(f, '+') - f);
	for (size_t i = 0; i < n; i++)
		fputc(f[i] == ';' || f[i] == ' ' ? '_' : f[i], out);
}

static void build_folded(struct heap_state *st, struct report *r)
{
	FILE *out = open_memstream(&folded_text, &folded_len);

	if (!out)
		return;
	for (size_t i = 0; i < st->n; i++) {
		struct hproc *h = &st->procs[i];
		struct proc *p = report_proc(r, h->pid);

		for (size_t j = 0; j < h->nstacks; j++) {
			struct stack *s = &h->stacks[j];
			size_t n = json_array_size(s->frames);

			if (s->folded <= 0 || !n)
				continue;
			fprintf(out, "%s", p ? proc_name(p) : "process");
			for (size_t k = n; k-- > 0;) {
				const char *f = json_string_value(json_array_get(s->frames, k));

				if (!f || strstr(f, "/libagshim"))
					continue;
				fputc(';', out);
				folded_frame(out, f);
			}
			fprintf(out, " %lld\n", (long long)s->folded);
		}
	}
	fclose(out);
}

int heap_write_folded(struct report *r, FILE *out)
{
	(void)r;
	if (folded_len && fwrite(folded_text, 1, folded_len, out) != folded_len)
		return -1;
	return 0;
}

const struct analyzer an_heap = {
	.name = "heap",
	.ids = heap_ids,
	.create = heap_create,
	.event = heap_event,
	.finish = heap_finish,
	.destroy = heap_destroy,
};
