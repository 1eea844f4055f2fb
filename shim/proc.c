/* SPDX-License-Identifier: MIT */
/* fork, vfork, the wait family, and chdir/fchdir between fork and exec. */
#include "proc.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "enrich.h"
#include "real.h"
#include "sys.h"

struct ags_fork_state ags_fstate;

static void exit_flush(void)
{
	ags_exec_flush();
}

void ags_proc_init(char *const env[])
{
	ags_env_capture(env);
	ags_children_init();
	ags_shell_init();
	ags_on_exit(exit_flush);
}

void ags_proc_tick(void)
{
	ags_exec_flush();
	ags_children_tick();
}

void ags_proc_vfork_exit(void)
{
	ags_in_shim++;
	ags_exec_flush();
	ags_in_shim--;
}

/* A spawn event's tail: the child's pid, or the failure (EAGAIN explained). */
static void spawn_event(const char *call, long ret, pid_t child, int err, uint64_t t0)
{
	struct ags_ev ev;

	ags_ev_begin(&ev, AGS_KIND_SPAWN, call);
	ags_ev_int(&ev, AGS_K_RET, ret);
	ags_ev_uint(&ev, AGS_K_DUR, ags_mono_ns() - t0);
	if (child > 0)
		ags_ev_int(&ev, AGS_K_CHILD, child);
	ags_ev_errno(&ev, err);
	if (err == EAGAIN)
		ags_explain_eagain(&ev);
	ags_ev_emit(&ev);
}

/* The fork child's own state: new ids, no children, nothing pending. */
static void after_fork_child(void)
{
	ags_proc_refresh_child();
	ags_children_reset();
	ags_exec_forget();
	memset(&ags_fstate, 0, sizeof(ags_fstate));
	ags_fstate.forked = 1;
}

/* fork and _Fork (glibc's async-signal-safe fork without atfork handlers). */
static pid_t do_fork(const char *call, pid_t (*real)(void))
{
	int trace = ags_tracing(AGS_FAM_PROC), err;
	uint64_t t0 = 0;
	pid_t pid;

	if (trace) {
		ags_in_shim++;
		ags_proc_tick();
		ags_in_shim--;
		t0 = ags_mono_ns();
	}
	pid = real();
	err = errno;
	if (pid == 0) {
		/* Every fork child needs its own ids, whatever is traced. */
		if (ags_state > 0)
			after_fork_child();
		errno = err;
		return 0;
	}
	if (trace) {
		ags_in_shim++;
		spawn_event(call, pid, pid, pid < 0 ? err : 0, t0);
		ags_children_add(pid, NULL);
		ags_in_shim--;
	}
	errno = err;
	return pid;
}

AGS_EXPORT pid_t fork(void)
{
	return do_fork("fork", REAL(fork));
}

AGS_EXPORT pid_t _Fork(void)
{
	return do_fork("_Fork", REAL(_Fork));
}

/* ---- vfork ---- */

/*
 * vfork cannot be a C function that calls the real vfork: the child would
 * return from our frame, and the parent, resuming later, would return
 * through a frame the child has overwritten.  The stub below does what
 * glibc's does, keeping the return address in a register across the
 * system call, so neither side returns through memory the other used.
 * Both sides may then call C: they run on the stack below the caller's.
 * It is still vfork, never fork: the child shares memory and the parent
 * waits, exactly as without the shim.
 */
static __thread uint64_t vfork_t0;
static __thread int vfork_in_shim;
static __thread int vfork_trace;

void ags_vfork_before(void) AGS_HIDDEN;
void ags_vfork_child_enter(void) AGS_HIDDEN;
long ags_vfork_parent(long ret) AGS_HIDDEN;

void ags_vfork_before(void)
{
	int saved = errno;

	vfork_in_shim = ags_in_shim;
	vfork_trace = ags_tracing(AGS_FAM_PROC);
	if (vfork_trace) {
		ags_in_shim++;
		ags_proc_tick();
		ags_in_shim--;
		vfork_t0 = ags_mono_ns();
	}
	errno = saved;
}

void ags_vfork_child_enter(void)
{
	ags_vfork_child = 1;
}

long ags_vfork_parent(long ret)
{
	/* The child has exec'd or exited: what it left in our memory is not ours. */
	ags_vfork_child = 0;
	ags_in_shim = vfork_in_shim;
	memset(&ags_fstate, 0, sizeof(ags_fstate));
	ags_exec_forget();
	if (vfork_trace) {
		ags_in_shim++;
		spawn_event("vfork", ret < 0 ? -1 : ret, (pid_t)ret, ret < 0 ? (int)-ret : 0,
			    vfork_t0);
		ags_children_add((pid_t)ret, NULL);
		ags_in_shim--;
	}
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#if defined(__x86_64__)
__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	subq $8, %rsp\n"
	"	call ags_vfork_before\n"
	"	addq $8, %rsp\n"
	"	popq %rdi\n" /* the return address, kept in a register */
	"	movl $" AGS_STR(SYS_vfork) ", %eax\n"
					   "	syscall\n"
					   "	pushq %rdi\n"
					   "	testq %rax, %rax\n"
					   "	jz 1f\n"
					   "	subq $8, %rsp\n"
					   "	movq %rax, %rdi\n"
					   "	call ags_vfork_parent\n"
					   "	addq $8, %rsp\n"
					   "	ret\n"
					   "1:	subq $8, %rsp\n"
					   "	call ags_vfork_child_enter\n"
					   "	addq $8, %rsp\n"
					   "	xorl %eax, %eax\n"
					   "	ret\n"
					   ".size vfork, .-vfork\n");
#endif

/* ---- the wait family ---- */

static void wait_event(const char *call, pid_t ret, int status)
{
	struct ags_ev ev;

	if (ret <= 0 || !(WIFEXITED(status) || WIFSIGNALED(status)))
		return; /* nothing reaped: WNOHANG, a stop or a continue */
	ags_children_reaped(ret);
	ags_ev_begin(&ev, AGS_KIND_WAIT, call);
	ags_ev_int(&ev, AGS_K_RET, ret);
	ags_ev_int(&ev, AGS_K_CHILD, ret);
	if (WIFEXITED(status))
		ags_ev_int(&ev, AGS_K_STATUS, WEXITSTATUS(status));
	ags_ev_int(&ev, AGS_K_SIGNAL, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ags_ev_int(&ev, AGS_K_CORE, WIFSIGNALED(status) && WCOREDUMP(status));
	ags_ev_emit(&ev);
}

/*
 * Wait calls are often made from a SIGCHLD handler, which may interrupt this
 * thread while it is inside the shim; the shim never calls them itself and
 * their recording is async-signal-safe, so the re-entrancy guard does not
 * apply: a reap is never lost to an unlucky signal.
 */
static int wait_traced(void)
{
	return (ags_state > 0 || ags_ready()) && (ags_cfg.families & AGS_FAM_PROC);
}

/* The shared tail of every wait wrapper: record, restore errno, return. */
#define WAIT_TAIL(call, ret, status)           \
	do {                                   \
		int err_ = errno;              \
		ags_in_shim++;                 \
		wait_event(call, ret, status); \
		ags_children_tick();           \
		ags_in_shim--;                 \
		errno = err_;                  \
	} while (0)

AGS_EXPORT pid_t wait(int *wstatus)
{
	int local = 0;
	pid_t ret;

	if (!wait_traced())
		return REAL(wait)(wstatus);
	ret = REAL(wait)(wstatus ? wstatus : &local);
	WAIT_TAIL("wait", ret, wstatus ? *wstatus : local);
	return ret;
}

AGS_EXPORT pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	int local = 0;
	pid_t ret;

	if (!wait_traced())
		return REAL(waitpid)(pid, wstatus, options);
	ret = REAL(waitpid)(pid, wstatus ? wstatus : &local, options);
	WAIT_TAIL("waitpid", ret, wstatus ? *wstatus : local);
	return ret;
}

AGS_EXPORT pid_t wait3(int *wstatus, int options, struct rusage *ru)
{
	int local = 0;
	pid_t ret;

	if (!wait_traced())
		return REAL(wait3)(wstatus, options, ru);
	ret = REAL(wait3)(wstatus ? wstatus : &local, options, ru);
	WAIT_TAIL("wait3", ret, wstatus ? *wstatus : local);
	return ret;
}

AGS_EXPORT pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)
{
	int local = 0;
	pid_t ret;

	if (!wait_traced())
		return REAL(wait4)(pid, wstatus, options, ru);
	ret = REAL(wait4)(pid, wstatus ? wstatus : &local, options, ru);
	WAIT_TAIL("wait4", ret, wstatus ? *wstatus : local);
	return ret;
}

AGS_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options)
{
	int ret, status;

	if (!wait_traced() || !infop || (options & WNOWAIT))
		return REAL(waitid)(idtype, id, infop, options);
	ret = REAL(waitid)(idtype, id, infop, options);
	if (ret != 0 || infop->si_pid == 0)
		return ret;
	switch (infop->si_code) {
	case CLD_EXITED: status = (infop->si_status & 0xff) << 8; break;
	case CLD_KILLED: status = infop->si_status & 0x7f; break;
	case CLD_DUMPED: status = (infop->si_status & 0x7f) | 0x80; break;
	default: return ret; /* stopped, continued, trapped */
	}
	WAIT_TAIL("waitid", infop->si_pid, status);
	return ret;
}

/* ---- chdir and fchdir in a fork child ---- */

static void chdir_event(const char *call, const char *path, int fd, int ret, int err)
{
	struct ags_ev ev;
	char missing[AGS_PATH_MAX];

	if (ret != 0) {
		ags_fstate.chdir_failed = 1;
		if (path) {
			size_t n = strlen(path);

			if (n >= sizeof(ags_fstate.chdir_path))
				n = sizeof(ags_fstate.chdir_path) - 1;
			memcpy(ags_fstate.chdir_path, path, n);
			ags_fstate.chdir_path[n] = '\0';
		}
	}
	ags_ev_begin(&ev, AGS_KIND_CHDIR, call);
	ags_ev_int(&ev, AGS_K_RET, ret);
	ags_ev_errno(&ev, ret ? err : 0);
	if (path)
		ags_ev_str(&ev, AGS_K_PATH, path);
	else
		ags_ev_int(&ev, AGS_K_FD, fd);
	ags_ev_bool(&ev, AGS_K_FORKED, 1);
	if (ret != 0 && (err == ENOENT || err == ENOTDIR)) {
		ags_ev_str(&ev, AGS_K_CAUSE, AGS_CAUSE_MISSING_CWD);
		ags_ev_obj(&ev, AGS_K_DETAIL);
		if (path && ags_first_missing(path, missing, sizeof(missing)))
			ags_ev_str(&ev, AGS_K_MISSING, missing);
		ags_ev_close(&ev);
	}
	ags_ev_emit(&ev);
}

AGS_EXPORT int chdir(const char *path)
{
	int ret, err;

	if (AGS_LIKELY(!ags_in_fork_child()) || !ags_tracing(AGS_FAM_PROC))
		return REAL(chdir)(path);
	ret = REAL(chdir)(path);
	err = errno;
	ags_in_shim++;
	chdir_event("chdir", path, -1, ret, err);
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT int fchdir(int fd)
{
	int ret, err;

	if (AGS_LIKELY(!ags_in_fork_child()) || !ags_tracing(AGS_FAM_PROC))
		return REAL(fchdir)(fd);
	ret = REAL(fchdir)(fd);
	err = errno;
	ags_in_shim++;
	chdir_event("fchdir", NULL, fd, ret, err);
	ags_in_shim--;
	errno = err;
	return ret;
}
