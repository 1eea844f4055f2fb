/* SPDX-License-Identifier: MIT */
/* socket, connect (blocking and not), accept, shutdown and getsockopt(SO_ERROR). */
#include "net.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/un.h>

#include "real.h"
#include "resolv.h"

/*
 * A blocking connect ends in the call.  A non-blocking one (Node, every
 * event loop) returns EINPROGRESS and the program learns the outcome later,
 * from getsockopt(SO_ERROR), its first read or write, a second connect, or
 * not at all when it closes the socket first (its own timeout or an abort).
 * The entry of the fd holds the connect until then; whoever moves it out of
 * PENDING writes the event.
 */

static void unix_path(const struct sockaddr *sa, socklen_t len, char *out, size_t *out_len)
{
	const struct sockaddr_un *un = (const void *)sa;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t n = len > off ? (size_t)len - off : 0;

	if (n > sizeof(un->sun_path))
		n = sizeof(un->sun_path);
	if (n && un->sun_path[0] == '\0') {
		/* Abstract socket: shown as "@name". */
		out[0] = '@';
		memcpy(out + 1, un->sun_path + 1, n - 1);
	} else {
		memcpy(out, un->sun_path, n);
		n = strnlen(out, n);
	}
	out[n] = '\0';
	*out_len = n;
}

static const char *via_name(int via)
{
	static const char *const names[] = { "call",	"sockopt", "write", "read",
					     "connect", "close",   "exit" };

	return (unsigned)via < sizeof(names) / sizeof(names[0]) ? names[via] : "unknown";
}

void ags_net_outcome(int fd, struct ags_fdent *e, int err, int via, uint64_t now_ns)
{
	struct ags_ep *ep = ags_ep_at(e->ep);
	uint64_t dur = now_ns > e->start_ns ? now_ns - e->start_ns : 0;
	uint64_t slow = ags_cfg.slow_connect_ms * 1000000ull;
	int aborted = via == AGS_VIA_CLOSE || via == AGS_VIA_EXIT;
	int notable, bad_before = 0;
	int64_t open = 0;
	uint64_t seq = 0;

	if (ep) {
		/* Exact where the analyzers count (connects, open); racy-but-cheap elsewhere. */
		seq = __atomic_add_fetch(&ep->connects, 1, __ATOMIC_RELAXED);
		bad_before = __atomic_load_n(&ep->last_bad, __ATOMIC_RELAXED);
		if (bad_before != (err || aborted))
			__atomic_store_n(&ep->last_bad, (uint8_t)(err || aborted),
					 __ATOMIC_RELAXED);
		if (err || aborted) {
			__atomic_fetch_add(aborted ? &ep->aborted : &ep->failed, 1,
					   __ATOMIC_RELAXED);
			open = __atomic_load_n(&ep->open, __ATOMIC_RELAXED);
		} else {
			ep->ok++;
			ep->dur_sum_ns += dur;
			ep->hist[ags_hist_bucket(dur)]++;
			if (dur > ep->dur_max_ns)
				ep->dur_max_ns = dur;
			if (!(e->flags & AGS_FDF_ALIAS)) {
				open = __atomic_add_fetch(&ep->open, 1, __ATOMIC_RELAXED);
				e->flags |= AGS_FDF_COUNTED;
				if (open > __atomic_load_n(&ep->peak, __ATOMIC_RELAXED)) {
					int64_t peak = __atomic_load_n(&ep->peak, __ATOMIC_RELAXED);

					while (open > peak &&
					       !__atomic_compare_exchange_n(&ep->peak, &peak, open,
									    1, __ATOMIC_RELAXED,
									    __ATOMIC_RELAXED))
						;
				}
			}
		}
	}
	if (!err && !aborted) {
		e->open_ns = now_ns;
		e->state = AGS_SS_FRESH;
	}
	notable = err || aborted || dur >= slow || bad_before || (e->flags & AGS_FDF_DNS);
	/* Every outcome, blocking or not, may be the one that writes the interval totals. */
	ags_stats_tick(now_ns);
	if (!ags_ep_take(ep, notable))
		return;

	struct ags_ev ev;

	ags_ev_begin(&ev, AGS_KIND_CONNECT, "connect");
	ags_ev_int(&ev, AGS_K_FD, fd);
	ags_ev_endpoint(&ev, e);
	ags_ev_int(&ev, AGS_K_RET, err || aborted ? -1 : 0);
	ags_ev_errno(&ev, err);
	ags_ev_int(&ev, AGS_K_NONBLOCK, via != AGS_VIA_CALL);
	ags_ev_str(&ev, AGS_K_VIA, via_name(via));
	ags_ev_uint(&ev, AGS_K_DUR, dur);
	if (e->flags & AGS_FDF_DNS)
		ags_ev_int(&ev, AGS_K_DNS_TAG, 1);
	ags_ev_int(&ev, AGS_K_EP_OPEN, open);
	ags_ev_uint(&ev, AGS_K_EP_SEQ, seq);
	ags_ev_emit(&ev);
}

void ags_net_forget(int fd)
{
	struct ags_fdent old;
	struct ags_ep *ep;
	uint64_t now;

	if (AGS_LIKELY(!ags_fd_is_sock(fd)) || AGS_UNLIKELY(ags_vfork_child)) {
		ags_fd_clear(fd, NULL);
		return;
	}
	/* Clear before the real close: once closed, the number may be reused at once. */
	ags_fd_clear(fd, &old);
	ep = ags_ep_at(old.ep);
	if (old.flags & AGS_FDF_COUNTED)
		__atomic_fetch_sub(&ep->open, 1, __ATOMIC_RELAXED);
	if (!ags_tracing(AGS_FAM_NET))
		return;
	ags_in_shim++;
	now = ags_mono_ns();
	if (old.state == AGS_SS_PENDING) {
		/* Closed before the outcome: the application's own timeout or an abort. */
		old.state = AGS_SS_FAILED;
		ags_net_outcome(fd, &old, 0, AGS_VIA_CLOSE, now);
	} else if ((old.flags & AGS_FDF_COUNTED) && ags_ep_take(ep, 0)) {
		struct ags_ev ev;

		ags_ev_begin(&ev, AGS_KIND_SOCK, "close");
		ags_ev_str(&ev, AGS_K_WHAT, "close");
		ags_ev_int(&ev, AGS_K_FD, fd);
		ags_ev_endpoint(&ev, &old);
		if (old.proto)
			ags_ev_str(&ev, AGS_K_PROTO, ags_proto_name(old.proto));
		ags_ev_uint(&ev, AGS_K_LIFE, now - old.open_ns);
		if (old.state == AGS_SS_ENDED)
			ags_ev_str(&ev, AGS_K_STATE, "ended_by_peer");
		ags_ev_int(&ev, AGS_K_EP_OPEN, __atomic_load_n(&ep->open, __ATOMIC_RELAXED));
		ags_ev_emit(&ev);
	}
	ags_in_shim--;
}

AGS_EXPORT int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);

	if (AGS_LIKELY(fd >= 0)) {
		ags_fd_reused(fd);
		if (domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX)
			ags_fd_sock(fd, domain, type);
		else
			ags_fd_new_other(fd);
	} else if ((errno == EMFILE || errno == ENFILE) && ags_tracing(AGS_FAM_FD)) {
		ags_fd_exhaust("socket", errno);
	}
	return fd;
}

AGS_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int ret = REAL(socketpair)(domain, type, protocol, sv);

	if (AGS_LIKELY(ret == 0)) {
		ags_fd_new_other(sv[0]);
		ags_fd_new_other(sv[1]);
	} else if ((errno == EMFILE || errno == ENFILE) && ags_tracing(AGS_FAM_FD)) {
		ags_fd_exhaust("socketpair", errno);
	}
	return ret;
}

/* A connect on a socket that is already pending: EALREADY, EISCONN or the outcome. */
static void connect_again(int fd, struct ags_fdent *e, int ret, int err)
{
	if (ret != 0 && (err == EALREADY || err == EINPROGRESS || err == EINTR))
		return;
	if (ret == 0 || err == EISCONN)
		err = 0;
	if (ags_fd_finish_pending(e, err))
		ags_net_outcome(fd, e, err, AGS_VIA_POLL, ags_mono_ns());
}

AGS_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct ags_fdent *e = ags_fd_get(fd);
	uint64_t start;
	int ret, err;

	if (!e || !ags_tracing(AGS_FAM_NET))
		return REAL(connect)(fd, sa, len);
	if (e->kind == AGS_FDK_SOCK && e->state == AGS_SS_PENDING) {
		ret = REAL(connect)(fd, sa, len);
		err = errno;
		connect_again(fd, e, ret, err);
		errno = err;
		return ret;
	}
	start = ags_mono_ns();
	ret = REAL(connect)(fd, sa, len);
	err = ret ? errno : 0;

	ags_in_shim++;
	if (e->kind != AGS_FDK_SOCK)
		ags_fd_sock(fd, sa ? sa->sa_family : 0, 0); /* made before the shim loaded */
	if (ags_fd_set_peer(e, sa, len)) {
		char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
		size_t plen = 0;

		if (e->family == AF_UNIX)
			unix_path(sa, len, path, &plen);
		e->ep = (int16_t)ags_ep_lookup(e, path, plen);
		if (e->port == 53)
			e->flags |= AGS_FDF_DNS;
		e->start_ns = start;
		e->caller = (uintptr_t)__builtin_return_address(0);
		if (err == EINPROGRESS || err == EINTR) {
			/* EINTR: the kernel goes on connecting, as for EINPROGRESS. */
			__atomic_store_n(&e->state, AGS_SS_PENDING, __ATOMIC_RELEASE);
		} else {
			uint64_t now = ags_mono_ns();

			e->state = err ? AGS_SS_FAILED : AGS_SS_FRESH;
			ags_net_outcome(fd, e, err, AGS_VIA_CALL, now);
		}
	}
	ags_in_shim--;
	errno = err ? err : errno;
	return ret;
}

/* getsockopt(SO_ERROR) is how event loops learn the outcome of a pending connect. */
AGS_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int ret = REAL(getsockopt)(fd, level, name, val, len);
	struct ags_fdent *e;
	int err = errno;

	if (AGS_LIKELY(!ags_fd_is_sock(fd)) || level != SOL_SOCKET || name != SO_ERROR || ret != 0)
		return ret;
	e = &ags_fdtab[fd];
	if (e->state != AGS_SS_PENDING || !len || *len < (socklen_t)sizeof(int) ||
	    !ags_tracing(AGS_FAM_NET))
		return ret;
	ags_in_shim++;
	if (ags_fd_finish_pending(e, *(int *)val))
		ags_net_outcome(fd, e, *(int *)val, AGS_VIA_SOCKOPT, ags_mono_ns());
	ags_in_shim--;
	errno = err;
	return ret;
}

static void accepted(int fd, const char *call, int err)
{
	struct ags_fdent *e;

	if (fd < 0) {
		if ((err == EMFILE || err == ENFILE) && ags_tracing(AGS_FAM_FD))
			ags_fd_exhaust(call, err);
		return;
	}
	ags_fd_reused(fd);
	ags_fd_sock(fd, 0, SOCK_STREAM);
	e = ags_fd_get(fd);
	if (e) {
		e->flags |= AGS_FDF_ACCEPTED;
		e->state = AGS_SS_LISTEN;
	}
}

AGS_EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int ret = REAL(accept)(fd, sa, len);
	int err = errno;

	accepted(ret, "accept", err);
	errno = err;
	return ret;
}

AGS_EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int ret = REAL(accept4)(fd, sa, len, flags);
	int err = errno;

	accepted(ret, "accept4", err);
	errno = err;
	return ret;
}

AGS_EXPORT int shutdown(int fd, int how)
{
	/* Bookkeeping only: the connection stays counted until the fd is closed. */
	return REAL(shutdown)(fd, how);
}

/* "sym+0xoff (object)" for the caller address, into buf. */
static void caller_text(uintptr_t pc, char *buf, size_t size)
{
	Dl_info info;
	size_t n = 0;

	buf[0] = '\0';
	if (!pc || !dladdr((void *)pc, &info) || size < 64)
		return;
	const char *sym = info.dli_sname ? info.dli_sname : "?";
	uintptr_t base = info.dli_sname ? (uintptr_t)info.dli_saddr : (uintptr_t)info.dli_fbase;
	const char *obj = info.dli_fname ? strrchr(info.dli_fname, '/') : NULL;
	size_t k;

	obj = obj ? obj + 1 : (info.dli_fname ? info.dli_fname : "?");
	k = strnlen(sym, size / 2);
	memcpy(buf, sym, k);
	n = k;
	memcpy(buf + n, "+0x", 3);
	n += 3;
	uintptr_t off = pc - base;
	size_t d = 0;
	char hex[20];

	do {
		hex[d++] = "0123456789abcdef"[off & 15];
		off >>= 4;
	} while (off && d < sizeof(hex));
	while (d)
		buf[n++] = hex[--d];
	k = strnlen(obj, size - n - 4);
	buf[n++] = ' ';
	buf[n++] = '(';
	memcpy(buf + n, obj, k);
	n += k;
	buf[n++] = ')';
	buf[n] = '\0';
}

/* At exit: pending connects, connections never closed, then every endpoint's totals. */
static void net_exit(void)
{
	uint64_t now = ags_mono_ns();
	unsigned hi = __atomic_load_n(&ags_fd_sock_hi, __ATOMIC_RELAXED);
	int sent = 0;

	if (!(ags_cfg.families & AGS_FAM_NET))
		return;
	for (unsigned fd = 0; fd < hi && fd < AGS_FDTAB_MAX; fd++) {
		struct ags_fdent *e = &ags_fdtab[fd];
		struct ags_ev ev;
		char where[256];

		if (e->kind != AGS_FDK_SOCK)
			continue;
		if (e->state == AGS_SS_PENDING) {
			if (ags_fd_finish_pending(e, 0)) {
				e->state = AGS_SS_FAILED;
				ags_net_outcome((int)fd, e, 0, AGS_VIA_EXIT, now);
			}
			continue;
		}
		if (!(e->flags & AGS_FDF_COUNTED) || sent++ >= 256)
			continue;
		ags_ev_begin(&ev, AGS_KIND_SOCK, NULL);
		ags_ev_str(&ev, AGS_K_WHAT, "open_at_exit");
		ags_ev_int(&ev, AGS_K_FD, (int)fd);
		ags_ev_endpoint(&ev, e);
		if (e->proto)
			ags_ev_str(&ev, AGS_K_PROTO, ags_proto_name(e->proto));
		ags_ev_uint(&ev, AGS_K_LIFE, now - e->open_ns);
		if (e->state == AGS_SS_ENDED)
			ags_ev_str(&ev, AGS_K_STATE, "ended_by_peer");
		caller_text(e->caller, where, sizeof(where));
		if (where[0])
			ags_ev_str(&ev, AGS_K_CALLER, where);
		ags_ev_emit(&ev);
	}
	ags_ep_stats_emit(1);
}

static void at_exit(void)
{
	net_exit();
	if (ags_cfg.families & AGS_FAM_DNS)
		ags_dns_stats_emit(1);
}

static void net_fork_child(void)
{
	unsigned hi = __atomic_load_n(&ags_fd_sock_hi, __ATOMIC_RELAXED);

	ags_ep_fork_child();
	for (unsigned fd = 0; fd < hi && fd < AGS_FDTAB_MAX; fd++)
		ags_fdtab[fd].flags &= (uint8_t)~AGS_FDF_COUNTED;
}

void ags_net_init(void)
{
	ags_in_shim++;
	ags_dns_init();
	ags_on_exit(at_exit);
	pthread_atfork(NULL, NULL, net_fork_child);
	ags_in_shim--;
}

#ifndef AGS_UNIT_TEST
/* After init (constructor 101): read the resolver files, hook exit and fork. */
__attribute__((constructor(110))) static void net_init(void)
{
	int saved = errno;

	if (ags_ready())
		ags_net_init();
	errno = saved;
}
#endif
