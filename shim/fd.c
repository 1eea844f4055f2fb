/* SPDX-License-Identifier: MIT */
/* close, dup and friends: fd bookkeeping, and the guard that hides the events fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "emit.h"
#include "net.h"
#include "ownfd.h"
#include "real.h"
#include "sys.h"

/*
 * The events fd sits high and is close-on-exec, but a program may still
 * close every descriptor (close loops, closefrom) or dup2 onto it.  To the
 * program that fd does not exist: close() fails with EBADF as it would
 * without the shim, and dup2() onto it works after the shim moves away.
 * Around that guard, the fd table learns what each number now holds.
 */

AGS_EXPORT int close(int fd)
{
	if (AGS_UNLIKELY(ags_own_fd(fd))) {
		/* The shim closing a library's descriptor (libunwind reopening its pipe). */
		if (ags_in_shim) {
			ags_own_fd_del(fd);
			return REAL(close)(fd);
		}
		if (ags_out_fd_taken(fd, 1)) {
			errno = EBADF;
			return -1;
		}
	}
	/* Linux frees the number even when close fails with EINTR or EIO. */
	ags_net_forget(fd);
	return REAL(close)(fd);
}

/* After a successful dup onto newfd, what newfd held before is gone. */
static int dup_done(int ret, int oldfd, const char *call)
{
	int err = errno;

	if (ret >= 0) {
		if (ret != oldfd)
			ags_fd_reused(ret);
		ags_fd_dup(oldfd, ret);
	} else if ((err == EMFILE || err == ENFILE) && ags_tracing(AGS_FAM_FD)) {
		ags_fd_exhaust(call, err);
		errno = err;
	}
	return ret;
}

AGS_EXPORT int dup(int oldfd)
{
	return dup_done(REAL(dup)(oldfd), oldfd, "dup");
}

AGS_EXPORT int dup2(int oldfd, int newfd)
{
	if (AGS_UNLIKELY(ags_own_fd(newfd)) && oldfd != newfd)
		ags_out_fd_taken(newfd, 0);
	if (oldfd != newfd && ags_fd_is_sock(newfd) && ags_sys_fcntl(oldfd, F_GETFD, 0) >= 0)
		ags_net_forget(newfd);
	return dup_done(REAL(dup2)(oldfd, newfd), oldfd, "dup2");
}

AGS_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (AGS_UNLIKELY(ags_own_fd(newfd)) && oldfd != newfd)
		ags_out_fd_taken(newfd, 0);
	if (oldfd != newfd && ags_fd_is_sock(newfd) && ags_sys_fcntl(oldfd, F_GETFD, 0) >= 0)
		ags_net_forget(newfd);
	return dup_done(REAL(dup3)(oldfd, newfd, flags), oldfd, "dup3");
}

/* fcntl's third argument is an int or a pointer; both travel as one register. */
static int fcntl_done(int ret, int fd, int cmd, const char *call)
{
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return dup_done(ret, fd, call);
	return ret;
}

AGS_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_done(REAL(fcntl)(fd, cmd, arg), fd, cmd, "fcntl");
}

AGS_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_done(REAL(fcntl64)(fd, cmd, arg), fd, cmd, "fcntl64");
}

/* Forget the table entries of a range the program closes. */
static void forget_range(unsigned first, unsigned last)
{
	unsigned hi = __atomic_load_n(&ags_fd_sock_hi, __ATOMIC_RELAXED);

	for (unsigned fd = first; fd <= last && fd < hi; fd++)
		if (ags_fd_is_sock((int)fd))
			ags_net_forget((int)fd);
	ags_fd_clear_range(first, last);
}

/* close_range over a span holding the shim's descriptors: close around them. */
AGS_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
		forget_range(first, last);
	return ags_own_close_range(first, last, flags, REAL(close_range));
}

AGS_EXPORT void closefrom(int lowfd)
{
	int saved = errno;

	if (lowfd < 0) {
		REAL(closefrom)(lowfd);
		return;
	}
	forget_range((unsigned)lowfd, ~0u);
	/* closefrom has no error to report; close_range does the same work. */
	ags_own_close_range((unsigned)lowfd, ~0u, 0, REAL(close_range));
	errno = saved;
}

/*
 * Before the real syscall() is resolved (dlsym may allocate, and an allocator may make raw
 * system calls), enter the kernel directly rather than resolve from inside a resolution.
 */
static long early_syscall(long nr, const long a[6])
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
#endif
}

/*
 * libuv closes descriptors with syscall(SYS_close) (no cancellation point):
 * the same guard and bookkeeping as close().  Every other system call
 * passes through with its six argument registers.
 */
AGS_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (AGS_UNLIKELY(nr == SYS_close)) {
		int fd = (int)a[0];

		if (AGS_UNLIKELY(ags_own_fd(fd)) && !ags_in_shim && ags_out_fd_taken(fd, 1)) {
			errno = EBADF;
			return -1;
		}
		ags_net_forget(fd);
	} else if (AGS_UNLIKELY(nr == SYS_close_range)) {
		return close_range((unsigned)a[0], (unsigned)a[1], (int)a[2]);
	}
	if (AGS_UNLIKELY(!ags_real_syscall))
		return early_syscall(nr, a);
	return ags_real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
