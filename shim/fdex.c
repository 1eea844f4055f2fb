/* SPDX-License-Identifier: MIT */
/* EMFILE and ENFILE: the fd_exhaust event with what holds the descriptors, and the pipe family. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "ownfd.h"
#include "real.h"
#include "sys.h"

#define SCAN_MAX 65536 /* descriptors looked at, at most */
#define GROUPS 12      /* endpoints and directories named */
#define EXHAUST_SINGLE 16

struct group {
	char key[160];
	int ep; /* endpoint slot for sockets, -1 for directories */
	unsigned n;
};

struct holders {
	unsigned nfds, sockets, files, pipes, anon, other, untracked_sockets;
	unsigned nep, ndir, ep_other, dir_other;
	struct group eps[GROUPS];
	struct group dirs[GROUPS];
};

static void add_group(struct group *g, unsigned *count, unsigned *other, const char *key,
		      size_t len, int ep)
{
	if (len >= sizeof(g[0].key))
		len = sizeof(g[0].key) - 1;
	for (unsigned i = 0; i < *count; i++) {
		if (g[i].ep == ep && strlen(g[i].key) == len && !memcmp(g[i].key, key, len)) {
			g[i].n++;
			return;
		}
	}
	if (*count >= GROUPS) {
		(*other)++;
		return;
	}
	memcpy(g[*count].key, key, len);
	g[*count].key[len] = '\0';
	g[*count].ep = ep;
	g[*count].n = 1;
	(*count)++;
}

static void classify(struct holders *h, int fd)
{
	char link[AGS_PATH_MAX], path[40] = "/proc/self/fd/";
	long n;

	ags_fmt_u64(path + 14, (uint64_t)fd);
	n = ags_sys_readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		h->other++;
		return;
	}
	link[n] = '\0';
	if (!strncmp(link, "socket:", 7)) {
		struct ags_fdent *e = ags_fd_get(fd);

		h->sockets++;
		if (e && e->kind == AGS_FDK_SOCK && e->ep >= 0)
			add_group(h->eps, &h->nep, &h->ep_other, "", 0, e->ep);
		else if (e && e->kind == AGS_FDK_SOCK && (e->flags & AGS_FDF_ACCEPTED))
			add_group(h->eps, &h->nep, &h->ep_other, "accepted", 8, -1);
		else
			h->untracked_sockets++;
	} else if (!strncmp(link, "pipe:", 5)) {
		h->pipes++;
	} else if (!strncmp(link, "anon_inode:", 11)) {
		h->anon++;
	} else if (link[0] == '/') {
		char *slash = strrchr(link, '/');

		h->files++;
		add_group(h->dirs, &h->ndir, &h->dir_other, link,
			  slash == link ? 1 : (size_t)(slash - link), -1);
	} else {
		h->other++;
	}
}

static void put_holders(struct ags_ev *ev, const struct holders *h)
{
	ags_ev_obj(ev, AGS_K_HOLDERS);
	ags_ev_uint(ev, "sockets", h->sockets);
	ags_ev_uint(ev, "files", h->files);
	ags_ev_uint(ev, "pipes", h->pipes);
	ags_ev_uint(ev, "anon", h->anon);
	ags_ev_uint(ev, "other", h->other);
	ags_ev_arr(ev, "endpoints");
	for (unsigned i = 0; i < h->nep; i++) {
		const struct group *g = &h->eps[i];
		struct ags_ep *ep = ags_ep_at(g->ep);

		ags_ev_obj(ev, NULL);
		if (ep) {
			struct ags_fdent key = { .family = ep->family, .port = ep->port };

			memcpy(key.addr, ep->addr, sizeof(key.addr));
			key.ep = (int16_t)g->ep;
			ags_ev_endpoint(ev, &key);
		} else {
			ags_ev_str(ev, "side", g->key);
		}
		ags_ev_uint(ev, "n", g->n);
		ags_ev_close(ev);
	}
	ags_ev_close(ev);
	ags_ev_uint(ev, "untracked_sockets", h->untracked_sockets);
	ags_ev_uint(ev, "endpoints_other", h->ep_other);
	ags_ev_arr(ev, "dirs");
	for (unsigned i = 0; i < h->ndir; i++) {
		ags_ev_obj(ev, NULL);
		ags_ev_str(ev, "dir", h->dirs[i].key);
		ags_ev_uint(ev, "n", h->dirs[i].n);
		ags_ev_close(ev);
	}
	ags_ev_close(ev);
	ags_ev_uint(ev, "dirs_other", h->dir_other);
	ags_ev_close(ev);
}

void ags_fd_exhaust(const char *call, int err)
{
	static uint64_t count, last_ns;
	static struct holders h; /* large; the scan below runs one thread at a time */
	static int busy;
	struct rlimit rl = { 0, 0 };
	struct ags_ev ev;
	uint64_t n = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED), now = ags_mono_ns();

	if (n >= EXHAUST_SINGLE && now - last_ns < 1000000000ull)
		goto done; /* counted in the next event's suppressed */
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
		goto done;
	ags_in_shim++;
	last_ns = now;
	memset(&h, 0, sizeof(h));
	ags_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl);
	for (long fd = 0; fd < (long)rl.rlim_cur && fd < SCAN_MAX; fd++) {
		if (ags_own_fd((int)fd) || ags_sys_fcntl(fd, F_GETFD, 0) < 0)
			continue;
		h.nfds++;
		classify(&h, (int)fd);
	}
	ags_ev_begin(&ev, AGS_KIND_FD_EXHAUST, call);
	ags_ev_int(&ev, AGS_K_RET, -1);
	ags_ev_errno(&ev, err);
	ags_ev_uint(&ev, AGS_K_LIMIT, rl.rlim_cur);
	ags_ev_uint(&ev, AGS_K_LIMIT_MAX, rl.rlim_max);
	ags_ev_uint(&ev, AGS_K_NFDS, h.nfds);
	if (ags_out_fd() >= 0)
		ags_ev_int(&ev, "shim_fds", 1);
	ags_ev_uint(&ev, AGS_K_SEQ, n + 1);
	put_holders(&ev, &h);
	ags_ev_emit(&ev);
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	ags_in_shim--;
done:
	errno = err;
}

/* The result of an fd-creating call: count the new fds, or report exhaustion. */
static int made(int ret, const char *call)
{
	int err = errno;

	if (ret >= 0) {
		ags_fd_new_other(ret);
		return ret;
	}
	if ((err == EMFILE || err == ENFILE) && ags_tracing(AGS_FAM_FD))
		ags_fd_exhaust(call, err);
	errno = err;
	return ret;
}

static int made2(int ret, const int fds[2], const char *call)
{
	int err = errno;

	if (ret == 0) {
		ags_fd_new_other(fds[0]);
		ags_fd_new_other(fds[1]);
		return ret;
	}
	if ((err == EMFILE || err == ENFILE) && ags_tracing(AGS_FAM_FD))
		ags_fd_exhaust(call, err);
	errno = err;
	return ret;
}

/*
 * A pipe made while the shim runs belongs to a library working for it
 * (libunwind keeps one to validate addresses): it goes high and is hidden
 * from the program like the events file, so the program's own descriptor
 * numbers, close loops and dup2s never meet it.
 */
static int adopt2(int ret, int fds[2])
{
	int err = errno;

	if (ret == 0) {
		fds[0] = ags_own_fd_adopt(fds[0], NULL);
		fds[1] = ags_own_fd_adopt(fds[1], NULL);
	}
	errno = err;
	return ret;
}

AGS_EXPORT int pipe(int fds[2])
{
	if (AGS_UNLIKELY(ags_in_shim))
		return adopt2(REAL(pipe)(fds), fds);
	return made2(REAL(pipe)(fds), fds, "pipe");
}

AGS_EXPORT int pipe2(int fds[2], int flags)
{
	if (AGS_UNLIKELY(ags_in_shim))
		return adopt2(REAL(pipe2)(fds, flags), fds);
	return made2(REAL(pipe2)(fds, flags), fds, "pipe2");
}

AGS_EXPORT int epoll_create(int size)
{
	return made(REAL(epoll_create)(size), "epoll_create");
}

AGS_EXPORT int epoll_create1(int flags)
{
	return made(REAL(epoll_create1)(flags), "epoll_create1");
}

AGS_EXPORT int eventfd(unsigned int initval, int flags)
{
	return made(REAL(eventfd)(initval, flags), "eventfd");
}

AGS_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	return made(REAL(signalfd)(fd, mask, flags), "signalfd");
}

AGS_EXPORT int timerfd_create(int clockid, int flags)
{
	return made(REAL(timerfd_create)(clockid, flags), "timerfd_create");
}

AGS_EXPORT int inotify_init(void)
{
	return made(REAL(inotify_init)(), "inotify_init");
}

AGS_EXPORT int inotify_init1(int flags)
{
	return made(REAL(inotify_init1)(flags), "inotify_init1");
}

AGS_EXPORT int memfd_create(const char *name, unsigned int flags)
{
	return made(REAL(memfd_create)(name, flags), "memfd_create");
}
