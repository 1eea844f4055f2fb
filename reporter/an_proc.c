/* SPDX-License-Identifier: MIT */
/* Spawn analyzer: failed spawns by cause, and the exit statuses (127, 126) tied to them. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const proc_ids[] = {
	"spawn.not_on_path",
	"spawn.no_such_file",
	"spawn.missing_interpreter",
	"spawn.crlf_interpreter",
	"spawn.missing_cwd",
	"spawn.no_exec_permission",
	"spawn.noexec_mount",
	"spawn.dir_not_searchable",
	"spawn.arg_too_long",
	"spawn.args_too_big",
	"spawn.foreign_arch",
	"spawn.process_limit",
	"spawn.failed",
	"child.zombie",
	"child.left_running",
	"child.orphaned",
	NULL,
};

/* The shim's enrichment causes, the finding each names, and what it means in a sentence. */
static const struct {
	const char *cause;
	const char *id;
	const char *says;
} causes[] = {
	{ AGS_CAUSE_NOT_ON_PATH, "spawn.not_on_path", "it is in none of the PATH directories" },
	{ AGS_CAUSE_NO_FILE, "spawn.no_such_file", "the file does not exist" },
	{ AGS_CAUSE_BAD_INTERP, "spawn.missing_interpreter",
	  "the file exists but the interpreter its #! line names does not" },
	{ AGS_CAUSE_CRLF_INTERP, "spawn.crlf_interpreter",
	  "its #! line ends in CRLF, so the interpreter looked for has a \\r at the end" },
	{ AGS_CAUSE_MISSING_CWD, "spawn.missing_cwd",
	  "the working directory asked for does not exist (Node still names the command)" },
	{ AGS_CAUSE_NO_EXEC_BIT, "spawn.no_exec_permission",
	  "the file has no execute permission for this user" },
	{ AGS_CAUSE_NOEXEC_MOUNT, "spawn.noexec_mount", "it is on a filesystem mounted noexec" },
	{ AGS_CAUSE_DIR_SEARCH, "spawn.dir_not_searchable",
	  "a directory on its path cannot be searched by this user" },
	{ AGS_CAUSE_ARG_TOO_LONG, "spawn.arg_too_long",
	  "one argument is longer than the kernel's 128 KiB per-argument limit" },
	{ AGS_CAUSE_ARGS_TOO_BIG, "spawn.args_too_big",
	  "argv and the environment together pass the kernel's limit" },
	{ AGS_CAUSE_FOREIGN_ARCH, "spawn.foreign_arch",
	  "the file is an ELF binary for another CPU architecture" },
	{ AGS_CAUSE_NOT_EXECUTABLE, "spawn.failed",
	  "the file is neither an ELF binary nor a #! script" },
	{ AGS_CAUSE_PROC_LIMIT, "spawn.process_limit",
	  "the process limit (RLIMIT_NPROC or the cgroup's pids.max) is reached" },
};

struct fail_link {
	int64_t pid; /* the process whose exec failed */
	struct finding *f;
};

struct proc_state {
	json_t *pending; /* "pid" -> array of the failed exec events since its last image */
	json_t *image;	 /* "pid" -> its latest proc_start event */
	struct fail_link *links;
	size_t nlinks, links_cap;
};

static void pid_key(char *buf, size_t len, const char *prefix, int64_t pid)
{
	snprintf(buf, len, "%s%lld", prefix, (long long)pid);
}

static int cause_index(const char *cause)
{
	for (size_t i = 0; cause && i < sizeof(causes) / sizeof(causes[0]); i++)
		if (strcmp(cause, causes[i].cause) == 0)
			return (int)i;
	return -1;
}

static bool is_shell(const char *name)
{
	static const char *const shells[] = { "sh", "dash", "bash", "zsh", "ash", "busybox" };

	for (size_t i = 0; name && i < sizeof(shells) / sizeof(shells[0]); i++)
		if (strcmp(name, shells[i]) == 0)
			return true;
	return false;
}

static void link_failure(struct proc_state *s, int64_t pid, struct finding *f)
{
	if (s->nlinks == s->links_cap) {
		size_t cap = s->links_cap ? s->links_cap * 2 : 16;
		struct fail_link *n = realloc(s->links, cap * sizeof(*n));

		if (!n)
			return;
		s->links = n;
		s->links_cap = cap;
	}
	s->links[s->nlinks].pid = pid;
	s->links[s->nlinks].f = f;
	s->nlinks++;
}

static struct finding *linked_failure(struct proc_state *s, int64_t pid)
{
	for (size_t i = s->nlinks; i > 0; i--)
		if (s->links[i - 1].pid == pid)
			return s->links[i - 1].f;
	return NULL;
}

/*
 * Which failed attempt explains the spawn: one the shim gave a specific cause, else the first
 * that failed with something other than ENOENT/ENOTDIR (execvp reports EACCES over a later
 * ENOENT), else the last.
 */
static json_t *decisive(json_t *attempts)
{
	size_t i;
	json_t *a;

	json_array_foreach(attempts, i, a)
	{
		const char *c = ev_str(a, AGS_K_CAUSE);

		if (c && strcmp(c, AGS_CAUSE_NOT_ON_PATH) && strcmp(c, AGS_CAUSE_NO_FILE))
			return a;
	}
	json_array_foreach(attempts, i, a)
	{
		int64_t e = ev_int_or(a, AGS_K_ERRNO, ENOENT);

		if (e != ENOENT && e != ENOTDIR)
			return a;
	}
	return json_array_get(attempts, json_array_size(attempts) - 1);
}

/* The name the program asked for: the path's last part, or argv[0]. */
static const char *wanted(json_t *a)
{
	const char *p = ev_str(a, AGS_K_PATH);

	if (p && *p)
		return path_base(p);
	p = argv_at(ev_arr(a, AGS_K_ARGV), 0);
	return p && *p ? path_base(p) : "?";
}

static int cause_from_errno(json_t *attempts, json_t *a)
{
	const char *path = ev_str(a, AGS_K_PATH);

	switch (ev_int_or(a, AGS_K_ERRNO, 0)) {
	case ENOENT:
	case ENOTDIR:
		if (json_array_size(attempts) > 1 || (path && !strchr(path, '/')))
			return cause_index(AGS_CAUSE_NOT_ON_PATH);
		return cause_index(AGS_CAUSE_NO_FILE);
	case EACCES: return cause_index(AGS_CAUSE_NO_EXEC_BIT);
	case E2BIG: return cause_index(AGS_CAUSE_ARGS_TOO_BIG);
	case EAGAIN: return cause_index(AGS_CAUSE_PROC_LIMIT);
	default: return -1;
	}
}

/* The directories a PATH search tried, from the attempts' paths. */
static json_t *searched_dirs(json_t *attempts)
{
	json_t *dirs = json_array();
	size_t i;
	json_t *a;

	json_array_foreach(attempts, i, a)
	{
		const char *p = ev_str(a, AGS_K_PATH);
		const char *slash = p ? strrchr(p, '/') : NULL;
		json_t *d;

		if (!slash)
			continue;
		d = json_stringn(p, slash == p ? 1 : (size_t)(slash - p));
		if (d)
			json_array_append_new(dirs, d);
	}
	return dirs;
}

/*
 * A #!/usr/bin/env line: the exec of the script worked, then env failed its own PATH search.
 * The shim says so for a CRLF line (detail.script); for a plain missing interpreter the failing
 * image is env, run with the script as its argv[2].  Returns the cause index, or -1.
 */
static int env_shebang(json_t *image, json_t *a, const char **script)
{
	json_t *argv = ev_arr(image, AGS_K_ARGV);
	const char *exe = ev_str(image, AGS_K_EXE);
	const char *a0 = argv_at(argv, 0);
	const char *prog = argv_at(argv, 1);
	const char *cause = ev_str(a, AGS_K_CAUSE);
	size_t n;

	*script = ev_str(ev_obj(a, AGS_K_DETAIL), AGS_K_SCRIPT);
	if (*script)
		return cause_index(cause ? cause : AGS_CAUSE_CRLF_INTERP);
	if (!image || !prog || strcmp(path_base(exe ? exe : a0 ? a0 : ""), "env") != 0)
		return -1;
	if (strcmp(path_base(prog), wanted(a)) != 0)
		return -1;
	*script = argv_at(argv, 2);
	n = strlen(prog);
	if (n > 0 && prog[n - 1] == '\r')
		return cause_index(AGS_CAUSE_CRLF_INTERP);
	if (*script && strchr(*script, '/'))
		return cause_index(AGS_CAUSE_BAD_INTERP);
	*script = NULL;
	return -1;
}

static void set_str(json_t *obj, const char *key, const char *val)
{
	if (val)
		json_object_set_new(obj, key, json_string(val));
}

static void fill_spawn_evidence(struct finding *f, json_t *attempts, json_t *a, json_t *image,
				struct proc *who, struct proc *actor, const char *script)
{
	json_t *ev = finding_evidence(f);
	json_t *detail = ev_obj(a, AGS_K_DETAIL);
	json_t *cwd = json_object_get(a, AGS_K_CWD);

	json_object_set_new(ev, "command", json_string(wanted(a)));
	set_str(ev, "path", ev_str(a, AGS_K_PATH));
	if (ev_arr(a, AGS_K_ARGV))
		json_object_set_new(ev, "argv", json_deep_copy(ev_arr(a, AGS_K_ARGV)));
	set_str(ev, "call", ev_str(a, AGS_K_CALL));
	json_object_set_new(ev, "errno", json_integer(ev_int_or(a, AGS_K_ERRNO, 0)));
	set_str(ev, "err", ev_str(a, AGS_K_ERR));
	if (json_array_size(attempts) > 1) {
		json_object_set_new(ev, "attempts",
				    json_integer((json_int_t)json_array_size(attempts)));
		json_object_set_new(ev, "searched", searched_dirs(attempts));
	}
	if (detail)
		json_object_set_new(ev, "detail", json_deep_copy(detail));
	if (json_is_string(cwd) || json_is_null(cwd))
		json_object_set(ev, "cwd", cwd);
	else if (image && ev_str(image, AGS_K_CWD))
		set_str(ev, "cwd", ev_str(image, AGS_K_CWD));
	set_str(ev, "fallback", ev_str(a, AGS_K_FALLBACK));
	json_object_set_new(ev, "process",
			    json_pack("{s:I, s:s, s:b}", "pid", (json_int_t)who->pid, "name",
				      proc_name(who), "forked", ev_bool(a, AGS_K_FORKED)));
	if (actor && actor != who)
		json_object_set_new(ev, "parent",
				    json_pack("{s:I, s:s}", "pid", (json_int_t)actor->pid, "name",
					      proc_name(actor)));
	if (script) {
		set_str(ev, "script", script);
		set_str(ev, "interpreter", argv_at(ev_arr(image, AGS_K_ARGV), 1));
	}
}

/* Which process asked for the spawn: the parent, when the failure is in its fork child. */
static struct proc *spawn_actor(struct report *r, struct proc *who, json_t *a)
{
	struct proc *parent = report_parent(r, who);

	if (ev_bool(a, AGS_K_FORKED) && parent)
		return parent;
	return who;
}

static int classify(json_t *attempts, json_t *a, json_t *image, const char **script)
{
	const char *cause = ev_str(a, AGS_K_CAUSE);
	int ci = -1;

	*script = NULL;
	if (!cause || strcmp(cause, AGS_CAUSE_NOT_ON_PATH) == 0 ||
	    strcmp(cause, AGS_CAUSE_CRLF_INTERP) == 0)
		ci = env_shebang(image, a, script);
	if (ci < 0)
		ci = cause_index(cause);
	/* Several "no such file" attempts (an unfolded PATH search) are one search that failed. */
	if (ci >= 0 && strcmp(causes[ci].cause, AGS_CAUSE_NO_FILE) == 0 &&
	    json_array_size(attempts) > 1)
		ci = cause_index(AGS_CAUSE_NOT_ON_PATH);
	if (ci < 0)
		ci = cause_from_errno(attempts, a);
	return ci;
}

/* How a search went, for the summary: "5 PATH entries searched". */
static size_t searched_count(json_t *attempts, json_t *a)
{
	json_t *s = ev_arr(ev_obj(a, AGS_K_DETAIL), AGS_K_SEARCHED);

	if (s)
		return json_array_size(s);
	return json_array_size(attempts) > 1 ? json_array_size(attempts) : 0;
}

static long long dint(json_t *d, const char *key)
{
	return (long long)ev_int_or(d, key, -1);
}

static const char *dstr(json_t *d, const char *key)
{
	const char *v = ev_str(d, key);

	return v ? v : "?";
}

/* The facts of the shim's detail object that make the summary specific, into buf. */
static void cause_facts(const char *cause, json_t *a, size_t nsearched, char *buf, size_t len)
{
	json_t *d = ev_obj(a, AGS_K_DETAIL);

	buf[0] = '\0';
	if (!cause)
		return;
	if (!strcmp(cause, AGS_CAUSE_NOT_ON_PATH) && nsearched)
		snprintf(buf, len, "; %zu PATH entries searched", nsearched);
	else if (!d)
		return;
	else if (!strcmp(cause, AGS_CAUSE_NO_FILE) || !strcmp(cause, AGS_CAUSE_MISSING_CWD))
		snprintf(buf, len, "; %s does not exist", dstr(d, AGS_K_MISSING));
	else if (!strcmp(cause, AGS_CAUSE_BAD_INTERP) || !strcmp(cause, AGS_CAUSE_CRLF_INTERP))
		snprintf(buf, len, "; #! names %s%s%s", dstr(d, AGS_K_INTERP),
			 ev_str(d, AGS_K_INTERP_ARG) && *ev_str(d, AGS_K_INTERP_ARG) ? " " : "",
			 ev_str(d, AGS_K_INTERP_ARG) ? ev_str(d, AGS_K_INTERP_ARG) : "");
	else if (!strcmp(cause, AGS_CAUSE_NO_EXEC_BIT))
		snprintf(buf, len, "; mode %s, owner %lld:%lld, caller %lld:%lld",
			 dstr(d, AGS_K_MODE), dint(d, AGS_K_FILE_UID), dint(d, AGS_K_FILE_GID),
			 dint(d, AGS_K_EUID), dint(d, AGS_K_EGID));
	else if (!strcmp(cause, AGS_CAUSE_NOEXEC_MOUNT))
		snprintf(buf, len, "; %s (%s) is mounted %s", dstr(d, AGS_K_MOUNT),
			 dstr(d, AGS_K_FSTYPE), dstr(d, AGS_K_MOUNT_OPTS));
	else if (!strcmp(cause, AGS_CAUSE_DIR_SEARCH))
		snprintf(buf, len, "; %s is mode %s, owner %lld:%lld, caller %lld:%lld",
			 dstr(d, AGS_K_DIR), dstr(d, AGS_K_MODE), dint(d, AGS_K_FILE_UID),
			 dint(d, AGS_K_FILE_GID), dint(d, AGS_K_EUID), dint(d, AGS_K_EGID));
	else if (!strcmp(cause, AGS_CAUSE_ARG_TOO_LONG) && dint(d, AGS_K_LARGEST_IDX) >= 0)
		snprintf(buf, len, "; argv[%lld] is %lld bytes, the limit is %lld",
			 dint(d, AGS_K_LARGEST_IDX), dint(d, AGS_K_LARGEST),
			 dint(d, AGS_K_ARG_LIMIT));
	else if (!strcmp(cause, AGS_CAUSE_ARG_TOO_LONG))
		snprintf(buf, len, "; an environment string is %lld bytes, the limit is %lld",
			 dint(d, AGS_K_LARGEST), dint(d, AGS_K_ARG_LIMIT));
	else if (!strcmp(cause, AGS_CAUSE_ARGS_TOO_BIG))
		snprintf(buf, len, "; argv %lld + environment %lld bytes, the limit is %lld",
			 dint(d, AGS_K_ARGV_BYTES), dint(d, AGS_K_ENV_BYTES),
			 dint(d, AGS_K_ARG_MAX));
	else if (!strcmp(cause, AGS_CAUSE_FOREIGN_ARCH))
		snprintf(buf, len, "; built for %s, this host runs %s", dstr(d, AGS_K_MACHINE),
			 dstr(d, AGS_K_HOST_MACHINE));
	else if (!strcmp(cause, AGS_CAUSE_NOT_EXECUTABLE))
		snprintf(buf, len, "; it starts with bytes %s", dstr(d, AGS_K_MAGIC));
	else if (!strcmp(cause, AGS_CAUSE_PROC_LIMIT))
		snprintf(buf, len, "; RLIMIT_NPROC %lld, pids.max %lld, pids.current %lld",
			 dint(d, AGS_K_RLIMIT_NPROC), dint(d, AGS_K_PIDS_MAX),
			 dint(d, AGS_K_PIDS_CURRENT));
}

/* The start of pid failed for good (attempts: its failed exec events): one finding. */
static void spawn_failed(struct proc_state *s, struct report *r, int64_t pid, json_t *attempts,
			 int64_t status_seen)
{
	json_t *a = decisive(attempts);
	struct proc *who = report_proc(r, pid);
	struct proc *actor = spawn_actor(r, who, a);
	const char *script = NULL, *err = ev_str(a, AGS_K_ERR);
	const char *id, *cwd = ev_str(a, AGS_K_CWD);
	char key[32], fkey[512], how[256];
	json_t *image;
	struct finding *f;
	size_t nsearched = searched_count(attempts, a);
	int ci;

	pid_key(key, sizeof(key), "", pid);
	image = json_object_get(s->image, key);
	ci = classify(attempts, a, image, &script);
	id = ci >= 0 ? causes[ci].id : "spawn.failed";

	/* Repeats of the same failure are one finding: same cause, same command (or cwd). */
	snprintf(fkey, sizeof(fkey), "%s\x1f%s", script ? script : wanted(a),
		 strcmp(id, "spawn.missing_cwd") == 0 && cwd ? cwd : "");
	f = finding_add_ev(r, id, fkey, a);
	if (!f)
		return;
	finding_pid(f, actor->pid);
	link_failure(s, pid, f);
	if (finding_count(f) == 1)
		fill_spawn_evidence(f, attempts, a, image, who, actor, script);
	if (status_seen == 126 || status_seen == 127)
		json_object_set_new(finding_evidence(f), "exit_status", json_integer(status_seen));
	if (image && is_shell(proc_name(who)))
		set_str(finding_evidence(f), "via_shell", proc_name(who));

	cause_facts(ci >= 0 ? causes[ci].cause : NULL, a, nsearched, how, sizeof(how));
	if (script) {
		const char *interp = argv_at(ev_arr(image, AGS_K_ARGV), 1);

		finding_summary(f,
				"%s could not run: %s (#!/usr/bin/env names \"%s\"; %s exits 127)",
				script, ci >= 0 ? causes[ci].says : "the exec failed",
				interp ? interp : wanted(a), proc_name(who));
		return;
	}
	finding_summary(f, "%s (pid %lld) could not start \"%s\": %s (%s%s)%s", proc_name(actor),
			(long long)actor->pid, wanted(a),
			ci >= 0 ? causes[ci].says : "the exec failed", err ? err : "error", how,
			finding_count(f) > 1 ? "; repeated" : "");
}

/* chdir failed in a fork child: the child exits 127 and Node blames the command. */
static void on_chdir(struct proc_state *s, struct report *r, json_t *ev)
{
	const char *cause = ev_str(ev, AGS_K_CAUSE);
	const char *dir = ev_str(ev, AGS_K_PATH);
	struct proc *who = report_proc(r, ev_pid(ev));
	struct proc *actor;
	struct finding *f;
	json_t *e;

	if (!cause || strcmp(cause, AGS_CAUSE_MISSING_CWD) != 0)
		return;
	actor = spawn_actor(r, who, ev);
	f = finding_add_ev(r, "spawn.missing_cwd", dir ? dir : "", ev);
	if (!f)
		return;
	finding_pid(f, actor->pid);
	link_failure(s, who->pid, f);
	e = finding_evidence(f);
	if (finding_count(f) == 1) {
		set_str(e, "cwd", dir);
		set_str(e, "call", ev_str(ev, AGS_K_CALL));
		set_str(e, "err", ev_str(ev, AGS_K_ERR));
		if (ev_obj(ev, AGS_K_DETAIL))
			json_object_set_new(e, "detail", json_deep_copy(ev_obj(ev, AGS_K_DETAIL)));
		json_object_set_new(e, "process",
				    json_pack("{s:I, s:b}", "pid", (json_int_t)who->pid, "forked",
					      ev_bool(ev, AGS_K_FORKED)));
	}
	finding_summary(f,
			"%s (pid %lld) started a child in %s, which does not exist (%s): the child "
			"exits 127 before its exec and Node reports \"spawn <command> ENOENT\"",
			proc_name(actor), (long long)actor->pid, dir ? dir : "?",
			ev_str(ev, AGS_K_ERR) ? ev_str(ev, AGS_K_ERR) : "ENOENT");
}

static void flush_pending(struct proc_state *s, struct report *r, int64_t pid, int64_t status)
{
	char key[32];
	json_t *att;

	pid_key(key, sizeof(key), "", pid);
	att = json_object_get(s->pending, key);
	if (json_array_size(att) == 0)
		return;
	json_incref(att);
	json_object_del(s->pending, key);
	spawn_failed(s, r, pid, att, status);
	json_decref(att);
}

/*
 * A "no such file" exec (bare, or with cause no_such_file or not_on_path) may be one step of a
 * search that goes on to work: agshim-bpf sees every execve, and a program may try a second
 * name.  Such events wait for the pid's next image (then they were no failure), its exit, its
 * parent's wait, or the end of the input.  Every other failure is final when written.
 */
static bool may_be_a_step(json_t *ev)
{
	const char *cause = ev_str(ev, AGS_K_CAUSE);

	if (ev_int_or(ev, AGS_K_ERRNO, 0) != ENOENT)
		return false;
	return !cause || !strcmp(cause, AGS_CAUSE_NO_FILE) || !strcmp(cause, AGS_CAUSE_NOT_ON_PATH);
}

static void on_exec(struct proc_state *s, struct report *r, json_t *ev)
{
	const char *cause = ev_str(ev, AGS_K_CAUSE);
	struct finding *f = linked_failure(s, ev_pid(ev));
	char key[32];
	json_t *att;

	if (!json_object_get(ev, AGS_K_ERRNO) && !cause)
		return;
	/* The exec after a failed chdir says the same thing again. */
	if (f && cause && strcmp(cause, AGS_CAUSE_MISSING_CWD) == 0 &&
	    strcmp(finding_id(f), "spawn.missing_cwd") == 0) {
		json_object_set_new(finding_evidence(f), "command", json_string(wanted(ev)));
		if (ev_arr(ev, AGS_K_ARGV) && !json_object_get(finding_evidence(f), "argv"))
			json_object_set_new(finding_evidence(f), "argv",
					    json_deep_copy(ev_arr(ev, AGS_K_ARGV)));
		return;
	}
	if (!may_be_a_step(ev)) {
		att = json_array();
		json_array_append(att, ev);
		spawn_failed(s, r, ev_pid(ev), att, -1);
		json_decref(att);
		return;
	}
	pid_key(key, sizeof(key), "", ev_pid(ev));
	att = json_object_get(s->pending, key);
	if (!att) {
		att = json_array();
		json_object_set_new(s->pending, key, att);
	}
	json_array_append(att, ev);
}

static void on_spawn(struct proc_state *s, struct report *r, json_t *ev)
{
	int64_t e = ev_int_or(ev, AGS_K_ERRNO, 0);
	const char *cause = ev_str(ev, AGS_K_CAUSE);
	struct proc *p = report_proc(r, ev_pid(ev));
	struct finding *f;
	json_t *one;

	if (!e && !cause)
		return;
	if (e == EAGAIN || (cause && strcmp(cause, AGS_CAUSE_PROC_LIMIT) == 0)) {
		f = finding_add_ev(r, "spawn.process_limit", proc_name(p), ev);
		if (!f)
			return;
		if (finding_count(f) == 1) {
			json_object_set_new(finding_evidence(f), "call",
					    json_string(ev_str(ev, AGS_K_CALL)
								? ev_str(ev, AGS_K_CALL)
								: "fork"));
			json_object_set_new(finding_evidence(f), "err",
					    json_string(ev_str(ev, AGS_K_ERR)
								? ev_str(ev, AGS_K_ERR)
								: "EAGAIN"));
			if (ev_obj(ev, AGS_K_DETAIL))
				json_object_set_new(finding_evidence(f), "detail",
						    json_deep_copy(ev_obj(ev, AGS_K_DETAIL)));
		}
		finding_summary(f, "%s (pid %lld) could not create a process %lld time(s): %s",
				proc_name(p), (long long)p->pid, (long long)finding_count(f),
				causes[cause_index(AGS_CAUSE_PROC_LIMIT)].says);
		return;
	}
	/* posix_spawn and friends report the child's exec failure to the caller. */
	one = json_array();
	json_array_append(one, ev);
	spawn_failed(s, r, ev_pid(ev), one, -1);
	json_decref(one);
}

/*
 * "sh -c CMD" that exits 127 (or 126) without an exec event: the shell's own search found
 * nothing (or no permission).  Reported from the status, and said to be inferred.  Only for
 * shells the shim did not run in: under the shim, the shell's missing command is an exec
 * event of its own (the shim checks the word against PATH, builtins and keywords), and a
 * bare status would misname "true; exit 127".
 */
static void shell_status(struct proc_state *s, struct report *r, int64_t pid, int64_t status,
			 int64_t ts)
{
	char key[32], cmd[256];
	json_t *image;
	json_t *argv;
	const char *script, *id;
	struct proc *who = report_proc(r, pid);
	struct proc *parent;
	struct finding *f;
	size_t n;

	if ((status != 127 && status != 126) || !who || linked_failure(s, pid) ||
	    (who->src & PROC_SRC_PRELOAD))
		return;
	pid_key(key, sizeof(key), "", pid);
	image = json_object_get(s->image, key);
	argv = ev_arr(image, AGS_K_ARGV);
	script = argv_at(argv, 2);
	if (!is_shell(proc_name(who)) || !argv_at(argv, 1) || strcmp(argv_at(argv, 1), "-c") ||
	    !script)
		return;
	n = strcspn(script, " \t\n;|&<>()");
	snprintf(cmd, sizeof(cmd), "%.*s", (int)(n < sizeof(cmd) ? n : sizeof(cmd) - 1), script);
	id = status == 127 ? "spawn.not_on_path" : "spawn.no_exec_permission";
	f = finding_add(r, id, cmd, ts, pid);
	if (!f)
		return;
	parent = report_parent(r, who);
	if (parent)
		finding_pid(f, parent->pid);
	link_failure(s, pid, f);
	if (finding_count(f) == 1) {
		json_object_set_new(finding_evidence(f), "command", json_string(cmd));
		json_object_set_new(finding_evidence(f), "argv", json_deep_copy(argv));
		json_object_set_new(finding_evidence(f), "exit_status", json_integer(status));
		set_str(finding_evidence(f), "via_shell", proc_name(who));
		json_object_set_new(finding_evidence(f), "inferred",
				    json_string("from the shell's exit status; no exec event"));
	}
	finding_summary(f, "%s -c (pid %lld%s%s) exited %lld: \"%s\" %s (inferred from the status)",
			proc_name(who), (long long)pid, parent ? ", run by " : "",
			parent ? proc_name(parent) : "", (long long)status, cmd,
			status == 127 ? "was not found" : "could not be executed");
}

static void on_wait(struct proc_state *s, struct report *r, json_t *ev)
{
	int64_t cpid = ev_int_or(ev, AGS_K_CHILD, 0);
	int64_t status = ev_int_or(ev, AGS_K_STATUS, -1);
	struct finding *f;

	if (cpid <= 0)
		return;
	flush_pending(s, r, cpid, status);
	shell_status(s, r, cpid, status, ev_ts(ev));
	f = linked_failure(s, cpid);
	if (f && (status == 127 || status == 126)) {
		json_object_set_new(finding_evidence(f), "exit_status", json_integer(status));
		/*
		 * A shell that forked the failing command exits with its status: the same
		 * failure, not a second one to infer when the shell itself is reaped.
		 */
		struct proc *waiter = report_proc(r, ev_pid(ev));

		if (waiter && !linked_failure(s, ev_pid(ev)) && is_shell(proc_name(waiter)))
			link_failure(s, ev_pid(ev), f);
	}
}

static void *proc_create(void)
{
	struct proc_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pending = json_object();
	s->image = json_object();
	return s;
}

static void proc_event(void *st, struct report *r, json_t *ev)
{
	struct proc_state *s = st;
	char key[32];

	if (!s)
		return;
	switch (ev_kind(ev)) {
	case AGS_KIND_EXEC: on_exec(s, r, ev); break;
	case AGS_KIND_CHDIR: on_chdir(s, r, ev); break;
	case AGS_KIND_PROC_START:
		/* The exec worked: the ENOENTs of its PATH search were no failure. */
		pid_key(key, sizeof(key), "", ev_pid(ev));
		json_object_del(s->pending, key);
		json_object_set(s->image, key, ev);
		break;
	case AGS_KIND_PROC_EXIT:
		flush_pending(s, r, ev_pid(ev), ev_int_or(ev, AGS_K_STATUS, -1));
		shell_status(s, r, ev_pid(ev), ev_int_or(ev, AGS_K_STATUS, -1), ev_ts(ev));
		break;
	case AGS_KIND_SPAWN: on_spawn(s, r, ev); break;
	case AGS_KIND_WAIT: on_wait(s, r, ev); break;
	default: break;
	}
}

static void proc_finish(void *st, struct report *r)
{
	struct proc_state *s = st;
	json_t *keys;
	const char *k;
	json_t *v;
	size_t i;

	if (!s)
		return;
	/* Attempts with no later image: the input ended with the process failing to exec. */
	keys = json_array();
	json_object_foreach(s->pending, k, v)
	{
		json_array_append_new(keys, json_string(k));
	}
	json_array_foreach(keys, i, v)
	{
		flush_pending(s, r, strtoll(json_string_value(v), NULL, 10), -1);
	}
	json_decref(keys);
}

static void proc_destroy(void *st)
{
	struct proc_state *s = st;

	if (!s)
		return;
	json_decref(s->pending);
	json_decref(s->image);
	free(s->links);
	free(s);
}

const struct analyzer an_proc = {
	.name = "proc",
	.ids = proc_ids,
	.create = proc_create,
	.event = proc_event,
	.finish = proc_finish,
	.destroy = proc_destroy,
};
