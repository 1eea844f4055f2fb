/* SPDX-License-Identifier: MIT */
/* Children analyzer: zombies, children left running at exit, children that outlived a parent. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

static const char *const child_ids[] = {
	"child.zombie",
	"child.left_running",
	"child.orphaned",
	NULL,
};

/* State: "zombie:PID", "running:PID" for the child events already counted. */
struct child_state {
	json_t *seen;
};

static void pid_key(char *buf, size_t len, const char *prefix, int64_t pid)
{
	snprintf(buf, len, "%s%lld", prefix, (long long)pid);
}

static void on_child(struct child_state *s, struct report *r, json_t *ev)
{
	const char *state = ev_str(ev, AGS_K_STATE);
	int64_t cpid = ev_int_or(ev, AGS_K_CHILD, 0);
	struct proc *p = report_proc(r, ev_pid(ev));
	struct proc *c = cpid > 0 ? report_proc(r, cpid) : NULL;
	double age_s = (double)ev_int_or(ev, AGS_K_AGE, 0) / 1e9;
	bool zombie = state && strcmp(state, "zombie") == 0;
	char seen[48], key[256];
	const char *cname;
	struct finding *f;

	if (!c || !state || (!zombie && strcmp(state, "running") != 0))
		return;
	cname = proc_name(c);
	if (strcmp(cname, "?") == 0 && ev_str(ev, AGS_K_COMM) && *ev_str(ev, AGS_K_COMM))
		cname = ev_str(ev, AGS_K_COMM);
	if (strcmp(cname, "?") == 0 && ev_str(ev, AGS_K_CMD) && *ev_str(ev, AGS_K_CMD))
		cname = path_base(ev_str(ev, AGS_K_CMD));
	pid_key(seen, sizeof(seen), zombie ? "zombie:" : "running:", cpid);
	if (json_object_get(s->seen, seen))
		return;
	json_object_set_new(s->seen, seen, json_true());
	snprintf(key, sizeof(key), "%s\x1f%s", proc_name(p), cname);
	f = finding_add_ev(r, zombie ? "child.zombie" : "child.left_running", key, ev);
	if (!f)
		return;
	finding_pid(f, cpid);
	finding_sample(f, "children",
		       json_pack("{s:I, s:s, s:O?, s:f}", "pid", (json_int_t)cpid, "name", cname,
				 "argv", c->argv ? c->argv : c->spawn_argv, "age_s",
				 (double)(int64_t)(age_s * 1000) / 1000),
		       8);
	json_object_set_new(
		finding_evidence(f), "parent",
		json_pack("{s:I, s:s}", "pid", (json_int_t)p->pid, "name", proc_name(p)));
	if (zombie)
		finding_summary(f,
				"%s (pid %lld) left %lld exited child(ren) unreaped, e.g. %s (pid "
				"%lld) for %.1f s: zombies hold a pid each until waited for",
				proc_name(p), (long long)p->pid, (long long)finding_count(f), cname,
				(long long)cpid, age_s);
	else
		finding_summary(f,
				"%s (pid %lld) exited with %lld child(ren) still running, e.g. %s "
				"(pid %lld), started %.1f s before",
				proc_name(p), (long long)p->pid, (long long)finding_count(f), cname,
				(long long)cpid, age_s);
}

/* When a process ended, as far as the events tell; 0 when unknown. */
static int64_t end_ts(const struct proc *p)
{
	if (p->exited)
		return p->exit_ts_ns;
	return p->reaped ? p->reap_ts_ns : 0;
}

static void orphans(struct child_state *s, struct report *r)
{
	for (size_t i = 0; i < report_nprocs(r); i++) {
		struct proc *c = report_proc_at(r, i);
		struct proc *p = report_parent(r, c);
		int64_t pend = p ? end_ts(p) : 0;
		int64_t cend = c->exited ? c->exit_ts_ns : c->last_ts_ns;
		char seen[48], key[256];
		struct finding *f;

		if (!p || !pend || c->reaped || cend <= pend)
			continue;
		pid_key(seen, sizeof(seen), "running:", c->pid);
		if (json_object_get(s->seen, seen))
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", proc_name(p), proc_name(c));
		f = finding_add(r, "child.orphaned", key, pend, c->pid);
		if (!f)
			continue;
		finding_pid(f, p->pid);
		finding_sample(f, "orphans",
			       json_pack("{s:I, s:s, s:O?, s:f}", "pid", (json_int_t)c->pid, "name",
					 proc_name(c), "argv", c->argv, "outlived_parent_s",
					 (double)((cend - pend) / 1000000) / 1000),
			       8);
		json_object_set_new(finding_evidence(f), "parent",
				    json_pack("{s:I, s:s, s:b}", "pid", (json_int_t)p->pid, "name",
					      proc_name(p), "killed",
					      p->has_status && p->signal > 0));
		finding_summary(f,
				"%s (pid %lld) outlived its parent %s (pid %lld) by %.1f s and was "
				"never reaped by it: nobody owns it now",
				proc_name(c), (long long)c->pid, proc_name(p), (long long)p->pid,
				(double)(cend - pend) / 1e9);
	}
}

static void *child_create(void)
{
	struct child_state *s = calloc(1, sizeof(*s));

	if (s)
		s->seen = json_object();
	return s;
}

static void child_event(void *st, struct report *r, json_t *ev)
{
	if (st && ev_kind(ev) == AGS_KIND_CHILD)
		on_child(st, r, ev);
}

static void child_finish(void *st, struct report *r)
{
	if (st)
		orphans(st, r);
}

static void child_destroy(void *st)
{
	struct child_state *s = st;

	if (!s)
		return;
	json_decref(s->seen);
	free(s);
}

const struct analyzer an_child = {
	.name = "child",
	.ids = child_ids,
	.create = child_create,
	.event = child_event,
	.finish = child_finish,
	.destroy = child_destroy,
};
