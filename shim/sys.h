/* SPDX-License-Identifier: MIT */
/* Raw system calls for the shim's own I/O: they bypass every wrapper and keep errno. */
#ifndef AGSHIM_SHIM_SYS_H
#define AGSHIM_SHIM_SYS_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The shim exports wrappers for open, close, write and friends, so a plain
 * call to those from inside the shim would land in its own wrappers.  These
 * go to the kernel directly, return -errno on failure, and leave errno as it
 * was.  Async-signal-safe.  Only for calls of at most four arguments: the
 * fifth and sixth registers are left unset, so a call that reads them
 * (waitid's rusage, mmap) must use syscall() itself.
 */
static inline long ags_sys(long nr, long a, long b, long c, long d)
{
	int saved = errno;
	long r = syscall(nr, a, b, c, d);

	if (r == -1)
		r = -errno;
	errno = saved;
	return r;
}

#define ags_sys_write(fd, buf, n) ags_sys(SYS_write, (fd), (long)(buf), (long)(n), 0)
#define ags_sys_read(fd, buf, n) ags_sys(SYS_read, (fd), (long)(buf), (long)(n), 0)
#define ags_sys_open(path, fl, mode) ags_sys(SYS_openat, AT_FDCWD, (long)(path), (fl), (mode))
#define ags_sys_close(fd) ags_sys(SYS_close, (fd), 0, 0, 0)
#define ags_sys_fcntl(fd, cmd, arg) ags_sys(SYS_fcntl, (fd), (cmd), (long)(arg), 0)
#define ags_sys_dup3(a, b, fl) ags_sys(SYS_dup3, (a), (b), (fl), 0)
#define ags_sys_readlink(p, buf, n) \
	ags_sys(SYS_readlinkat, AT_FDCWD, (long)(p), (long)(buf), (long)(n))
#define ags_sys_getpid() ags_sys(SYS_getpid, 0, 0, 0, 0)
#define ags_sys_getppid() ags_sys(SYS_getppid, 0, 0, 0, 0)
#define ags_sys_gettid() ags_sys(SYS_gettid, 0, 0, 0, 0)

#endif /* AGSHIM_SHIM_SYS_H */
