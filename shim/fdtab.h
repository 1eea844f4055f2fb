/* SPDX-License-Identifier: MIT */
/* The per-fd table: what each descriptor is, and where a socket's connect stands. */
#ifndef AGSHIM_SHIM_FDTAB_H
#define AGSHIM_SHIM_FDTAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "shim.h"

/*
 * One entry per descriptor number, indexed by fd, in a fixed array (zero
 * pages until touched).  Only the thread calling on an fd writes its entry,
 * except the pending-connect state, which moves with compare-and-swap so the
 * outcome is recorded once.  Descriptors at or above AGS_FDTAB_MAX are not
 * tracked.  Everything here is lock-free, allocation-free and
 * async-signal-safe.
 */
#define AGS_FDTAB_MAX 65536

enum ags_fd_kind {
	AGS_FDK_NONE = 0, /* unknown or closed: the I/O wrappers look no further */
	AGS_FDK_SOCK,	  /* an inet/unix socket created or accepted by the program */
	AGS_FDK_FILE,	  /* a file from open/openat/creat/fopen */
	AGS_FDK_OTHER,	  /* pipe, epoll, eventfd...: counted only */
};

enum ags_sock_state {
	AGS_SS_IDLE = 0, /* socket(), no connect yet */
	AGS_SS_PENDING,	 /* connect returned EINPROGRESS; outcome not known */
	AGS_SS_FRESH,	 /* connected; first write and read not seen yet */
	AGS_SS_OPEN,	 /* connected and past the first exchange */
	AGS_SS_FAILED,	 /* the connect failed; socket still open */
	AGS_SS_ENDED,	 /* the peer closed or reset; socket still open */
	AGS_SS_LISTEN,	 /* accepted-from or listening: not a client connection */
};

/* Entry flags. */
#define AGS_FDF_DNS 0x01      /* connected to port 53 */
#define AGS_FDF_ACCEPTED 0x02 /* came from accept: the server side */
#define AGS_FDF_ALIAS 0x04    /* a dup of another tracked fd: no accounting */
#define AGS_FDF_WROTE 0x08    /* first write seen */
#define AGS_FDF_READ 0x10     /* first read seen */
#define AGS_FDF_COUNTED 0x20  /* counted in its endpoint's open connections */

/* How a pending connect's outcome became known. */
enum ags_via {
	AGS_VIA_CALL = 0, /* the connect call itself (blocking) */
	AGS_VIA_SOCKOPT,  /* getsockopt(SO_ERROR) */
	AGS_VIA_WRITE,	  /* first write/send */
	AGS_VIA_READ,	  /* first read/recv */
	AGS_VIA_POLL,	  /* a second connect() call (EISCONN, EALREADY...) */
	AGS_VIA_CLOSE,	  /* closed while pending: the application gave up */
	AGS_VIA_EXIT,	  /* still pending at exit */
};

/* Known application protocols, from the first bytes the client wrote. */
enum ags_proto {
	AGS_PROTO_NONE = 0,
	AGS_PROTO_PG,
	AGS_PROTO_HTTP,
	AGS_PROTO_WS,
	AGS_PROTO_REDIS,
	AGS_PROTO_TLS,
};

struct ags_fdent {
	uint8_t kind;	 /* enum ags_fd_kind; 0 keeps the I/O wrappers on their fast path */
	uint8_t state;	 /* enum ags_sock_state */
	uint8_t flags;	 /* AGS_FDF_* */
	uint8_t proto;	 /* enum ags_proto */
	uint16_t family; /* AF_INET, AF_INET6, AF_UNIX */
	uint16_t port;	 /* host byte order */
	int16_t ep;	 /* endpoint slot, -1 when none */
	uint16_t type;	 /* SOCK_STREAM, SOCK_DGRAM */
	uint32_t gen;	 /* bumped on every reuse of the number */
	uint8_t addr[16];
	uint64_t start_ns; /* monotonic: connect started */
	uint64_t open_ns;  /* monotonic: connection established */
	uintptr_t caller;  /* return address of the connect call */
};

extern struct ags_fdent ags_fdtab[AGS_FDTAB_MAX] AGS_HIDDEN;

/* The entry for fd, or NULL when fd is out of range.  The I/O fast path. */
static inline struct ags_fdent *ags_fd_get(int fd)
{
	if (AGS_UNLIKELY((unsigned)fd >= AGS_FDTAB_MAX))
		return NULL;
	return &ags_fdtab[fd];
}

/* True when fd is a tracked socket: one bounds check and one load. */
static inline int ags_fd_is_sock(int fd)
{
	return (unsigned)fd < AGS_FDTAB_MAX && ags_fdtab[fd].kind == AGS_FDK_SOCK;
}

/* Remember what a new descriptor is; clears whatever the number held before. */
void ags_fd_set(int fd, enum ags_fd_kind kind) AGS_HIDDEN;
/* A new socket of the given address family and type. */
void ags_fd_sock(int fd, int family, int type) AGS_HIDDEN;
/* One past the highest fd ever recorded as a socket: the bound of exit-time scans. */
extern unsigned ags_fd_sock_hi AGS_HIDDEN;
/* Forget fd (closed).  Returns the entry as it was, copied into *old when non-NULL. */
void ags_fd_clear(int fd, struct ags_fdent *old) AGS_HIDDEN;
/* newfd now refers to what oldfd does (dup family). */
void ags_fd_dup(int oldfd, int newfd) AGS_HIDDEN;
/* Forget every fd in [first, last]. */
void ags_fd_clear_range(unsigned first, unsigned last) AGS_HIDDEN;

/*
 * Store the peer of sa into e (family, addr, port); returns 0 when the
 * address family is not one the table follows.  For AF_UNIX the path goes
 * into the endpoint table only, by ags_ep_lookup.
 */
int ags_fd_set_peer(struct ags_fdent *e, const struct sockaddr *sa, socklen_t len) AGS_HIDDEN;

/*
 * The pending connect on e ends now.  Returns 1 for exactly one caller (the
 * one that moved the state from PENDING), which then records the outcome;
 * err 0 is success and makes the entry FRESH, anything else FAILED.
 */
int ags_fd_finish_pending(struct ags_fdent *e, int err) AGS_HIDDEN;

/* Protocol name, or NULL. */
const char *ags_proto_name(int proto) AGS_HIDDEN;
/* Guess the protocol from the first bytes a client wrote. */
int ags_proto_sniff(const void *buf, size_t len, uint16_t port) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_FDTAB_H */
