/* SPDX-License-Identifier: MIT */
/* The exec family: environment follow, failed execs folded per start and explained. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "enrich.h"
#include "real.h"
#include "sys.h"

#define MAX_TRIES 16
#define ARGV_JSON_MAX 2600
#define PATH_ENV_MAX 1024

/*
 * A failed start, kept until it is known to be final.  A program that
 * searches PATH itself (dash, or anything calling execve per directory)
 * fails once per directory and then either execs (the failures were no
 * failure: the image is gone and so is this record) or gives up (the
 * record is written once, with every candidate).  The argv is rendered
 * when the failure happens, while the program's pointers are still valid.
 */
struct pending {
	const char *call;
	int ret;
	int err;
	int forked;
	int fallback; /* glibc goes on to run the file with /bin/sh */
	int inferred; /* no exec call: a shell's 127 */
	int ntries;
	int searched; /* more than one candidate, or a PATH search */
	int has_sz;
	int has_script;
	int cwd_ok;
	int argv_cut;
	size_t argv_len;
	struct ags_argsize sz;
	char name[AGS_PATH_MAX]; /* the file argument; the bare name after a fold */
	char tries[MAX_TRIES][AGS_PATH_MAX];
	int tries_err[MAX_TRIES];
	char script[AGS_PATH_MAX];
	char cwd[AGS_PATH_MAX];
	char path_env[PATH_ENV_MAX];
	char argv_json[ARGV_JSON_MAX + 1024];
};

static struct pending pend;
static int pend_active;
static int pend_busy; /* a thread is filling or writing pend */

static void copy_in(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (len >= n)
		len = n - 1;
	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* argc and argv as members ("argc":N,"argv":[...]) for a later event. */
static void render_argv(struct pending *p, char *const argv[])
{
	struct ags_ev ev;

	ags_ev_begin_raw(&ev);
	ev.end = ev.buf + ARGV_JSON_MAX;
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	p->argv_cut = ev.trunc || ev.trunc_argv;
	p->argv_len = (size_t)(ev.p - (ev.buf + 1));
	if (p->argv_len > sizeof(p->argv_json))
		p->argv_len = 0;
	memcpy(p->argv_json, ev.buf + 1, p->argv_len);
}

static void pend_try(struct pending *p, const char *cand, int err, char *const argv[],
		     char *const envp[])
{
	if (p->ntries < MAX_TRIES) {
		copy_in(p->tries[p->ntries], AGS_PATH_MAX, cand);
		p->tries_err[p->ntries] = err;
		p->ntries++;
	}
	p->err = err;
	if (err == E2BIG && !p->has_sz) {
		ags_arg_sizes(argv, envp, &p->sz);
		p->has_sz = 1;
	}
}

static void pend_start(struct pending *p, const char *call, const char *name, char *const argv[],
		       char *const envp[])
{
	size_t n = strlen(name);
	const char *path = ags_env_get(environ, "PATH");
	long r;

	p->call = call;
	p->ret = -1;
	p->err = 0;
	p->forked = ags_in_fork_child();
	p->fallback = 0;
	p->inferred = 0;
	p->ntries = 0;
	p->searched = 0;
	p->has_sz = 0;
	p->has_script = 0;
	copy_in(p->name, sizeof(p->name), name);
	copy_in(p->path_env, sizeof(p->path_env), path ? path : "/bin:/usr/bin");
	r = ags_sys(SYS_getcwd, (long)p->cwd, sizeof(p->cwd), 0, 0);
	p->cwd_ok = r > 0;
	/* `env` failing on "node\r": remember the script it was running. */
	if (n && name[n - 1] == '\r' && argv && argv[0] && argv[1]) {
		copy_in(p->script, sizeof(p->script), argv[1]);
		p->has_script = 1;
	}
	render_argv(p, argv);
	(void)envp;
}

static void pend_emit(struct pending *p)
{
	struct ags_try tries[MAX_TRIES];
	struct ags_exec_ctx ctx;
	struct ags_ev ev;

	for (int i = 0; i < p->ntries; i++) {
		tries[i].path = p->tries[i];
		tries[i].err = p->tries_err[i];
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = p->name;
	ctx.final_err = p->err;
	ctx.chdir_failed = ags_fstate.chdir_failed;
	ctx.chdir_path = ags_fstate.chdir_failed ? ags_fstate.chdir_path : NULL;
	ctx.script = p->has_script ? p->script : NULL;
	ctx.sz = p->has_sz ? &p->sz : NULL;
	ctx.path_env = p->searched ? p->path_env : NULL;

	ags_ev_begin(&ev, AGS_KIND_EXEC, p->call);
	ags_ev_int(&ev, AGS_K_RET, p->ret);
	ags_ev_errno(&ev, p->err);
	ags_ev_str(&ev, AGS_K_PATH, p->name);
	ags_ev_bool(&ev, AGS_K_FORKED, p->forked);
	ags_ev_str(&ev, AGS_K_CWD, p->cwd_ok ? p->cwd : NULL);
	if (p->fallback)
		ags_ev_str(&ev, AGS_K_FALLBACK, "/bin/sh");
	if (p->inferred)
		ags_ev_bool(&ev, AGS_K_INFERRED, 1);
	ags_explain_exec(&ev, tries, p->ntries, &ctx);
	ags_ev_raw(&ev, p->argv_json, p->argv_len, p->argv_cut);
	ags_ev_emit(&ev);
}

void ags_exec_flush(void)
{
	if (!__atomic_load_n(&pend_active, __ATOMIC_ACQUIRE) ||
	    __atomic_exchange_n(&pend_busy, 1, __ATOMIC_ACQ_REL))
		return;
	if (pend_active) {
		pend_emit(&pend);
		pend_active = 0;
	}
	__atomic_store_n(&pend_busy, 0, __ATOMIC_RELEASE);
}

void ags_exec_forget(void)
{
	pend_active = 0;
	pend_busy = 0;
}

static void fill_and_emit(struct pending *p, const char *call, const char *name, int ret, int err,
			  char *const argv[], char *const envp[], const char *const *cands,
			  const int *errs, int n, int searched, int fallback)
{
	pend_start(p, call, name, argv, envp);
	for (int i = 0; i < n; i++)
		pend_try(p, cands[i], errs[i], argv, envp);
	if (!n)
		pend_try(p, name, err, argv, envp);
	p->err = err;
	p->ret = ret;
	p->searched = searched;
	p->fallback = fallback;
	pend_emit(p);
}

/* Another thread holds pend: build the record on this stack instead (rare, and large). */
static __attribute__((noinline)) void emit_local(const char *call, const char *name, int ret,
						 int err, char *const argv[], char *const envp[],
						 const char *const *cands, const int *errs, int n,
						 int searched, int fallback)
{
	struct pending local;

	fill_and_emit(&local, call, name, ret, err, argv, envp, cands, errs, n, searched, fallback);
}

/* A failure that is final now: write it (after any different one still pending). */
static void emit_now(const char *call, const char *name, int ret, int err, char *const argv[],
		     char *const envp[], const char *const *cands, const int *errs, int n,
		     int searched, int fallback)
{
	if (__atomic_exchange_n(&pend_busy, 1, __ATOMIC_ACQ_REL)) {
		emit_local(call, name, ret, err, argv, envp, cands, errs, n, searched, fallback);
		return;
	}
	if (pend_active)
		pend_emit(&pend);
	pend_active = 0;
	fill_and_emit(&pend, call, name, ret, err, argv, envp, cands, errs, n, searched, fallback);
	__atomic_store_n(&pend_busy, 0, __ATOMIC_RELEASE);
}

void ags_exec_report(const char *call, const char *name, int ret, int err, char *const argv[],
		     char *const envp[], const char *const *cands, const int *errs, int n,
		     int searched, int fallback)
{
	emit_now(call, name, ret, err, argv, envp, cands, errs, n, searched, fallback);
}

void ags_exec_report_inferred(const char *shell, const char *name, char *const argv[],
			      const char *const *cands, const int *errs, int n)
{
	struct pending *p = &pend;

	if (__atomic_exchange_n(&pend_busy, 1, __ATOMIC_ACQ_REL))
		return; /* at exit, another thread mid-record: skip the inference */
	if (pend_active)
		pend_emit(&pend);
	pend_active = 0;
	pend_start(p, shell, name, argv, NULL);
	for (int i = 0; i < n; i++)
		pend_try(p, cands[i], errs[i], argv, NULL);
	p->err = ENOENT;
	p->ret = 127;
	p->searched = 1;
	p->inferred = 1;
	pend_emit(p);
	__atomic_store_n(&pend_busy, 0, __ATOMIC_RELEASE);
}

/* A failed execve-style call: fold it into the pending start or begin a new one. */
static void fold_failure(const char *call, const char *path, char *const argv[], char *const envp[],
			 int err)
{
	if (__atomic_exchange_n(&pend_busy, 1, __ATOMIC_ACQ_REL)) {
		emit_now(call, path, -1, err, argv, envp, NULL, NULL, 0, 0, 0);
		return;
	}
	if (pend_active && pend.call == call &&
	    strcmp(base_name(pend.tries[0]), base_name(path)) == 0) {
		/* The next directory of the program's own PATH search (PATH may repeat one). */
		pend_try(&pend, path, err, argv, envp);
		pend.searched = 1;
		copy_in(pend.name, sizeof(pend.name), base_name(path));
	} else {
		if (pend_active)
			pend_emit(&pend);
		pend_start(&pend, call, path, argv, envp);
		pend_try(&pend, path, err, argv, envp);
		__atomic_store_n(&pend_active, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&pend_busy, 0, __ATOMIC_RELEASE);
}

/*
 * Before another exec attempt: a pending failure for a different name is
 * final now (this attempt may succeed and take the record with it); one for
 * the same name may be the same search going on, and stays pending.
 */
static void flush_unless_same(const char *call, const char *path)
{
	if (!__atomic_load_n(&pend_active, __ATOMIC_ACQUIRE))
		return;
	if (pend.call == call && path && strcmp(base_name(pend.tries[0]), base_name(path)) == 0)
		return;
	ags_exec_flush();
}

/* Follow applies whatever AGSHIM_TRACE says, unless the shim itself is running. */
static int may_follow(void)
{
	return (ags_state > 0 || ags_ready()) && !ags_in_shim;
}

static int do_execve(const char *call, const char *path, char *const argv[], char *const envp[])
{
	struct ags_envbuf b;
	char *const *env = envp;
	int ret, err, trace;

	if (!may_follow())
		return REAL(execve)(path, argv, envp);
	trace = ags_tracing(AGS_FAM_PROC);
	ags_in_shim++;
	if (trace) {
		flush_unless_same(call, path);
		ags_children_tick();
	}
	env = ags_env_follow(envp, &b);
	ags_in_shim--;
	ret = REAL(execve)(path, argv, env);
	err = errno;
	ags_in_shim++;
	ags_env_release(&b);
	if (trace)
		fold_failure(call, path ? path : "", argv, envp, err);
	ags_in_shim--;
	errno = err;
	return ret;
}

static int is_search_err(int err)
{
	return err == ENOENT || err == ESTALE || err == ENOTDIR || err == ENODEV ||
	       err == ETIMEDOUT || err == EACCES;
}

/* ENOEXEC on an ELF: glibc would run it with /bin/sh; say why it will fail first. */
static void note_elf_enoexec(const char *call, const char *file, const char *cand,
			     char *const argv[], char *const envp[], const char *const *cands,
			     const int *errs, int n)
{
	struct ags_head h;

	if (ags_read_head(cand, &h) != 0 || h.type != AGS_HEAD_ELF)
		return; /* a script without #!: /bin/sh runs it, as intended */
	emit_now(call, file, -1, ENOEXEC, argv, envp, cands, errs, n, n > 1, 1);
}

/*
 * execvp and friends.  glibc's own search calls its internal execve, which
 * no wrapper sees, so the search runs here with the real execve, candidate
 * by candidate in glibc's order: the first success is the exec itself.  Only
 * the rare endings (ENOEXEC, an error glibc stops on) go back to the real
 * execvpe so that its exact behaviour (the /bin/sh fallback) still applies.
 */
static int do_execvpe(const char *call, const char *file, char *const argv[], char *const envp[])
{
	const char *cands[MAX_TRIES];
	int errs[MAX_TRIES], n = 0, got_eacces = 0, err = ENOENT, trace;
	char buf[4096], store[MAX_TRIES][AGS_PATH_MAX];
	struct ags_envbuf b;
	char *const *env;
	const char *path, *p;
	size_t flen;

	if (!may_follow() || !file)
		return REAL(execvpe)(file, argv, envp);
	env = ags_child_env(envp, &b, &trace);

	flen = strlen(file);
	path = ags_env_get(environ, "PATH");
	if (!path)
		path = "/bin:/usr/bin";
	if (!trace || !*file || flen > 255 || strlen(path) + flen + 2 > sizeof(buf))
		goto real;
	if (strchr(file, '/')) {
		REAL(execve)(file, argv, env);
		err = errno;
		cands[0] = file;
		errs[0] = err;
		n = 1;
		goto done;
	}
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);

		/* glibc: the entry, a '/' when it is not empty, the name. */
		memcpy(buf, p, dl);
		buf[dl] = '/';
		memcpy(buf + dl + (dl ? 1 : 0), file, flen + 1);
		REAL(execve)(buf, argv, env);
		err = errno;
		if (n < MAX_TRIES) {
			copy_in(store[n], AGS_PATH_MAX, buf);
			cands[n] = store[n];
			errs[n++] = err;
		}
		if (err == ENOEXEC) {
			ags_in_shim++;
			note_elf_enoexec(call, file, buf, argv, envp, cands, errs, n);
			ags_in_shim--;
			goto real;
		}
		if (!is_search_err(err))
			goto done;
		got_eacces |= err == EACCES;
		p = end;
		if (!*p)
			break;
	}
	if (got_eacces)
		err = EACCES;
done:
	if (err == ENOEXEC) {
		ags_in_shim++;
		note_elf_enoexec(call, file, file, argv, envp, cands, errs, n);
		ags_in_shim--;
		goto real;
	}
	ags_in_shim++;
	ags_env_release(&b);
	emit_now(call, file, -1, err, argv, envp, cands, errs, n, !strchr(file, '/'), 0);
	ags_in_shim--;
	errno = err;
	return -1;
real : {
	int ret = REAL(execvpe)(file, argv, env);

	err = errno;
	ags_in_shim++;
	ags_env_release(&b);
	if (trace && (n == 0 || errs[n - 1] != ENOEXEC))
		emit_now(call, file, ret, err, argv, envp, NULL, NULL, 0, 0, 0);
	ags_in_shim--;
	errno = err;
	return ret;
}
}

AGS_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_execve("execve", path, argv, envp);
}

AGS_EXPORT int execv(const char *path, char *const argv[])
{
	return do_execve("execv", path, argv, environ);
}

AGS_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_execvpe("execvpe", file, argv, envp);
}

AGS_EXPORT int execvp(const char *file, char *const argv[])
{
	return do_execvpe("execvp", file, argv, environ);
}

/* The l-variants build argv on the stack, as glibc does: no malloc. */
/* glibc declares arg nonnull, but a program may still pass NULL: hide it from the compiler. */
static const char *launder(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/*
 * The l-variants' argument list as an argv array on the stack (no malloc:
 * these run in fork children).  Declares argv; leaves ap just past the
 * terminating NULL, where execle's envp follows.
 */
#define AGS_VA_ARGV(argv, arg, ap)                             \
	const char *first_ = launder(arg);                     \
	size_t n_;                                             \
	va_list c_;                                            \
                                                               \
	va_start(ap, arg);                                     \
	va_copy(c_, ap);                                       \
	for (n_ = 1; first_ && va_arg(c_, char *); n_++)       \
		;                                              \
	va_end(c_);                                            \
	char *argv[n_ + 1];                                    \
                                                               \
	argv[0] = (char *)arg;                                 \
	for (size_t i_ = 1; i_ <= n_; i_++) {                  \
		argv[i_] = first_ ? va_arg(ap, char *) : NULL; \
	}

AGS_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	AGS_VA_ARGV(argv, arg, ap);

	va_end(ap);
	return do_execve("execl", path, argv, environ);
}

AGS_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char *const *envp;
	AGS_VA_ARGV(argv, arg, ap);

	envp = va_arg(ap, char *const *);
	va_end(ap);
	return do_execve("execle", path, argv, envp);
}

AGS_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	AGS_VA_ARGV(argv, arg, ap);

	va_end(ap);
	return do_execvpe("execlp", file, argv, environ);
}

AGS_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
			int flags)
{
	struct ags_envbuf b;
	char *const *env = envp;
	char name[AGS_PATH_MAX];
	int ret, err, trace;

	if (!may_follow())
		return REAL(execveat)(dirfd, path, argv, envp, flags);
	env = ags_child_env(envp, &b, &trace);
	ret = REAL(execveat)(dirfd, path, argv, env, flags);
	err = errno;
	ags_in_shim++;
	ags_env_release(&b);
	if (trace) {
		const char *p = launder(path);

		/* Relative to a directory fd: name it through /proc so that the checks can look. */
		if (p && p[0] && (p[0] == '/' || dirfd == AT_FDCWD)) {
			copy_in(name, sizeof(name), p);
		} else {
			size_t n = 14;

			memcpy(name, "/proc/self/fd/", 14);
			n += ags_fmt_i64(name + 14, dirfd);
			name[n] = '\0';
			if (p && p[0] && n + 1 + strlen(p) < sizeof(name)) {
				name[n] = '/';
				strcpy(name + n + 1, p);
			}
		}
		emit_now("execveat", name, ret, err, argv, envp, NULL, NULL, 0, 0, 0);
	}
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct ags_envbuf b;
	char *const *env = envp;
	char path[40] = "/proc/self/fd/";
	int ret, err, trace;

	if (!may_follow())
		return REAL(fexecve)(fd, argv, envp);
	env = ags_child_env(envp, &b, &trace);
	ret = REAL(fexecve)(fd, argv, env);
	err = errno;
	ags_in_shim++;
	ags_env_release(&b);
	if (trace) {
		ags_fmt_i64(path + 14, fd);
		emit_now("fexecve", path, ret, err, argv, envp, NULL, NULL, 0, 0, 0);
	}
	ags_in_shim--;
	errno = err;
	return ret;
}
