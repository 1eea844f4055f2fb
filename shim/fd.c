/* SPDX-License-Identifier: MIT */
/* Descriptor wrappers that keep the program from closing or replacing the events fd. */
#include <errno.h>
#include <unistd.h>

#include "emit.h"
#include "real.h"

/*
 * The events fd sits high and is close-on-exec, but a program may still
 * close every descriptor (close loops, closefrom) or dup2 onto it.  To the
 * program that fd does not exist: close() fails with EBADF as it would
 * without the shim, and dup2() onto it works after the shim moves away.
 */

AGS_EXPORT int close(int fd)
{
	if (AGS_UNLIKELY(fd == ags_out_fd()) && ags_out_fd_taken(fd, 1)) {
		errno = EBADF;
		return -1;
	}
	return REAL(close)(fd);
}

AGS_EXPORT int dup2(int oldfd, int newfd)
{
	if (AGS_UNLIKELY(newfd == ags_out_fd()) && oldfd != newfd)
		ags_out_fd_taken(newfd, 0);
	return REAL(dup2)(oldfd, newfd);
}

AGS_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (AGS_UNLIKELY(newfd == ags_out_fd()) && oldfd != newfd)
		ags_out_fd_taken(newfd, 0);
	return REAL(dup3)(oldfd, newfd, flags);
}

/* close_range over a span holding the events fd: close around it. */
AGS_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	int ours = ags_out_fd();
	int ret;

	if (ours < 0 || (unsigned)ours < first || (unsigned)ours > last)
		return REAL(close_range)(first, last, flags);
	ret = 0;
	if ((unsigned)ours > first)
		ret = REAL(close_range)(first, (unsigned)ours - 1, flags);
	if (ret == 0 && (unsigned)ours < last)
		ret = REAL(close_range)((unsigned)ours + 1, last, flags);
	return ret;
}

AGS_EXPORT void closefrom(int lowfd)
{
	int ours = ags_out_fd();

	if (ours < 0 || ours < lowfd) {
		REAL(closefrom)(lowfd);
		return;
	}
	if (ours > lowfd)
		REAL(close_range)((unsigned)lowfd, (unsigned)ours - 1, 0);
	REAL(closefrom)(ours + 1);
}
