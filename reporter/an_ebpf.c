/* SPDX-License-Identifier: MIT */
/* eBPF-only analyzer: OOM kills seen by the kernel in processes without heap snapshots. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "agshim/event.h"
#include "report.h"

static const char *const ids[] = {
	"oom.killed",
	NULL,
};

/*
 * an_heap names oom.killed for processes whose heap it followed (preload snapshots).  A
 * static binary, or a process traced only by agshim-bpf, has no snapshots: its oom_kill
 * event is the whole evidence, and this analyzer names it.
 */
struct ebpf_state {
	json_t *kills;	   /* oom_kill events */
	json_t *heap_pids; /* "PID" -> true for pids with heap snapshots */
};

static void *ebpf_create(void)
{
	struct ebpf_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kills = json_array();
	s->heap_pids = json_object();
	if (!s->kills || !s->heap_pids) {
		json_decref(s->kills);
		json_decref(s->heap_pids);
		free(s);
		return NULL;
	}
	return s;
}

static void ebpf_event(void *st, struct report *r, json_t *ev)
{
	struct ebpf_state *s = st;
	enum ags_kind k = ev_kind(ev);
	char key[32];

	(void)r;
	if (!s)
		return;
	if (k == AGS_KIND_HEAP) {
		snprintf(key, sizeof(key), "%lld", (long long)ev_pid(ev));
		json_object_set_new(s->heap_pids, key, json_true());
	} else if (k == AGS_KIND_OOM_KILL) {
		json_array_append(s->kills, ev);
	}
}

static void set_int(json_t *e, json_t *ev, const char *key)
{
	int64_t v;

	if (ev_int(ev, key, &v))
		json_object_set_new(e, key, json_integer(v));
}

static void ebpf_finish(void *st, struct report *r)
{
	struct ebpf_state *s = st;
	const char *comm, *cg;
	struct finding *f;
	char key[32];
	int64_t victim;
	json_t *ev, *e;
	size_t i;

	if (!s)
		return;
	json_array_foreach(s->kills, i, ev)
	{
		victim = ev_int_or(ev, AGS_K_VICTIM, ev_pid(ev));
		snprintf(key, sizeof(key), "%lld", (long long)victim);
		if (json_object_get(s->heap_pids, key))
			continue;
		f = finding_add(r, "oom.killed", key, ev_ts(ev), victim);
		if (!f)
			continue;
		comm = ev_str(ev, AGS_K_COMM);
		cg = ev_str(ev, AGS_K_CGROUP);
		e = finding_evidence(f);
		json_object_set_new(e, "seen_by", json_string("oom_kill event (kernel)"));
		json_object_set_new(e, "victim", json_integer(victim));
		if (comm)
			json_object_set_new(e, "comm", json_string(comm));
		if (cg)
			json_object_set_new(e, "cgroup", json_string(cg));
		set_int(e, ev, AGS_K_ANON_RSS_KB);
		set_int(e, ev, AGS_K_FILE_RSS_KB);
		set_int(e, ev, AGS_K_SHMEM_RSS_KB);
		set_int(e, ev, AGS_K_TOTAL_VM_KB);
		set_int(e, ev, AGS_K_OOM_SCORE_ADJ);
		finding_summary(f,
				"the kernel's OOM killer killed %s (pid %lld) in memory cgroup %s "
				"with %lld MiB resident (anonymous %lld MiB)",
				comm ? comm : "?", (long long)victim, cg ? cg : "?",
				(long long)(ev_int_or(ev, AGS_K_ANON_RSS_KB, 0) +
					    ev_int_or(ev, AGS_K_FILE_RSS_KB, 0) +
					    ev_int_or(ev, AGS_K_SHMEM_RSS_KB, 0)) /
					1024,
				(long long)ev_int_or(ev, AGS_K_ANON_RSS_KB, 0) / 1024);
	}
}

static void ebpf_destroy(void *st)
{
	struct ebpf_state *s = st;

	if (!s)
		return;
	json_decref(s->kills);
	json_decref(s->heap_pids);
	free(s);
}

/* The eBPF-only findings analyzer. */
const struct analyzer an_ebpf = {
	.name = "ebpf",
	.ids = ids,
	.create = ebpf_create,
	.event = ebpf_event,
	.finish = ebpf_finish,
	.destroy = ebpf_destroy,
};
