/* SPDX-License-Identifier: MIT */
/* Observability analyzer: processes that recorded nothing, lost events, malformed input. */
#include "report.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const observe_ids[] = {
	"observe.not_observed",
	"observe.events_dropped",
	"observe.malformed_input",
	NULL,
};

/*
 * Why a program may have run without the shim, judged from the file when it exists on this
 * machine (the report is often read where the events were written).  Returns a static string.
 */
static const char *reason_from_file(const char *path, json_t *evidence)
{
	Elf64_Ehdr eh;
	struct stat st;
	bool interp = false;
	int fd;

	if (!path || path[0] != '/' || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	json_object_set_new(evidence, "file_checked", json_string(path));
	if (st.st_mode & (S_ISUID | S_ISGID))
		return "it is a set-uid or set-gid program: the dynamic loader ignores LD_PRELOAD "
		       "in secure-execution mode";
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 256) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph))
				break;
			interp |= ph.p_type == PT_INTERP;
		}
		close(fd);
		return interp ? NULL
			      : "it is statically linked: without a dynamic loader LD_PRELOAD "
				"has no effect";
	}
	close(fd);
	return NULL;
}

static void not_observed(struct report *r, struct proc *p, bool had_failed_exec)
{
	struct proc *parent = report_parent(r, p);
	const char *path = p->spawn_path ? p->spawn_path : argv_at(p->spawn_argv, 0);
	const char *reason = NULL;
	struct finding *f;
	json_t *ev;

	/* A child whose every exec failed is a spawn finding (an_proc), not a blind spot. */
	if (had_failed_exec)
		return;
	/* Killed before it could say anything: the parent's wait tells the story. */
	if (p->nevents > 0 && p->reap_signal > 0)
		return;
	f = finding_add(r, "observe.not_observed", path ? path_base(path) : proc_name(p),
			p->spawn_ts_ns ? p->spawn_ts_ns : p->reap_ts_ns, p->pid);
	if (!f)
		return;
	if (parent)
		finding_pid(f, parent->pid);
	ev = finding_evidence(f);
	reason = reason_from_file(path, ev);
	if (!reason && p->nevents > 0)
		reason = "it wrote events after fork but none after exec: the new program did not "
			 "load the shim (static, set-uid, or LD_PRELOAD removed from its "
			 "environment)";
	if (!reason)
		reason = "no event came from it: a static binary, a set-uid program, or an "
			 "environment without LD_PRELOAD";
	finding_sample(f, "processes",
		       json_pack("{s:I, s:s?, s:O?, s:I, s:o}", "pid", (json_int_t)p->pid, "path",
				 path, "argv", p->spawn_argv, "ppid", (json_int_t)p->ppid, "status",
				 p->has_status ? json_integer(p->status) : json_null()),
		       8);
	json_object_set_new(ev, "reason", json_string(reason));
	json_object_set_new(ev, "alternative",
			    json_string("agshim attach -- CMD (eBPF) sees processes the preload "
					"shim cannot"));
	finding_summary(f, "%s (pid %lld, started by %s) ran without the shim: %s",
			path ? path : proc_name(p), (long long)p->pid,
			parent ? proc_name(parent) : "?", reason);
}

static void dropped(struct report *r, struct proc *p)
{
	int64_t missing = p->events_written > p->nevents ? p->events_written - p->nevents : 0;
	struct finding *f;
	json_t *ev;

	if (p->dropped <= 0 && missing <= 0)
		return;
	f = finding_add(r, "observe.events_dropped", NULL, p->exit_ts_ns, p->pid);
	if (!f)
		return;
	ev = finding_evidence(f);
	json_object_set_new(ev, "dropped", json_integer(ev_int_or(ev, "dropped", 0) + p->dropped));
	json_object_set_new(ev, "missing_lines",
			    json_integer(ev_int_or(ev, "missing_lines", 0) + missing));
	finding_sample(f, "processes",
		       json_pack("{s:I, s:s, s:I, s:I, s:I}", "pid", (json_int_t)p->pid, "name",
				 proc_name(p), "dropped", (json_int_t)p->dropped, "written",
				 (json_int_t)p->events_written, "in_input", (json_int_t)p->nevents),
		       16);
	finding_summary(
		f,
		"%lld events lost in %lld processes (%lld reported dropped by the "
		"producers, %lld counted by the process but missing from the input): the "
		"report is incomplete",
		(long long)(ev_int_or(ev, "dropped", 0) + ev_int_or(ev, "missing_lines", 0)),
		(long long)finding_count(f), (long long)ev_int_or(ev, "dropped", 0),
		(long long)ev_int_or(ev, "missing_lines", 0));
}

/* State: "pid" -> true for every pid with a failed exec or chdir (an_proc reports those). */
static void *observe_create(void)
{
	return json_object();
}

static void observe_event(void *st, struct report *r, json_t *ev)
{
	char key[32];

	(void)r;
	if (!st)
		return;
	if (ev_kind(ev) == AGS_KIND_EXEC ||
	    (ev_kind(ev) == AGS_KIND_CHDIR && json_object_get(ev, AGS_K_ERRNO))) {
		snprintf(key, sizeof(key), "%lld", (long long)ev_pid(ev));
		json_object_set_new(st, key, json_true());
	}
}

static void malformed(struct report *r)
{
	json_t *list = report_malformed_json(r);
	struct finding *f;
	json_t *m;
	size_t i;

	if (!report_nmalformed(r))
		return;
	f = finding_add(r, "observe.malformed_input", NULL, 0, 0);
	if (!f)
		return;
	json_object_set_new(finding_evidence(f), "lines",
			    json_integer((json_int_t)report_nmalformed(r)));
	json_array_foreach(list, i, m)
	{
		char where[512];

		if (i == 5)
			break;
		snprintf(where, sizeof(where), "%s:%lld:%lld: %s",
			 json_string_value(json_object_get(m, "file")),
			 (long long)json_integer_value(json_object_get(m, "line")),
			 (long long)json_integer_value(json_object_get(m, "col")),
			 json_string_value(json_object_get(m, "error")));
		finding_sample(f, "first", json_string(where), 5);
	}
	m = json_array_get(list, 0);
	finding_summary(f, "%zu input lines were not valid events (first: %s:%lld:%lld: %s)",
			report_nmalformed(r), json_string_value(json_object_get(m, "file")),
			(long long)json_integer_value(json_object_get(m, "line")),
			(long long)json_integer_value(json_object_get(m, "col")),
			json_string_value(json_object_get(m, "error")));
}

static void observe_finish(void *st, struct report *r)
{
	if (report_nevents(r) == 0) {
		struct finding *f = finding_add(r, "observe.not_observed", "", 0, 0);

		if (f) {
			json_object_set_new(finding_evidence(f), "reason",
					    json_string("the inputs hold no events at all"));
			json_object_set_new(finding_evidence(f), "alternative",
					    json_string("agshim attach -- CMD (eBPF)"));
			finding_summary(f,
					"no process recorded anything: the program may be "
					"static or set-uid, LD_PRELOAD may not have reached it, "
					"or AGSHIM_OUT points elsewhere; nothing here is healthy "
					"or unhealthy");
		}
	}
	for (size_t i = 0; i < report_nprocs(r); i++) {
		struct proc *p = report_proc_at(r, i);
		char key[32];

		snprintf(key, sizeof(key), "%lld", (long long)p->pid);
		/* Nothing at all, or a fork child's events and then silence: an unseen image. */
		if (!p->observed || (!p->images && !p->exited))
			not_observed(r, p, st && json_object_get(st, key));
		dropped(r, p);
	}
	malformed(r);
}

static void observe_destroy(void *st)
{
	json_decref(st);
}

const struct analyzer an_observe = {
	.name = "observe",
	.ids = observe_ids,
	.create = observe_create,
	.event = observe_event,
	.finish = observe_finish,
	.destroy = observe_destroy,
};
