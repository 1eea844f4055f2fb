/* SPDX-License-Identifier: MIT */
/* The registry of shim-owned descriptors and the guards the fd wrappers apply. */
#include "ownfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>

#include "sys.h"

#define OWN_MAX 8

struct own {
	int fd; /* -1 when the slot is free */
	ags_own_moved_fn moved;
	void (*lost)(int fd);
};

static struct own owned[OWN_MAX] = {
	[0 ... OWN_MAX - 1] = { .fd = -1 },
};
/* The span of owned numbers, for a two-compare negative check. */
static int own_lo = INT_MAX, own_hi = -1;
static int own_lock;
volatile int ags_own_fd_lost;

static void lock(void)
{
	while (__atomic_exchange_n(&own_lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_store_n(&own_lock, 0, __ATOMIC_RELEASE);
}

/* Recompute the span; called with the lock held. */
static void respan(void)
{
	int lo = INT_MAX, hi = -1;

	for (int i = 0; i < OWN_MAX; i++) {
		if (owned[i].fd < 0)
			continue;
		if (owned[i].fd < lo)
			lo = owned[i].fd;
		if (owned[i].fd > hi)
			hi = owned[i].fd;
	}
	__atomic_store_n(&own_lo, lo, __ATOMIC_RELEASE);
	__atomic_store_n(&own_hi, hi, __ATOMIC_RELEASE);
}

int ags_own_fd_add(int fd, ags_own_moved_fn moved, void (*lost)(int fd))
{
	int err = ENFILE;

	if (fd < 0)
		return EBADF;
	lock();
	for (int i = 0; i < OWN_MAX; i++) {
		if (owned[i].fd == fd || owned[i].fd < 0) {
			owned[i] = (struct own){ .fd = fd, .moved = moved, .lost = lost };
			err = 0;
			break;
		}
	}
	respan();
	unlock();
	return err;
}

void ags_own_fd_del(int fd)
{
	lock();
	for (int i = 0; i < OWN_MAX; i++)
		if (owned[i].fd == fd)
			owned[i].fd = -1;
	respan();
	unlock();
}

int ags_own_fd(int fd)
{
	if (AGS_LIKELY(fd < __atomic_load_n(&own_lo, __ATOMIC_ACQUIRE) ||
		       fd > __atomic_load_n(&own_hi, __ATOMIC_ACQUIRE)))
		return 0;
	for (int i = 0; i < OWN_MAX; i++)
		if (__atomic_load_n(&owned[i].fd, __ATOMIC_ACQUIRE) == fd)
			return 1;
	return 0;
}

int ags_own_fd_taken(int fd, int closing)
{
	struct own o = { .fd = -1 };
	long moved = -1;

	if (!ags_own_fd(fd))
		return 0;
	if (closing)
		return 1; /* to the program, this fd does not exist */

	/* dup2 onto an owned fd: the program gets the number, the shim moves. */
	lock();
	for (int i = 0; i < OWN_MAX; i++) {
		if (owned[i].fd != fd)
			continue;
		o = owned[i];
		if (o.moved) {
			moved = ags_sys_fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
			owned[i].fd = moved >= 0 ? (int)moved : -1;
		} else {
			owned[i].fd = -1;
		}
		break;
	}
	respan();
	unlock();
	if (o.fd < 0)
		return 0;
	if (o.moved) {
		if (moved >= 0)
			ags_sys_close(fd);
		o.moved((int)moved);
	} else {
		/* A library holds this number; it must never touch it again. */
		ags_own_fd_lost = 1;
		if (o.lost)
			o.lost(fd);
	}
	return 0;
}

int ags_own_close_range(unsigned first, unsigned last, int flags,
			int (*real_close_range)(unsigned, unsigned, int))
{
	unsigned from = first;
	int ret = 0;

	/* Close the stretches between owned fds, in order. */
	while (ret == 0 && from <= last) {
		unsigned next = ~0u;

		for (int i = 0; i < OWN_MAX; i++) {
			int fd = __atomic_load_n(&owned[i].fd, __ATOMIC_ACQUIRE);

			if (fd >= 0 && (unsigned)fd >= from && (unsigned)fd <= last &&
			    (unsigned)fd < next)
				next = (unsigned)fd;
		}
		if (next == ~0u)
			return real_close_range(from, last, flags);
		if (next > from)
			ret = real_close_range(from, next - 1, flags);
		if (next == ~0u - 1 || next >= last)
			break;
		from = next + 1;
	}
	return ret;
}

int ags_high_fd_floor(void)
{
	struct rlimit rl;

	if (ags_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl) != 0 || rl.rlim_cur < 64)
		return 10;
	if (rl.rlim_cur > 1024)
		return 1023 - 64;
	return (int)rl.rlim_cur - 64;
}

int ags_own_fd_adopt(int fd, void (*lost)(int fd))
{
	long high = ags_sys_fcntl(fd, F_DUPFD_CLOEXEC, ags_high_fd_floor());

	if (high < 0)
		return fd;
	ags_sys_close(fd);
	ags_own_fd_add((int)high, NULL, lost);
	return (int)high;
}
