/* SPDX-License-Identifier: MIT */
/* Observability analyzer: processes that recorded nothing, lost events, malformed input. */
#include "report.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
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

/* "sh -c 'PROG args'": PROG runs in the shell's pid (exec) or a child of it (fork + exec). */
static const char *shell_prog(const struct proc *p, char *buf, size_t len)
{
	const char *name = proc_name(p);
	const char *cmd = argv_at(p->argv, 2);
	size_t n;

	if (!p->images || !cmd || !argv_at(p->argv, 1) || strcmp(argv_at(p->argv, 1), "-c") ||
	    (strcmp(name, "sh") && strcmp(name, "dash") && strcmp(name, "bash")))
		return NULL;
	/* Only a simple command names one program; a pipeline or list has several. */
	if (strpbrk(cmd, "|;&<>()$`\n"))
		return NULL;
	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t\n;|&<>()");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, cmd, n);
	buf[n] = '\0';
	return buf;
}

/* A program name without a slash, looked up on this process's PATH, into buf. */
static const char *on_path(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (!prog || strchr(prog, '/') || !path)
		return prog;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && (size_t)snprintf(buf, len, "%.*s/%s", (int)n, path, prog) < len &&
		    access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	return prog;
}

/*
 * p ran a program that wrote nothing: no events at all (a fork child that exec'd at once), a
 * fork child's events and then silence, or an observed image (a shell) that exec'd another
 * and was reaped without an exit event from it.
 */
static void not_observed(struct report *r, struct proc *p)
{
	struct proc *parent = report_parent(r, p);
	const char *path = p->spawn_path ? p->spawn_path : argv_at(p->spawn_argv, 0);
	const char *reason = NULL, *full;
	char key[256], shbuf[256], pbuf[4096];
	struct finding *f;
	json_t *ev;

	/* A shell's child, or the shell's own pid after its exec, ran the -c program. */
	if (!path)
		path = shell_prog(p, shbuf, sizeof(shbuf));
	if (!path && parent)
		path = shell_prog(parent, shbuf, sizeof(shbuf));
	if (path)
		snprintf(key, sizeof(key), "%s", path_base(path));
	else
		snprintf(key, sizeof(key), "a child of %s", parent ? proc_name(parent) : "?");
	f = finding_add(r, "observe.not_observed", key,
			p->spawn_ts_ns ? p->spawn_ts_ns : p->reap_ts_ns, p->pid);
	if (!f)
		return;
	if (parent)
		finding_pid(f, parent->pid);
	ev = finding_evidence(f);
	full = on_path(path, pbuf, sizeof(pbuf));
	reason = reason_from_file(full, ev);
	if (!reason && p->images)
		reason = "the program it exec'd wrote nothing: static, set-uid or set-gid, or "
			 "started without LD_PRELOAD";
	if (!reason && p->nevents > 0)
		reason = "it wrote events after fork but none after exec: the new program did not "
			 "load the shim (static, set-uid, or LD_PRELOAD removed from its "
			 "environment)";
	if (!reason)
		reason = "no event came from it: a static binary, a set-uid program, or an "
			 "environment without LD_PRELOAD (the parent's fork does not say what it "
			 "exec'd)";
	finding_sample(f, "processes",
		       json_pack("{s:I, s:s?, s:O?, s:I, s:o}", "pid", (json_int_t)p->pid, "path",
				 full, "argv", p->spawn_argv ? p->spawn_argv : p->argv, "ppid",
				 (json_int_t)p->ppid, "status",
				 p->has_status ? json_integer(p->status) : json_null()),
		       8);
	json_object_set_new(ev, "reason", json_string(reason));
	json_object_set_new(ev, "alternative",
			    json_string("agshim attach -- CMD (eBPF) sees processes the preload "
					"shim cannot"));
	if (finding_count(f) > 1)
		finding_summary(f, "%lld processes (%s, started by %s) ran without the shim: %s",
				(long long)finding_count(f), key, parent ? proc_name(parent) : "?",
				reason);
	else
		finding_summary(f, "%s (pid %lld, started by %s) ran without the shim: %s",
				full ? full : key, (long long)p->pid,
				parent ? proc_name(parent) : "?", reason);
}

/* Whether p is a blind spot, per not_observed()'s three cases. */
static bool unseen(const struct proc *p)
{
	/* Killed before it could say anything: the parent's wait tells the story. */
	if (p->has_status && p->signal > 0)
		return false;
	if (!p->observed)
		return true;
	if (!p->images && !p->exited)
		return true;
	return p->images && !p->exited && p->reaped && p->reap_signal <= 0;
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
		/* A child whose every exec failed is a spawn finding (an_proc), no blind spot. */
		if (unseen(p) && !(st && json_object_get(st, key)))
			not_observed(r, p);
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
