/* SPDX-License-Identifier: MIT */
/* Reading untrusted event lines, and running a report: sort, dedupe, process table, analyzers. */
#include "report_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct report *report_new(void)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->inputs = json_array();
	r->malformed = json_array();
	r->finding_index = json_object();
	if (!r->inputs || !r->malformed || !r->finding_index) {
		report_free(r);
		return NULL;
	}
	return r;
}
void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nevs; i++)
		json_decref(r->evs[i].ev);
	free(r->evs);
	for (size_t i = 0; i < r->nfindings; i++)
		finding_free(r->findings[i]);
	free(r->findings);
	free(r->procs);
	json_decref(r->inputs);
	json_decref(r->malformed);
	json_decref(r->finding_index);
	free(r);
}
/* ---- reading ---- */

struct input_stats {
	const char *name;
	int64_t lines, events, malformed;
};

static void note_malformed(struct report *r, struct input_stats *in, int64_t line, int64_t col,
			   const char *msg)
{
	in->malformed++;
	r->nmalformed++;
	if (json_array_size(r->malformed) >= REPORT_MALFORMED_LIST_MAX)
		return;
	json_array_append_new(r->malformed,
			      json_pack("{s:s, s:I, s:I, s:s}", "file", in->name, "line",
					(json_int_t)line, "col", (json_int_t)col, "error", msg));
}

static int push_event(struct report *r, json_t *ev)
{
	if (r->nevs == r->evs_cap) {
		size_t cap = r->evs_cap ? r->evs_cap * 2 : 1024;
		struct evrec *n = realloc(r->evs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->evs = n;
		r->evs_cap = cap;
	}
	r->evs[r->nevs].ev = ev;
	r->evs[r->nevs].ts_ns = ev_ts(ev);
	r->evs[r->nevs].seq = r->nevs;
	r->nevs++;
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One complete line (no newline); returns 0 or -ENOMEM. */
static int take_line(struct report *r, struct input_stats *in, const char *s, size_t len)
{
	json_error_t jerr;
	json_t *ev;
	json_t *pid;

	in->lines++;
	if (blank(s, len))
		return 0;
	ev = json_loadb(s, len, 0, &jerr);
	if (!ev) {
		note_malformed(r, in, in->lines, jerr.column, jerr.text);
		return 0;
	}
	pid = json_object_get(ev, AGS_K_PID);
	if (!json_is_object(ev)) {
		note_malformed(r, in, in->lines, 1, "not a JSON object");
	} else if (!json_is_string(json_object_get(ev, AGS_K_KIND))) {
		note_malformed(r, in, in->lines, 1, "no string \"kind\"");
	} else if (!json_is_integer(pid) || json_integer_value(pid) <= 0) {
		note_malformed(r, in, in->lines, 1, "no positive integer \"pid\"");
	} else {
		if (push_event(r, ev) < 0) {
			json_decref(ev);
			return -ENOMEM;
		}
		in->events++;
		return 0;
	}
	json_decref(ev);
	return 0;
}

/* Line assembly shared by the FILE and memory readers. */
struct line_buf {
	char *buf;
	size_t len, cap;
	bool too_long; /* the current line passed REPORT_LINE_MAX: skip to its end */
};

static int feed(struct report *r, struct input_stats *in, struct line_buf *lb, const char *p,
		size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t chunk = nl ? (size_t)(nl - p) : n;

		if (!lb->too_long && lb->len + chunk > REPORT_LINE_MAX) {
			lb->too_long = true;
			lb->len = 0;
		}
		if (!lb->too_long) {
			if (lb->len + chunk > lb->cap) {
				size_t cap = lb->cap ? lb->cap : 4096;
				char *b;

				while (cap < lb->len + chunk)
					cap *= 2;
				b = realloc(lb->buf, cap);
				if (!b)
					return -ENOMEM;
				lb->buf = b;
				lb->cap = cap;
			}
			if (chunk) {
				memcpy(lb->buf + lb->len, p, chunk);
				lb->len += chunk;
			}
		}
		if (!nl)
			return 0;
		if (lb->too_long) {
			in->lines++;
			note_malformed(r, in, in->lines, REPORT_LINE_MAX + 1,
				       "line longer than 1 MiB, skipped");
		} else if (take_line(r, in, lb->buf ? lb->buf : "", lb->len) < 0) {
			return -ENOMEM;
		}
		lb->len = 0;
		lb->too_long = false;
		p = nl + 1;
		n -= chunk + 1;
	}
	return 0;
}

static int feed_end(struct report *r, struct input_stats *in, struct line_buf *lb)
{
	int err = 0;

	/* A last line without its newline is still a line (often a cut one). */
	if (lb->too_long || lb->len > 0)
		err = feed(r, in, lb, "\n", 1);
	free(lb->buf);
	json_array_append_new(r->inputs,
			      json_pack("{s:s, s:I, s:I, s:I}", "file", in->name, "lines",
					(json_int_t)in->lines, "events", (json_int_t)in->events,
					"malformed", (json_int_t)in->malformed));
	return err;
}

int report_read(struct report *r, FILE *f, const char *name)
{
	struct input_stats in = { .name = name };
	struct line_buf lb = { 0 };
	char chunk[65536];
	size_t n;
	int err = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		err = feed(r, &in, &lb, chunk, n);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -(errno ? errno : EIO);
	if (feed_end(r, &in, &lb) < 0 && !err)
		err = -ENOMEM;
	return err;
}

int report_read_mem(struct report *r, const char *buf, size_t len, const char *name)
{
	struct input_stats in = { .name = name };
	struct line_buf lb = { 0 };
	int err = feed(r, &in, &lb, buf, len);
	int err2 = feed_end(r, &in, &lb);

	return err ? err : err2;
}
static int cmp_evrec(const void *a, const void *b)
{
	const struct evrec *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- running ---- */

size_t report_nevents(const struct report *r)
{
	return r->nevs;
}

size_t report_nmalformed(const struct report *r)
{
	return r->nmalformed;
}

int64_t report_ndropped(const struct report *r)
{
	return r->dropped;
}

json_t *report_inputs_json(struct report *r)
{
	return r->inputs;
}

json_t *report_malformed_json(struct report *r)
{
	return r->malformed;
}

/*
 * Kinds both producers write; for a pid the shim saw, the shim's copy is kept.  child is
 * not among them: the shim only calls a child a zombie past AGSHIM_ZOMBIE_MS, so the
 * kernel may see one the shim did not, and an_child counts each child once anyway.
 */
static bool shared_kind(enum ags_kind k)
{
	switch (k) {
	case AGS_KIND_PROC_START:
	case AGS_KIND_PROC_EXIT:
	case AGS_KIND_EXEC:
	case AGS_KIND_SPAWN:
	case AGS_KIND_WAIT:
	case AGS_KIND_CONNECT:
	case AGS_KIND_DNS:
	case AGS_KIND_FD_EXHAUST: return true;
	default: return false;
	}
}

static bool is_ebpf(json_t *ev)
{
	const char *src = ev_str(ev, AGS_K_SRC);

	return src && strcmp(src, AGS_SRC_EBPF) == 0;
}

static bool in_sorted(const int64_t *v, size_t n, int64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_i64);
}

/*
 * A process traced by the shim and by eBPF at once is reported from the shim's events (they
 * carry more), with eBPF noted as a source; eBPF-only kinds (oom_kill, lost) stay.  Returns the
 * sorted pids whose eBPF copies were dropped (malloc'd, *n_out of them), or NULL.
 */
static int64_t *drop_ebpf_twins(struct report *r, size_t *n_out)
{
	int64_t *pre = malloc((r->nevs + 1) * sizeof(*pre));
	int64_t *twins = malloc((r->nevs + 1) * sizeof(*twins));
	size_t npre = 0, ntw = 0, kept = 0;

	*n_out = 0;
	if (!pre || !twins) {
		free(pre);
		free(twins);
		return NULL;
	}
	for (size_t i = 0; i < r->nevs; i++)
		if (!is_ebpf(r->evs[i].ev))
			pre[npre++] = ev_pid(r->evs[i].ev);
	if (npre)
		qsort(pre, npre, sizeof(*pre), cmp_i64);
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;

		if (is_ebpf(ev) && shared_kind(ev_kind(ev)) && in_sorted(pre, npre, ev_pid(ev))) {
			twins[ntw++] = ev_pid(ev);
			json_decref(ev);
			continue;
		}
		r->evs[kept++] = r->evs[i];
	}
	r->nevs = kept;
	free(pre);
	if (ntw)
		qsort(twins, ntw, sizeof(*twins), cmp_i64);
	*n_out = ntw;
	return twins;
}

int report_run(struct report *r)
{
	int64_t *twins;
	size_t ntwins;
	int err;

	if (r->ran)
		return 0;
	r->ran = true;
	if (r->nevs)
		qsort(r->evs, r->nevs, sizeof(*r->evs), cmp_evrec);
	twins = drop_ebpf_twins(r, &ntwins);
	err = report_build_procs(r);
	for (size_t i = 0; !err && i < r->nprocs; i++)
		if (in_sorted(twins, ntwins, r->procs[i].pid))
			r->procs[i].src |= PROC_SRC_EBPF;
	free(twins);
	if (err)
		return err;

	for (size_t a = 0; report_analyzers[a]; a++) {
		const struct analyzer *an = report_analyzers[a];
		void *st = an->create ? an->create() : NULL;

		for (size_t i = 0; an->event && i < r->nevs; i++)
			an->event(st, r, r->evs[i].ev);
		if (an->finish)
			an->finish(st, r);
		if (an->destroy)
			an->destroy(st);
	}
	return 0;
}
