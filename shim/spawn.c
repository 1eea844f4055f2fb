/* SPDX-License-Identifier: MIT */
/* posix_spawn, posix_spawnp, system, popen and pclose: glibc starts these without fork. */
#include "proc.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "enrich.h"
#include "real.h"
#include "sys.h"

#define MAX_CANDS 16

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : (path ? path : "");
}

static void put_status(struct ags_ev *ev, int status)
{
	if (WIFEXITED(status))
		ags_ev_int(ev, AGS_K_STATUS, WEXITSTATUS(status));
	ags_ev_int(ev, AGS_K_SIGNAL, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ags_ev_int(ev, AGS_K_CORE, WIFSIGNALED(status) && WCOREDUMP(status));
}

static void spawned(const char *call, const char *path, int ret, pid_t child, uint64_t t0,
		    char *const argv[])
{
	struct ags_ev ev;

	ags_ev_begin(&ev, AGS_KIND_SPAWN, call);
	ags_ev_int(&ev, AGS_K_RET, ret);
	ags_ev_uint(&ev, AGS_K_DUR, ags_mono_ns() - t0);
	if (!ret)
		ags_ev_int(&ev, AGS_K_CHILD, child);
	ags_ev_errno(&ev, ret);
	ags_ev_str(&ev, AGS_K_PATH, path);
	if (ret == EAGAIN)
		ags_explain_eagain(&ev);
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	ags_ev_emit(&ev);
}

/*
 * posix_spawnp searches PATH inside its child, out of our sight: list the
 * candidates it tried from the files that are there, for the explanation.
 */
static void spawnp_failed(const char *file, int ret, char *const argv[], char *const envp[])
{
	char store[MAX_CANDS][AGS_PATH_MAX];
	const char *cands[MAX_CANDS];
	int errs[MAX_CANDS], n = 0;
	const char *path = ags_env_get(environ, "PATH"), *p;
	size_t flen = strlen(file);
	struct stat st;

	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; n < MAX_CANDS; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);

		if (dl + flen + 2 <= AGS_PATH_MAX) {
			memcpy(store[n], p, dl);
			store[n][dl] = '/';
			memcpy(store[n] + dl + (dl ? 1 : 0), file, flen + 1);
			cands[n] = store[n];
			errs[n] = ags_stat(store[n], &st) == 0 ? ret : ENOENT;
			n++;
		}
		p = end;
		if (!*p)
			break;
	}
	ags_exec_report("posix_spawnp", file, ret, ret, argv, envp, cands, errs, n, 1, 0);
}

/* Errors of the fork step; the others come from the child's exec. */
static int fork_level(int err)
{
	return err == EAGAIN || err == ENOMEM || err == ENOSYS || err == EINVAL;
}

static int do_spawn(const char *call, int search, pid_t *pid, const char *file,
		    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		    char *const argv[], char *const envp[])
{
	struct ags_envbuf b;
	char *const *env;
	pid_t local = 0, *pp = pid ? pid : &local;
	uint64_t t0;
	int ret, err, trace;

	if (ags_in_shim || !(ags_state > 0 || ags_ready()))
		return search ? REAL(posix_spawnp)(pid, file, fa, attr, argv, envp)
			      : REAL(posix_spawn)(pid, file, fa, attr, argv, envp);
	env = ags_child_env(envp, &b, &trace);
	t0 = ags_mono_ns();
	ret = search ? REAL(posix_spawnp)(pp, file, fa, attr, argv, env)
		     : REAL(posix_spawn)(pp, file, fa, attr, argv, env);
	/* posix_spawn returns its error; errno is whatever glibc left, and stays so. */
	err = errno;
	ags_in_shim++;
	ags_env_release(&b);
	if (trace && file) {
		if (ret == 0 || fork_level(ret)) {
			spawned(call, file, ret, *pp, t0, argv);
			if (ret == 0)
				ags_children_add(*pp, base_name(argv && argv[0] ? argv[0] : file));
		} else if (search && !strchr(file, '/')) {
			spawnp_failed(file, ret, argv, envp);
		} else {
			ags_exec_report(call, file, ret, ret, argv, envp, NULL, NULL, 0, 0, 0);
		}
	}
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return do_spawn("posix_spawn", 0, pid, path, fa, attr, argv, envp);
}

AGS_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return do_spawn("posix_spawnp", 1, pid, file, fa, attr, argv, envp);
}

AGS_EXPORT int system(const char *command)
{
	char *argv[4] = { "/bin/sh", "-c", (char *)command, NULL };
	struct ags_ev ev;
	uint64_t t0;
	int ret, err;

	if (!command || !ags_tracing(AGS_FAM_PROC))
		return REAL(system)(command);
	ags_in_shim++;
	ags_proc_tick();
	ags_in_shim--;
	t0 = ags_mono_ns();
	ret = REAL(system)(command);
	err = errno;
	ags_in_shim++;
	ags_ev_begin(&ev, AGS_KIND_SPAWN, "system");
	ags_ev_int(&ev, AGS_K_RET, ret);
	ags_ev_uint(&ev, AGS_K_DUR, ags_mono_ns() - t0);
	if (ret == -1) {
		ags_ev_errno(&ev, err);
		if (err == EAGAIN)
			ags_explain_eagain(&ev);
	} else {
		put_status(&ev, ret);
	}
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	ags_ev_emit(&ev);
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT FILE *popen(const char *command, const char *type)
{
	char *argv[4] = { "/bin/sh", "-c", (char *)command, NULL };
	struct ags_ev ev;
	uint64_t t0;
	FILE *ret;
	int err;

	if (!command || !ags_tracing(AGS_FAM_PROC))
		return REAL(popen)(command, type);
	ags_in_shim++;
	ags_proc_tick();
	ags_in_shim--;
	t0 = ags_mono_ns();
	ret = REAL(popen)(command, type);
	err = errno;
	ags_in_shim++;
	ags_ev_begin(&ev, AGS_KIND_SPAWN, "popen");
	ags_ev_int(&ev, AGS_K_RET, ret ? 0 : -1);
	ags_ev_uint(&ev, AGS_K_DUR, ags_mono_ns() - t0);
	if (!ret) {
		ags_ev_errno(&ev, err);
		if (err == EAGAIN)
			ags_explain_eagain(&ev);
	}
	ags_ev_str(&ev, AGS_K_TYPE, type);
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	ags_ev_emit(&ev);
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT int pclose(FILE *stream)
{
	struct ags_ev ev;
	int ret, err;

	if (!ags_tracing(AGS_FAM_PROC))
		return REAL(pclose)(stream);
	ret = REAL(pclose)(stream);
	err = errno;
	if (ret != -1) {
		ags_in_shim++;
		ags_ev_begin(&ev, AGS_KIND_WAIT, "pclose");
		ags_ev_int(&ev, AGS_K_RET, ret);
		put_status(&ev, ret);
		ags_ev_emit(&ev);
		ags_in_shim--;
	}
	errno = err;
	return ret;
}
