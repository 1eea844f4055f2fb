/* SPDX-License-Identifier: MIT */
/* The process table: one entry per pid, built from every event before the analyzers run. */
#include "report_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* qsort/bsearch order of int64_t values. */
int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct proc *report_proc(struct report *r, int64_t pid)
{
	size_t lo = 0, hi = r->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->procs[mid].pid == pid)
			return &r->procs[mid];
		if (r->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t report_nprocs(const struct report *r)
{
	return r->nprocs;
}

struct proc *report_proc_at(struct report *r, size_t i)
{
	return i < r->nprocs ? &r->procs[i] : NULL;
}

struct proc *report_parent(struct report *r, const struct proc *p)
{
	if (!p || p->ppid <= 0 || p->ppid == p->pid)
		return NULL;
	return report_proc(r, p->ppid);
}

const char *proc_name(const struct proc *p)
{
	const char *a0 = argv_at(p->argv, 0);

	if (p->exe && *p->exe)
		return path_base(p->exe);
	if (a0 && *a0)
		return path_base(a0);
	if (p->spawn_path && *p->spawn_path)
		return path_base(p->spawn_path);
	a0 = argv_at(p->spawn_argv, 0);
	return a0 && *a0 ? path_base(a0) : "?";
}

/* The pid an event names besides its own (a spawned, reaped or listed child), or 0. */
static int64_t child_of(json_t *ev, enum ags_kind k)
{
	int64_t c;

	if (k != AGS_KIND_SPAWN && k != AGS_KIND_WAIT && k != AGS_KIND_CHILD)
		return 0;
	if (!ev_int(ev, AGS_K_CHILD, &c) || c <= 0)
		return 0;
	return c;
}

static int collect_pids(struct report *r)
{
	int64_t *pids = malloc((2 * r->nevs + 1) * sizeof(*pids));
	size_t n = 0, u = 0;

	if (!pids)
		return -ENOMEM;
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;
		int64_t c = child_of(ev, ev_kind(ev));

		pids[n++] = ev_pid(ev);
		if (c)
			pids[n++] = c;
	}
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || pids[u - 1] != pids[i])
			pids[u++] = pids[i];
	r->procs = calloc(u ? u : 1, sizeof(*r->procs));
	if (!r->procs) {
		free(pids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < u; i++) {
		struct proc *p = &r->procs[i];

		p->pid = pids[i];
		p->ppid = -1;
		p->events_written = -1;
		p->reap_status = -1;
		p->reap_signal = -1;
	}
	r->nprocs = u;
	free(pids);
	return 0;
}

static void proc_own_event(struct report *r, struct proc *p, json_t *ev, enum ags_kind k)
{
	int64_t ts = ev_ts(ev), v;
	const char *src = ev_str(ev, AGS_K_SRC);

	p->nevents++;
	p->observed = true;
	if (!p->first_ts_ns || (ts && ts < p->first_ts_ns))
		p->first_ts_ns = ts;
	if (ts > p->last_ts_ns)
		p->last_ts_ns = ts;
	if (src && strcmp(src, AGS_SRC_EBPF) == 0)
		p->src |= PROC_SRC_EBPF;
	else
		p->src |= PROC_SRC_PRELOAD;
	/* The first ppid seen is the real parent; later ones may be a reaper's. */
	if (p->ppid <= 0 && ev_int(ev, AGS_K_PPID, &v) && v > 0)
		p->ppid = v;

	switch (k) {
	case AGS_KIND_PROC_START:
		p->images++;
		if (!p->start_ts_ns)
			p->start_ts_ns = ts;
		if (ev_str(ev, AGS_K_EXE))
			p->exe = ev_str(ev, AGS_K_EXE);
		if (ev_arr(ev, AGS_K_ARGV))
			p->argv = ev_arr(ev, AGS_K_ARGV);
		if (ev_str(ev, AGS_K_CWD))
			p->cwd = ev_str(ev, AGS_K_CWD);
		break;
	case AGS_KIND_PROC_EXIT:
		p->exited = true;
		p->exit_ts_ns = ts;
		if (ev_int(ev, AGS_K_STATUS, &v)) {
			p->has_status = true;
			p->status = v;
		}
		p->signal = ev_int_or(ev, AGS_K_SIGNAL, p->signal);
		if (p->signal)
			p->has_status = true;
		if (ev_int(ev, AGS_K_EVENTS, &v) && v >= 0)
			p->events_written = (p->events_written > 0 ? p->events_written : 0) + v;
		if (ev_int(ev, AGS_K_DROPPED, &v) && v > 0 && v < INT64_MAX / 4) {
			p->dropped += v;
			r->dropped += v;
		}
		break;
	case AGS_KIND_LOST:
		if (ev_int(ev, AGS_K_DROPPED, &v) && v > 0 && v < INT64_MAX / 4) {
			p->dropped += v;
			r->dropped += v;
		}
		break;
	default:
		if (!p->exe && ev_str(ev, AGS_K_EXE))
			p->exe = ev_str(ev, AGS_K_EXE);
		break;
	}
}

static void proc_named_child(struct proc *parent, struct proc *c, json_t *ev, enum ags_kind k)
{
	int64_t v;

	if (c->ppid <= 0 && c->pid != parent->pid)
		c->ppid = parent->pid;
	if (k == AGS_KIND_SPAWN && !c->spawned) {
		c->spawned = true;
		c->spawn_ts_ns = ev_ts(ev);
		c->spawn_path = ev_str(ev, AGS_K_PATH);
		c->spawn_argv = ev_arr(ev, AGS_K_ARGV);
	} else if (k == AGS_KIND_WAIT) {
		c->reaped = true;
		c->reap_ts_ns = ev_ts(ev);
		if (ev_int(ev, AGS_K_STATUS, &v))
			c->reap_status = v;
		if (ev_int(ev, AGS_K_SIGNAL, &v))
			c->reap_signal = v;
		/* The parent's view fills in a status the child could not write. */
		if (!c->has_status && (c->reap_status >= 0 || c->reap_signal > 0)) {
			c->has_status = true;
			c->status = c->reap_status >= 0 ? c->reap_status : 0;
			c->signal = c->reap_signal > 0 ? c->reap_signal : 0;
		}
	}
}

int report_build_procs(struct report *r)
{
	int err = collect_pids(r);

	if (err)
		return err;
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;
		enum ags_kind k = ev_kind(ev);
		struct proc *p = report_proc(r, ev_pid(ev));
		int64_t c = child_of(ev, k);

		proc_own_event(r, p, ev, k);
		if (c)
			proc_named_child(p, report_proc(r, c), ev, k);
	}
	return 0;
}
