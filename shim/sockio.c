/* SPDX-License-Identifier: MIT */
/* The read/write/send/recv family: on tracked sockets only, errors and end-of-stream. */
#include "net.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "real.h"

/*
 * Every wrapper here calls the real function first and returns its result
 * untouched.  ags_io_watch() keeps the common case (a file, a pipe, an open
 * connection moving bytes) to one bounds check and one or two loads.
 */

/* glibc's fortify entry points; declared by its headers only under _FORTIFY_SOURCE. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *sa,
		       socklen_t *len);

static int io_error_notable(int err)
{
	switch (err) {
	case ECONNRESET:
	case EPIPE:
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ECONNREFUSED:
	case ECONNABORTED:
	case ENETDOWN:
	case ENETRESET: return 1;
	default: return 0;
	}
}

/* The server's first bytes, when they are a PostgreSQL ErrorResponse. */
static void pg_error(struct ags_ev *ev, const unsigned char *b, size_t n)
{
	size_t i = 5;

	if (n < 6 || b[0] != 'E')
		return;
	while (i < n && b[i]) {
		unsigned char field = b[i++];
		size_t start = i;

		while (i < n && b[i])
			i++;
		if (field == 'C')
			ags_ev_strn(ev, AGS_K_SQLSTATE, (const char *)b + start, i - start);
		else if (field == 'M')
			ags_ev_strn(ev, AGS_K_MSG, (const char *)b + start,
				    i - start > 200 ? 200 : i - start);
		i++;
	}
}

static void sock_event(int fd, struct ags_fdent *e, const char *what, const char *call, int err,
		       const unsigned char *buf, size_t n, int answered)
{
	struct ags_ev ev;
	uint64_t now = ags_mono_ns();

	ags_ev_begin(&ev, AGS_KIND_SOCK, call);
	ags_ev_str(&ev, AGS_K_WHAT, what);
	ags_ev_int(&ev, AGS_K_FD, fd);
	ags_ev_endpoint(&ev, e);
	ags_ev_errno(&ev, err);
	if (e->proto)
		ags_ev_str(&ev, AGS_K_PROTO, ags_proto_name(e->proto));
	if (e->open_ns)
		ags_ev_uint(&ev, AGS_K_LIFE, now - e->open_ns);
	if (e->flags & AGS_FDF_DNS)
		ags_ev_int(&ev, AGS_K_DNS_TAG, 1);
	if (answered)
		ags_ev_int(&ev, AGS_K_ANSWERED, 1);
	if (buf)
		pg_error(&ev, buf, n);
	ags_ev_emit(&ev);
}

/* The connection ended badly (peer close or error): count it, maybe say it. */
static void ended(int fd, struct ags_fdent *e, const char *what, int err)
{
	struct ags_ep *ep = ags_ep_at(e->ep);
	/* Both sides had spoken: a session that ended, not a connection turned away. */
	int answered = e->state == AGS_SS_OPEN;

	if (e->type != SOCK_DGRAM)
		e->state = AGS_SS_ENDED;
	if (ep) {
		__atomic_store_n(&ep->last_bad, 1, __ATOMIC_RELAXED);
		if (err == ECONNRESET)
			__atomic_fetch_add(&ep->resets, 1, __ATOMIC_RELAXED);
		else if (err)
			__atomic_fetch_add(&ep->io_errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&ep->peer_closes, 1, __ATOMIC_RELAXED);
	}
	if (ags_ep_take(ep, 1))
		sock_event(fd, e, what, NULL, err, NULL, 0, answered);
}

void ags_net_io(int fd, struct ags_fdent *e, int out, const void *buf, size_t buf_len, ssize_t ret,
		int err)
{
	size_t seen = ret > 0 ? ((size_t)ret < buf_len ? (size_t)ret : buf_len) : 0;

	if (!ags_tracing(AGS_FAM_NET))
		return;
	ags_in_shim++;
	if (e->state == AGS_SS_PENDING) {
		int res = ret >= 0 ? 0 : err;

		if (ret < 0 && (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
				err == ENOTCONN || err == EINPROGRESS))
			goto out;
		if (ags_fd_finish_pending(e, res))
			ags_net_outcome(fd, e, res, out ? AGS_VIA_WRITE : AGS_VIA_READ,
					ags_mono_ns());
		if (res)
			goto out;
	}
	if (e->state == AGS_SS_FRESH && seen) {
		if (out && !(e->flags & AGS_FDF_WROTE)) {
			e->flags |= AGS_FDF_WROTE;
			if (!e->proto)
				e->proto = (uint8_t)ags_proto_sniff(buf, seen, e->port);
		} else if (!out && !(e->flags & AGS_FDF_READ)) {
			const unsigned char *b = buf;

			e->flags |= AGS_FDF_READ;
			if (e->proto == AGS_PROTO_PG && b[0] == 'E') {
				/* A FATAL before authentication: the server is ending it. */
				if (ags_ep_take(ags_ep_at(e->ep), 1))
					sock_event(fd, e, "server_error", NULL, 0, b, seen, 0);
				e->state = AGS_SS_ENDED;
				goto out;
			}
		}
		if ((e->flags & (AGS_FDF_WROTE | AGS_FDF_READ)) == (AGS_FDF_WROTE | AGS_FDF_READ))
			e->state = AGS_SS_OPEN;
	}
	if (e->state != AGS_SS_FRESH && e->state != AGS_SS_OPEN)
		goto out;
	if (ret == 0 && !out && e->type != SOCK_DGRAM)
		ended(fd, e, "peer_close", 0);
	else if (ret < 0 && io_error_notable(err))
		ended(fd, e, "error", err);
out:
	ags_in_shim--;
	errno = err;
}

#define WATCH(fd, ret, out, buf, len)                                                          \
	do {                                                                                   \
		if (AGS_UNLIKELY(ags_io_watch((fd), (long)(ret))))                             \
			ags_net_io((fd), &ags_fdtab[(fd)], (out), (buf), (len), (ret), errno); \
	} while (0)

AGS_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r = REAL(read)(fd, buf, n);

	WATCH(fd, r, 0, buf, n);
	return r;
}

AGS_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t r = REAL(write)(fd, buf, n);

	WATCH(fd, r, 1, buf, n);
	return r;
}

AGS_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	ssize_t r = REAL(__read_chk)(fd, buf, n, buflen);

	WATCH(fd, r, 0, buf, n);
	return r;
}

AGS_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r = REAL(readv)(fd, iov, cnt);

	WATCH(fd, r, 0, cnt > 0 ? iov[0].iov_base : NULL, cnt > 0 ? iov[0].iov_len : 0);
	return r;
}

AGS_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r = REAL(writev)(fd, iov, cnt);

	WATCH(fd, r, 1, cnt > 0 ? iov[0].iov_base : NULL, cnt > 0 ? iov[0].iov_len : 0);
	return r;
}

AGS_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t r = REAL(send)(fd, buf, n, flags);

	WATCH(fd, r, 1, buf, n);
	return r;
}

AGS_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t r = REAL(recv)(fd, buf, n, flags);

	if (!(flags & MSG_PEEK))
		WATCH(fd, r, 0, buf, n);
	return r;
}

AGS_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	ssize_t r = REAL(__recv_chk)(fd, buf, n, buflen, flags);

	if (!(flags & MSG_PEEK))
		WATCH(fd, r, 0, buf, n);
	return r;
}

AGS_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa,
			  socklen_t len)
{
	ssize_t r = REAL(sendto)(fd, buf, n, flags, sa, len);

	WATCH(fd, r, 1, buf, n);
	return r;
}

AGS_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
			    socklen_t *len)
{
	ssize_t r = REAL(recvfrom)(fd, buf, n, flags, sa, len);

	if (!(flags & MSG_PEEK))
		WATCH(fd, r, 0, buf, n);
	return r;
}

AGS_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				  struct sockaddr *sa, socklen_t *len)
{
	ssize_t r = REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, sa, len);

	if (!(flags & MSG_PEEK))
		WATCH(fd, r, 0, buf, n);
	return r;
}

static const void *first_base(const struct msghdr *m)
{
	return m && m->msg_iovlen > 0 ? m->msg_iov[0].iov_base : NULL;
}

static size_t first_len(const struct msghdr *m)
{
	return m && m->msg_iovlen > 0 ? m->msg_iov[0].iov_len : 0;
}

AGS_EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	ssize_t r = REAL(sendmsg)(fd, m, flags);

	WATCH(fd, r, 1, first_base(m), first_len(m));
	return r;
}

AGS_EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t r = REAL(recvmsg)(fd, m, flags);

	if (!(flags & MSG_PEEK))
		WATCH(fd, r, 0, first_base(m), first_len(m));
	return r;
}

AGS_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	int r = REAL(sendmmsg)(fd, v, n, flags);

	/* A count of messages, not bytes: only failures and the first one matter. */
	WATCH(fd, r, 1, r > 0 ? first_base(&v[0].msg_hdr) : NULL,
	      r > 0 ? (v[0].msg_len < first_len(&v[0].msg_hdr) ? v[0].msg_len
							       : first_len(&v[0].msg_hdr))
		    : 0);
	return r;
}

AGS_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
			struct timespec *timeout)
{
	int r = REAL(recvmmsg)(fd, v, n, flags, timeout);

	/* Datagrams only (recvmmsg on a stream is not used): 0 is no message, not EOF. */
	if (r != 0)
		WATCH(fd, r, 0, r > 0 ? first_base(&v[0].msg_hdr) : NULL,
		      r > 0 ? (v[0].msg_len < first_len(&v[0].msg_hdr) ? v[0].msg_len
								       : first_len(&v[0].msg_hdr))
			    : 0);
	return r;
}
