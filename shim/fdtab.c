/* SPDX-License-Identifier: MIT */
/* The per-fd table and its state machine: pure bookkeeping, no events, no system calls. */
#include "fdtab.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

/*
 * A vfork child shares its parent's memory: what it closes or dups before exec is its own
 * business and must not change the parent's table, so every writer here stands back there.
 */

struct ags_fdent ags_fdtab[AGS_FDTAB_MAX];
unsigned ags_fd_sock_hi;

static void reset(struct ags_fdent *e, enum ags_fd_kind kind)
{
	uint32_t gen = e->gen + 1;

	/* kind last: a reader on another thread sees either the old or the new entry. */
	__atomic_store_n(&e->kind, AGS_FDK_NONE, __ATOMIC_RELAXED);
	memset((char *)e + 1, 0, sizeof(*e) - 1);
	e->ep = -1;
	e->gen = gen;
	__atomic_store_n(&e->kind, (uint8_t)kind, __ATOMIC_RELEASE);
}

void ags_fd_set(int fd, enum ags_fd_kind kind)
{
	struct ags_fdent *e = ags_fd_get(fd);

	if (!e || AGS_UNLIKELY(ags_vfork_child))
		return;
	/* The success path of open: one store when the number was not a socket. */
	if (AGS_LIKELY(e->kind != AGS_FDK_SOCK) && kind != AGS_FDK_SOCK) {
		e->kind = (uint8_t)kind;
		return;
	}
	reset(e, kind);
}

void ags_fd_sock(int fd, int family, int type)
{
	struct ags_fdent *e = ags_fd_get(fd);
	unsigned hi;

	if (!e || AGS_UNLIKELY(ags_vfork_child))
		return;
	reset(e, AGS_FDK_SOCK);
	e->family = (uint16_t)family;
	e->type = (uint16_t)(type & 0xf);
	hi = __atomic_load_n(&ags_fd_sock_hi, __ATOMIC_RELAXED);
	while ((unsigned)fd >= hi &&
	       !__atomic_compare_exchange_n(&ags_fd_sock_hi, &hi, (unsigned)fd + 1, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void ags_fd_clear(int fd, struct ags_fdent *old)
{
	struct ags_fdent *e = ags_fd_get(fd);

	if (old) {
		if (e)
			*old = *e;
		else
			memset(old, 0, sizeof(*old));
	}
	if (!e || e->kind == AGS_FDK_NONE || AGS_UNLIKELY(ags_vfork_child))
		return;
	if (e->kind == AGS_FDK_SOCK)
		reset(e, AGS_FDK_NONE);
	else
		e->kind = AGS_FDK_NONE;
}

void ags_fd_dup(int oldfd, int newfd)
{
	struct ags_fdent *o = ags_fd_get(oldfd), *n = ags_fd_get(newfd);

	if (!n || AGS_UNLIKELY(ags_vfork_child))
		return;
	if (!o || o->kind != AGS_FDK_SOCK) {
		ags_fd_set(newfd, o ? (enum ags_fd_kind)o->kind : AGS_FDK_OTHER);
		return;
	}
	reset(n, AGS_FDK_NONE);
	*n = *o;
	n->gen++;
	/* The copy shares the connection: it neither counts nor ends it. */
	n->flags = (uint8_t)((n->flags | AGS_FDF_ALIAS) & ~AGS_FDF_COUNTED);
}

void ags_fd_clear_range(unsigned first, unsigned last)
{
	if (first >= AGS_FDTAB_MAX || AGS_UNLIKELY(ags_vfork_child))
		return;
	if (last >= AGS_FDTAB_MAX)
		last = AGS_FDTAB_MAX - 1;
	for (unsigned fd = first; fd <= last; fd++)
		if (ags_fdtab[fd].kind != AGS_FDK_NONE)
			ags_fd_clear((int)fd, NULL);
}

int ags_fd_set_peer(struct ags_fdent *e, const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return 0;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;

		if (len < (socklen_t)sizeof(*in))
			return 0;
		e->family = AF_INET;
		e->port = ntohs(in->sin_port);
		memset(e->addr, 0, sizeof(e->addr));
		memcpy(e->addr, &in->sin_addr, 4);
		return 1;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (len < (socklen_t)sizeof(*in6))
			return 0;
		e->family = AF_INET6;
		e->port = ntohs(in6->sin6_port);
		memcpy(e->addr, &in6->sin6_addr, 16);
		return 1;
	}
	case AF_UNIX:
		e->family = AF_UNIX;
		e->port = 0;
		memset(e->addr, 0, sizeof(e->addr));
		return 1;
	default: return 0;
	}
}

int ags_fd_finish_pending(struct ags_fdent *e, int err)
{
	uint8_t expect = AGS_SS_PENDING;
	uint8_t next = err ? AGS_SS_FAILED : AGS_SS_FRESH;

	return __atomic_compare_exchange_n(&e->state, &expect, next, 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

const char *ags_proto_name(int proto)
{
	switch (proto) {
	case AGS_PROTO_PG: return "postgresql";
	case AGS_PROTO_HTTP: return "http";
	case AGS_PROTO_WS: return "websocket";
	case AGS_PROTO_REDIS: return "redis";
	case AGS_PROTO_TLS: return "tls";
	default: return NULL;
	}
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A case-sensitive search for needle in the first n bytes of hay. */
static int has(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (hay[i] == needle[0] && !memcmp(hay + i, needle, k))
			return 1;
	return 0;
}

int ags_proto_sniff(const void *buf, size_t len, uint16_t port)
{
	const unsigned char *b = buf;
	size_t n = len < 512 ? len : 512;

	if (n >= 8) {
		uint32_t code = be32(b + 4);

		/* StartupMessage (protocol 3.0), SSLRequest, GSSENCRequest. */
		if (code == 0x00030000 || code == 80877103 || code == 80877104)
			return AGS_PROTO_PG;
	}
	if (n >= 3 && b[0] == 0x16 && b[1] == 0x03)
		return AGS_PROTO_TLS;
	if (n >= 4 && (!memcmp(b, "GET ", 4) || !memcmp(b, "POST", 4) || !memcmp(b, "PUT ", 4) ||
		       !memcmp(b, "HEAD", 4) || !memcmp(b, "DELE", 4) || !memcmp(b, "PATC", 4))) {
		if (has((const char *)b, n, "Upgrade: websocket") ||
		    has((const char *)b, n, "upgrade: websocket") ||
		    has((const char *)b, n, "Upgrade: WebSocket"))
			return AGS_PROTO_WS;
		return AGS_PROTO_HTTP;
	}
	if (n >= 1 && b[0] == '*' && (port == 6379 || (n >= 4 && b[1] >= '0' && b[1] <= '9')))
		return AGS_PROTO_REDIS;
	if (port == 5432)
		return AGS_PROTO_PG;
	if (port == 6379)
		return AGS_PROTO_REDIS;
	return AGS_PROTO_NONE;
}
