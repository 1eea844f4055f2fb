/* SPDX-License-Identifier: MIT */
/* Per-endpoint connection totals, event budgets and the net_stats event. */
#include "net.h"

#include <string.h>
#include <sys/socket.h>

static struct ags_ep eps[AGS_EP_MAX];
static uint64_t next_stats_ns;

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static int same(const struct ags_ep *ep, const struct ags_fdent *e, const char *path, size_t plen)
{
	if (ep->family != e->family || ep->port != e->port)
		return 0;
	if (e->family == AF_UNIX)
		return strlen(ep->path) == plen && !memcmp(ep->path, path, plen);
	return !memcmp(ep->addr, e->addr, sizeof(ep->addr));
}

int ags_ep_lookup(const struct ags_fdent *e, const char *unix_path, size_t path_len)
{
	uint32_t h = 2166136261u;

	if (e->family == AF_UNIX) {
		if (path_len >= sizeof(eps[0].path))
			path_len = sizeof(eps[0].path) - 1;
		h = fnv(h, unix_path, path_len);
	} else {
		h = fnv(h, e->addr, sizeof(e->addr));
	}
	h = fnv(h, &e->port, sizeof(e->port));
	h = fnv(h, &e->family, sizeof(e->family));
	h |= 1;
	for (unsigned i = 0; i < AGS_EP_MAX; i++) {
		unsigned slot = (h + i) % AGS_EP_MAX;
		struct ags_ep *ep = &eps[slot];
		uint32_t cur = __atomic_load_n(&ep->hash, __ATOMIC_ACQUIRE);

		if (cur == 0) {
			uint32_t zero = 0;

			if (!__atomic_compare_exchange_n(&ep->hash, &zero, h, 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE)) {
				cur = zero;
				goto taken;
			}
			ep->family = e->family;
			ep->port = e->port;
			ep->dns = e->port == 53;
			memcpy(ep->addr, e->addr, sizeof(ep->addr));
			if (e->family == AF_UNIX && unix_path)
				memcpy(ep->path, unix_path, path_len);
			__atomic_store_n(&ep->ready, 1, __ATOMIC_RELEASE);
			return (int)slot;
		}
	taken:
		/* A slot being filled by another thread right now counts as a miss. */
		if (cur == h && __atomic_load_n(&ep->ready, __ATOMIC_ACQUIRE) &&
		    same(ep, e, unix_path, path_len))
			return (int)slot;
	}
	return -1;
}

struct ags_ep *ags_ep_at(int slot)
{
	if (slot < 0 || slot >= AGS_EP_MAX)
		return NULL;
	return &eps[slot];
}

int ags_ep_take(struct ags_ep *ep, int notable)
{
	uint64_t n;

	if (!ep)
		return notable;
	if (!ep->touched)
		ep->touched = 1;
	if (notable) {
		uint64_t cap = ep->family == AF_UNIX ? AGS_EP_UNIX_NOTABLE : AGS_EP_NOTABLE;

		n = __atomic_fetch_add(&ep->notable_sent, 1, __ATOMIC_RELAXED);
		if (n < cap)
			return 1;
		__atomic_fetch_add(&ep->suppressed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	/* Past the budget the plain path is two plain loads and one store. */
	if (ep->plain_sent >= AGS_EP_PLAIN) {
		ep->aggregated++;
		return 0;
	}
	n = __atomic_fetch_add(&ep->plain_sent, 1, __ATOMIC_RELAXED);
	if (n < AGS_EP_PLAIN)
		return 1;
	ep->aggregated++;
	return 0;
}

static size_t put_hex(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[4];
	size_t n = 0, i;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t ags_fmt_addr(char *buf, int family, const uint8_t *a)
{
	size_t n = 0;

	if (family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				buf[n++] = '.';
			n += ags_fmt_u64(buf + n, a[i]);
		}
		buf[n] = '\0';
		return n;
	}
	/* RFC 5952: the longest run of two or more zero groups becomes "::". */
	unsigned g[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best == 0 && best_len == 5 && g[5] == 0xffff) {
		memcpy(buf, "::ffff:", 7);
		n = 7 + ags_fmt_addr(buf + 7, AF_INET, a + 12);
		return n;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			buf[n++] = ':';
			buf[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (n && buf[n - 1] != ':')
			buf[n++] = ':';
		n += put_hex(buf + n, g[i]);
	}
	buf[n] = '\0';
	return n;
}

void ags_ev_endpoint(struct ags_ev *ev, const struct ags_fdent *e)
{
	char addr[64];
	struct ags_ep *ep = ags_ep_at(e->ep);

	switch (e->family) {
	case AF_INET:
	case AF_INET6:
		ags_ev_str(ev, AGS_K_FAMILY, e->family == AF_INET ? "inet" : "inet6");
		ags_fmt_addr(addr, e->family, e->addr);
		ags_ev_str(ev, AGS_K_ADDR, addr);
		ags_ev_int(ev, AGS_K_PORT, e->port);
		break;
	case AF_UNIX:
		ags_ev_str(ev, AGS_K_FAMILY, "unix");
		if (ep)
			ags_ev_str(ev, AGS_K_ADDR, ep->path);
		break;
	default: break;
	}
	if (e->type)
		ags_ev_str(ev, AGS_K_SOCKTYPE, e->type == SOCK_DGRAM ? "dgram" : "stream");
}

int ags_hist_bucket(uint64_t dur_ns)
{
	uint64_t us = dur_ns / 1000;
	int b = 0;

	while (us && b < AGS_HIST_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

static void emit_one(struct ags_ep *ep, int final)
{
	struct ags_ev ev;
	struct ags_fdent key = { .family = ep->family, .port = ep->port, .ep = -1 };
	int last = 0;

	memcpy(key.addr, ep->addr, sizeof(key.addr));
	key.ep = (int16_t)(ep - eps);
	ags_ev_begin(&ev, AGS_KIND_NET_STATS, NULL);
	ags_ev_endpoint(&ev, &key);
	if (ep->dns)
		ags_ev_int(&ev, AGS_K_DNS_TAG, 1);
	ags_ev_uint(&ev, AGS_K_CONNECTS, ep->connects);
	ags_ev_uint(&ev, AGS_K_OK, ep->ok);
	ags_ev_uint(&ev, AGS_K_FAILED, ep->failed);
	ags_ev_int(&ev, AGS_K_OPEN, ep->open);
	ags_ev_int(&ev, AGS_K_PEAK, ep->peak);
	ags_ev_uint(&ev, AGS_K_PEER_CLOSES, ep->peer_closes);
	ags_ev_uint(&ev, AGS_K_RESETS, ep->resets);
	ags_ev_uint(&ev, AGS_K_AGGREGATED, ep->aggregated);
	ags_ev_uint(&ev, AGS_K_SUPPRESSED, ep->suppressed);
	ags_ev_uint(&ev, AGS_K_DUR_SUM, ep->dur_sum_ns);
	ags_ev_uint(&ev, AGS_K_DUR_MAX, ep->dur_max_ns);
	for (int i = 0; i < AGS_HIST_BUCKETS; i++)
		if (ep->hist[i])
			last = i + 1;
	ags_ev_arr(&ev, AGS_K_HIST);
	for (int i = 0; i < last; i++)
		ags_ev_elem_int(&ev, (int64_t)ep->hist[i]);
	ags_ev_close(&ev);
	ags_ev_int(&ev, AGS_K_FINAL, final);
	ags_ev_emit(&ev);
}

void ags_ep_stats_emit(int final)
{
	for (int i = 0; i < AGS_EP_MAX; i++) {
		struct ags_ep *ep = &eps[i];

		if (!__atomic_load_n(&ep->ready, __ATOMIC_ACQUIRE) || !ep->connects)
			continue;
		if (!final && !__atomic_exchange_n(&ep->touched, 0, __ATOMIC_RELAXED))
			continue;
		emit_one(ep, final);
	}
}

void ags_stats_tick(uint64_t now_ns)
{
	uint64_t due = __atomic_load_n(&next_stats_ns, __ATOMIC_RELAXED);

	if (AGS_LIKELY(now_ns < due))
		return;
	if (!__atomic_compare_exchange_n(&next_stats_ns, &due, now_ns + AGS_STATS_INTERVAL_NS, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	if (due == 0)
		return; /* the first call only starts the clock */
	ags_in_shim++;
	ags_ep_stats_emit(0);
	ags_in_shim--;
}

void ags_ep_fork_child(void)
{
	for (int i = 0; i < AGS_EP_MAX; i++) {
		struct ags_ep *ep = &eps[i];

		ep->connects = ep->ok = ep->failed = ep->aborted = 0;
		ep->peer_closes = ep->resets = ep->io_errors = 0;
		ep->open = ep->peak = 0;
		ep->plain_sent = ep->notable_sent = ep->aggregated = ep->suppressed = 0;
		ep->dur_sum_ns = ep->dur_max_ns = 0;
		memset(ep->hist, 0, sizeof(ep->hist));
		ep->touched = 0;
	}
	next_stats_ns = 0;
}
