/* SPDX-License-Identifier: MIT */
/* What the network, fd and I/O wrappers share: endpoint totals, outcomes, fd exhaustion. */
#ifndef AGSHIM_SHIM_NET_H
#define AGSHIM_SHIM_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "emit.h"
#include "fdtab.h"

/*
 * Per-endpoint totals (address family, address, port; or a unix path).  A
 * fixed open-addressed table: a slot is claimed with compare-and-swap and
 * never given back, counters are atomic.  The shim writes single events for
 * the first AGS_EP_PLAIN ordinary outcomes of an endpoint and for up to
 * AGS_EP_NOTABLE notable ones (failures, slow connects, peer closes, I/O
 * errors, reconnects after one of those); the rest are counted, and every
 * endpoint's totals go out as a net_stats event at intervals and at exit.
 */
#define AGS_EP_MAX 256
#define AGS_EP_PLAIN 16
#define AGS_EP_NOTABLE 1024
#define AGS_EP_UNIX_NOTABLE 4 /* unix sockets: nscd and friends fail on every lookup */
#define AGS_HIST_BUCKETS 24
#define AGS_STATS_INTERVAL_NS (10ull * 1000000000ull)

struct ags_ep {
	uint32_t hash;	  /* 0 while free */
	uint8_t ready;	  /* key fields written */
	uint8_t last_bad; /* the previous connection failed or was ended by the peer */
	uint16_t family;
	uint16_t port;
	uint16_t dns;
	uint8_t addr[16];
	char path[108]; /* AF_UNIX */
	uint64_t connects, ok, failed, aborted;
	uint64_t peer_closes, resets, io_errors;
	int64_t open, peak;
	uint64_t plain_sent, notable_sent, aggregated, suppressed;
	uint64_t dur_sum_ns, dur_max_ns;
	uint64_t hist[AGS_HIST_BUCKETS];
	uint64_t touched; /* changes since the last net_stats */
};

/* Find or claim the endpoint of e (path for AF_UNIX); -1 when the table is full. */
int ags_ep_lookup(const struct ags_fdent *e, const char *unix_path, size_t path_len) AGS_HIDDEN;
/* The endpoint in slot i, or NULL. */
struct ags_ep *ags_ep_at(int slot) AGS_HIDDEN;
/* Decide whether one outcome gets its own event (1) or is only counted (0). */
int ags_ep_take(struct ags_ep *ep, int notable) AGS_HIDDEN;
/* Put family, addr and port (or path) of the entry into ev. */
void ags_ev_endpoint(struct ags_ev *ev, const struct ags_fdent *e) AGS_HIDDEN;
/* Numeric text of an IPv4 or IPv6 address into buf (>= 46 bytes); returns the length. */
size_t ags_fmt_addr(char *buf, int family, const uint8_t *addr) AGS_HIDDEN;
/* Bucket of a duration for AGS_K_HIST. */
int ags_hist_bucket(uint64_t dur_ns) AGS_HIDDEN;
/* Write net_stats for every touched endpoint (all of them when final). */
void ags_ep_stats_emit(int final) AGS_HIDDEN;
/* Every AGS_STATS_INTERVAL_NS, one caller writes the interval stats. */
void ags_stats_tick(uint64_t now_ns) AGS_HIDDEN;

/* Zero every endpoint's totals: a fork child does not own its parent's connections. */
void ags_ep_fork_child(void) AGS_HIDDEN;

/*
 * True when an I/O call on fd needs the slow path: fd is a tracked client
 * socket whose connect is pending, whose first exchange is not seen yet, or
 * an open one where the call failed or read end-of-stream.  For any other
 * descriptor it costs one bounds check and one load.
 */
static inline int ags_io_watch(int fd, long ret)
{
	const struct ags_fdent *e;

	if (AGS_UNLIKELY((unsigned)fd >= AGS_FDTAB_MAX))
		return 0;
	e = &ags_fdtab[fd];
	if (AGS_LIKELY(e->kind != AGS_FDK_SOCK))
		return 0;
	return e->state == AGS_SS_PENDING || e->state == AGS_SS_FRESH ||
	       (e->state == AGS_SS_OPEN && ret <= 0);
}

/* The pending or blocking connect of fd ended with err (0: connected). */
void ags_net_outcome(int fd, struct ags_fdent *e, int err, int via, uint64_t now_ns) AGS_HIDDEN;
/* fd is about to be closed or replaced: forget it and account for what it was. */
void ags_net_forget(int fd) AGS_HIDDEN;
/*
 * The slow path of the I/O wrappers on a tracked socket: out is 1 for
 * writes, buf/buf_len the first buffer of the call, ret and err what the
 * call gave.  Keeps errno.
 */
void ags_net_io(int fd, struct ags_fdent *e, int out, const void *buf, size_t buf_len, ssize_t ret,
		int err) AGS_HIDDEN;

/* Read the resolver context, register the exit and fork hooks; once, after init. */
void ags_net_init(void) AGS_HIDDEN;

/* An fd-creating call failed with EMFILE or ENFILE: write fd_exhaust.  Keeps errno. */
void ags_fd_exhaust(const char *call, int err) AGS_HIDDEN;
/*
 * A call just returned fd as a new descriptor.  When the table still holds
 * a socket there, the program closed it by a path the shim does not see
 * (libuv closes with syscall(SYS_close) on some paths): account for it now.
 */
static inline void ags_fd_reused(int fd)
{
	if (AGS_UNLIKELY(ags_fd_is_sock(fd)))
		ags_net_forget(fd);
}

/* A new descriptor of a kind the table only counts (pipe, epoll...). */
static inline void ags_fd_new_other(int fd)
{
	ags_fd_reused(fd);
	ags_fd_set(fd, AGS_FDK_OTHER);
}

#endif /* AGSHIM_SHIM_NET_H */
