/* SPDX-License-Identifier: MIT */
/* getaddrinfo, getnameinfo and gethostbyname*: what was asked, what came back, how long. */
#include "resolv.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "net.h"
#include "real.h"

/*
 * Node's dns.lookup, fetch and every client library resolve through
 * getaddrinfo on libuv's threadpool, so several lookups run at once: the
 * per-name table below is claimed with compare-and-swap and counted with
 * atomics.  A name's first AGS_DNS_PLAIN successful lookups and up to
 * AGS_DNS_NOTABLE failed or slow ones get their own event; the rest are
 * counted and written as dns_stats at exit.
 */
#define AGS_DNS_NAMES 256
#define AGS_DNS_PLAIN 4
#define AGS_DNS_NOTABLE 256
#define ADDRS_SHOWN 4

struct name {
	uint32_t hash;
	uint8_t ready;
	char host[128];
	uint64_t lookups, failed, plain_sent, notable_sent, aggregated, suppressed;
	uint64_t dur_sum_ns, dur_max_ns;
	uint64_t hist[AGS_HIST_BUCKETS];
};

static struct name names[AGS_DNS_NAMES];

const char *ags_eai_name(int code)
{
	switch (code) {
	case EAI_BADFLAGS: return "EAI_BADFLAGS";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
	case EAI_SERVICE: return "EAI_SERVICE";
	case EAI_MEMORY: return "EAI_MEMORY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	case EAI_OVERFLOW: return "EAI_OVERFLOW";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
	case EAI_CANCELED: return "EAI_CANCELED";
	default: return NULL;
	}
}

static const char *herr_name(int h)
{
	switch (h) {
	case HOST_NOT_FOUND: return "HOST_NOT_FOUND";
	case TRY_AGAIN: return "TRY_AGAIN";
	case NO_RECOVERY: return "NO_RECOVERY";
	case NO_DATA: return "NO_DATA";
	default: return NULL;
	}
}

static struct name *name_slot(const char *host)
{
	uint32_t h = 2166136261u;
	size_t len = host ? strlen(host) : 0;

	if (len >= sizeof(names[0].host))
		len = sizeof(names[0].host) - 1;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)host[i]) * 16777619u;
	h |= 1;
	for (unsigned i = 0; i < AGS_DNS_NAMES; i++) {
		struct name *n = &names[(h + i) % AGS_DNS_NAMES];
		uint32_t cur = __atomic_load_n(&n->hash, __ATOMIC_ACQUIRE);

		if (cur == 0) {
			uint32_t zero = 0;

			if (__atomic_compare_exchange_n(&n->hash, &zero, h, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				memcpy(n->host, host ? host : "", len);
				n->host[len] = '\0';
				__atomic_store_n(&n->ready, 1, __ATOMIC_RELEASE);
				return n;
			}
			cur = zero;
		}
		if (cur == h && __atomic_load_n(&n->ready, __ATOMIC_ACQUIRE) &&
		    strlen(n->host) == len && !memcmp(n->host, host ? host : "", len))
			return n;
	}
	return NULL;
}

/* Count the lookup; 1 when it gets its own event.  Totals other than lookups are racy-cheap. */
static int account(struct name *n, int failed, uint64_t dur)
{
	int notable = failed || dur >= ags_cfg.slow_dns_ms * 1000000ull;
	uint64_t k;

	if (!n)
		return 1;
	k = __atomic_fetch_add(&n->lookups, 1, __ATOMIC_RELAXED);
	n->dur_sum_ns += dur;
	n->hist[ags_hist_bucket(dur)]++;
	if (dur > n->dur_max_ns)
		n->dur_max_ns = dur;
	if (notable) {
		if (failed)
			__atomic_fetch_add(&n->failed, 1, __ATOMIC_RELAXED);
		k = __atomic_fetch_add(&n->notable_sent, 1, __ATOMIC_RELAXED);
		if (k < AGS_DNS_NOTABLE)
			return 1;
		__atomic_fetch_add(&n->suppressed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (k < AGS_DNS_PLAIN) {
		n->plain_sent++;
		return 1;
	}
	n->aggregated++;
	return 0;
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_UNSPEC: return "any";
	default: return "other";
	}
}

static void put_addr(struct ags_ev *ev, const struct sockaddr *sa)
{
	char buf[64];

	if (sa->sa_family == AF_INET)
		ags_fmt_addr(buf, AF_INET,
			     (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		ags_fmt_addr(buf, AF_INET6,
			     (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		return;
	ags_ev_elem_str(ev, buf);
}

/* The common part of every dns event; the caller adds the result and emits. */
static void begin(struct ags_ev *ev, const char *call, const char *host, int family, uint64_t dur)
{
	ags_ev_begin(ev, AGS_KIND_DNS, call);
	ags_ev_str(ev, AGS_K_HOST, host);
	ags_ev_str(ev, AGS_K_FAMILY, family_name(family));
	ags_ev_uint(ev, AGS_K_DUR, dur);
}

AGS_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			   struct addrinfo **res)
{
	uint64_t start, dur;
	int ret, err;
	struct name *n;
	struct ags_ev ev;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(getaddrinfo)(node, service, hints, res);
	start = ags_mono_ns();
	ret = REAL(getaddrinfo)(node, service, hints, res);
	err = errno;
	dur = ags_mono_ns() - start;

	ags_in_shim++;
	n = name_slot(node);
	if (account(n, ret != 0, dur)) {
		int count = 0;

		begin(&ev, "getaddrinfo", node, hints ? hints->ai_family : AF_UNSPEC, dur);
		ags_ev_str(&ev, AGS_K_SERVICE, service);
		ags_ev_int(&ev, AGS_K_RET, ret);
		if (ret != 0) {
			const char *name = ags_eai_name(ret);

			ags_ev_str(&ev, AGS_K_ERR, name ? name : "EAI_UNKNOWN");
			if (ret == EAI_SYSTEM)
				ags_ev_errno(&ev, err);
		} else if (res && *res) {
			ags_ev_arr(&ev, AGS_K_ADDRS);
			for (const struct addrinfo *a = *res; a; a = a->ai_next) {
				/* One address per socket type comes back: show each once. */
				if (a->ai_socktype && a->ai_socktype != SOCK_STREAM &&
				    (!hints || hints->ai_socktype == 0))
					continue;
				if (count++ < ADDRS_SHOWN && a->ai_addr)
					put_addr(&ev, a->ai_addr);
			}
			ags_ev_close(&ev);
			ags_ev_int(&ev, AGS_K_NADDR, count);
		}
		if (n && n->lookups <= 1)
			ags_ev_int(&ev, "first", 1);
		ags_ev_resolver(&ev, &ags_resolv);
		ags_ev_emit(&ev);
	}
	ags_in_shim--;
	errno = err;
	return ret;
}

AGS_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
			   socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	uint64_t start, dur;
	int ret, err;
	struct ags_ev ev;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	start = ags_mono_ns();
	ret = REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	err = errno;
	dur = ags_mono_ns() - start;
	/* Reverse lookups: only failures and slow ones are worth a line. */
	if (ret != 0 || dur >= ags_cfg.slow_dns_ms * 1000000ull) {
		ags_in_shim++;
		begin(&ev, "getnameinfo", ret == 0 && host ? host : NULL,
		      sa ? sa->sa_family : AF_UNSPEC, dur);
		ags_ev_arr(&ev, AGS_K_ADDRS);
		if (sa)
			put_addr(&ev, sa);
		ags_ev_close(&ev);
		ags_ev_int(&ev, AGS_K_RET, ret);
		if (ret != 0) {
			const char *name = ags_eai_name(ret);

			ags_ev_str(&ev, AGS_K_ERR, name ? name : "EAI_UNKNOWN");
			if (ret == EAI_SYSTEM)
				ags_ev_errno(&ev, err);
			ags_ev_resolver(&ev, &ags_resolv);
		}
		ags_ev_emit(&ev);
		ags_in_shim--;
	}
	errno = err;
	return ret;
}

/* The hostent calls report through h_errno; NULL or a nonzero code is a failure. */
static void hostent_done(const char *call, const char *name, int family, uint64_t start,
			 const struct hostent *he, int herr)
{
	uint64_t dur = ags_mono_ns() - start;
	struct ags_ev ev;
	int count = 0;

	ags_in_shim++;
	if (account(name_slot(name), !he, dur)) {
		begin(&ev, call, name, family, dur);
		ags_ev_int(&ev, AGS_K_RET, he ? 0 : -1);
		if (!he) {
			const char *hn = herr_name(herr);

			ags_ev_str(&ev, AGS_K_ERR, hn ? hn : "HOST_UNKNOWN");
			ags_ev_resolver(&ev, &ags_resolv);
		} else {
			ags_ev_arr(&ev, AGS_K_ADDRS);
			for (char **a = he->h_addr_list; a && *a; a++)
				if (count++ < ADDRS_SHOWN) {
					char buf[64];

					ags_fmt_addr(buf, he->h_addrtype, (const uint8_t *)*a);
					ags_ev_elem_str(&ev, buf);
				}
			ags_ev_close(&ev);
			ags_ev_int(&ev, AGS_K_NADDR, count);
		}
		ags_ev_emit(&ev);
	}
	ags_in_shim--;
}

AGS_EXPORT struct hostent *gethostbyname(const char *name)
{
	struct hostent *he;
	uint64_t start;
	int err;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(gethostbyname)(name);
	start = ags_mono_ns();
	he = REAL(gethostbyname)(name);
	err = errno;
	hostent_done("gethostbyname", name, AF_INET, start, he, h_errno);
	errno = err;
	return he;
}

AGS_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	struct hostent *he;
	uint64_t start;
	int err;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(gethostbyname2)(name, af);
	start = ags_mono_ns();
	he = REAL(gethostbyname2)(name, af);
	err = errno;
	hostent_done("gethostbyname2", name, af, start, he, h_errno);
	errno = err;
	return he;
}

AGS_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t len,
			       struct hostent **result, int *herr)
{
	uint64_t start;
	int rc, err;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(gethostbyname_r)(name, ret, buf, len, result, herr);
	start = ags_mono_ns();
	rc = REAL(gethostbyname_r)(name, ret, buf, len, result, herr);
	err = errno;
	/* ERANGE asks the caller for a larger buffer: not a lookup outcome. */
	if (rc != ERANGE)
		hostent_done("gethostbyname_r", name, AF_INET, start, result ? *result : NULL,
			     herr ? *herr : 0);
	errno = err;
	return rc;
}

AGS_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
				size_t len, struct hostent **result, int *herr)
{
	uint64_t start;
	int rc, err;

	if (!ags_tracing(AGS_FAM_DNS))
		return REAL(gethostbyname2_r)(name, af, ret, buf, len, result, herr);
	start = ags_mono_ns();
	rc = REAL(gethostbyname2_r)(name, af, ret, buf, len, result, herr);
	err = errno;
	if (rc != ERANGE)
		hostent_done("gethostbyname2_r", name, af, start, result ? *result : NULL,
			     herr ? *herr : 0);
	errno = err;
	return rc;
}

void ags_dns_stats_emit(int final)
{
	for (int i = 0; i < AGS_DNS_NAMES; i++) {
		struct name *n = &names[i];
		struct ags_ev ev;
		int last = 0;

		if (!__atomic_load_n(&n->ready, __ATOMIC_ACQUIRE) || !n->lookups)
			continue;
		ags_ev_begin(&ev, AGS_KIND_DNS_STATS, NULL);
		ags_ev_str(&ev, AGS_K_HOST, n->host);
		ags_ev_uint(&ev, "lookups", n->lookups);
		ags_ev_uint(&ev, AGS_K_FAILED, n->failed);
		ags_ev_uint(&ev, AGS_K_AGGREGATED, n->aggregated);
		ags_ev_uint(&ev, AGS_K_SUPPRESSED, n->suppressed);
		ags_ev_uint(&ev, AGS_K_DUR_SUM, n->dur_sum_ns);
		ags_ev_uint(&ev, AGS_K_DUR_MAX, n->dur_max_ns);
		for (int b = 0; b < AGS_HIST_BUCKETS; b++)
			if (n->hist[b])
				last = b + 1;
		ags_ev_arr(&ev, AGS_K_HIST);
		for (int b = 0; b < last; b++)
			ags_ev_elem_int(&ev, (int64_t)n->hist[b]);
		ags_ev_close(&ev);
		ags_ev_int(&ev, AGS_K_FINAL, final);
		ags_ev_emit(&ev);
	}
}
